"""Which files ``discover`` finds: ignore rules, default excludes, globs, named files, symbolic links."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from codemods.engine.discovery import Discovery, DiscoveryError, discover
from codemods.engine.files import TEMPORARY_SUFFIX


def make(root: Path, *files: str) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def shown(found: Discovery) -> list[str]:
    return [c.display_path for c in found.files]


def test_nested_gitignore_with_negation(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "gen_a.py", "pkg/gen_b.py", "pkg/gen_keep.py", "pkg/sub/local.py", "pkg/sub/x.py")
    (tmp_path / ".gitignore").write_text("gen_*.py\n# a comment\n")
    (tmp_path / "pkg" / ".gitignore").write_text("!gen_keep.py\n/sub/local.py\n")
    found = discover([tmp_path])
    assert shown(found) == ["a.py", "pkg/gen_keep.py", "pkg/sub/x.py"]
    assert found.excluded == 3


def test_gitignored_directory_is_pruned(tmp_path: Path) -> None:
    make(tmp_path, "keep.py", "generated/a.py", "generated/b.py")
    (tmp_path / ".gitignore").write_text("generated/\n")
    assert shown(discover([tmp_path])) == ["keep.py"]


def test_default_excludes(tmp_path: Path) -> None:
    excluded_dirs = [
        ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "site-packages", "__pycache__", "build",
        "dist", ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".eggs", "pkg.egg-info",
    ]  # fmt: skip
    make(tmp_path, "main.py", "src/builder.py", *(f"{d}/mod.py" for d in excluded_dirs))
    assert shown(discover([tmp_path])) == ["main.py", "src/builder.py"]


def test_any_directory_with_pyvenv_cfg_is_a_virtualenv(tmp_path: Path) -> None:
    make(tmp_path, "env/lib/mod.py", "myenv/lib/mod.py", "envs/code.py", "main.py")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert shown(discover([tmp_path])) == ["envs/code.py", "main.py"]


def test_only_python_files(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "b.pyi", "c.txt", "d.pyw", "e.py.bak")
    assert shown(discover([tmp_path])) == ["a.py"]


def test_exclude_and_include_globs(tmp_path: Path) -> None:
    make(tmp_path, "src/app.py", "src/app_test.py", "tests/test_app.py", "tools/run.py")
    found = discover([tmp_path], exclude=["tests/", "*_test.py"])
    assert shown(found) == ["src/app.py", "tools/run.py"]
    assert found.excluded == 1
    found = discover([tmp_path], include=["src/**"])
    assert shown(found) == ["src/app.py", "src/app_test.py"]
    assert found.excluded == 2
    found = discover([tmp_path], include=["src/**"], exclude=["*_test.py"])
    assert shown(found) == ["src/app.py"]


def test_globs_are_relative_to_the_path(tmp_path: Path) -> None:
    make(tmp_path, "proj/src/a.py", "proj/b.py")
    assert shown(discover([tmp_path / "proj"], exclude=["/src"])) == ["b.py"]


def test_named_file_is_always_processed(tmp_path: Path) -> None:
    make(tmp_path, "build/gen.py", "ignored.py", "script")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    named = [tmp_path / "build" / "gen.py", tmp_path / "ignored.py", tmp_path / "script"]
    found = discover(named, exclude=["*"])
    assert [c.path for c in found.files] == [p.absolute() for p in named]
    assert all(c.explicit for c in found.files)
    # Outside the working directory: relative to the nearest directory holding every PATH.
    assert found.base == tmp_path
    assert found.files[0].display_path == "build/gen.py"


def test_named_file_display_path_is_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "pkg/mod.py")
    monkeypatch.chdir(tmp_path)
    found = discover([Path("pkg/mod.py")])
    (candidate,) = found.files
    assert candidate.display_path == "pkg/mod.py"
    assert candidate.path == tmp_path / "pkg" / "mod.py"
    assert candidate.root == tmp_path / "pkg"


def test_candidates_of_a_directory(tmp_path: Path) -> None:
    make(tmp_path, "proj/pkg/mod.py")
    (candidate,) = discover([tmp_path / "proj"]).files
    assert candidate.display_path == "pkg/mod.py"
    assert candidate.path == tmp_path / "proj" / "pkg" / "mod.py"
    assert candidate.root == tmp_path / "proj"
    assert not candidate.explicit


def test_symlink_to_outside_the_root_is_not_followed(tmp_path: Path) -> None:
    make(tmp_path, "outside/secret.py", "outside/dir/deep.py", "root/a.py")
    (tmp_path / "root" / "link.py").symlink_to(tmp_path / "outside" / "secret.py")
    (tmp_path / "root" / "linkdir").symlink_to(tmp_path / "outside" / "dir", target_is_directory=True)
    found = discover([tmp_path / "root"])
    assert shown(found) == ["a.py"]
    assert {path for path, _ in found.skipped} == {"link.py", "linkdir"}
    assert all("outside" in reason for _, reason in found.skipped)


def test_symlink_inside_the_root_is_followed_once(tmp_path: Path) -> None:
    make(tmp_path, "real/a.py")
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "b.py").symlink_to(tmp_path / "real" / "a.py")
    found = discover([tmp_path])
    assert shown(found) == ["real/a.py"]
    assert found.skipped == ()


def test_symlink_loop_does_not_crash(tmp_path: Path) -> None:
    make(tmp_path, "pkg/a.py")
    (tmp_path / "pkg" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "x.py").symlink_to(tmp_path / "y.py")
    (tmp_path / "y.py").symlink_to(tmp_path / "x.py")
    found = discover([tmp_path])
    assert shown(found) == ["pkg/a.py"]
    reasons = dict(found.skipped)
    assert reasons["x.py"] == "symbolic link loop"
    assert reasons["y.py"] == "symbolic link loop"


def test_broken_symlink_is_skipped(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")
    found = discover([tmp_path])
    assert shown(found) == ["a.py"]
    assert found.skipped == (("gone.py", "broken symbolic link"),)


def test_a_py_directory_is_not_a_file(tmp_path: Path) -> None:
    make(tmp_path, "weird.py/inner.py")
    assert shown(discover([tmp_path])) == ["weird.py/inner.py"]
    assert shown(discover([tmp_path / "weird.py"])) == ["inner.py"]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match="does not exist"):
        discover([tmp_path / "missing"])
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    with pytest.raises(DiscoveryError, match="symbolic link"):
        discover([tmp_path / "dangling"])


def test_order_is_deterministic(tmp_path: Path) -> None:
    names = ["b/z.py", "a.py", "b/a.py", "B.py", "a/b/c.py", "c.py"]
    make(tmp_path / "one", *names)
    make(tmp_path / "two", "a.py")
    found = discover([tmp_path / "two", tmp_path / "one"])
    # Two PATHs: paths are relative to the directory holding both, so two files never look the same.
    assert shown(found) == [
        "one/B.py",
        "one/a.py",
        "one/a/b/c.py",
        "one/b/a.py",
        "one/b/z.py",
        "one/c.py",
        "two/a.py",
    ]
    assert [c.root.name for c in found.files] == ["one"] * 6 + ["two"]
    assert found == discover([tmp_path / "two", tmp_path / "one"])


def test_same_file_from_two_paths_is_taken_once(tmp_path: Path) -> None:
    make(tmp_path, "pkg/mod.py")
    found = discover([tmp_path, tmp_path / "pkg", tmp_path / "pkg" / "mod.py"])
    (candidate,) = found.files
    assert candidate.explicit


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_files_are_not_candidates(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    make(tmp_path, "a.py")
    assert shown(discover([tmp_path])) == ["a.py"]


def test_file_named_by_absolute_path_below_the_working_directory_is_shown_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "stats.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    found = discover([tmp_path / "app" / "stats.py"])
    assert [c.display_path for c in found.files] == ["app/stats.py"]


def test_a_temporary_file_left_by_a_killed_run_is_never_a_candidate(tmp_path: Path) -> None:
    """Only SIGKILL can leave a write's temporary file behind; it holds migrated code, never a source."""
    make(tmp_path, "app.py", "pkg/mod.py")
    for directory, name in ((tmp_path, "app.py"), (tmp_path / "pkg", "mod.py")):
        (directory / f".{name}.k3j9x2_a{TEMPORARY_SUFFIX}").write_text("x = 1\n")
    assert shown(discover([tmp_path])) == ["app.py", "pkg/mod.py"]


def test_directories_nested_deeper_than_the_recursion_limit(tmp_path: Path) -> None:
    levels = sys.getrecursionlimit() + 100
    deepest = str(tmp_path)
    for _ in range(levels):  # Path.mkdir(parents=True) would recurse as deep
        deepest = os.path.join(deepest, "d")
        os.mkdir(deepest)
    Path(deepest, "mod.py").write_text("x = 1\n")
    make(tmp_path, "top.py")
    try:
        found = discover([tmp_path])
        assert shown(found) == ["d/" * levels + "mod.py", "top.py"]
        assert found.skipped == ()
    finally:  # shutil.rmtree, which cleans tmp_path, recurses too
        os.unlink(os.path.join(deepest, "mod.py"))
        while deepest != str(tmp_path):
            os.rmdir(deepest)
            deepest = os.path.dirname(deepest)
