"""What every report shows of a run, computed once: the sites, with their snippets, secrets redacted.

A *site* is a finding paired with the file it was found in: its path relative to the report's base
directory (the repository root in CI), its stable rule id, its message, and a small before/after
*snippet* computed here from the file's original and migrated bytes. The JSON, SARIF, markdown and
GitHub formats all read sites, so they agree on every value, and none of them can print a secret:
each literal credential of a file (``FileOutcome.secrets``) is replaced by ``REDACTED`` in every
message and snippet before a renderer sees it. The unified diff is not built from sites and stays
exact, since ``git apply`` needs it so.

How a snippet is chosen: the original lines of the finding's statement (found with ``ast``) and of the
comments right above it (where markers go), widened to every change of the migration that touches them:
the same line-based changes the unified diff shows, those at most ``_GAP`` unchanged lines apart taken
together, so that a rewritten call and its rewritten readers come as one. ``before`` holds those
original lines, ``after`` the lines the migration makes of them, or ``None`` when it leaves them as they
are (a suppressed site, a site already marked for review). Both are cut at ``MAX_SNIPPET_LINES`` lines,
keeping the finding's line in view.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
import tokenize
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import quote

from codemods.mapping.rules import RULES
from codemods.results.findings import FileOutcome, Finding, HelperOutcome, RunResult, Status

TOOL_NAME: Final = "migrate-360learning"
#: What every secret is replaced by in reports.
REDACTED: Final = "***redacted***"
#: Lines of ``before`` (and of ``after``) a snippet shows at most.
MAX_SNIPPET_LINES: Final = 12
#: Changes this many unchanged lines apart or closer belong to the same snippet.
_GAP: Final = 1

#: Environment variables GitHub Actions sets, read by ``Links.from_environment``.
ENV_SERVER: Final = "GITHUB_SERVER_URL"
ENV_REPOSITORY: Final = "GITHUB_REPOSITORY"
ENV_SHA: Final = "GITHUB_SHA"


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of every secret replaced by ``REDACTED`` (longest secrets first)."""
    values = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
    if not values:
        return text
    return re.sub("|".join(re.escape(value) for value in values), REDACTED, text)


def rule_id(finding: Finding) -> str:
    """The stable id of a finding's rule (``L360…``), or its key when the key is unknown."""
    rule = RULES.get(finding.rule)
    return rule.id if rule is not None else finding.rule


def failures(result: RunResult) -> list[tuple[str, str]]:
    """The files that could not be read, parsed or written (the helper module included), with why."""
    failed = [
        (outcome.display_path, redact(outcome.error or "", outcome.secrets)) for outcome in result.failed
    ]
    if result.helper is not None and result.helper.error is not None:
        failed.append((result.helper.display_path, result.helper.error))
    return failed


def errors(result: RunResult) -> list[tuple[str, str]]:
    """Every failure, then every path discovery could not follow (a broken link, an unreadable directory)."""
    return list(dict.fromkeys([*failures(result), *result.errors]))


@dataclass(frozen=True)
class Links:
    """Where a file of the analysed commit is shown on GitHub: ``{server}/{repository}/blob/{sha}/…``."""

    server: str
    repository: str
    sha: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Links | None:
        """The links of a GitHub Actions run (``GITHUB_SERVER_URL``…), or ``None`` when one is unset."""
        values = [environ.get(name, "").strip() for name in (ENV_SERVER, ENV_REPOSITORY, ENV_SHA)]
        return cls(*values) if all(values) else None

    def url(self, path: str, line: int) -> str:
        return f"{self.server.rstrip('/')}/{self.repository}/blob/{self.sha}/{quote(path)}#L{line}"


@dataclass(frozen=True)
class ReportContext:
    """What a report needs besides the run: the directory paths are relative to, and optional links."""

    #: Paths in SARIF, markdown and GitHub reports are relative to it (the repository root in CI).
    base: Path = field(default_factory=Path.cwd)
    #: Links to the analysed commit for the markdown report; ``None``: plain paths.
    links: Links | None = None


def relative_path(outcome: FileOutcome | HelperOutcome, base: Path) -> str:
    """The file's posix path relative to ``base``, or its display path when it lies outside."""
    try:
        relative = Path(os.path.abspath(outcome.path)).relative_to(os.path.abspath(base))
    except ValueError:
        return outcome.display_path
    return relative.as_posix()


