"""The configuration as a repository's command line finds it, ruff's way: the nearest ``pyproject.toml``
that holds ``[tool.migrate-360learning]``, up to the repository's root; its patterns relative to its own
directory, whatever the PATH; typos in a key or in the table's name answered with "did you mean"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.command_line import invoke, output
from support.sources import SITE


def _repo(root: Path, table: str) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / "pyproject.toml").write_text(table, encoding="utf-8")
    for name in ("svc/app/stats.py", "svc/legacy/old.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(SITE, encoding="utf-8")
    # A nested project without the table: it does not shadow the repository's.
    (root / "svc" / "pyproject.toml").write_text("[project]\nname = 'svc'\n", encoding="utf-8")
    return root


def _paths(*args: str) -> list[str]:
    result = invoke("report", *args, "--jobs", "1")
    assert result.exit_code == 0, result.output
    return [f["path"] for f in json.loads(result.stdout)["findings"]]


EXCLUDE_LEGACY = '[tool.migrate-360learning]\nexclude = ["svc/legacy/"]\n'


def test_patterns_are_relative_to_the_configuration_whatever_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path, EXCLUDE_LEGACY)
    monkeypatch.chdir(root)
    assert _paths(".") == ["svc/app/stats.py"]
    assert _paths("svc") == ["svc/app/stats.py"]
    monkeypatch.chdir(root / "svc")
    assert _paths(".") == ["app/stats.py"]
    assert _paths("app", "legacy") == ["app/stats.py"]


def test_flag_patterns_stay_relative_to_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_repo(tmp_path, "[tool.migrate-360learning]\n"))
    assert _paths("svc", "--exclude", "legacy/") == ["svc/app/stats.py"]


def test_the_search_stops_at_the_repository_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migrate-360learning]\nexclude = ["*.py"]\n', encoding="utf-8"
    )
    root = _repo(tmp_path / "repo", "[project]\nname = 'repo'\n")
    monkeypatch.chdir(root)
    assert _paths(".") == ["svc/app/stats.py", "svc/legacy/old.py"]


def test_config_file_patterns_are_relative_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, "[project]\nname = 'repo'\n")
    (root / "ci").mkdir()
    (root / "ci" / "migrate.toml").write_text(
        '[tool.migrate-360learning]\nexclude = ["/legacy/"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(root)
    # "/legacy/" is anchored at ci/: it matches nothing under svc/.
    assert _paths("svc", "--config", "ci/migrate.toml") == ["svc/app/stats.py", "svc/legacy/old.py"]


@pytest.mark.parametrize("name", ["migrate360learning", "migrate_360learning", "migrate-360-learning"])
def test_a_misspelled_table_is_a_usage_error_that_says_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(_repo(tmp_path, f'[tool.{name}]\nexclude = ["svc/legacy/"]\n'))
    result = invoke("check", "svc")
    assert result.exit_code == 2
    assert f"unknown table [tool.{name}] (did you mean [tool.migrate-360learning]?)" in output(result)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('exlude = ["x/"]', "unknown key 'exlude' in [tool.migrate-360learning] (did you mean 'exclude'?)"),
        ("helper_module = 'h.py'", "(did you mean 'helper-module'?)"),
        ('[tool.migrate-360learning.helper-env]\nclient_id = "X"', "(did you mean 'client-id'?)"),
    ],
)
def test_an_unknown_key_gets_a_suggestion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, expected: str
) -> None:
    monkeypatch.chdir(_repo(tmp_path, f"[tool.migrate-360learning]\n{table}\n"))
    result = invoke("check", ".")
    assert result.exit_code == 2
    assert expected in output(result)
