"""``--changed-since REV`` in a real git repository: which files count as changed, that only those are
transformed while URL constants of unchanged modules are still read, and the usage errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.sources import SITE

from codemods.cli.main import cli
from codemods.engine import runner
from codemods.engine.changes import ChangesError, changed_files, repository_root
from codemods.engine.options import RunOptions
from codemods.results.findings import Status

#: A site whose URL is only readable through another module's constant.
CROSS_MODULE_SITE = """\
import requests
from settings import COMPANY, KEY, STATS_URL
def total_time(course_id, email):
    r = requests.get(STATS_URL.format(course_id, email), params={"company": COMPANY, "apiKey": KEY})
    r.raise_for_status()
    return sum(a["globalTime"] for a in r.json()["attempts"])
"""
SETTINGS = """\
import os
STATS_URL = "https://app.360learning.com/api/v1/courses/{}/stats/{}"
COMPANY, KEY = os.environ["L360_COMPANY"], os.environ["L360_API_KEY"]
"""


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    command = ["git", "-C", str(repo), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with a first commit (tagged ``base``) of five files."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(
        root,
        {
            ".gitignore": "generated/\n",
            "committed.py": SITE,
            "staged.py": SITE,
            "unstaged.py": SITE,
            "untouched.py": SITE,
            "renamed_from.py": "x = 1\n",
        },
    )
    commit_all(root, "base")
    git(root, "tag", "base")
    return root


def names(repo: Path, files: frozenset[Path]) -> set[str]:
    real = Path(os.path.realpath(repo))
    return {p.relative_to(real).as_posix() for p in files}


def change_everything(repo: Path) -> None:
    """One file of every kind of change since ``base``."""
    write(repo, {"committed.py": SITE + "# changed\n", "added.py": SITE})
    git(repo, "mv", "renamed_from.py", "renamed_to.py")
    commit_all(repo, "work")
    write(repo, {"staged.py": SITE + "# staged\n"})
    git(repo, "add", "staged.py")
    write(repo, {"unstaged.py": SITE + "# unstaged\n", "untracked.py": SITE, "generated/ignored.py": SITE})


def test_every_kind_of_change_counts_and_ignored_files_do_not(repo: Path) -> None:
    change_everything(repo)
    assert names(repo, changed_files(repo, "base")) == {
        "committed.py",
        "added.py",
        "renamed_from.py",
        "renamed_to.py",
        "staged.py",
        "unstaged.py",
        "untracked.py",
    }
    since_head = changed_files(repo / "committed.py", "HEAD")
    assert names(repo, since_head) == {"staged.py", "unstaged.py", "untracked.py"}


def test_changes_on_the_base_branch_since_the_fork_do_not_count(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, {"committed.py": SITE + "# feature\n"})
    commit_all(repo, "feature work")
    git(repo, "checkout", "-q", "main")
    write(repo, {"untouched.py": SITE + "# main moved on\n"})
    commit_all(repo, "main work")
    git(repo, "checkout", "-q", "feature")
    assert names(repo, changed_files(repo, "main")) == {"committed.py"}


def test_not_a_repository_and_unknown_revision(tmp_path: Path, repo: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(ChangesError, match="is not in a git repository"):
        repository_root(outside)
    with pytest.raises(ChangesError, match="unknown git revision 'no-such-branch'"):
        changed_files(repo, "no-such-branch")
    with pytest.raises(ChangesError, match="unknown git revision '--output=x'"):
        changed_files(repo, "--output=x")
    assert not (repo / "x").exists()


def test_engine_transforms_only_changed_files_but_indexes_all(repo: Path) -> None:
    write(repo, {"settings.py": SETTINGS})
    commit_all(repo, "settings")
    git(repo, "tag", "settings")
    write(repo, {"report.py": CROSS_MODULE_SITE})
    only = changed_files(repo, "settings")
    result = runner.run(RunOptions(paths=(repo,), jobs=1, transform_only=only))
    assert [o.display_path for o in result.outcomes] == ["report.py"]
    [finding] = result.findings
    # The URL comes from settings.py, which is not transformed but is read.
    assert finding.status is Status.REWRITE, finding.message
    assert result.files_scanned == 1
    everything = runner.run(RunOptions(paths=(repo,), jobs=1))
    assert (result.files_scanned, result.files_excluded) == (1, everything.files_scanned - 1)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--jobs", "1"], catch_exceptions=False)


def test_check_changed_since(repo: Path) -> None:
    assert invoke("check", str(repo), "--changed-since", "HEAD").exit_code == 0
    write(repo, {"new.py": "x = 1\n"})
    assert invoke("check", str(repo), "--changed-since", "HEAD").exit_code == 0
    write(repo, {"new.py": SITE})
    result = invoke("check", str(repo), "--changed-since", "HEAD")
    assert result.exit_code == 1
    assert "new.py" in invoke("diff", str(repo), "--changed-since", "HEAD").stdout
    assert "untouched.py" not in invoke("diff", str(repo), "--changed-since", "HEAD").stdout


def test_changed_since_usage_errors(tmp_path: Path, repo: Path) -> None:
    unknown = invoke("check", str(repo), "--changed-since", "nope")
    assert unknown.exit_code == 2
    assert "--changed-since: unknown git revision 'nope'" in unknown.stderr
    outside = tmp_path / "plain"
    write(outside, {"a.py": SITE})
    not_git = invoke("check", str(outside), "--changed-since", "HEAD")
    assert not_git.exit_code == 2
    assert "is not in a git repository" in not_git.stderr