def failed_files(result: RunResult, context: ReportContext) -> list[tuple[str, str]]:
    """The files that could not be processed, by path relative to the base directory, with why."""
    failed = [
        (relative_path(outcome, context.base), redact(outcome.error or "", outcome.secrets))
        for outcome in result.failed
    ]
    helper = result.helper
    if helper is not None and helper.error is not None:
        failed.append((relative_path(helper, context.base), helper.error))
    return failed


@dataclass(frozen=True)
class Snippet:
    """The lines around a site before the migration, and after it (``None``: left as they are)."""

    #: 1-based line of the original file ``before`` starts at.
    line: int
    before: str
    after: str | None
    #: True when ``before`` or ``after`` was cut at ``MAX_SNIPPET_LINES`` lines.
    truncated: bool

    def redacted(self, secrets: Sequence[str]) -> Snippet:
        after = None if self.after is None else redact(self.after, secrets)
        return Snippet(self.line, redact(self.before, secrets), after, self.truncated)


@dataclass(frozen=True)
class Edit:
    """One change of the migration: the original text from (line, column) to (line, column), 1-based and
    end excluded, becomes ``text`` (whole lines with their endings)."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True)
class Site:
    """A finding as reports show it; every text is redacted."""

    finding: Finding
    #: Posix path relative to the report's base directory (see ``relative_path``).
    path: str
    rule_id: str
    message: str
    snippet: Snippet | None
    #: The finding's statement, whitespace collapsed: stable while the code around it moves.
    statement: str
    #: For a site the migration rewrites: the changes that make its rewrite, the file's changes no
    #: site owns (imports) included, so that they work alone; empty when a change would print a secret.
    edits: tuple[Edit, ...] = ()

    @property
    def status(self) -> Status:
        return self.finding.status


def sites(result: RunResult, context: ReportContext | None = None) -> Iterator[Site]:
    """Every site of the run, file by file in the run's order, then in the order they were found."""
    base = (context or ReportContext()).base
    for outcome in result.outcomes:
        if outcome.findings:
            yield from _FileSites(outcome).sites(relative_path(outcome, base))


def _split(data: bytes) -> list[bytes]:
    # Lines as Python counts them ("\n", "\r\n", "\r"), with their endings.
    return data.splitlines(keepends=True)


def _strip_ending(line: bytes) -> bytes:
    for ending in (b"\r\n", b"\n", b"\r"):
        if line.endswith(ending):
            return line[: -len(ending)]
    return line


def _encoding(lines: Sequence[bytes]) -> str:
    """The encoding a BOM or a coding cookie declares (PEP 263), else UTF-8."""
    head = iter(lines[:2])
    try:
        encoding, _ = tokenize.detect_encoding(lambda: next(head, b""))
    except SyntaxError:
        return "utf-8"
    return encoding


@dataclass(frozen=True)
class _Change:
    """A group of the diff's changes: original lines ``[i1, i2)`` became migrated lines ``[j1, j2)``."""

    i1: int
    i2: int
    j1: int
    j2: int
    #: The (tag, i1, i2, j1, j2) opcodes of the group that are not "equal".
    parts: tuple[tuple[str, int, int, int, int], ...]

    def touches(self, start: int, end: int) -> bool:
        """True when a change overlaps original lines ``[start, end)`` or inserts lines at ``start``."""
        return any(
            (i1 < end and i2 > start) or (i1 == i2 and start <= i1 < end) for _, i1, i2, _, _ in self.parts
        )


