"""Runs the migration over files: discovery, pre-filter, parallel transform, atomic writes.

(Interface only for now; see RunOptions and run.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codemods.findings import RunResult


@dataclass(frozen=True)
class RunOptions:
    paths: tuple[Path, ...]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    #: Worker processes; ``None`` means one per core.
    jobs: int | None = None
    #: Where the helper module goes; ``None``: ``learning360_v2.py`` at the root of the first PATH.
    helper_module: Path | None = None
    #: ``apply`` writes files and the helper module; every other command writes nothing.
    write: bool = False


def run(options: RunOptions, progress: Callable[[int, int], None] | None = None) -> RunResult:
    raise NotImplementedError
