"""The markdown report: a summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment.

Counts by status and by endpoint, then tables of the sites needing review, the suppressed ones and
(collapsed) the ones to rewrite, each with its before/after snippet, then the files that could not be
processed. A site links to its file and line on the analysed commit when ``Links`` are given, else shows
its path relative to the base directory. Every text that comes from the code (paths, messages, reasons)
is escaped so that it cannot break a table or turn into markup, a mention or an issue reference;
snippets sit in fenced blocks longer than any backtick run they hold. Tables stop at ``MAX_ROWS`` rows,
to stay within the size of a comment.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Final

from codemods.mapping import ENDPOINTS
from codemods.reports.snippets import TOOL_NAME, ReportContext, Site, failed_files, sites
from codemods.results.findings import RunResult, Status

#: Rows of a table (and snippets under it) at most; the rest is counted.
MAX_ROWS: Final = 50

_LABELS: Final = {
    Status.REWRITE: "rewrite",
    Status.NEEDS_REVIEW: "needs review",
    Status.SUPPRESSED: "suppressed",
}
_PHRASES: Final = {
    Status.REWRITE: "to rewrite",
    Status.NEEDS_REVIEW: "needing review",
    Status.SUPPRESSED: "suppressed",
}
# ASCII punctuation that is markup inline or in a table cell (CommonMark lets any of it be escaped).
_MARKUP: Final = re.compile(r"([\\`*_\[\]<>|~&#@!])")


def escape(text: str) -> str:
    """``text`` as literal inline markdown on one line: markup escaped, line breaks made spaces."""
    return _MARKUP.sub(r"\\\1", " ".join(text.splitlines()))


def fenced(text: str, language: str = "python") -> str:
    """``text`` in a fenced code block whose fence no backtick run inside it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + 's'}"


def _location(site: Site, context: ReportContext) -> str:
    text = escape(f"{site.path}:{site.finding.line}")
    if context.links is None:
        return text
    return f"[{text}]({context.links.url(site.path, site.finding.line)})"


def _table(title: str, listed: Sequence[Site], context: ReportContext) -> list[str]:
    lines = [
        f"### {title} ({len(listed)})",
        "",
        "| site | endpoint | rule | message |",
        "|---|---|---|---|",
    ]
    shown = listed[:MAX_ROWS]
    for site in shown:
        cells = (_location(site, context), site.finding.endpoint, site.rule_id, escape(site.message))
        lines.append("| " + " | ".join(cells) + " |")
    if len(listed) > len(shown):
        lines += ["", f"… and {len(listed) - len(shown)} more: the JSON and SARIF reports list them all."]
    snippets = [site for site in shown if site.snippet is not None]
    if snippets:
        lines += ["", "<details><summary>Before and after</summary>", ""]
        for site in snippets:
            lines += _snippet(site, context)
        lines += ["</details>"]
    return [*lines, ""]


def _snippet(site: Site, context: ReportContext) -> list[str]:
    snippet = site.snippet
    assert snippet is not None
    cut = " (cut)" if snippet.truncated else ""
    lines = [f"{_location(site, context)}, from line {snippet.line}{cut}:", "", fenced(snippet.before), ""]
    if snippet.after is not None:
        lines += ["becomes:", "", fenced(snippet.after), ""]
    return lines


def report_markdown(result: RunResult, context: ReportContext | None = None) -> str:
    """The markdown summary of a run, ending with a newline."""
    context = context or ReportContext()
    found = list(sites(result, context))
    by_status = {status: [site for site in found if site.status is status] for status in Status}
    counts = Counter((site.finding.endpoint, site.status) for site in found)
    failed = failed_files(result, context)

    lines = [f"## {TOOL_NAME}", ""]
    totals = ", ".join(f"**{len(by_status[status])}** {_PHRASES[status]}" for status in Status)
    lines.append(
        f"{_plural(len(found), 'v1 course-statistics call site')}: {totals}. "
        f"{_plural(len(result.changed), 'file')} would change"
        + (f"; {_plural(len(failed), 'file')} could not be processed." if failed else ".")
    )
    lines += ["", "| endpoint | " + " | ".join(_LABELS[s] for s in Status) + " |", "|---|---:|---:|---:|"]
    for endpoint in [*ENDPOINTS, *sorted({e for e, _ in counts} - set(ENDPOINTS))]:
        lines.append(f"| {escape(endpoint)} | " + " | ".join(str(counts[endpoint, s]) for s in Status) + " |")
    lines.append("")

    if by_status[Status.NEEDS_REVIEW]:
        lines += _table("Sites needing review", by_status[Status.NEEDS_REVIEW], context)
    if by_status[Status.SUPPRESSED]:
        lines += _table("Suppressed sites", by_status[Status.SUPPRESSED], context)
    if by_status[Status.REWRITE]:
        lines += ["<details><summary>Sites to rewrite</summary>", ""]
        lines += _table("Sites to rewrite", by_status[Status.REWRITE], context)
        lines += ["</details>", ""]
    if failed:
        lines += [
            f"### Files that could not be processed ({len(failed)})",
            "",
            "| file | reason |",
            "|---|---|",
        ]
        lines += [f"| {escape(path)} | {escape(reason)} |" for path, reason in failed]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