class _FileSites:
    """The sites of one file, sharing its decoded lines, its diff and its statements."""

    def __init__(self, outcome: FileOutcome) -> None:
        self.outcome = outcome
        self.before = _split(outcome.original)
        migrated = outcome.migrated if outcome.error is None or outcome.migrated else outcome.original
        self.after = _split(migrated)
        self.encoding = _encoding(self.before)
        matcher = difflib.SequenceMatcher(None, self.before, self.after)
        self.equal = [op for op in matcher.get_opcodes() if op[0] == "equal"]
        self.changes = [
            _Change(parts[0][1], parts[-1][2], parts[0][3], parts[-1][4], tuple(parts))
            for group in matcher.get_grouped_opcodes(_GAP)
            if (parts := [op for op in group if op[0] != "equal"])
        ]
        self.statements = _statements(outcome.original)

    def text(self, lines: Sequence[bytes], *, keep_endings: bool = False) -> str:
        chosen = lines if keep_endings else [_strip_ending(line) for line in lines]
        joiner = b"" if keep_endings else b"\n"
        return joiner.join(chosen).decode(self.encoding, "replace")

    def statement(self, line: int) -> tuple[int, int]:
        """The 0-based original lines ``[start, end)`` of the statement at 1-based ``line``."""
        return self.statements.get(line, (line - 1, line))

    def leading_comments(self, start: int) -> int:
        """Where the comment lines right above line ``start`` begin (a marker is one of them)."""
        while 0 < start <= len(self.before) and self.before[start - 1].lstrip().startswith(b"#"):
            start -= 1
        return start

    def sites(self, path: str) -> Iterator[Site]:
        secrets = self.outcome.secrets
        statements = [self.statement(finding.line) for finding in self.outcome.findings]
        spans = [(self.leading_comments(start), end) for start, end in statements]
        orphans = [c for c in self.changes if not any(c.touches(s, e) for s, e in spans)]
        for finding, (start, end), (lead, _) in zip(self.outcome.findings, statements, spans, strict=True):
            touching = [change for change in self.changes if change.touches(lead, end)]
            snippet = self.snippet(finding.line, lead, end, touching)
            statement = " ".join(self.text(self.before[start:end]).split())
            edits: tuple[Edit, ...] = ()
            if finding.status is Status.REWRITE and touching:
                edits = tuple(self.edit(c) for c in sorted({*touching, *orphans}, key=lambda c: c.i1))
                if any(redact(edit.text, secrets) != edit.text for edit in edits):
                    edits = ()
            yield Site(
                finding=finding,
                path=path,
                rule_id=rule_id(finding),
                message=redact(finding.message, secrets),
                snippet=None if snippet is None else snippet.redacted(secrets),
                statement=redact(statement, secrets),
                edits=edits,
            )

    def edit(self, change: _Change) -> Edit:
        return Edit(
            *self.position(change.i1),
            *self.position(change.i2),
            self.text(self.after[change.j1 : change.j2], keep_endings=True),
        )

    def position(self, boundary: int) -> tuple[int, int]:
        """The 1-based (line, column) where original line ``boundary`` (0-based) starts."""
        lines = self.before
        if boundary < len(lines) or not lines or _strip_ending(lines[-1]) != lines[-1]:
            return boundary + 1, 1
        # The end of a file whose last line has no line ending: the end of that line.
        return len(lines), len(self.text(lines[-1:])) + 1

    def snippet(self, line: int, start: int, end: int, touching: Sequence[_Change]) -> Snippet | None:
        if not 1 <= line <= len(self.before):
            return None
        first = min([start, *(c.i1 for c in touching)])
        last = max([end, *(c.i2 for c in touching)])
        anchor = line - 1
        window = first if anchor < first + MAX_SNIPPET_LINES else anchor
        before = self.before[window:last]
        after: list[bytes] | None = None
        if touching:
            after = self.after[
                self._map(window, touching, start=True) : self._map(last, touching, start=False)
            ]
        truncated = len(before) > MAX_SNIPPET_LINES or (after is not None and len(after) > MAX_SNIPPET_LINES)
        return Snippet(
            line=window + 1,
            before=self.text(before[:MAX_SNIPPET_LINES]),
            after=None if after is None else self.text(after[:MAX_SNIPPET_LINES]),
            truncated=truncated or window != first,
        )

    def _map(self, point: int, touching: Sequence[_Change], *, start: bool) -> int:
        """The migrated line that corresponds to original line boundary ``point``."""
        for change in touching:
            if start and point == change.i1:
                return change.j1
            if not start and point == change.i2:
                return change.j2
        for _, i1, i2, j1, _ in self.equal:
            if i1 <= point <= i2:
                return j1 + point - i1
        # Inside a change (a window cut in the middle of one): its first migrated line.
        for change in touching:
            if change.i1 <= point <= change.i2:
                return change.j1 if start else change.j2
        return point


def _statements(source: bytes) -> dict[int, tuple[int, int]]:
    """For each 1-based line, the 0-based lines ``[start, end)`` of the innermost statement holding it.

    A compound statement counts by its header only (``if …:``, ``with …:``); a module that cannot be
    parsed gives nothing, and a finding then shows its own line.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: the engine's concern
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    spans: dict[int, tuple[int, int]] = {}
    # Outer statements first, so that inner ones overwrite them line by line.
    for node in sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.stmt)), key=lambda n: (n.lineno, -_end(n))
    ):
        end = _end(node)
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            end = max(node.lineno, body[0].lineno - 1)
        for line in range(node.lineno, end + 1):
            spans[line] = (node.lineno - 1, end)
    return spans


def _end(node: ast.stmt) -> int:
    return node.end_lineno if node.end_lineno is not None else node.lineno
