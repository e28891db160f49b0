"""Every report format over a real run: JSON against our schema, SARIF against the official schema and
GitHub's rules, markdown and workflow commands; snippets checked against the files on disk, secrets
never printed, escaping, links, paths relative to the base directory, fingerprints that survive moves.
"""

from __future__ import annotations

import json
import re
import shutil
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jsonschema
import pytest
from click.testing import CliRunner
from support.paths import DATA, FIXTURES

from codemods.cli.main import cli
from codemods.engine import runner
from codemods.engine.options import RunOptions
from codemods.mapping import IGNORE_MARKER, REVIEW_MARKER
from codemods.mapping.rules import RULES
from codemods.reports.github import escape_data, escape_property
from codemods.reports.json_report import (
    FORMATS,
    REDACTED,
    SCHEMA_RESOURCE,
    Links,
    ReportContext,
    build_report,
    redact,
    unified_diff,
)
from codemods.reports.markdown import MAX_ROWS, escape, fenced
from codemods.reports.sarif import FINGERPRINT_KEY, build_sarif
from codemods.reports.snippets import MAX_SNIPPET_LINES
from codemods.results.findings import FileOutcome, Finding, HelperOutcome, RunResult, Status

SARIF_SCHEMA = DATA / "sarif-schema-2.1.0.json"

#: Fixture programs copied into the tree, by the name they get there.
COPIED = {
    "learner_report.py": "demo_repo/learner_report.py",
    "etl_export.py": "demo_repo/etl_export.py",
    "canvas_sync.py": "demo_repo/canvas_sync.py",
    "hard_coded.py": "getUserCourseStats/hard_coded_api_key/before.py",
    "ignored.py": "getUserCourseStats/ignore_marker/before.py",
    "payload.py": "getUserCourseStats/review_payload_returned/before.py",
    "unknown_param.py": "getUserCourseStats/review_unknown_param/before.py",
    "crlf.py": "getUserCourseStats/crlf_line_endings/before.py",
    "bom.py": "getUserCourseStats/utf8_bom/before.py",
}

INLINE_KEY = "inline-Key-4242|*_`<b>"

INLINE = f"""\
import requests

BASE = "https://app.360learning.com"


def minutes(course_id, email):
    r = requests.get(f"{{BASE}}/api/v1/courses/{{course_id}}/stats/{{email}}", params={{"company": "c1", "apiKey": "{INLINE_KEY}"}})
    r.raise_for_status()
    return sum(a["globalTime"] for a in r.json()["attempts"]) / 60000
"""  # noqa: E501

LATIN1 = """\
# -*- coding: latin-1 -*-
import os

import requests

BASE = "https://app.360learning.com"
AUTH = {"company": os.environ["COMPANY"], "apiKey": os.environ["API_KEY"]}


def dur\xe9e(course_id, email):
    r = requests.get(f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params=AUTH)  # dur\xe9e totale
    r.raise_for_status()
    return sum(a["globalTime"] for a in r.json()["attempts"])
"""

LONG_CALL = (
    "import os\n\nimport requests\n\n"
    'BASE = "https://app.360learning.com"\n'
    'AUTH = {"company": os.environ["COMPANY"], "apiKey": os.environ["API_KEY"]}\n\n\n'
    "def minutes(course_id, email):\n"
    "    r = requests.get(\n"
    + "".join(f"        # note {n}\n" for n in range(16))
    + '        f"{BASE}/api/v1/courses/{course_id}/stats/{email}",\n'
    "        params=AUTH,\n"
    "    )\n"
    "    r.raise_for_status()\n"
    '    return sum(a["globalTime"] for a in r.json()["attempts"])\n'
)

# The call on the last line of a long statement: the snippet starts at the call's line.
DEEP_CALL = LONG_CALL.split("def ")[0] + (
    "def count(course_id, email):\n"
    "    return len(\n"
    + "".join(f"        # note {n}\n" for n in range(16))
    + '        requests.get(f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params=AUTH)'
    '.json()["attempts"]\n'
    "    )\n"
)

WRITTEN = {
    "inline.py": INLINE.encode(),
    "latin1.py": LATIN1.encode("latin-1"),
    "long_call.py": LONG_CALL.encode(),
    "deep_call.py": DEEP_CALL.encode(),
    # The site on the last line, which has no line ending.
    "no_newline.py": LATIN1.split("\n", 1)[1].rstrip("\n").encode(),
}


