"""Runs the migration over files: discovery, pre-filter, parallel transform, atomic writes.

The parent process finds the files, indexes the string constants of the few that may matter (so that a
URL built from another module's constants can be read), and hands the paths, in chunks, to worker
processes that read, pre-filter and transform them; each worker receives the index once, when it starts.
Only the files that may hold a call site travel back with their bytes.
One file's failure, whatever it is, becomes that file's error and the run goes on. Results are sorted by
display path, so the number of workers never changes the output. Nothing here prints.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from codemods.engine.discovery import Candidate, DiscoveryError, discover
from codemods.engine.files import FileError, Snapshot, write_atomic
from codemods.engine.helper_module import (
    HELPER_DIFFERS,
    HELPER_MISSING,
    dotted_module_name,
    helper_display,
    helper_names_used,
    helper_outcome,
    helper_path,
)
from codemods.engine.indexing import build_index, module_name
from codemods.engine.journal import Planned, recording, take_over
from codemods.engine.options import RunOptions
from codemods.engine.rounds import settle_wrappers
from codemods.engine.workers import Done, Task, TransformSetup, transform_all
from codemods.reading.notebooks import NOTEBOOK_SUFFIX
from codemods.results.findings import FileOutcome, HelperOutcome, RunResult, Status
from codemods.results.wrappers import WrapperState


def _write(done: Done, outcome: FileOutcome) -> FileOutcome:
    if not outcome.changed:
        return outcome
    expected = Snapshot(outcome.original, done.mtime_ns, done.size, done.mode, 0, 0)
    try:
        write_atomic(Path(outcome.path), outcome.migrated, expected)
    except FileError as e:
        return FileOutcome(
            outcome.path,
            outcome.display_path,
            original=outcome.original,
            migrated=outcome.migrated,
            findings=outcome.findings,
            secrets=outcome.secrets,
            error=e.reason,
        )
    return FileOutcome(
        outcome.path,
        outcome.display_path,
        original=outcome.original,
        migrated=outcome.migrated,
        findings=outcome.findings,
        secrets=outcome.secrets,
        written=True,
    )


def _write_unless_held(
    done: Done, outcome: FileOutcome, helper: HelperOutcome | None, write: bool
) -> FileOutcome:
    """The file written (with ``write``), unless the helper module its new code needs cannot be had: then
    it stays as it was, and its outcome says why."""
    if helper is not None and helper.error not in (None, HELPER_DIFFERS) and outcome.changed:
        reason = HELPER_MISSING.format(helper=helper.display_path, reason=helper.error)
        return replace(outcome, error=reason)
    return _write(done, outcome) if write else outcome


# --- an interrupted apply is taken up by the next (see ``codemods.engine.journal``) ---------------------


def _run_root(options: RunOptions) -> Path:
    """Where the journal of a run goes: its first PATH, or that file's directory."""
    first = Path(os.path.abspath(options.paths[0]))
    return first if first.is_dir() else first.parent


def _take_over(options: RunOptions, candidates: Sequence[Candidate], helper: Path) -> tuple[str, ...]:
    """What an earlier, interrupted ``apply`` left that this one takes up (its journal, the temporary
    files beside the files it was writing), removed; one line each."""
    directories = {Path(os.path.realpath(c.path)).parent for c in candidates}
    return take_over(_run_root(options), [_run_root(options), *sorted(directories), helper.parent])


def _journal(
    options: RunOptions, done: Sequence[Done], helper: Path | None
) -> contextlib.AbstractContextManager[None]:
    """The journal of the writes of an ``apply``: what it is about to change, kept until it is done."""
    if not options.write:
        return contextlib.nullcontext()
    planned = [
        Planned(d.outcome.path, d.outcome.display_path, d.outcome.original, d.outcome.migrated)
        for d in done
        if d.outcome is not None and d.outcome.changed
    ]
    created = str(helper) if helper is not None and not os.path.lexists(helper) else None
    return recording(_run_root(options), planned, created)


def _is_helper(candidate: Candidate, helper: Path) -> bool:
    if candidate.path.name != helper.name:
        return False
    return os.path.realpath(candidate.path) == os.path.realpath(helper)


def _transformed(candidates: Sequence[Candidate], only: frozenset[Path] | None) -> list[int]:
    """The positions of the candidates to transform: all, or those whose real path is in ``only``."""
    return [i for i, c in enumerate(candidates) if only is None or Path(os.path.realpath(c.path)) in only]


def run(options: RunOptions, progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Migrate every Python file under ``options.paths``; never raises for one bad file.

    Raises ``DiscoveryError`` when no PATH is given or one does not exist.
    """
    if not options.paths:
        raise DiscoveryError("no PATH given")
    found = discover(options.paths, include=options.include, exclude=options.exclude)
    helper_at = helper_path(options)
    module = dotted_module_name(helper_at)
    candidates = [c for c in found.files if not _is_helper(c, helper_at)]
    modules = [module_name(c.path, c.root) for c in candidates]
    index = build_index(
        [
            (c.path, name)
            for c, name in zip(candidates, modules, strict=True)
            if not c.path.name.endswith(NOTEBOOK_SUFFIX)
        ],
        options.hosts,
    )
    chosen = _transformed(candidates, options.transform_only)
    tasks = [Task(i, str(candidates[i].path), candidates[i].display_path, modules[i]) for i in chosen]
    jobs = options.jobs if options.jobs is not None else (os.cpu_count() or 1)
    setup = TransformSetup.of(
        module, index, hosts=options.hosts, wrappers=options.wrappers, keep_v1_shape=options.keep_v1_shape
    )
    # Wrappers are followed into their callers only over whole directories, where the callers are.
    setup = replace(
        setup,
        wrapper_state=WrapperState(
            enabled=all(p.is_dir() for p in options.paths),
            declared=frozenset(name for name, _ in options.wrappers),
        ),
    )
    done = transform_all(tasks, setup, jobs, progress)
    every_file = [Task(i, str(c.path), c.display_path, modules[i]) for i, c in enumerate(candidates)]
    done = sorted(settle_wrappers(done, every_file, setup, jobs), key=lambda d: d.index)
    # The helper module is written before the files that import it: a run stopped in between leaves a
    # helper nothing uses yet, never migrated code importing a helper that does not exist.
    needs_helper = any(
        f.status is Status.REWRITE
        for d in done
        if d.outcome is not None and d.outcome.error is None
        for f in d.outcome.findings
    )
    recovered = _take_over(options, candidates, helper_at) if options.write else ()
    with _journal(options, done, helper_at if needs_helper else None):
        helper = (
            helper_outcome(
                helper_at,
                display_path=helper_display(helper_at, options),
                module=module,
                write=options.write,
                env=options.helper_env,
                needs=helper_names_used(done, module),
            )
            if needs_helper
            else None
        )
        outcomes: list[FileOutcome] = []
        for d in done:
            if d.outcome is not None:
                outcomes.append(_write_unless_held(d, d.outcome, helper, options.write))
    return RunResult(
        outcomes=tuple(outcomes),
        files_scanned=len(tasks),
        # Files not changed since --changed-since's revision count as excluded.
        files_excluded=found.excluded + len(candidates) - len(tasks),
        files_skipped_by_filter=sum(1 for d in done if d.outcome is None),
        helper=helper,
        errors=found.skipped,
        recovered=recovered,
    )
