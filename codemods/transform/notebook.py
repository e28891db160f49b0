"""The pure transform of one Jupyter notebook: its code cells read as the module they make, and every
site found reported for review with its cell and line; the notebook's bytes come back as they were.
"""

from __future__ import annotations

from dataclasses import replace

from codemods.mapping import (
    NOTEBOOK_CELL,
    NOTEBOOK_REWRITE,
    NOTEBOOK_SITE,
    SUPPRESSED,
    UNFOLLOWED_MESSAGE,
    UNFOLLOWED_REASONS,
    UNFOLLOWED_URL,
)
from codemods.mapping.rules import IGNORED_BY_OPTION, RULES
from codemods.reading.notebooks import NotebookError, code_cells, shell_urls
from codemods.results.findings import Finding, SourceResult, Status
from codemods.transform.migrate import SourceError, TransformOptions, migrate_source


def _deselected(finding: Finding, disabled: frozenset[str]) -> Finding:
    """A finding of a notebook whose rule the run leaves out, counted as suppressed."""
    if finding.status is Status.SUPPRESSED or finding.rule not in disabled:
        return finding
    message = f"{IGNORED_BY_OPTION}: {RULES[finding.rule].id} {finding.rule}: {finding.message}"
    return replace(finding, status=Status.SUPPRESSED, rule=SUPPRESSED, message=message, deselected=True)


def migrate_notebook(data: bytes, *, display_path: str, options: TransformOptions) -> SourceResult:
    """A notebook's code cells, transformed as the one module they make when run in order (cells share
    their names); each cell alone when they do not parse together. Every site found is reported for
    review with its cell and line, and the notebook stays as it is (``codemods.reading.notebooks``)."""
    try:
        cells = code_cells(data)
    except NotebookError as e:
        raise SourceError(str(e)) from None
    findings: list[Finding] = []
    secrets: set[str] = set()
    for group in (cells, *([cell] for cell in cells)):
        starts, source, line = [], b"", 1
        for cell in group:
            starts.append(line)
            text = cell.source if cell.source.endswith(b"\n") or not cell.source else cell.source + b"\n"
            source += text
            line += text.count(b"\n")
        try:
            result = migrate_source(source, display_path=display_path, options=options)
        except (SourceError, UnicodeError, RecursionError):
            continue  # not Python as the tool reads it (IPython's own syntax): nothing to report
        secrets.update(result.secrets)
        for finding in result.findings:
            at = max(i for i, start in enumerate(starts) if start <= finding.line)
            cell, cell_line = group[at], finding.line - starts[at] + 1
            status = Status.SUPPRESSED if finding.status is Status.SUPPRESSED else Status.NEEDS_REVIEW
            message, rule = finding.message, finding.rule
            if finding.status is Status.REWRITE:
                message, rule = NOTEBOOK_REWRITE.format(message=message), NOTEBOOK_CELL
            if status is Status.NEEDS_REVIEW:
                message = NOTEBOOK_SITE.format(cell=cell.number, line=cell_line, message=message)
            findings.append(
                replace(
                    finding,
                    line=cell.file_line(cell_line),
                    status=status,
                    rule=rule,
                    message=message,
                    cell=cell.number,
                )
            )
        if group is cells:
            break
    for url in shell_urls(data, options.hosts):
        reason = UNFOLLOWED_REASONS["shell"]
        message = UNFOLLOWED_MESSAGE.format(endpoint=url.endpoint, origin="", reason=reason)
        findings.append(
            Finding(
                display_path,
                url.file_line,
                url.column,
                url.endpoint,
                Status.NEEDS_REVIEW,
                UNFOLLOWED_URL,
                NOTEBOOK_SITE.format(cell=url.cell, line=url.line, message=message),
                cell=url.cell,
            )
        )
    findings = [_deselected(f, options.disabled) for f in findings]
    findings.sort(key=lambda f: (f.line, f.column))
    return SourceResult(source=data, findings=tuple(findings), secrets=tuple(sorted(secrets)))