def build_tree(root: Path, names: frozenset[str] | None = None) -> Path:
    """A repository with an ``app`` package of fixture programs (all, or those named); returns its root."""
    app = root / "app"
    app.mkdir(parents=True)
    (app / "__init__.py").write_bytes(b"")
    for name, source in COPIED.items():
        if names is None or name in names:
            shutil.copyfile(FIXTURES / source, app / name)
    for name, data in WRITTEN.items():
        if names is None or name in names:
            (app / name).write_bytes(data)
    return root


def secrets_in_tree() -> list[str]:
    constant = (FIXTURES / COPIED["hard_coded.py"]).read_text(encoding="utf-8")
    [key] = re.findall(r'^API_KEY = "([^"]+)"$', constant, re.MULTILINE)
    return [key, INLINE_KEY]


def run_over(path: Path, *, write: bool = False) -> RunResult:
    return runner.run(RunOptions(paths=(path,), jobs=1, write=write))


@dataclass(frozen=True)
class Tree:
    """A dry run over one copy of the tree, and the same tree after ``apply``."""

    repo: Path
    applied: Path
    result: RunResult

    @property
    def context(self) -> ReportContext:
        return ReportContext(base=self.repo)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    repo = build_tree(tmp_path_factory.mktemp("dry") / "repo")
    applied = build_tree(tmp_path_factory.mktemp("applied") / "repo")
    run_over(applied, write=True)
    return Tree(repo, applied, run_over(repo))


