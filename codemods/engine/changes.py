"""The files changed since a git revision, so that a pull request on a large repository checks only its own.

"Changed since REV" is what a pull request shows and more: files changed by the commits since the merge
base of REV and HEAD, staged and unstaged changes, and untracked files git does not ignore. Git itself
answers (``git diff``, ``git ls-files``), run as a subprocess; nothing here parses git's internals.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class ChangesError(Exception):
    """The changed files cannot be known: not a git repository, an unknown revision, no git."""


def _git(directory: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            check=False,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
        )
    except FileNotFoundError:
        raise ChangesError("git is not installed") from None
    if done.returncode != 0:
        raise ChangesError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed")
    return done.stdout


def repository_root(start: Path) -> Path:
    """The top directory of the git work tree holding ``start`` (a directory, or a file's directory)."""
    directory = Path(os.path.abspath(start))
    if not directory.is_dir():
        directory = directory.parent
    try:
        top = _git(directory, "rev-parse", "--show-toplevel").strip()
    except ChangesError:
        raise ChangesError(f"{start.as_posix()} is not in a git repository") from None
    if not top:
        raise ChangesError(f"{start.as_posix()} is not in a git work tree")
    return Path(top)


def changed_files(start: Path, revision: str) -> frozenset[Path]:
    """The real paths of the files changed since ``revision`` in the repository holding ``start``."""
    top = repository_root(start)
    try:
        commit = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
    except ChangesError:
        raise ChangesError(f"unknown git revision {revision!r} in {top.as_posix()}") from None
    commit = commit.strip()
    try:
        base = _git(top, "merge-base", commit, "HEAD").strip()
    except ChangesError:
        # No common history (or no HEAD yet): compare with the revision itself.
        base = commit
    # The work tree against the base: the commits since, staged and unstaged changes of tracked files.
    tracked = _git(top, "diff", "--name-only", "--no-renames", "-z", base, "--")
    untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z")
    names = {name for name in (tracked + untracked).split("\0") if name}
    return frozenset(Path(os.path.realpath(top / name)) for name in names)
