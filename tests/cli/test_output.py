"""What the command line prints, for gates and editors: a failing ``check --quiet`` still says where, files
that could not be processed are tool notifications in SARIF, ``--report FORMAT:-`` writes to stdout, and a
module on standard input (``-`` with ``--stdin-filename``) is checked, diffed and migrated to stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from support.command_line import NEEDS_REVIEW, SYNTAX_ERROR, make_tree, run
from support.paths import DATA
from support.sources import SITE

from codemods.cli.main import cli
from codemods.mapping import DEFAULT_HELPER_FILE


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def _stdin(*args: str, source: str) -> Result:
    return CliRunner().invoke(cli, list(args), input=source.encode(), catch_exceptions=False)


def test_a_failing_quiet_check_prints_one_line_per_file(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    (root / "app" / "review.py").write_text(NEEDS_REVIEW, encoding="utf-8")
    result = run("check", root, "--quiet")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "app/review.py: 1 v1 site left (1 to review)",
        "app/stats.py: 1 v1 site left (1 to migrate)",
    ]
    assert result.stdout == ""


def test_a_passing_quiet_check_prints_nothing(tmp_path: Path) -> None:
    result = run("check", make_tree(tmp_path, "clean"), "--quiet")
    assert (result.exit_code, result.stderr, result.stdout) == (0, "", "")


def test_files_that_failed_are_tool_notifications_in_sarif(
    tmp_path: Path, sarif_validator: jsonschema.protocols.Validator, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_tree(tmp_path, "broken")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["report", ".", "--format", "sarif", "--jobs", "1"])
    log = json.loads(result.stdout)
    sarif_validator.validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["descriptor"] == {"id": "file-not-processed"}
    assert notification["message"]["text"].startswith("app/broken.py: syntax error at line 2")
    location = notification["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "app/broken.py", "uriBaseId": "%SRCROOT%"}


def test_a_run_without_failures_is_a_successful_invocation(
    tmp_path: Path, sarif_validator: jsonschema.protocols.Validator
) -> None:
    log = json.loads(run("report", make_tree(tmp_path, "rewrite"), "--format", "sarif").stdout)
    sarif_validator.validate(log)
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]


def test_report_to_dash_writes_to_stdout(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    result = run("check", root, "--report", "json:-")
    assert result.exit_code == 1
    assert [f["path"] for f in json.loads(result.stdout)["findings"]] == ["app/stats.py"]
    assert not (Path.cwd() / "-").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("diff", "--report", "json:-"),
        ("report", "--report", "sarif:-"),
        ("check", "--report", "json:-", "--report", "sarif:-"),
    ],
)
def test_two_things_on_stdout_are_a_usage_error(tmp_path: Path, args: tuple[str, ...]) -> None:
    command, *options = args
    result = run(command, make_tree(tmp_path, "rewrite"), *options)
    assert result.exit_code == 2
    assert "standard output" in result.stderr


def test_check_and_diff_of_stdin_name_the_file_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(make_tree(tmp_path, "clean"))
    checked = _stdin("check", "-", "--stdin-filename", "app/new.py", source=SITE)
    assert checked.exit_code == 1
    assert "app/new.py:6:9 getUserCourseStats" in checked.stderr
    diff = _stdin("diff", "-", "--stdin-filename", "app/new.py", source=SITE)
    assert diff.exit_code == 1
    assert diff.stdout.startswith("--- a/app/new.py\n+++ b/app/new.py\n")
    assert DEFAULT_HELPER_FILE not in diff.stdout
    assert sorted(p.name for p in (tmp_path / "app").iterdir()) == ["__init__.py", "canvas.py"]


def test_apply_of_stdin_prints_the_migrated_module_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_tree(tmp_path, "clean")
    monkeypatch.chdir(root)
    applied = _stdin("apply", "-", "--stdin-filename", "app/new.py", source=SITE)
    assert applied.exit_code == 0
    (root / "app" / "stats.py").write_text(SITE, encoding="utf-8")
    assert CliRunner().invoke(cli, ["apply", "app/stats.py", "--jobs", "1"]).exit_code == 0
    assert applied.stdout == (root / "app" / "stats.py").read_text(encoding="utf-8")
    assert not (root / "app" / "new.py").exists()


@pytest.mark.parametrize("source", [SYNTAX_ERROR, "print('no v1 call here')\n"])
def test_apply_of_stdin_gives_back_what_it_cannot_or_need_not_change(source: str) -> None:
    applied = _stdin("apply", "-", "--stdin-filename", "x.py", source=source)
    assert applied.stdout == source
    assert applied.exit_code == (1 if source == SYNTAX_ERROR else 0)


def test_stdin_through_the_installed_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codemods", "check", "-q", "-", "--stdin-filename", "a.py"],
        input=SITE.encode(),
        capture_output=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.decode() == "a.py: 1 v1 site left (1 to migrate)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "-", "."), "the only PATH"),
        (("check", ".", "--stdin-filename", "a.py"), "--stdin-filename is for -"),
        (("apply", "-", "--report", "json:-"), "standard output"),
    ],
)
def test_stdin_misuse_is_a_usage_error(args: tuple[str, ...], message: str) -> None:
    result = _stdin(*args, source=SITE)
    assert result.exit_code == 2
    assert message in result.stderr