@pytest.fixture(scope="module")
def report_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(files("codemods").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def source_lines(path: Path) -> list[str]:
    """The file's lines as Python reads them: declared encoding, universal newlines, no endings."""
    with tokenize.open(path) as handle:
        return handle.read().splitlines()


def block_at(lines: list[str], block: list[str]) -> int | None:
    """Where ``block`` starts as consecutive lines of ``lines``."""
    return next((i for i in range(len(lines)) if lines[i : i + len(block)] == block), None)


# --- the tree holds what the tests need ---------------------------------------------------------------


def test_the_tree_has_every_status_and_both_secrets(tree: Tree) -> None:
    statuses = {f.status for f in tree.result.findings}
    assert statuses == set(Status)
    secrets = {s for o in tree.result.outcomes for s in o.secrets}
    assert set(secrets_in_tree()) <= secrets
    for secret in secrets_in_tree():
        assert any(secret.encode() in p.read_bytes() for p in (tree.repo / "app").iterdir())


def test_the_registry_names_every_format() -> None:
    assert set(FORMATS) == {"json", "sarif", "markdown", "github"}
    empty = RunResult(outcomes=(), files_scanned=0, files_excluded=0, files_skipped_by_filter=0)
    for name, render in FORMATS.items():
        text = render(empty, ReportContext())
        assert text == "" if name == "github" else text.endswith("\n")


# --- JSON and snippets --------------------------------------------------------------------------------


def test_json_report_validates_and_its_snippets_are_the_files_lines(
    tree: Tree, report_validator: jsonschema.protocols.Validator
) -> None:
    report = build_report(tree.result, tree.context)
    report_validator.validate(report)
    assert report["summary"]["sites_suppressed"] == sum(
        f["status"] == "suppressed" for f in report["findings"]
    )
    for finding in report["findings"]:
        snippet = finding["snippet"]
        original = [redact(line, secrets_in_tree()) for line in source_lines(tree.repo / finding["path"])]
        migrated = [redact(line, secrets_in_tree()) for line in source_lines(tree.applied / finding["path"])]
        before = snippet["before"].split("\n")
        assert 1 <= len(before) <= MAX_SNIPPET_LINES
        assert before == original[snippet["line"] - 1 : snippet["line"] - 1 + len(before)]
        assert snippet["line"] <= finding["line"] < snippet["line"] + len(before)
        assert finding["rule_name"] in RULES and RULES[finding["rule_name"]].id == finding["rule"]
        if snippet["after"] is None:
            # Left as it is: those lines are in the migrated file, unchanged.
            assert block_at(migrated, before) is not None
            continue
        after = snippet["after"].split("\n")
        assert len(after) <= MAX_SNIPPET_LINES
        assert after != before
        assert block_at(migrated, after) is not None, finding
        if not snippet["truncated"]:
            assert block_at(migrated, before) is None or finding["status"] == "needs_review"


def test_snippets_by_status(tree: Tree) -> None:
    report = build_report(tree.result, tree.context)
    by_status: dict[str, list[dict[str, Any]]] = {s.value: [] for s in Status}
    for finding in report["findings"]:
        by_status[finding["status"]].append(finding)
    for finding in by_status["rewrite"]:
        assert finding["snippet"]["after"] is not None
        assert "requests.get(" not in finding["snippet"]["after"]
    for finding in by_status["suppressed"]:
        assert finding["snippet"]["after"] is None
        line = source_lines(tree.repo / finding["path"])[finding["line"] - 1]
        assert IGNORE_MARKER in finding["snippet"]["before"]
        assert line in finding["snippet"]["before"]
    # A key kept in a constant is reported at the constant, which stays: no marker there.
    marked = [f for f in by_status["needs_review"] if f["rule_name"] != "hard-coded-api-key"]
    assert marked, "a site needing review gets a marker comment"
    for finding in marked:
        statement_line = source_lines(tree.repo / finding["path"])[finding["line"] - 1]
        after = finding["snippet"]["after"].split("\n")
        assert any(line.strip().startswith(REVIEW_MARKER) for line in after)
        assert statement_line in after


def test_snippets_decode_the_declared_encoding_and_drop_line_endings(tree: Tree) -> None:
    report = build_report(tree.result, tree.context)
    by_path = {f["path"]: f for f in report["findings"]}
    assert "dur\xe9e totale" in by_path["app/latin1.py"]["snippet"]["before"]
    assert "\ufffd" not in json.dumps(report, ensure_ascii=False)
    crlf = by_path["app/crlf.py"]["snippet"]
    assert "\r" not in crlf["before"] and "\r" not in crlf["after"]
    assert "\ufeff" not in json.dumps(report, ensure_ascii=False)


@pytest.mark.parametrize("path", ["app/long_call.py", "app/deep_call.py"])
def test_a_long_statement_is_cut_around_the_finding(tree: Tree, path: str) -> None:
    report = build_report(tree.result, tree.context)
    [finding] = [f for f in report["findings"] if f["path"] == path]
    snippet = finding["snippet"]
    assert snippet["truncated"] is True
    assert len(snippet["before"].split("\n")) <= MAX_SNIPPET_LINES
    assert snippet["line"] <= finding["line"] < snippet["line"] + MAX_SNIPPET_LINES
    assert snippet["after"] is not None


def test_a_site_deep_in_a_changed_statement_starts_its_snippet() -> None:
    original = b"x = f(\n" + b"    a,\n" * 18 + b"    requests.get(URL),\n)\n"
    migrated = b"x = g(\n" + b"    b,\n" * 18 + b"    helper(URL),\n)\n"
    finding = Finding("x.py", 20, 5, "getCourseStats", Status.REWRITE, "rewrite", "rewritten")
    outcome = FileOutcome("/repo/x.py", "x.py", original, migrated, (finding,))
    run = RunResult(outcomes=(outcome,), files_scanned=1, files_excluded=0, files_skipped_by_filter=0)
    [entry] = build_report(run)["findings"]
    snippet = entry["snippet"]
    assert snippet["line"] == 20 and snippet["truncated"] is True
    assert snippet["before"] == "    requests.get(URL),\n)"
    assert snippet["after"] == migrated.decode().split("\n")[0] + "\n" + "\n".join(["    b,"] * 11)


def test_an_unknown_coding_cookie_reads_as_utf8() -> None:
    source = "# coding: no-such-codec\nrequests.get(URL)  # \u00e9\n".encode()
    [finding] = build_report(hand_made("m", source=source))["findings"]
    # Not parsed, so the statement is the finding's line, with the comment right above it.
    assert finding["snippet"]["before"] == "# coding: no-such-codec\nrequests.get(URL)  # \u00e9"


# --- redaction ----------------------------------------------------------------------------------------


def test_no_format_prints_a_secret(tree: Tree) -> None:
    for name, render in FORMATS.items():
        text = render(tree.result, tree.context)
        for secret in secrets_in_tree():
            assert secret not in text, name
        assert REDACTED in text, name


def test_the_diff_stays_exact(tree: Tree) -> None:
    # The inline key is on a line the migration deletes: the patch must carry it to apply.
    assert INLINE_KEY in unified_diff(tree.result)


def test_redact() -> None:
    assert redact("key=abc123 and abc", ["abc123", "abc"]) == f"key={REDACTED} and {REDACTED}"
    assert redact("a.b*c a-b-c", ["a.b*c"]) == f"{REDACTED} a-b-c"
    assert redact("nothing", []) == "nothing"
    assert redact("nothing", [""]) == "nothing"


def hand_made(
    message: str, *, secret: str = "", source: bytes | None = None, path: str = "app/x.py"
) -> RunResult:
    source = source if source is not None else b"import requests\nrequests.get(URL)\n"
    finding = Finding(path, 2, 1, "getUserCourseStats", Status.NEEDS_REVIEW, "unsupported-url", message)
    outcome = FileOutcome(
        path=f"/repo/{path}",
        display_path=path,
        original=source,
        migrated=source,
        findings=(finding,),
        secrets=(secret,) if secret else (),
    )
    return RunResult(outcomes=(outcome,), files_scanned=1, files_excluded=0, files_skipped_by_filter=0)


def test_a_secret_in_a_message_is_redacted_everywhere() -> None:
    secret = "s3cr%t,:\n"
    run = hand_made(f"the key {secret} is written here", secret=secret, source=f"x = '{secret!r}'\n".encode())
    for render in FORMATS.values():
        text = render(run, ReportContext(base=Path("/repo")))
        assert secret not in text
        assert escape_data(secret) not in text and escape_property(secret) not in text
        assert escape(secret) not in text


# --- SARIF --------------------------------------------------------------------------------------------


def github_code_scanning_accepts(log: dict[str, Any], base: Path) -> None:
    """What GitHub's SARIF support documents beyond the schema: limits, one location per result with a
    path relative to the repository root, rules found by id and index, fingerprints."""
    assert log["version"] == "2.1.0"
    assert 1 <= len(log["runs"]) <= 20
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"]
        rules = driver["rules"]
        ids = [rule["id"] for rule in rules]
        assert len(ids) == len(set(ids)) <= 25_000
        for rule in rules:
            assert 0 < len(rule["shortDescription"]["text"]) <= 1024
            assert 0 < len(rule["fullDescription"]["text"]) <= 1024
            assert rule["help"]["text"]
            assert len(rule.get("properties", {}).get("tags", [])) <= 20
        assert len(run["results"]) <= 25_000
        for result in run["results"]:
            assert result["ruleId"] in ids
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["message"]["text"]
            assert result["level"] in {"none", "note", "warning", "error"}
            [location] = result["locations"]
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            assert not urlparse(uri).scheme and not uri.startswith("/") and "\\" not in uri
            assert ".." not in uri.split("/")
            lines = source_lines(base / unquote(uri))
            region = physical["region"]
            assert 1 <= region["startLine"] <= len(lines)
            assert lines[region["startLine"] - 1][region["startColumn"] - 1 :].strip()
            context = physical.get("contextRegion")
            if context is not None:
                assert context["startLine"] <= region["startLine"] <= context["endLine"]
            fingerprints = result["partialFingerprints"]
            assert fingerprints and all(isinstance(v, str) and v for v in fingerprints.values())


def test_sarif_validates_against_the_official_schema_and_githubs_rules(
    tree: Tree, sarif_validator: jsonschema.protocols.Validator
) -> None:
    log = json.loads(FORMATS["sarif"](tree.result, tree.context))
    sarif_validator.validate(log)
    github_code_scanning_accepts(log, tree.repo)
    run = log["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [rule.id for rule in RULES.values()]
    assert run["redactionTokens"] == [REDACTED]
    findings = build_report(tree.result)["findings"]
    assert len(run["results"]) == len(findings)
    expected_levels = {"rewrite": "note", "needs_review": "warning", "suppressed": "note"}
    for result, finding in zip(run["results"], findings, strict=True):
        assert result["ruleId"] == finding["rule"]
        assert result["level"] == expected_levels[finding["status"]]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == finding["path"]
        assert result["properties"]["snippet"] == finding["snippet"]
        assert ("suppressions" in result) == (finding["status"] == "suppressed")
        if finding["status"] == "suppressed":
            assert result["suppressions"] == [
                {"kind": "inSource", "status": "accepted", "justification": finding["message"]}
            ]
        assert ("fixes" in result) <= (finding["status"] == "rewrite")


def apply_replacements(data: bytes, replacements: list[dict[str, Any]]) -> bytes:
    """The file with SARIF replacements applied, as a SARIF consumer would (columns in code points)."""
    head = iter(data.splitlines(keepends=True)[:2])
    encoding, _ = tokenize.detect_encoding(lambda: next(head, b""))
    text = data.decode(encoding)
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    for replacement in sorted(replacements, key=lambda r: r["deletedRegion"]["startLine"], reverse=True):
        region = replacement["deletedRegion"]
        start = offset(region["startLine"], region["startColumn"])
        end = offset(region["endLine"], region["endColumn"])
        text = text[:start] + replacement.get("insertedContent", {}).get("text", "") + text[end:]
    return text.encode(encoding)


def test_no_fix_would_print_a_secret() -> None:
    source = b"import requests\nrequests.get(URL)\n"
    migrated = b"import requests\nlearning360_v2.list_course_stats(URL, key='hunter22')\n"
    finding = Finding("x.py", 2, 1, "getCourseStats", Status.REWRITE, "rewrite", "rewritten")
    outcome = FileOutcome("/repo/x.py", "x.py", source, migrated, (finding,), secrets=("hunter22",))
    run = RunResult(outcomes=(outcome,), files_scanned=1, files_excluded=0, files_skipped_by_filter=0)
    log = build_sarif(run, ReportContext(base=Path("/repo")))
    [result] = log["runs"][0]["results"]
    assert "fixes" not in result
    assert "hunter22" not in json.dumps(log)
    assert (
        result["properties"]["snippet"]["after"] == f"learning360_v2.list_course_stats(URL, key='{REDACTED}')"
    )


def test_the_fix_of_a_files_only_rewrite_makes_the_file_apply_writes(tree: Tree) -> None:
    log = build_sarif(tree.result, tree.context)
    by_uri: dict[str, list[dict[str, Any]]] = {}
    for result in log["runs"][0]["results"]:
        by_uri.setdefault(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], []).append(
            result
        )
    checked = []
    for uri, results in by_uri.items():
        fixed = [r for r in results if "fixes" in r]
        others_unchanged = all(
            r["properties"]["snippet"]["after"] is None for r in results if "fixes" not in r
        )
        if len(fixed) != 1 or not others_unchanged:
            continue
        [change] = fixed[0]["fixes"][0]["artifactChanges"]
        assert change["artifactLocation"]["uri"] == uri
        original = (tree.repo / uri).read_bytes()
        assert apply_replacements(original, change["replacements"]) == (tree.applied / uri).read_bytes(), uri
        checked.append(uri)
    assert {
        "app/learner_report.py",
        "app/crlf.py",
        "app/bom.py",
        "app/latin1.py",
        "app/hard_coded.py",
        "app/no_newline.py",
    } <= set(checked)


def fingerprints(log: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["partialFingerprints"][FINGERPRINT_KEY],
        )
        for r in log["runs"][0]["results"]
    ]


