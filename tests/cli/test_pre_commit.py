"""The repository's pre-commit hooks, run by pre-commit itself (``pre-commit try-repo``) in a user's
repository: the apply hook migrates the staged files of two packages, puts the helper at the repository's
root where both import it from, and stops the commit; then the check hook passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.paths import ROOT
from support.sources import SITE

from codemods.mapping import DEFAULT_HELPER_FILE


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=dev@example.com", "-c", "user.name=dev", *args], cwd=root, check=True
    )


def _hook(root: Path, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--all-files"],
        cwd=root,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def test_the_hooks_migrate_then_pass(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for name in ("app/__init__.py", "jobs/__init__.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("", encoding="utf-8")
    (root / "app" / "stats.py").write_text(SITE, encoding="utf-8")
    (root / "jobs" / "nightly.py").write_text(SITE, encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "v1")
    home = tmp_path / "pre-commit-home"

    checked = _hook(root, "migrate-360learning-check", home)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "app/stats.py:6:9 getUserCourseStats" in checked.stdout

    applied = _hook(root, "migrate-360learning-apply", home)
    assert applied.returncode == 1, applied.stdout + applied.stderr  # files were modified
    assert (root / DEFAULT_HELPER_FILE).is_file()
    for module in ("app/stats.py", "jobs/nightly.py"):
        assert "import learning360_v2\n" in (root / module).read_text(encoding="utf-8")

    _git(root, "add", "-A")
    again = _hook(root, "migrate-360learning-check", home)
    assert again.returncode == 0, again.stdout + again.stderr
