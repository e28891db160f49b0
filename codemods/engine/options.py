"""What one run is asked to do: the PATHs, the files to leave out, the workers, what to write, and the
repository's settings (``--host``, ``--changed-since``, ``[tool.migrate-360learning]``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codemods.engine.discovery import Anchored


@dataclass(frozen=True)
class RunOptions:
    paths: tuple[Path, ...]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    #: The configuration's patterns, relative to its directory.
    anchored: Anchored | None = None
    #: Worker processes; ``None`` means one per core.
    jobs: int | None = None
    #: Where the helper module goes; ``None``: ``learning360_v2.py`` at the root of the first PATH.
    helper_module: Path | None = None
    #: ``apply`` writes files and the helper module; every other command writes nothing.
    write: bool = False
    # -- settings (``--host``, ``--changed-since``, ``[tool.migrate-360learning]``) --
    #: Hosts of 360Learning besides those the tool knows.
    hosts: tuple[str, ...] = ()
    #: (qualified name of a function or method, the v1 endpoint it performs).
    wrappers: tuple[tuple[str, str], ...] = ()
    #: (constant of the helper module, e.g. ``ENV_CLIENT_ID``; the environment variable it names).
    helper_env: tuple[tuple[str, str], ...] = ()
    #: Whether a site whose answer goes where the tool cannot follow it keeps v1's shape
    #: (``--no-keep-v1-shape``, ``keep-v1-shape`` in pyproject.toml); else it is reported for review.
    keep_v1_shape: bool = True
    #: When set, only these files (real paths) are transformed; the index still reads every file found.
    transform_only: frozenset[Path] | None = None
    #: The names of the rules left out (``--select``/``--ignore``): their sites are left as they are and
    #: counted as ignored.
    disabled: frozenset[str] = frozenset()
    #: A module read from standard input: (the path it stands for, its bytes); it replaces the PATHs,
    #: and nothing is written.
    stdin: tuple[Path, bytes] | None = None
    #: Replace an existing helper module whose code is not the generated one (``--upgrade-helper``).
    upgrade_helper: bool = False