def test_fingerprints_are_stable_across_runs_and_when_code_moves(tmp_path: Path, tree: Tree) -> None:
    first = fingerprints(build_sarif(tree.result, tree.context))
    assert len({f for _, _, f in first}) == len(first), "every site has its own fingerprint"
    # Another run over another copy, where one file's code moved down three lines.
    moved = build_tree(tmp_path / "moved")
    target = moved / "app" / "etl_export.py"
    target.write_bytes(b"# a\n# b\n\n" + target.read_bytes())
    after_move = fingerprints(build_sarif(run_over(moved), ReportContext(base=moved)))
    assert [f for _, _, f in after_move] == [f for _, _, f in first]
    for (uri, line, _), (_, old_line, _) in zip(after_move, first, strict=True):
        assert line == old_line + (3 if uri == "app/etl_export.py" else 0)


# --- paths --------------------------------------------------------------------------------------------


def test_paths_are_relative_to_the_base_directory(tmp_path: Path) -> None:
    repo = build_tree(tmp_path / "repo", frozenset({"learner_report.py", "ignored.py"}))
    result = run_over(repo / "app")
    uris = {
        base: {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in build_sarif(result, ReportContext(base=base))["runs"][0]["results"]
        }
        for base in (repo, tmp_path, tmp_path / "elsewhere")
    }
    json_paths = {f["path"] for f in build_report(result, ReportContext(base=repo))["findings"]}
    assert "learner_report.py" in json_paths
    assert uris[repo] == {f"app/{p}" for p in json_paths}
    assert uris[tmp_path] == {f"repo/app/{p}" for p in json_paths}
    assert uris[tmp_path / "elsewhere"] == json_paths
    annotations = FORMATS["github"](result, ReportContext(base=repo))
    assert "file=app/learner_report.py," in annotations


