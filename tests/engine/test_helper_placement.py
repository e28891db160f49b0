"""Where the helper module goes, through the real command line: rewritten code never imports a helper
that is not there, and the helper is never written outside the repository without being told to.

The helper is settled before any file is written: when it cannot be written (its directory missing or
not writable, a directory or a broken link at its path, an unrelated module of that name), no file is
rewritten and the run says why, with exit 1. A helper path from the configuration must stay inside the
directory of its ``pyproject.toml``; one from the command line inside a PATH, unless
``--allow-helper-outside`` confirms it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import Result
from support.command_line import make_tree, output, run, snapshot
from support.sources import SITE

from codemods.engine.helper_module import helper_source, import_root
from codemods.mapping import DEFAULT_HELPER_FILE

STATS = "app/stats.py"


def unchanged(root: Path, before: dict[str, bytes], result: Result) -> None:
    assert result.exit_code == 1, output(result)
    assert snapshot(root) == before
    assert f"{STATS}: not rewritten: the helper module" in output(result)


# -- the helper cannot be written: nothing is ------------------------------------------------------------


def test_a_missing_directory_for_the_helper_rewrites_nothing(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    before = snapshot(root)
    result = run("apply", root, "--helper-module", str(root / "lib" / "l360.py"))
    unchanged(root, before, result)
    assert "lib/l360.py: its directory does not exist; not written" in output(result)
    assert not (root / "lib").exists()


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_read_only_directory_for_the_helper_rewrites_nothing(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    (root / "lib").mkdir()
    (root / "lib" / "__init__.py").write_text("", encoding="utf-8")  # a package: the import resolves
    (root / "lib").chmod(0o555)
    before = snapshot(root)
    try:
        result = run("apply", root, "--helper-module", str(root / "lib" / "l360.py"))
    finally:
        (root / "lib").chmod(0o755)
    unchanged(root, before, result)
    assert "lib/l360.py: its directory is not writable; not written" in output(result)


def test_a_directory_at_the_helper_path_rewrites_nothing(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    (root / DEFAULT_HELPER_FILE).mkdir()
    before = snapshot(root)
    result = run("apply", root)
    unchanged(root, before, result)
    assert f"{DEFAULT_HELPER_FILE}: is a directory" in output(result)


def test_a_broken_link_at_the_helper_path_rewrites_nothing(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    (root / DEFAULT_HELPER_FILE).symlink_to(root / "gone.py")
    before = snapshot(root)
    result = run("apply", root)
    unchanged(root, before, result)
    assert f"{DEFAULT_HELPER_FILE}: broken symbolic link" in output(result)
    assert not (root / "gone.py").exists() and (root / DEFAULT_HELPER_FILE).is_symlink()


@pytest.mark.parametrize(
    ("module", "why"),
    [
        pytest.param(
            "def list_courses():\n    return []\n",
            "it defines no list_course_stats, resolve_user_id",
            id="another-module",
        ),
        pytest.param("def broken(:\n", "it cannot be parsed", id="not-python"),
    ],
)
@pytest.mark.parametrize("command", ["apply", "diff"])
def test_an_unrelated_module_of_that_name_rewrites_nothing(
    tmp_path: Path, module: str, why: str, command: str
) -> None:
    root = make_tree(tmp_path, "rewrite")
    (root / "app" / "learning360_v2.py").write_text(module)
    before = snapshot(root)
    result = run(command, root, "--helper-module", str(root / "app" / "learning360_v2.py"))
    assert snapshot(root) == before
    text = output(result)
    assert f"app/learning360_v2.py: exists and is not the helper module ({why}); not overwritten" in text
    assert f"{STATS}: not rewritten: the helper module app/learning360_v2.py cannot be written" in text
    assert "+++" not in result.stdout  # no patch either
    assert result.exit_code == (1 if command == "apply" else 0)


def test_an_edited_helper_is_kept_and_used(tmp_path: Path) -> None:
    """A helper someone changed still defines what the rewritten code calls: the files are rewritten, the
    helper is not overwritten, and the run says so; it is no failure (tests/cli/test_helper_ownership.py)."""
    root = make_tree(tmp_path, "rewrite")
    edited = helper_source().replace(b"DEFAULT_TIMEOUT = 30.0", b"DEFAULT_TIMEOUT = 120.0")
    (root / DEFAULT_HELPER_FILE).write_bytes(edited)
    result = run("apply", root)
    assert result.exit_code == 0
    assert "is edited; kept, since it defines every function the migrated code calls" in output(result)
    assert (root / STATS).read_text() != SITE
    assert (root / DEFAULT_HELPER_FILE).read_bytes() == edited


def test_the_helper_comes_first_and_then_the_files(tmp_path: Path) -> None:
    root = make_tree(tmp_path, "rewrite")
    result = run("apply", root)
    assert result.exit_code == 0, output(result)
    assert (root / DEFAULT_HELPER_FILE).read_bytes() == helper_source()
    assert (root / DEFAULT_HELPER_FILE).stat().st_mtime_ns <= (root / STATS).stat().st_mtime_ns
    assert stat.S_ISREG((root / DEFAULT_HELPER_FILE).lstat().st_mode)


# -- the helper stays inside the repository ----------------------------------------------------------------


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())


@pytest.mark.parametrize("command", ["apply", "diff", "check"])
def test_a_command_line_helper_outside_the_repository_needs_confirming(tmp_path: Path, command: str) -> None:
    root = make_tree(tmp_path / "repo", "rewrite")
    (tmp_path / "outside").mkdir()
    before = files_under(tmp_path)
    outside = root / ".." / "outside" / "x.py"
    refused = run(command, root, "--helper-module", str(outside))
    assert refused.exit_code == 2
    assert f"--helper-module {outside} is outside the repository" in output(refused)
    assert "--allow-helper-outside" in output(refused)
    assert files_under(tmp_path) == before
    if command == "apply":
        allowed = run(command, root, "--helper-module", str(outside), "--allow-helper-outside")
        assert allowed.exit_code == 0, output(allowed)
        assert (tmp_path / "outside" / "x.py").read_bytes() == helper_source()


def test_a_command_line_helper_through_a_link_out_of_the_repository_needs_confirming(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "repo", "rewrite")
    (tmp_path / "outside").mkdir()
    (root / "vendor").symlink_to(tmp_path / "outside")
    refused = run("apply", root, "--helper-module", str(root / "vendor" / "x.py"))
    assert refused.exit_code == 2 and "is outside the repository" in output(refused)
    assert list((tmp_path / "outside").iterdir()) == []


def test_a_command_line_helper_inside_a_path_or_the_configuration_is_fine(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_tree(repo / "svc", "rewrite")
    (repo / "pyproject.toml").write_text("[tool.migrate-360learning]\n")
    (repo / "lib").mkdir()
    result = run("apply", repo / "svc", "--helper-module", str(repo / "svc" / "app" / ".." / "l360.py"))
    assert result.exit_code == 0, output(result)
    result = run("apply", repo / "svc", "--helper-module", str(repo / "lib" / "l360.py"))
    assert result.exit_code == 0, output(result)  # nothing left to migrate; the configuration's directory


@pytest.mark.parametrize(
    "given",
    ["../outside/planted.py", "{tmp}/outside/planted.py", "vendor/planted.py"],
    ids=["dot-dot", "absolute", "through-a-link"],
)
@pytest.mark.parametrize("flag", [False, True], ids=["", "even-with-the-flag"])
def test_a_configured_helper_outside_the_repository_is_refused(
    tmp_path: Path, given: str, flag: bool
) -> None:
    given = given.format(tmp=tmp_path.as_posix())
    root = make_tree(tmp_path / "repo", "rewrite")
    (tmp_path / "outside").mkdir()
    (root / "vendor").symlink_to(tmp_path / "outside")
    (root / "pyproject.toml").write_text(f'[tool.migrate-360learning]\nhelper-module = "{given}"\n')
    before = files_under(tmp_path)
    result = run("apply", root, *(["--allow-helper-outside"] if flag else []))
    assert result.exit_code == 2
    assert f"helper-module {given!r} is outside the directory of this file" in output(result)
    assert files_under(tmp_path) == before


def test_the_import_roots_a_run_found_before_are_the_ones_found_again(tmp_path: Path) -> None:
    """A run that rewrites thousands of files asks each directory for its import root once; what it
    keeps gives what a fresh look gives, for files of the same package, of a subpackage and of none."""
    for name in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/a.py", "pkg/b.py", "loose/c.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    known: dict[Path, Path] = {}
    for name, root in (
        ("pkg/sub/a.py", tmp_path),
        ("pkg/b.py", tmp_path),
        ("loose/c.py", tmp_path / "loose"),
    ):
        assert import_root(tmp_path / name, known) == import_root(tmp_path / name) == root
        assert import_root(tmp_path / name, known) == root
    assert known == {
        tmp_path / "pkg" / "sub": tmp_path,
        tmp_path / "pkg": tmp_path,
        tmp_path / "loose": tmp_path / "loose",
    }
