"""What a run found, as data: the JSON report (format version 1), the registry of report formats, and
the unified diff of pending changes.

Pure functions of a ``RunResult``: no files, no terminal, no command line. The report's shape is
published as ``codemods/schemas/report-v1.schema.json``; ``FORMATS`` maps each ``report --format`` name
to its renderer (JSON here, SARIF, markdown and GitHub workflow commands in modules of their own), all
built from the same ``sites`` with secrets redacted. The diff is the patch ``apply`` would make, written
so that ``git apply`` accepts it from the directory the paths are relative to; it is exact, never
redacted.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from codemods import __version__
from codemods.mapping import ENDPOINTS
from codemods.reports import github, markdown, sarif
from codemods.reports.snippets import (
    REDACTED,
    TOOL_NAME,
    Links,
    ReportContext,
    Site,
    errors,
    failures,
    redact,
    rule_id,
    sites,
)
from codemods.results.findings import HelperOutcome, RunResult, Status

__all__ = [
    "FORMATS",
    "FORMAT_VERSION",
    "REDACTED",
    "SCHEMA_RESOURCE",
    "TOOL_NAME",
    "Links",
    "ReportContext",
    "build_report",
    "errors",
    "failures",
    "file_diff",
    "helper_pending",
    "redact",
    "report_json",
    "rule_id",
    "summary",
    "unified_diff",
]

#: The value of the report's ``version`` key; bumped only when a key is removed or changes meaning.
FORMAT_VERSION = 1
#: Where the schema of the report lives inside the ``codemods`` package.
SCHEMA_RESOURCE = "schemas/report-v1.schema.json"

_NO_NEWLINE = "\\ No newline at end of file\n"


def helper_pending(result: RunResult) -> HelperOutcome | None:
    """The helper module, when rewritten code needs it and ``apply`` would write it."""
    helper = result.helper
    if helper is None or helper.error is not None or not (result.count(Status.REWRITE) or helper.upgrade):
        return None
    return helper if helper.needed_change else None


def summary(result: RunResult) -> dict[str, Any]:
    """The totals of a run, with the sites of every v1 endpoint counted by status."""
    endpoints: dict[str, dict[str, int]] = {
        name: {status.value: 0 for status in Status} for name in ENDPOINTS
    }
    for finding in result.findings:
        counts = endpoints.setdefault(finding.endpoint, {status.value: 0 for status in Status})
        counts[finding.status.value] += 1
    return {
        "files_scanned": result.files_scanned,
        "files_excluded": result.files_excluded,
        "files_skipped_by_filter": result.files_skipped_by_filter,
        "files_changed": len(result.changed),
        "files_failed": len(failures(result)),
        "sites": len(result.findings),
        "sites_rewrite": result.count(Status.REWRITE),
        "sites_needs_review": result.count(Status.NEEDS_REVIEW),
        "sites_suppressed": result.count(Status.SUPPRESSED),
        "endpoints": endpoints,
    }


def _finding(site: Site) -> dict[str, Any]:
    finding = site.finding
    snippet = site.snippet
    cell = {} if finding.cell is None else {"cell": finding.cell}
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "endpoint": finding.endpoint,
        "status": finding.status.value,
        "rule": site.rule_id,
        "rule_name": finding.rule,
        "message": site.message,
        "snippet": None
        if snippet is None
        else {
            "line": snippet.line,
            "before": snippet.before,
            "after": snippet.after,
            "truncated": snippet.truncated,
        },
        **cell,
    }


def build_report(result: RunResult, context: ReportContext | None = None) -> dict[str, Any]:
    """The JSON-able report of a run (format version 1); its paths are the findings' (relative to the
    working directory), whatever the context's base directory."""
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "findings": [_finding(site) for site in sites(result, context)],
        "errors": [{"path": path, "reason": reason} for path, reason in errors(result)],
        "summary": summary(result),
    }


def report_json(result: RunResult, context: ReportContext | None = None) -> str:
    """The report as JSON text, indented, ending with a newline."""
    return json.dumps(build_report(result, context), indent=2, ensure_ascii=False) + "\n"


#: The renderers of ``report --format NAME``: each turns a run into the text of its report.
FORMATS: Final[Mapping[str, Callable[[RunResult, ReportContext], str]]] = MappingProxyType(
    {
        "json": report_json,
        "sarif": sarif.report_sarif,
        "markdown": markdown.report_markdown,
        "github": github.report_github,
    }
)


def _lines(data: bytes) -> list[str]:
    # Split on "\n" only, as git does: form feeds and lone "\r" stay inside their line.
    text = data.decode("utf-8", "surrogateescape")
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def file_diff(path: str, old: bytes | None, new: bytes) -> str:
    """The unified diff that turns ``old`` into ``new`` (``None``: the file does not exist yet)."""
    before = [] if old is None else _lines(old)
    chunks: list[str] = []
    for line in difflib.unified_diff(
        before,
        _lines(new),
        fromfile="/dev/null" if old is None else f"a/{path}",
        tofile=f"b/{path}",
    ):
        chunks.append(line if line.endswith("\n") else line + "\n" + _NO_NEWLINE)
    return "".join(chunks)


def unified_diff(result: RunResult, *, helper_module: bool = True) -> str:
    """The patch ``apply`` would make: every changed file, then the helper module when it is needed
    (and ``helper_module``).

    Text is decoded as UTF-8 with ``surrogateescape``, so encoding it back the same way gives the
    exact bytes of files in other encodings.
    """
    parts = [file_diff(o.display_path, o.original, o.migrated) for o in result.changed]
    helper = helper_pending(result)
    if helper is not None and helper_module:
        parts.append(file_diff(helper.display_path, helper.existing, helper.content))
    return "".join(parts)