# --- markdown -----------------------------------------------------------------------------------------

LINKS = Links("https://github.example/", "acme/app", "0123abcd")


def cells(row: str) -> list[str]:
    """The cells of a table row, split on the pipes that are not escaped."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def section_rows(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"### {title}"))
    rows = []
    for line in lines[start + 4 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_markdown_counts_and_tables(tree: Tree) -> None:
    text = FORMATS["markdown"](tree.result, tree.context)
    report = build_report(tree.result)
    counts = {s.value: sum(f["status"] == s.value for f in report["findings"]) for s in Status}
    for title, status in (("Sites needing review", "needs_review"), ("Suppressed sites", "suppressed")):
        assert f"### {title} ({counts[status]})" in text
        rows = section_rows(text, title)
        assert len(rows) == counts[status]
        assert all(len(cells(row)) == 4 for row in rows)
    for endpoint, by_status in report["summary"]["endpoints"].items():
        row = " | ".join(str(by_status[s.value]) for s in Status)
        assert f"| {endpoint} | {row} |" in text


def test_markdown_links_to_the_commit_when_given(tree: Tree) -> None:
    plain = FORMATS["markdown"](tree.result, tree.context)
    linked = FORMATS["markdown"](tree.result, ReportContext(base=tree.repo, links=LINKS))
    assert "](" not in plain
    for finding in build_report(tree.result)["findings"]:
        url = f"https://github.example/acme/app/blob/0123abcd/{finding['path']}#L{finding['line']}"
        assert f"]({url})" in linked
        assert escape(f"{finding['path']}:{finding['line']}") in plain


def test_links_come_from_the_environment() -> None:
    environ = {"GITHUB_SERVER_URL": "https://ghe.example", "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "abc"}
    links = Links.from_environment(environ)
    assert links is not None
    assert links.url("dir/a b.py", 3) == "https://ghe.example/o/r/blob/abc/dir/a%20b.py#L3"
    assert Links.from_environment({**environ, "GITHUB_SHA": ""}) is None


def test_markdown_escapes_what_comes_from_the_code() -> None:
    message = "a | b\nc @team #12 <b>x</b> *y* `z` [l](http://e) \\|"
    text = FORMATS["markdown"](hand_made(message), ReportContext(base=Path("/repo")))
    [row] = section_rows(text, "Sites needing review")
    assert len(cells(row)) == 4
    assert (
        "<b>" not in text
        and "@team" not in text.replace("\\@team", "")
        and "#12" not in text.replace("\\#12", "")
    )
    assert "[l](" not in text and "\\[l\\](http" in text


def test_markdown_fences_outlast_backticks_in_code() -> None:
    source = b"import requests\nrequests.get(URL)  # ``` and ````\n"
    text = FORMATS["markdown"](hand_made("m", source=source), ReportContext(base=Path("/repo")))
    assert "`````python\nrequests.get(URL)  # ``` and ````\n`````" in text
    assert fenced("x") == "```python\nx\n```"


def test_markdown_tables_stop_at_max_rows() -> None:
    source = b"import requests\n" + b"requests.get(URL)\n" * (MAX_ROWS + 5)
    findings = tuple(
        Finding("x.py", line, 1, "getUserCourseStats", Status.NEEDS_REVIEW, "unsupported-url", "m")
        for line in range(2, MAX_ROWS + 7)
    )
    outcome = FileOutcome("/repo/x.py", "x.py", original=source, migrated=source, findings=findings)
    run = RunResult(outcomes=(outcome,), files_scanned=1, files_excluded=0, files_skipped_by_filter=0)
    text = FORMATS["markdown"](run, ReportContext(base=Path("/repo")))
    assert len(section_rows(text, "Sites needing review")) == MAX_ROWS
    assert "… and 5 more" in text


# --- GitHub workflow commands -------------------------------------------------------------------------


def unescape(text: str, *, property_value: bool) -> str:
    """The runner's reading of an escaped value (the inverse of the escaping)."""
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if property_value else [])
    for escaped, plain in pairs:
        text = text.replace(escaped, plain)
    return text.replace("%25", "%")


