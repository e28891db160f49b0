"""The SARIF 2.1.0 report, for GitHub code scanning and every other SARIF viewer.

One run, whose driver declares every rule of ``mapping.RULES``; one result per site, located by a path
relative to the report's base directory (``uriBaseId`` ``%SRCROOT%``: the repository root when the base
is the checkout, as in CI). Levels follow the status: ``needs_review`` is a warning, ``rewrite`` a note
that carries its fix (the migration's own changes to the file), ``suppressed`` a note with an in-source
suppression, which code scanning shows as closed. ``partialFingerprints`` hash the path, the rule and
the site's statement, not its line, so that an alert keeps its identity while code above it moves.
Secrets never appear: messages and snippets come redacted from ``sites``, and a fix whose new text would
hold one is left out.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any, Final
from urllib.parse import quote

from codemods import __version__
from codemods.mapping import V2_COURSE_STATS_PATH
from codemods.mapping.reasons import REASONS
from codemods.mapping.rules import RULES
from codemods.reports.snippets import REDACTED, TOOL_NAME, Edit, ReportContext, Site, failed_files, sites
from codemods.results.findings import RunResult, Status

SARIF_VERSION: Final = "2.1.0"
SARIF_SCHEMA: Final = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
#: Where result paths are rooted: the directory the report's paths are relative to.
SRCROOT: Final = "%SRCROOT%"
#: The key of the fingerprint in ``partialFingerprints``; its version changes when its recipe does.
FINGERPRINT_KEY: Final = "siteHash/v1"

LEVELS: Final = {Status.REWRITE: "note", Status.NEEDS_REVIEW: "warning", Status.SUPPRESSED: "note"}


def rules() -> list[dict[str, Any]]:
    """The driver's rules: one per entry of ``mapping.RULES``, in its order, with the reasons of review
    (``mapping.reasons``) that belong to each."""
    described = []
    for name, rule in RULES.items():
        reasons = [r.template for r in REASONS.values() if r.rule == name and not r.template.startswith(";")]
        listed = "".join(f"\n- {reason}" for reason in reasons)
        described.append(
            {
                "id": rule.id,
                "name": name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": f"{rule.summary}. {rule.help}"},
                "help": {
                    "text": f"{rule.summary}. {rule.help}{listed}",
                    "markdown": f"{rule.summary}. {rule.help}" + (f"\n\nReasons:{listed}" if listed else ""),
                },
                "defaultConfiguration": {"level": LEVELS[Status(rule.status)]},
            }
        )
    return described


def fingerprint(site: Site, occurrence: int) -> str:
    """A hash of the site's path, rule, endpoint and statement, and of how many identical sites the
    file holds before it: the same across runs while the statement is unchanged."""
    key = "\0".join((site.path, site.rule_id, site.finding.endpoint, site.statement, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _artifact(site: Site) -> dict[str, Any]:
    return {"uri": quote(site.path), "uriBaseId": SRCROOT}


def _replacement(edit: Edit) -> dict[str, Any]:
    region = {
        "startLine": edit.start_line,
        "startColumn": edit.start_column,
        "endLine": edit.end_line,
        "endColumn": edit.end_column,
    }
    return {"deletedRegion": region, "insertedContent": {"text": edit.text}}


def _result(site: Site, rule_index: dict[str, int], occurrence: int) -> dict[str, Any]:
    finding = site.finding
    physical: dict[str, Any] = {
        "artifactLocation": _artifact(site),
        "region": {"startLine": finding.line, "startColumn": finding.column},
    }
    properties: dict[str, Any] = {"endpoint": finding.endpoint, "status": finding.status.value}
    snippet = site.snippet
    if snippet is not None:
        physical["contextRegion"] = {
            "startLine": snippet.line,
            "endLine": snippet.line + snippet.before.count("\n"),
            "snippet": {"text": snippet.before},
        }
        properties["snippet"] = {
            "line": snippet.line,
            "before": snippet.before,
            "after": snippet.after,
            "truncated": snippet.truncated,
        }
    result: dict[str, Any] = {
        "ruleId": site.rule_id,
        "level": LEVELS[finding.status],
        "message": {"text": site.message},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(site, occurrence)},
        "properties": properties,
    }
    if site.rule_id in rule_index:
        result["ruleIndex"] = rule_index[site.rule_id]
    if finding.status is Status.SUPPRESSED:
        # A site a marker accepted is suppressed in the source; one of a rule the run left out, outside it.
        kind = "external" if finding.deselected else "inSource"
        result["suppressions"] = [{"kind": kind, "status": "accepted", "justification": site.message}]
    if site.edits:
        result["fixes"] = [
            {
                "description": {"text": f"Rewrite to GET {V2_COURSE_STATS_PATH} (with the file's imports)"},
                "artifactChanges": [
                    {
                        "artifactLocation": _artifact(site),
                        "replacements": [_replacement(edit) for edit in site.edits],
                    }
                ],
            }
        ]
    return result


#: The descriptor of the notification of a file that could not be processed, and of a path not followed.
FILE_NOT_PROCESSED: Final = "file-not-processed"
PATH_NOT_FOLLOWED: Final = "path-not-followed"


def _notification(level: str, descriptor: str, path: str, reason: str) -> dict[str, Any]:
    return {
        "level": level,
        "descriptor": {"id": descriptor},
        "message": {"text": f"{path}: {reason}"},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": quote(path), "uriBaseId": "%SRCROOT%"}}}
        ],
    }


def _invocation(result: RunResult, context: ReportContext) -> dict[str, Any]:
    """The run's invocation: whether it went through, and a notification for each file that could not be
    processed (read, parsed, written), which code scanning shows as a tool error, and for each path
    discovery could not follow."""
    failed = failed_files(result, context)
    notifications = [_notification("error", FILE_NOT_PROCESSED, p, r) for p, r in failed]
    notifications += [_notification("warning", PATH_NOT_FOLLOWED, p, r) for p, r in result.errors]
    invocation: dict[str, Any] = {"executionSuccessful": not failed}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def build_sarif(result: RunResult, context: ReportContext | None = None) -> dict[str, Any]:
    """The SARIF log of a run, as JSON-able data."""
    rule_index = {rule.id: index for index, rule in enumerate(RULES.values())}
    seen: Counter[tuple[str, str, str, str]] = Counter()
    results = []
    for site in sites(result, context):
        key = (site.path, site.rule_id, site.finding.endpoint, site.statement)
        results.append(_result(site, rule_index, seen[key]))
        seen[key] += 1
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules(),
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [_invocation(result, context or ReportContext())],
    }
    if any(outcome.secrets for outcome in result.outcomes):
        run["redactionTokens"] = [REDACTED]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def report_sarif(result: RunResult, context: ReportContext | None = None) -> str:
    """The SARIF log as JSON text, indented, ending with a newline."""
    return json.dumps(build_sarif(result, context), indent=2, ensure_ascii=False) + "\n"
