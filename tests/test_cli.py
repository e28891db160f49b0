"""The command line as users and CI see it: exit codes, what is written, stdout, stderr, options."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from rich.console import Console

import codemods
from codemods import __version__
from codemods.cli import cli
from codemods.console import PROGRESS_THRESHOLD, ProgressReporter
from codemods.mapping import DEFAULT_HELPER_FILE, ENDPOINTS
from codemods.report import SCHEMA_RESOURCE, TOOL_NAME

COMMANDS = ("diff", "apply", "check", "report")
HELPER_MODULE = DEFAULT_HELPER_FILE.removesuffix(".py")

REWRITABLE = """\
import requests
BASE = "https://app.360learning.com"
def total_time(course_id, email):
    r = requests.get(f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params={"company": "c", "apiKey": "k"})
    r.raise_for_status()
    return sum(a["globalTime"] for a in r.json()["attempts"])
"""  # noqa: E501

NEEDS_REVIEW = """\
import requests
from reporting import process
BASE = "https://app.360learning.com"
def stats(course_id, email):
    return process(requests.get(f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params={"company": "c", "apiKey": "k"}).json())
"""  # noqa: E501

SYNTAX_ERROR = """\
import requests
def stats(course_id, email)
    return requests.get(f"https://app.360learning.com/api/v1/courses/{course_id}/stats/{email}").json()
"""

NEUTRAL = """\
import requests
def courses(base):
    return requests.get(base + "/api/v1/courses/42/assignments").json()
"""

TREES: dict[str, dict[str, str]] = {
    "clean": {"app/__init__.py": "", "app/canvas.py": NEUTRAL},
    "rewrite": {"app/__init__.py": "", "app/canvas.py": NEUTRAL, "app/stats.py": REWRITABLE},
    "review": {"app/__init__.py": "", "app/canvas.py": NEUTRAL, "app/review.py": NEEDS_REVIEW},
    "broken": {"app/__init__.py": "", "app/canvas.py": NEUTRAL, "app/broken.py": SYNTAX_ERROR},
}

#: Expected exit code per tree and command; ``None``: 1 exactly when the diff is not empty.
EXIT_CODES: dict[str, dict[str, int | None]] = {
    "clean": {"diff": 0, "apply": 0, "check": 0, "report": 0},
    "rewrite": {"diff": 1, "apply": 0, "check": 1, "report": 0},
    "review": {"diff": None, "apply": 1, "check": 1, "report": 0},
    "broken": {"diff": 0, "apply": 1, "check": 1, "report": 0},
}


def make_tree(root: Path, kind: str) -> Path:
    for name, text in TREES[kind].items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def run(command: str, root: Path, *options: str, env: dict[str, str] | None = None) -> Result:
    return invoke(command, str(root), "--jobs", "1", *options, env=env)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(files("codemods").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", sorted(TREES))
def test_exit_codes(tmp_path: Path, kind: str, command: str) -> None:
    root = make_tree(tmp_path, kind)
    result = run(command, root)
    expected = EXIT_CODES[kind][command]
    if expected is None:
        expected = 1 if result.stdout_bytes else 0
    assert result.exit_code == expected, result.output


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
    [finding] = report["findings"]
    assert finding["path"] == "app/stats.py"
    assert (finding["line"], finding["column"]) == (4, 9)
    assert (finding["endpoint"], finding["status"]) == ("getUserCourseStats", "rewrite")
    assert report["errors"] == []
    summary = report["summary"]
    assert (summary["files_changed"], summary["sites"], summary["sites_rewrite"]) == (1, 1, 1)
    assert summary["endpoints"]["getUserCourseStats"] == {"rewrite": 1, "needs_review": 0}


def test_report_of_site_needing_review(tmp_path: Path, validator: jsonschema.protocols.Validator) -> None:
    result = run("report", make_tree(tmp_path, "review"))
    report = json.loads(result.stdout)
    validator.validate(report)
    [finding] = report["findings"]
    assert (finding["path"], finding["line"], finding["status"]) == ("app/review.py", 5, "needs_review")
    assert report["summary"]["sites_needs_review"] == 1
    assert report["summary"]["endpoints"]["getUserCourseStats"] == {"rewrite": 0, "needs_review": 1}
    assert "app/review.py:5" in result.stderr


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


@pytest.mark.parametrize("command", COMMANDS)
def test_quiet_prints_no_summary_and_keeps_exit_code(tmp_path: Path, command: str) -> None:
    root = make_tree(tmp_path, "review")
    loud = run(command, root)
    quiet = run(command, root, "--quiet")
    assert loud.stderr != ""
    assert quiet.stderr == ""
    assert quiet.exit_code == loud.exit_code
    assert quiet.stdout == loud.stdout


def test_colour_does_not_change_exit_code_and_no_color_is_plain(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    plain = run("diff", root)
    coloured = run("diff", root, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    no_color = run("diff", root, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.exit_code == coloured.exit_code == no_color.exit_code == 1
    assert "\x1b[" not in plain.stdout
    assert "\x1b[" in coloured.stdout
    assert no_color.stdout == plain.stdout


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
    (root / "app/stats.py").write_text(REWRITABLE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "codemods", "diff", str(root)], capture_output=True, env=subprocess_env()
    )
    assert done.returncode == 1
    assert b"+++ b/app/stats.py" in done.stdout
    assert b"app/review2.py:5" in done.stderr
    assert b"\x1b" not in done.stdout + done.stderr


def _terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=80), buffer


@pytest.mark.parametrize(("total", "shown"), [(PROGRESS_THRESHOLD, False), (PROGRESS_THRESHOLD + 1, True)])
def test_progress_bar_only_for_long_runs(total: int, shown: bool) -> None:
    console, buffer = _terminal()
    reporter = ProgressReporter(console)
    for done in range(0, total + 1, 50):
        reporter(done, total)
    reporter.close()
    assert bool(buffer.getvalue()) is shown


def test_progress_bar_never_when_piped() -> None:
    buffer = io.StringIO()
    reporter = ProgressReporter(Console(file=buffer, force_terminal=False))
    reporter(1, 10 * PROGRESS_THRESHOLD)
    reporter.close()
    assert buffer.getvalue() == ""