def parse_commands(text: str) -> Iterator[tuple[str, dict[str, str], str]]:
    for line in text.splitlines():
        match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
        assert match, line
        name, listed, data = match.groups()
        properties = dict(item.split("=", 1) for item in (listed or "").split(",") if item)
        yield (
            name,
            {k: unescape(v, property_value=True) for k, v in properties.items()},
            unescape(data, property_value=False),
        )


def test_workflow_commands_annotate_each_outstanding_site(tree: Tree) -> None:
    commands = list(parse_commands(FORMATS["github"](tree.result, tree.context)))
    findings = [f for f in build_report(tree.result)["findings"] if f["status"] != "suppressed"]
    assert len(commands) == len(findings)
    for (name, properties, message), finding in zip(commands, findings, strict=True):
        assert name == {"needs_review": "warning", "rewrite": "notice"}[finding["status"]]
        assert properties["file"] == finding["path"]
        assert (int(properties["line"]), int(properties["col"])) == (finding["line"], finding["column"])
        assert finding["rule"] in properties["title"]
        assert message.startswith(finding["message"])
        assert finding["snippet"]["before"] in message


def test_workflow_commands_escape_properties_and_data() -> None:
    message = "100% sure\r\nsecond line: a, b"
    run = hand_made(message, path="we,ird/a:b.py")
    [(name, properties, data)] = parse_commands(FORMATS["github"](run, ReportContext(base=Path("/repo"))))
    assert name == "warning"
    assert properties["file"] == "we,ird/a:b.py"
    assert data.startswith(message)
    raw = FORMATS["github"](run, ReportContext(base=Path("/repo")))
    assert raw.count("\n") == 1 and "\r" not in raw
    assert "file=we%2Cird/a%3Ab.py," in raw


