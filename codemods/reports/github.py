"""GitHub Actions workflow commands: one annotation per site, shown on the pull request's code.

``::warning`` for a site needing review, ``::notice`` for a site the tool rewrites (with what it becomes),
``::error`` for a file that could not be processed. Suppressed sites get no annotation: a person already
accepted them, and repeating that on every pull request would teach reviewers to skip annotations (the
other formats still list them). Paths are relative to the base directory, which must be the workspace
root for GitHub to place them. Values are escaped as the Actions runner expects (``%``, ``\\r``, ``\\n``
everywhere, ``:`` and ``,`` in properties too), so no text from the code can end a command or start one.
"""

from __future__ import annotations

from typing import Final

from codemods.reports.snippets import TOOL_NAME, ReportContext, Site, failed_files, sites
from codemods.results.findings import RunResult, Status

#: The command of each status that is annotated.
COMMANDS: Final = {Status.NEEDS_REVIEW: "warning", Status.REWRITE: "notice"}
_TITLES: Final = {Status.NEEDS_REVIEW: "needs review", Status.REWRITE: "rewrite"}


def escape_data(text: str) -> str:
    """A command's message, escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value, escaped."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int) -> str:
    """One workflow command line, ``::name key=value,…::message``."""
    listed = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name}{' ' + listed if listed else ''}::{escape_data(message)}"


def _message(site: Site) -> str:
    snippet = site.snippet
    if snippet is None:
        return site.message
    if snippet.after is None:
        return f"{site.message}\n\n{snippet.before}"
    return f"{site.message}\n\nbefore:\n{snippet.before}\n\nafter:\n{snippet.after}"


def report_github(result: RunResult, context: ReportContext | None = None) -> str:
    """The workflow commands of a run, one per line (empty when there is nothing to annotate)."""
    context = context or ReportContext()
    lines = []
    for site in sites(result, context):
        name = COMMANDS.get(site.status)
        if name is None:
            continue
        finding = site.finding
        title = f"{site.rule_id} {finding.endpoint}: {_TITLES[site.status]}"
        lines.append(
            command(name, _message(site), file=site.path, line=finding.line, col=finding.column, title=title)
        )
    for path, reason in failed_files(result, context):
        lines.append(command("error", f"could not be processed: {reason}", file=path, title=TOOL_NAME))
    return "".join(line + "\n" for line in lines)
