"""Paths in every output are relative to the working directory, as ruff shows them: two files of two
PATHs never look the same in the summary, the JSON, SARIF and markdown reports or the patch, and the
patch of a two-PATH run applies from the working directory with ``git apply``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support.command_line import invoke, output, snapshot
from support.sources import SITE

from codemods.mapping import DEFAULT_HELPER_FILE


def _two_trees(root: Path) -> Path:
    for name in ("one", "two"):
        (root / name / "app").mkdir(parents=True)
        (root / name / "app" / "__init__.py").write_text("", encoding="utf-8")
        (root / name / "app" / "stats.py").write_text(SITE, encoding="utf-8")
    return root


def test_two_paths_show_two_paths_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_two_trees(tmp_path))
    args = ("one", "two", "--jobs", "1")
    checked = invoke(
        "check", *args, "--report", "json:r.json", "--report", "sarif:r.sarif", "--report", "markdown:r.md"
    )
    assert "one/app/stats.py:6:9" in output(checked)
    assert "two/app/stats.py:6:9" in output(checked)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [f["path"] for f in report["findings"]] == ["one/app/stats.py", "two/app/stats.py"]
    sarif = json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]
    ]
    assert uris == ["one/app/stats.py", "two/app/stats.py"]
    markdown = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "one/app/stats.py" in markdown and "two/app/stats.py" in markdown


def test_a_two_path_patch_applies_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patched = _two_trees(tmp_path / "patched")
    applied = _two_trees(tmp_path / "applied")
    for tree in (patched, applied):
        subprocess.run(["git", "init", "-q", str(tree)], check=True)
    monkeypatch.chdir(patched)
    diff = invoke("diff", "one", "two", "--jobs", "1")
    assert diff.exit_code == 1
    assert "+++ b/one/app/stats.py\n" in diff.stdout and "+++ b/two/app/stats.py\n" in diff.stdout
    # The helper goes at the repository's root, which both PATHs' code imports it from.
    assert f"+++ b/{DEFAULT_HELPER_FILE}\n" in diff.stdout
    subprocess.run(["git", "apply", "-"], input=diff.stdout_bytes, check=True)
    monkeypatch.chdir(applied)
    assert invoke("apply", "one", "two", "--jobs", "1").exit_code == 0
    assert snapshot(patched) == snapshot(applied)


def test_paths_named_by_absolute_path_are_shown_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _two_trees(tmp_path)
    monkeypatch.chdir(root)
    report = json.loads(invoke("report", str(root / "one"), str(root / "two" / "app" / "stats.py")).stdout)
    assert [f["path"] for f in report["findings"]] == ["one/app/stats.py", "two/app/stats.py"]


def test_paths_outside_the_working_directory_are_relative_to_the_directory_holding_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _two_trees(tmp_path / "repo")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    report = json.loads(invoke("report", str(root / "one"), str(root / "two")).stdout)
    assert [f["path"] for f in report["findings"]] == ["one/app/stats.py", "two/app/stats.py"]