def test_failed_files_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "pkg" / "broken.py"
    broken.parent.mkdir()
    broken.write_text('import requests\ndef f(\n    requests.get("https://x/api/v1/courses/1/stats")\n')
    failed = run_over(tmp_path / "pkg")
    helper = HelperOutcome("/elsewhere/h.py", "h.py", b"", None, "h", error="permission denied")
    result = RunResult(failed.outcomes, 1, 0, 0, helper=helper)
    context = ReportContext(base=tmp_path)
    commands = list(parse_commands(FORMATS["github"](result, context)))
    assert [(name, properties["file"]) for name, properties, _ in commands] == [
        ("error", "pkg/broken.py"),
        ("error", "h.py"),
    ]
    assert all(data.startswith("could not be processed: ") for _, _, data in commands)
    markdown = FORMATS["markdown"](result, context)
    assert "### Files that could not be processed (2)" in markdown
    assert "| pkg/broken.py | " in markdown and "| h.py | permission denied |" in markdown


# --- the command line ---------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_report_command_writes_every_format(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    output_format: str,
    sarif_validator: jsonschema.protocols.Validator,
    report_validator: jsonschema.protocols.Validator,
) -> None:
    repo = build_tree(
        tmp_path / "repo", frozenset({"hard_coded.py", "ignored.py", "inline.py", "unknown_param.py"})
    )
    monkeypatch.chdir(repo)
    environ = {
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_SHA": "f00",
    }
    outcome = CliRunner().invoke(cli, ["report", "-q", "--format", output_format, "app"], env=environ)
    assert outcome.exit_code == 0, outcome.output
    text = outcome.stdout
    for secret in secrets_in_tree():
        assert secret not in text
    if output_format == "json":
        report_validator.validate(json.loads(text))
    elif output_format == "sarif":
        sarif_validator.validate(json.loads(text))
        github_code_scanning_accepts(json.loads(text), repo)
    elif output_format == "markdown":
        assert "](https://github.example/acme/app/blob/f00/app/" in text
    else:
        assert all(line.startswith(("::notice ", "::warning ", "::error ")) for line in text.splitlines())
