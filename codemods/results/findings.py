"""The typed results the engine returns: findings per call site, outcomes per file, totals per run.

Frozen and picklable, so they cross process boundaries unchanged; the command line, the reports and the
tests read them, and nothing here knows how they are printed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from codemods.results.wrappers import Export, Use


class Status(str, enum.Enum):
    """What became of one v1 call site."""

    REWRITE = "rewrite"
    NEEDS_REVIEW = "needs_review"
    #: A person accepted the site with ``# migrate-360learning: ignore[<reason>]``; not outstanding.
    SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Finding:
    """One v1 course-statistics call site, located in its file."""

    #: Posix path relative to the working directory (``engine.discovery.display_base``).
    path: str
    #: 1-based line and column of the call.
    line: int
    column: int
    #: The v1 endpoint name, a key of ``mapping.ENDPOINTS``.
    endpoint: str
    status: Status
    #: A key of ``mapping.RULES``.
    rule: str
    #: The reason, in plain words.
    message: str
    #: In a notebook: the number of the code cell (``line`` is then the line of the file that holds
    #: the cell's line, and the message names both).
    cell: int | None = None
    #: A suppressed site whose rule the run left out (``--select``/``--ignore``), not one a marker accepted.
    deselected: bool = False


@dataclass(frozen=True)
class SourceResult:
    """What the transformer made of one module's source."""

    source: bytes
    findings: tuple[Finding, ...]
    #: Literal credential values (v1 API keys) seen in the module: reports print them redacted.
    secrets: tuple[str, ...] = ()
    #: Wrappers the module defines and migrates, and the calls of other modules' wrappers it makes.
    exports: tuple[Export, ...] = ()
    uses: tuple[Use, ...] = ()


@dataclass(frozen=True)
class FileOutcome:
    """What the engine did with one file."""

    #: Absolute path on disk.
    path: str
    #: The posix path shown to the user (see ``Finding.path``).
    display_path: str
    #: The bytes read, and the bytes the migration produces (equal when nothing changes).
    original: bytes = b""
    migrated: bytes = b""
    findings: tuple[Finding, ...] = ()
    #: Why the file could not be read, parsed or written; ``None`` when it was processed.
    error: str | None = None
    #: True when the file was written back (``apply`` only).
    written: bool = False
    #: Literal credential values seen in the file (see ``SourceResult.secrets``).
    secrets: tuple[str, ...] = ()
    #: See ``SourceResult``.
    exports: tuple[Export, ...] = ()
    uses: tuple[Use, ...] = ()

    @property
    def changed(self) -> bool:
        return self.error is None and self.migrated != self.original


@dataclass(frozen=True)
class HelperOutcome:
    """The helper module the rewritten code imports."""

    path: str
    display_path: str
    #: The content ``apply`` writes, and what the file holds now (``None`` when it does not exist).
    content: bytes
    existing: bytes | None
    #: The dotted module name rewritten code imports.
    module: str
    written: bool = False
    #: Why the helper was not written although rewritten code needs it.
    error: str | None = None
    #: What became of a helper the repository already holds that is not the generated one, when it can
    #: serve (reformatted, edited, from an earlier release): kept, and reported.
    note: str | None = None
    #: True when ``--upgrade-helper`` replaces an existing helper by the generated one.
    upgrade: bool = False

    @property
    def needed_change(self) -> bool:
        return self.existing != self.content


@dataclass(frozen=True)
class RunResult:
    """Everything one run found and did, in a deterministic order (sorted by display path)."""

    outcomes: tuple[FileOutcome, ...]
    #: Python files found under the PATHs (after excludes).
    files_scanned: int
    #: Files left out by .gitignore, default excludes or --exclude/--include.
    files_excluded: int
    #: Scanned files the text pre-filter proved free of call sites (never parsed).
    files_skipped_by_filter: int
    helper: HelperOutcome | None = None
    errors: tuple[tuple[str, str], ...] = field(default=())
    #: What ``apply`` took up of an earlier one that was interrupted (its journal, a temporary file it
    #: left, removed): one line each (see ``codemods.engine.journal``).
    recovered: tuple[str, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for o in self.outcomes for f in o.findings)

    @property
    def failed(self) -> tuple[FileOutcome, ...]:
        return tuple(o for o in self.outcomes if o.error is not None)

    @property
    def changed(self) -> tuple[FileOutcome, ...]:
        return tuple(o for o in self.outcomes if o.changed)

    def count(self, status: Status) -> int:
        return sum(1 for f in self.findings if f.status is status)
