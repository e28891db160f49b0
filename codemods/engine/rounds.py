"""The rounds that settle the repository's wrappers: each re-transforms the files that mention an
exported wrapper, until the exports and the blocked wrappers no longer change
(``codemods.planning.wrappers``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Final

from codemods.engine.workers import Done, Task, TransformSetup, Workers, transform_all
from codemods.planning.wrappers import blocked_reason
from codemods.results.wrappers import Export, WrapperState

#: Rounds of wrapper resolution before the engine stops (each round only re-reads the files involved).
MAX_WRAPPER_ROUNDS: Final = 6


def _exports(done: Iterable[Done]) -> tuple[Export, ...]:
    found = {e for d in done if d.outcome is not None and d.outcome.error is None for e in d.outcome.exports}
    return tuple(sorted(found, key=lambda e: e.key))


def _mentions(task: Task, done: Done | None, names: Sequence[bytes]) -> bool:
    data = done.outcome.original if done is not None and done.outcome is not None else None
    if data is None:
        try:
            data = Path(task.path).read_bytes()
        except OSError:
            return False
    return any(name in data for name in names)


def settle_wrappers(
    done: list[Done], tasks: list[Task], setup: TransformSetup, workers: Workers
) -> list[Done]:
    """Migrate the wrappers the first pass exported together with their callers, in rounds.

    Each round re-transforms the files that mention an exported wrapper, knowing every export and the
    wrappers blocked so far; a wrapper with a caller that cannot be adapted is blocked, and the rounds go
    on until the exports and the blocked wrappers no longer change (see ``codemods.planning.wrappers``).
    """
    by_index = {d.index: d for d in done}
    blocked: dict[str, str] = {}
    involved: set[int] = set()
    exports = _exports(by_index.values())
    for _ in range(MAX_WRAPPER_ROUNDS):
        if not exports:
            break
        names = sorted({e.name.encode() for e in exports})
        involved |= {
            t.index for t in tasks if t.index not in involved and _mentions(t, by_index.get(t.index), names)
        }
        state = WrapperState(True, exports, dict(blocked), setup.wrapper_state.declared)
        again = [t for t in tasks if t.index in involved]
        for d in transform_all(again, replace(setup, wrapper_state=state, prefilter=False), workers, None):
            by_index[d.index] = d
        now = _exports(by_index.values())
        by_name = {e.key: e for e in now}
        newly = {
            use.qualified_name: blocked_reason(by_name[use.qualified_name], use)
            for d in sorted(by_index.values(), key=lambda d: d.index)
            if d.outcome is not None and d.outcome.error is None
            for use in d.outcome.uses
            if use.problem is not None and use.qualified_name in by_name and use.qualified_name not in blocked
        }
        if not newly and now == exports:
            break
        blocked.update(newly)
        exports = now
    return list(by_index.values())
