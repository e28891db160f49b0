"""The command line as users and CI see it: exit codes, what is written, stdout, stderr, options.

Exit codes are checked for every command, tree and report format, and must not move with ``--report``,
``--output``, ``--patch``, ``--quiet``, colour or pipes.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import TypedDict

import jsonschema
import pytest
from rich.console import Console
from support.command_line import NEEDS_REVIEW, NEUTRAL, TREES, invoke, make_tree, run, snapshot
from support.sources import SITE

import codemods
from codemods import __version__
from codemods.cli.console import PROGRESS_THRESHOLD, ProgressReporter
from codemods.cli.main import exit_code
from codemods.mapping import DEFAULT_HELPER_FILE, ENDPOINTS, REVIEW_MARKER
from codemods.reports.json_report import FORMATS, SCHEMA_RESOURCE, TOOL_NAME
from codemods.results.findings import FileOutcome, Finding, RunResult, Status

COMMANDS = ("diff", "apply", "check", "report")
HELPER_MODULE = DEFAULT_HELPER_FILE.removesuffix(".py")

#: Expected exit code per tree and command (a site needing review gets a marker comment: a diff).
EXIT_CODES: dict[str, dict[str, int]] = {
    "clean": {"diff": 0, "apply": 0, "check": 0, "report": 0},
    "rewrite": {"diff": 1, "apply": 0, "check": 1, "report": 0},
    "review": {"diff": 1, "apply": 1, "check": 1, "report": 0},
    "suppressed": {"diff": 0, "apply": 0, "check": 0, "report": 0},
    "broken": {"diff": 0, "apply": 1, "check": 1, "report": 0},
}
#: The option of each command that sends its main output to a file instead of stdout.
TO_FILE = {"diff": "--output", "apply": "--patch", "report": "--output"}


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(files("codemods").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def test_the_trees_hold_what_their_names_say(tmp_path: Path) -> None:
    statuses = {}
    for kind in TREES:
        report = json.loads(run("report", make_tree(tmp_path / kind, kind)).stdout)
        statuses[kind] = ([f["status"] for f in report["findings"]], [e["path"] for e in report["errors"]])
    assert statuses == {
        "clean": ([], []),
        "rewrite": (["rewrite"], []),
        "review": (["needs_review"], []),
        "suppressed": (["suppressed"], []),
        "broken": ([], ["app/broken.py"]),
    }


@pytest.mark.parametrize("output_format", sorted(FORMATS))
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", sorted(TREES))
def test_exit_codes(tmp_path: Path, kind: str, command: str, output_format: str) -> None:
    root = make_tree(tmp_path / "repo", kind)
    target = tmp_path / f"report.{output_format}"
    options = ["--report", f"{output_format}:{target}"]
    if command == "report":
        options += ["--format", output_format]
    result = run(command, root, *options)
    assert result.exit_code == EXIT_CODES[kind][command], result.output
    assert target.is_file()
    if command == "report":
        assert result.stdout == target.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", sorted(TREES))
def test_exit_codes_do_not_depend_on_output_options(tmp_path: Path, kind: str, command: str) -> None:
    expected = EXIT_CODES[kind][command]
    variants: list[tuple[list[str], dict[str, str]]] = [
        ([], {}),
        (["--quiet"], {"FORCE_COLOR": "1"}),
        (["--quiet"], {"NO_COLOR": "1"}),
    ]
    if command in TO_FILE:
        variants.append(([TO_FILE[command], str(tmp_path / "out")], {"FORCE_COLOR": "1"}))
    for i, (options, env) in enumerate(variants):
        root = make_tree(tmp_path / f"repo{i}", kind)
        result = run(command, root, *options, env=env)
        assert result.exit_code == expected, (options, env, result.output)


def finding(status: Status) -> Finding:
    return Finding("a.py", 1, 1, "getCourseStats", status, status.value, "")


@pytest.mark.parametrize(
    ("statuses", "check", "apply"),
    [
        ((), 0, 0),
        ((Status.SUPPRESSED,), 0, 0),
        ((Status.SUPPRESSED, Status.SUPPRESSED), 0, 0),
        ((Status.SUPPRESSED, Status.REWRITE), 1, 0),
        ((Status.SUPPRESSED, Status.NEEDS_REVIEW), 1, 1),
    ],
)
def test_suppressed_sites_are_not_outstanding(statuses: tuple[Status, ...], check: int, apply: int) -> None:
    result = RunResult(
        outcomes=(FileOutcome("/a.py", "a.py", b"x", b"x", tuple(finding(s) for s in statuses)),),
        files_scanned=1,
        files_excluded=0,
        files_skipped_by_filter=0,
    )
    assert (exit_code("check", result), exit_code("apply", result)) == (check, apply)


@pytest.mark.parametrize("kind", sorted(TREES))
@pytest.mark.parametrize("command", ("diff", "check", "report"))
def test_dry_commands_write_nothing(tmp_path: Path, kind: str, command: str) -> None:
    root = make_tree(tmp_path, kind)
    before = snapshot(root)
    run(command, root)
    assert snapshot(root) == before


def test_apply_migrates_then_check_and_diff_pass(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    assert run("apply", root).exit_code == 0
    migrated = (root / "app/stats.py").read_text(encoding="utf-8")
    assert f"{HELPER_MODULE}.{ENDPOINTS['getUserCourseStats'].helper}(" in migrated
    assert "/api/v1/" not in migrated
    assert (root / DEFAULT_HELPER_FILE).is_file()
    assert (root / "app/canvas.py").read_text(encoding="utf-8") == NEUTRAL
    assert run("check", root).exit_code == 0
    after = run("diff", root)
    assert (after.exit_code, after.stdout) == (0, "")


def test_diff_applies_with_git_like_apply(tmp_path: Path) -> None:
    patched = make_tree(tmp_path / "patched", "rewrite")
    applied = make_tree(tmp_path / "applied", "rewrite")
    subprocess.run(["git", "init", "-q", str(patched)], check=True)
    diff = run("diff", patched)
    assert diff.exit_code == 1
    assert f"--- /dev/null\n+++ b/{DEFAULT_HELPER_FILE}\n" in diff.stdout
    assert "--- a/app/stats.py\n+++ b/app/stats.py\n" in diff.stdout
    subprocess.run(["git", "apply", "-"], cwd=patched, input=diff.stdout_bytes, check=True)
    assert run("apply", applied).exit_code == 0
    assert snapshot(patched) == snapshot(applied)
    assert snapshot(applied) != {k: v.encode() for k, v in TREES["rewrite"].items()}


def test_report_of_rewritable_site(tmp_path: Path, validator: jsonschema.protocols.Validator) -> None:
    result = run("report", make_tree(tmp_path, "rewrite"), "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    validator.validate(report)
    assert report["tool"] == {"name": TOOL_NAME, "version": __version__}
    [found] = report["findings"]
    assert found["path"] == "app/stats.py"
    assert (found["line"], found["column"]) == (6, 9)
    assert (found["endpoint"], found["status"]) == ("getUserCourseStats", "rewrite")
    assert report["errors"] == []
    summary = report["summary"]
    assert (summary["files_changed"], summary["sites"], summary["sites_rewrite"]) == (1, 1, 1)
    assert summary["endpoints"]["getUserCourseStats"]["rewrite"] == 1
    assert summary["endpoints"]["getUserCourseStats"]["needs_review"] == 0


def test_report_of_site_needing_review(tmp_path: Path, validator: jsonschema.protocols.Validator) -> None:
    result = run("report", make_tree(tmp_path, "review"))
    report = json.loads(result.stdout)
    validator.validate(report)
    [found] = report["findings"]
    assert (found["path"], found["line"], found["status"]) == ("app/review.py", 7, "needs_review")
    assert report["summary"]["sites_needs_review"] == 1
    assert report["summary"]["endpoints"]["getUserCourseStats"]["needs_review"] == 1
    assert "app/review.py:7" in result.stderr


def test_report_of_broken_file(tmp_path: Path, validator: jsonschema.protocols.Validator) -> None:
    result = run("report", make_tree(tmp_path, "broken"))
    report = json.loads(result.stdout)
    validator.validate(report)
    assert report["findings"] == []
    assert [e["path"] for e in report["errors"]] == ["app/broken.py"]
    assert report["summary"]["files_failed"] == 1
    assert "app/broken.py" in result.stderr


def test_report_output_file(tmp_path: Path, validator: jsonschema.protocols.Validator) -> None:
    root = make_tree(tmp_path / "repo", "rewrite")
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    result = run("report", root, "--format", "json", "--output", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    report = json.loads(target.read_text(encoding="utf-8"))
    validator.validate(report)
    assert report == json.loads(run("report", root).stdout)


def test_clean_tree_summary_says_nothing_found(tmp_path: Path) -> None:
    result = run("check", make_tree(tmp_path, "clean"))
    assert "No v1 course-statistics call found in 2 Python files" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("command", ("diff", "check", "report"))
def test_quiet_prints_no_summary_and_keeps_exit_code(tmp_path: Path, command: str) -> None:
    root = make_tree(tmp_path, "review")
    loud = run(command, root)
    quiet = run(command, root, "--quiet", "--report", f"json:{tmp_path / 'report.json'}")
    assert "app/review.py:7" in loud.stderr
    # A failing check still says where, one line per file (tests/cli/test_output.py).
    assert quiet.stderr == ("app/review.py: 1 v1 site left (1 to review)\n" if command == "check" else "")
    assert quiet.exit_code == loud.exit_code
    assert quiet.stdout == loud.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_quiet_still_prints_errors(tmp_path: Path, command: str) -> None:
    root = make_tree(tmp_path, "broken")
    (root / "app/review.py").write_text(NEEDS_REVIEW, encoding="utf-8")
    quiet = run(command, root, "--quiet")
    assert "1 file could not be processed:" in quiet.stderr
    assert "app/broken.py: syntax error" in quiet.stderr
    assert ("review.py" in quiet.stderr) == (command == "check")
    assert "Scanned" not in quiet.stderr


def test_colour_does_not_change_exit_code_and_no_color_is_plain(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    (root / "app/review.py").write_text(NEEDS_REVIEW, encoding="utf-8")
    plain = run("diff", root)
    coloured = run("diff", root, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    no_color = run("diff", root, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.exit_code == coloured.exit_code == no_color.exit_code == 1
    assert "\x1b[" not in plain.stdout + plain.stderr
    assert "\x1b[" in coloured.stdout
    assert "\x1b[" in coloured.stderr
    # NO_COLOR (any value but the empty string, as rich and no-color.org read it): no escape at all,
    # not even bold, on either stream, although FORCE_COLOR says the streams are terminals.
    assert no_color.stdout == plain.stdout
    assert no_color.stderr == plain.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_path_is_a_usage_error(tmp_path: Path, command: str) -> None:
    result = run(command, tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "nowhere" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("check",), id="no-path"),
        pytest.param(("check", ".", "--bogus"), id="unknown-option"),
        pytest.param(("check", ".", "--jobs", "0"), id="jobs-zero"),
        pytest.param(("check", ".", "--jobs", "many"), id="jobs-not-a-number"),
        pytest.param(("report", ".", "--format", "xml"), id="unknown-format"),
        pytest.param(("migrate", "."), id="unknown-command"),
    ],
)
def test_bad_usage_exits_2(args: tuple[str, ...]) -> None:
    assert invoke(*args).exit_code == 2


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("xml:out.xml", "unknown report format 'xml' in 'xml:out.xml' (one of ", id="unknown"),
        pytest.param("sarif", "'sarif' names no file: use sarif:FILE", id="no-file"),
        pytest.param("sarif:", "'sarif:' names no file: use sarif:FILE", id="empty-file"),
        pytest.param("json:missing/dir/r.json", "the directory missing/dir does not exist", id="no-dir"),
    ],
)
def test_bad_report_option_is_a_usage_error(tmp_path: Path, command: str, value: str, message: str) -> None:
    root = make_tree(tmp_path, "rewrite")
    before = snapshot(root)
    result = run(command, root, "--report", value)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert snapshot(root) == before


def test_a_file_named_twice_is_a_usage_error(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "repo", "rewrite")
    out = str(tmp_path / "out")
    result = run("diff", root, "--output", out, "--report", f"json:{out}")
    assert result.exit_code == 2
    assert "is named twice" in result.stderr
    assert run("check", root, "--report", f"json:{out}", "--report", f"sarif:{out}").exit_code == 2


def test_reports_of_every_format_in_one_run(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "repo", "review")
    targets = {name: tmp_path / f"r.{name}" for name in FORMATS}
    options = [arg for name, path in targets.items() for arg in ("--report", f"{name}:{path}")]
    result = run("check", root, *options)
    assert result.exit_code == 1
    for name, path in targets.items():
        assert path.read_text(encoding="utf-8") == run("report", root, "--format", name).stdout
        assert f"Wrote the {name} report to {path}." in result.stderr


def test_a_report_that_cannot_be_written_fails_the_run(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "repo", "clean")
    dangling = tmp_path / "report.json"
    dangling.symlink_to(tmp_path / "gone" / "report.json")
    result = run("check", root, "--report", f"json:{dangling}")
    assert result.exit_code == 1
    assert str(dangling) in result.stderr


def test_diff_output_writes_the_patch_to_a_file(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "repo", "rewrite")
    before = snapshot(root)
    out = tmp_path / "changes.diff"
    result = run("diff", root, "--output", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert out.read_bytes() == run("diff", root).stdout_bytes
    assert f"Wrote the diff to {out}." in result.stderr
    assert snapshot(root) == before
    clean = make_tree(tmp_path / "clean", "clean")
    assert run("diff", clean, "--output", str(out)).exit_code == 0
    assert out.read_bytes() == b""


LATIN1_SITE = ("# -*- coding: latin-1 -*-\n# Données de café\n" + SITE).encode("latin-1")


def test_apply_patch_gives_the_tree_apply_gives(tmp_path: Path) -> None:
    patched = make_tree(tmp_path / "patched", "rewrite")
    applied = make_tree(tmp_path / "applied", "rewrite")
    for root in (patched, applied):
        (root / "app/latin1.py").write_bytes(LATIN1_SITE)
        (root / "app/review.py").write_text(NEEDS_REVIEW, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(patched)], check=True)
    before = snapshot(patched)
    patch = tmp_path / "migration.patch"
    result = run("apply", patched, "--patch", str(patch))
    assert result.exit_code == run("apply", applied).exit_code == 1
    assert snapshot(patched) == before, "--patch writes nothing but the patch"
    assert not (patched / DEFAULT_HELPER_FILE).exists()
    assert f"Wrote the patch to {patch}." in result.stderr
    assert f"+++ b/{DEFAULT_HELPER_FILE}" in patch.read_text(encoding="utf-8", errors="surrogateescape")
    subprocess.run(["git", "apply", str(patch)], cwd=patched, check=True)
    assert snapshot(patched) == snapshot(applied)
    assert snapshot(applied)["app/latin1.py"] != LATIN1_SITE
    assert REVIEW_MARKER in snapshot(applied)["app/review.py"].decode("utf-8")


def test_exclude_and_include(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    assert run("check", root, "--exclude", "app/stats.py").exit_code == 0
    assert run("check", root, "--include", "app/canvas.py").exit_code == 0
    assert run("check", root, "--include", "app/*.py", "--exclude", "canvas.py").exit_code == 1


def test_helper_module_option(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    helper = root / "app" / "l360.py"
    assert run("apply", root, "--helper-module", str(helper)).exit_code == 0
    assert helper.is_file()
    assert not (root / DEFAULT_HELPER_FILE).exists()


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


def subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "NO_COLOR", "PY_COLORS"}}
    env["TERM"] = "xterm-256color"
    # The package as imported here, whether installed or run from a checkout.
    source_root = str(Path(codemods.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source_root, env.get("PYTHONPATH")]))
    return env


def test_python_m_codemods_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "codemods", "--version"], capture_output=True, text=True, env=subprocess_env()
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"{TOOL_NAME}, version {__version__}"


def test_piped_output_has_no_ansi_escapes(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "review")
    shutil.copy(root / "app/review.py", root / "app/review2.py")
    (root / "app/stats.py").write_text(SITE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "codemods", "diff", str(root)], capture_output=True, env=subprocess_env()
    )
    assert done.returncode == 1
    assert b"+++ b/app/stats.py" in done.stdout
    assert b"app/review2.py:7" in done.stderr
    assert b"\x1b" not in done.stdout + done.stderr


def _terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, force_interactive=True, width=80), buffer


@pytest.mark.parametrize(("total", "shown"), [(PROGRESS_THRESHOLD, False), (PROGRESS_THRESHOLD + 1, True)])
def test_progress_bar_only_for_long_runs(total: int, shown: bool) -> None:
    console, buffer = _terminal()
    reporter = ProgressReporter(console)
    for done in range(0, total + 1, 50):
        reporter(done, total)
    reporter.close()
    assert bool(buffer.getvalue()) is shown


class ConsoleOptions(TypedDict, total=False):
    force_terminal: bool
    force_interactive: bool


@pytest.mark.parametrize(
    "console",
    [
        pytest.param({"force_terminal": False}, id="piped"),
        pytest.param({"force_terminal": True, "force_interactive": False}, id="not-interactive"),
    ],
)
def test_progress_bar_never_when_piped_or_not_interactive(console: ConsoleOptions) -> None:
    buffer = io.StringIO()
    reporter = ProgressReporter(Console(file=buffer, **console))
    reporter(1, 10 * PROGRESS_THRESHOLD)
    reporter.close()
    assert buffer.getvalue() == ""


def test_check_lists_the_sites_left_and_the_accepted_ones(tmp_path: Path) -> None:
    rewrite = run("check", make_tree(tmp_path / "rewrite", "rewrite"))
    assert (
        "Would change 1 file; 1 site to migrate:\n  app/stats.py:6:9 getUserCourseStats\n" in rewrite.stderr
    )
    accepted = run("check", make_tree(tmp_path / "suppressed", "suppressed"))
    assert accepted.exit_code == 0
    assert "No v1 course-statistics call left to migrate in 3 Python files." in accepted.stderr
    assert "1 site accepted as it is (ignore marker)." in accepted.stderr


def test_diff_of_named_files_applies_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patched = make_tree(tmp_path / "patched", "rewrite")
    applied = make_tree(tmp_path / "applied", "rewrite")
    for tree in (patched, applied):
        subprocess.run(["git", "init", "-q", str(tree)], check=True)
    monkeypatch.chdir(patched)
    diff = invoke("diff", "app/stats.py", "app/canvas.py", "--jobs", "1")
    assert diff.exit_code == 1
    # Files named, as pre-commit passes them: the helper still goes at the repository's root.
    assert f"+++ b/{DEFAULT_HELPER_FILE}\n" in diff.stdout
    subprocess.run(["git", "apply", "-"], input=diff.stdout_bytes, check=True)
    monkeypatch.chdir(applied)
    assert invoke("apply", "app/stats.py", "app/canvas.py", "--jobs", "1").exit_code == 0
    assert snapshot(patched) == snapshot(applied)
    assert (applied / DEFAULT_HELPER_FILE).is_file()
