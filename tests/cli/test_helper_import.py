"""Where the helper goes by default and whether the import written into migrated code resolves, through the
real command line and a real import: the helper goes at the repository's root even when the PATHs are
files (as pre-commit passes them), in ``src/`` for a src layout, and a helper its code could not import
rewrites nothing, said before anything is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.command_line import invoke, output, snapshot
from support.sources import SITE

from codemods.mapping import DEFAULT_HELPER_FILE


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _imports(root: Path, module: str, *, pythonpath: str = ".") -> None:
    """Import the migrated module as its repository would: the helper it imports must be found."""
    subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=root,
        env={"PYTHONPATH": pythonpath, "L360_COMPANY": "c", "L360_API_KEY": "k"},
        check=True,
    )


def test_files_named_as_pre_commit_passes_them_import_the_helper_at_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _write(
        tmp_path,
        {"app/__init__.py": "", "app/stats.py": SITE, "jobs/__init__.py": "", "jobs/nightly.py": SITE},
    )
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    monkeypatch.chdir(root / "app")  # wherever the hook runs from
    result = invoke("apply", "stats.py", "../jobs/nightly.py", "--jobs", "1")
    assert result.exit_code == 0, output(result)
    assert (root / DEFAULT_HELPER_FILE).is_file()
    assert not (root / "app" / DEFAULT_HELPER_FILE).exists()
    for module in ("app.stats", "jobs.nightly"):
        _imports(root, module)


def test_a_src_layout_gets_the_helper_in_src(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'acme'\n",
            "src/acme/__init__.py": "",
            "src/acme/stats.py": SITE,
        },
    )
    monkeypatch.chdir(root)
    result = invoke("apply", "src/acme/stats.py", "--jobs", "1")
    assert result.exit_code == 0, output(result)
    assert (root / "src" / DEFAULT_HELPER_FILE).is_file()
    _imports(root, "acme.stats", pythonpath="src")


def test_a_helper_the_code_cannot_import_rewrites_nothing_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": '[tool.migrate-360learning]\nhelper-module = "tools/v2/learning360_v2.py"\n',
            "tools/v2/README": "",
            "app/__init__.py": "",
            "app/stats.py": SITE,
        },
    )
    monkeypatch.chdir(root)
    before = snapshot(root)
    result = invoke("apply", ".", "--jobs", "1")
    assert result.exit_code == 1
    assert (
        "app/stats.py: not rewritten: `import learning360_v2` would not resolve from it (it is imported from"
        " ./, the helper module tools/v2/learning360_v2.py from tools/v2/)" in output(result)
    )
    assert snapshot(root) == before
    assert invoke("check", ".", "--jobs", "1").exit_code == 1


def test_a_helper_in_a_package_of_the_repository_is_imported_by_its_dotted_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _write(
        tmp_path,
        {
            "pyproject.toml": '[tool.migrate-360learning]\nhelper-module = "lib/learning360_v2.py"\n',
            "lib/__init__.py": "",
            "app/__init__.py": "",
            "app/stats.py": SITE,
        },
    )
    monkeypatch.chdir(root)
    result = invoke("apply", "app/stats.py", "--jobs", "1")
    assert result.exit_code == 0, output(result)
    assert "from lib import learning360_v2" in (root / "app" / "stats.py").read_text(encoding="utf-8")
    _imports(root, "app.stats")
