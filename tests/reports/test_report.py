"""The JSON report and the diff text, built from hand-made results: shape, counts, paths, patches.

The other formats, and snippets and redaction over real runs, are tested in ``test_report_formats.py``.
"""

from __future__ import annotations

import json
import subprocess
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from codemods import __version__
from codemods.mapping import ENDPOINTS
from codemods.mapping.rules import RULES
from codemods.reports.json_report import (
    FORMAT_VERSION,
    SCHEMA_RESOURCE,
    TOOL_NAME,
    build_report,
    file_diff,
    report_json,
    unified_diff,
)
from codemods.results.findings import FileOutcome, Finding, HelperOutcome, RunResult, Status

ENDPOINT = "getUserCourseStats"
REVIEW_RULE = "unsupported-response-use"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(files("codemods").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


RULE_OF_STATUS = {
    Status.REWRITE: "rewrite",
    Status.NEEDS_REVIEW: REVIEW_RULE,
    Status.SUPPRESSED: "suppressed",
}


def finding(path: str, line: int, status: Status, endpoint: str = ENDPOINT) -> Finding:
    rule = RULE_OF_STATUS[status]
    return Finding(path, line, 5, endpoint, status, rule, RULES[rule].summary)


def outcome(display: str, *findings: Finding, changed: bool = True, error: str | None = None) -> FileOutcome:
    original = b"import requests\n"
    return FileOutcome(
        path=f"/repo/{display}",
        display_path=display,
        original=original,
        migrated=original + b"# migrated\n" if changed else original,
        findings=findings,
        error=error,
    )


def empty_run() -> RunResult:
    return RunResult(outcomes=(), files_scanned=0, files_excluded=0, files_skipped_by_filter=0)


def mixed_run() -> RunResult:
    other = next((name for name in ENDPOINTS if name != ENDPOINT), ENDPOINT)
    return RunResult(
        outcomes=(
            outcome(
                "app/a.py", finding("app/a.py", 3, Status.REWRITE), finding("app/a.py", 9, Status.REWRITE)
            ),
            outcome("app/b.py", finding("app/b.py", 4, Status.NEEDS_REVIEW, other)),
            outcome("app/c.py", finding("app/c.py", 6, Status.SUPPRESSED, other), changed=False),
            outcome("app/broken.py", changed=False, error="line 2: invalid syntax"),
            outcome("clean.py", changed=False),
        ),
        files_scanned=7,
        files_excluded=2,
        files_skipped_by_filter=3,
        helper=HelperOutcome(
            path="/repo/learning360_v2.py",
            display_path="learning360_v2.py",
            content=b'"""Helper."""\n',
            existing=None,
            module="learning360_v2",
        ),
        errors=(("app/loop", "symbolic link loop"),),
    )


def test_empty_run_validates_and_counts_nothing(validator: jsonschema.protocols.Validator) -> None:
    report = build_report(empty_run())
    validator.validate(report)
    assert report["version"] == FORMAT_VERSION
    assert report["tool"] == {"name": TOOL_NAME, "version": __version__}
    assert report["findings"] == []
    assert report["errors"] == []
    summary = report["summary"]
    assert summary["sites"] == summary["files_changed"] == summary["files_failed"] == 0
    assert set(summary["endpoints"]) == set(ENDPOINTS)
    assert summary["sites_suppressed"] == 0
    zero = {status.value: 0 for status in Status}
    assert all(counts == zero for counts in summary["endpoints"].values())


def test_mixed_run_validates_with_findings_and_errors(validator: jsonschema.protocols.Validator) -> None:
    report = build_report(mixed_run())
    validator.validate(report)
    assert [(f["path"], f["line"], f["status"]) for f in report["findings"]] == [
        ("app/a.py", 3, "rewrite"),
        ("app/a.py", 9, "rewrite"),
        ("app/b.py", 4, "needs_review"),
        ("app/c.py", 6, "suppressed"),
    ]
    assert report["findings"][0]["rule"] == RULES["rewrite"].id
    assert report["findings"][2]["rule"] == RULES[REVIEW_RULE].id
    assert report["findings"][2]["rule_name"] == REVIEW_RULE
    assert report["findings"][3]["rule"] == RULES["suppressed"].id
    assert report["findings"][2]["message"] == RULES[REVIEW_RULE].summary
    # The hand-made files are one line long: no finding's line is in them, so no snippet.
    assert all(f["snippet"] is None for f in report["findings"])
    assert report["errors"] == [
        {"path": "app/broken.py", "reason": "line 2: invalid syntax"},
        {"path": "app/loop", "reason": "symbolic link loop"},
    ]
    summary = report["summary"]
    assert {k: v for k, v in summary.items() if k != "endpoints"} == {
        "files_scanned": 7,
        "files_excluded": 2,
        "files_skipped_by_filter": 3,
        "files_changed": 2,
        "files_failed": 1,
        "sites": 4,
        "sites_rewrite": 2,
        "sites_needs_review": 1,
        "sites_suppressed": 1,
    }


def test_counts_per_endpoint() -> None:
    run = mixed_run()
    endpoints = build_report(run)["summary"]["endpoints"]
    assert set(endpoints) == set(ENDPOINTS)
    for name in ENDPOINTS:
        for status in Status:
            expected = sum(1 for f in run.findings if f.endpoint == name and f.status is status)
            assert endpoints[name][status.value] == expected
    assert sum(sum(c.values()) for c in endpoints.values()) == len(run.findings) == 4


def test_every_endpoint_of_the_mapping_is_allowed_by_the_schema(
    validator: jsonschema.protocols.Validator,
) -> None:
    for name in ENDPOINTS:
        run = RunResult(
            outcomes=(outcome("a.py", finding("a.py", 1, Status.REWRITE, name)),),
            files_scanned=1,
            files_excluded=0,
            files_skipped_by_filter=0,
        )
        validator.validate(build_report(run))


def test_schema_rejects_unknown_endpoint_and_windows_paths(validator: jsonschema.protocols.Validator) -> None:
    report: dict[str, Any] = build_report(mixed_run())
    report["findings"][0]["endpoint"] = "getUsers"
    assert not validator.is_valid(report)
    report = build_report(mixed_run())
    report["findings"][0]["path"] = "app\\a.py"
    assert not validator.is_valid(report)
    report = build_report(mixed_run())
    report["summary"]["sites"] = -1
    assert not validator.is_valid(report)


def test_reports_of_earlier_releases_stay_valid(validator: jsonschema.protocols.Validator) -> None:
    # Keys added within version 1 are optional, so that a consumer validating old reports keeps working.
    report: dict[str, Any] = build_report(mixed_run())
    for entry in report["findings"]:
        del entry["rule_name"], entry["snippet"]
    del report["summary"]["sites_suppressed"]
    for counts in report["summary"]["endpoints"].values():
        del counts["suppressed"]
    report["findings"] = [f for f in report["findings"] if f["status"] != "suppressed"]
    validator.validate(report)


def test_schema_rejects_unknown_status_and_bad_snippet(validator: jsonschema.protocols.Validator) -> None:
    report: dict[str, Any] = build_report(mixed_run())
    report["findings"][0]["status"] = "ignored"
    assert not validator.is_valid(report)
    report = build_report(mixed_run())
    report["findings"][0]["snippet"] = {"line": 0, "before": "x", "after": None, "truncated": False}
    assert not validator.is_valid(report)
    report["findings"][0]["snippet"] = {"line": 1, "before": "x", "after": None}
    assert not validator.is_valid(report)
    report["findings"][0]["snippet"] = {"line": 1, "before": "x", "after": "y", "truncated": False}
    validator.validate(report)


def test_paths_are_posix_as_found() -> None:
    report = build_report(mixed_run())
    paths = [f["path"] for f in report["findings"]] + [e["path"] for e in report["errors"]]
    assert all("\\" not in p and not p.startswith("/") for p in paths)


def test_report_json_round_trips() -> None:
    text = report_json(mixed_run())
    assert text.endswith("\n")
    assert json.loads(text) == build_report(mixed_run())


def test_diff_of_empty_run_is_empty() -> None:
    assert unified_diff(empty_run()) == ""


def test_diff_lists_changed_files_then_the_new_helper() -> None:
    text = unified_diff(mixed_run())
    headers = [line for line in text.splitlines() if line.startswith(("---", "+++"))]
    assert headers == [
        "--- a/app/a.py",
        "+++ b/app/a.py",
        "--- a/app/b.py",
        "+++ b/app/b.py",
        "--- /dev/null",
        "+++ b/learning360_v2.py",
    ]
    assert "+# migrated\n" in text
    assert '+"""Helper."""\n' in text


def test_diff_leaves_out_helper_without_rewrites_or_already_current() -> None:
    run = mixed_run()
    assert run.helper is not None
    only_review = RunResult(
        outcomes=(run.outcomes[1],),
        files_scanned=1,
        files_excluded=0,
        files_skipped_by_filter=0,
        helper=run.helper,
    )
    assert "learning360_v2.py" not in unified_diff(only_review)
    current = HelperOutcome(
        path=run.helper.path,
        display_path=run.helper.display_path,
        content=run.helper.content,
        existing=run.helper.content,
        module=run.helper.module,
    )
    up_to_date = RunResult(
        outcomes=run.outcomes, files_scanned=7, files_excluded=0, files_skipped_by_filter=0, helper=current
    )
    assert "learning360_v2.py" not in unified_diff(up_to_date)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(b"a\nb\n", b"a\nB\n", id="plain"),
        pytest.param(b"a\nb", b"a\nB", id="no-final-newline"),
        pytest.param(b"a\nb", b"a\nb\n", id="newline-added"),
        pytest.param(b"a\r\nb\r\n", b"a\r\nB\r\n", id="crlf"),
        pytest.param(
            b"x = 1\n\x0c\ny = '\xe9t\xe9'\n", b"x = 2\n\x0c\ny = '\xe9t\xe9'\n", id="formfeed-latin1"
        ),
        pytest.param(None, b"new\nfile\n", id="new-file"),
    ],
)
def test_file_diff_applies_with_git(tmp_path: Path, old: bytes | None, new: bytes) -> None:
    target = tmp_path / "pkg" / "mod.py"
    target.parent.mkdir()
    if old is not None:
        target.write_bytes(old)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    patch = file_diff("pkg/mod.py", old, new).encode("utf-8", "surrogateescape")
    subprocess.run(["git", "apply", "-"], cwd=tmp_path, input=patch, check=True)
    assert target.read_bytes() == new
