"""Finds the Python files to migrate under the PATHs given on the command line.

Directories are walked with ``os.scandir`` and pruned early: every ``.gitignore`` of the tree applies
(with git's semantics, through ``pathspec``), as do the usual directories no one migrates (VCS data,
virtualenvs, caches, build output) and the user's ``--exclude``/``--include`` globs. A symbolic link is
followed only when it stays inside its PATH; broken or looping links are reported, never fatal. A file
named on the command line is always taken, whatever the rules say.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, NamedTuple

from pathspec import GitIgnoreSpec

#: Directory names never walked.
DEFAULT_EXCLUDED_DIRS: Final = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "site-packages",
        "__pycache__",
        "build",
        "dist",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".eggs",
    }
)
DEFAULT_EXCLUDED_SUFFIXES: Final = (".egg-info",)
#: A directory holding this file is a virtualenv, whatever its name.
VENV_MARKER: Final = "pyvenv.cfg"
GITIGNORE: Final = ".gitignore"
PYTHON_SUFFIX: Final = ".py"
#: Files a walk takes: Python modules, and Jupyter notebooks (``codemods.reading.notebooks``).
SOURCE_SUFFIXES: Final = (PYTHON_SUFFIX, ".ipynb")


class DiscoveryError(Exception):
    """A PATH given by the user cannot be used (it does not exist)."""


@dataclass(frozen=True)
class Candidate:
    """One Python file to migrate."""

    #: Absolute path (symbolic links kept as they are).
    path: Path
    #: Posix path relative to the run's base directory (``display_base``), or as given when outside it.
    display_path: str
    #: The PATH (absolute) the file was found under; a named file's own directory.
    root: Path
    #: True when the file was named on the command line.
    explicit: bool


@dataclass(frozen=True)
class Discovery:
    """The files found, in a deterministic order, and what was left out."""

    files: tuple[Candidate, ...]
    #: Python files left out by ``.gitignore``, default excludes or ``--exclude``/``--include``.
    #: Files inside a pruned directory are not counted: a pruned directory is never read.
    excluded: int
    #: (display path, reason) for entries that could not be followed: broken, looping or
    #: outside-the-PATH symbolic links, unreadable directories.
    skipped: tuple[tuple[str, str], ...] = field(default=())
    #: The directory display paths are relative to (see ``display_base``).
    base: Path = field(default_factory=Path.cwd)


def display_base(paths: Sequence[Path]) -> Path:
    """The directory every path shown is relative to, as ruff does it: the working directory when every
    PATH lies inside it, else the nearest directory holding every PATH (a file's, its directory). So two
    files of two PATHs never show as the same path, and a patch applies from there."""
    cwd = Path(os.path.abspath(Path.cwd()))
    roots = [Path(os.path.abspath(p if p.is_dir() else Path(os.path.abspath(p)).parent)) for p in paths]
    if all(root.is_relative_to(cwd) for root in roots):
        return cwd
    return Path(os.path.commonpath([str(root) for root in roots])) if roots else cwd


def _compile(patterns: Sequence[str]) -> GitIgnoreSpec | None:
    return GitIgnoreSpec.from_lines(patterns) if patterns else None


def _is_default_excluded(name: str) -> bool:
    return name in DEFAULT_EXCLUDED_DIRS or name.endswith(DEFAULT_EXCLUDED_SUFFIXES)


@dataclass(frozen=True)
class _Ignore:
    """The ``.gitignore`` of one directory, with that directory's path relative to the root."""

    prefix: str
    spec: GitIgnoreSpec


def _ignored(ignores: Sequence[_Ignore], rel: str, is_dir: bool) -> bool:
    """Git's rule: the deepest ``.gitignore`` with a matching pattern decides, its last match wins."""
    for ignore in reversed(ignores):
        local = rel[len(ignore.prefix) :] + ("/" if is_dir else "")
        decision = ignore.spec.check_file(local).include
        if decision is not None:
            return decision
    return False


def _read_gitignore(directory: str, prefix: str) -> _Ignore | None:
    try:
        with open(os.path.join(directory, GITIGNORE), encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    spec = GitIgnoreSpec.from_lines(lines)
    return _Ignore(prefix, spec) if spec.patterns else None


@dataclass(frozen=True)
class _Found:
    path: Path
    rel: str
    #: (device, inode): the same file reached twice (through a link, or two PATHs) is taken once.
    key: tuple[int, int]
    linked: bool


class _Directory(NamedTuple):
    """A directory to walk: its path, its path relative to the PATH (with a final slash, or empty), the
    ``.gitignore`` files above it, and whether a symbolic link leads to it."""

    path: str
    prefix: str
    ignores: list[_Ignore]
    linked: bool


@dataclass(frozen=True)
class Anchored:
    """Patterns of the configuration: relative to the directory of its file, not to each PATH."""

    directory: Path
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


class _Walker:
    """Walks one PATH directory."""

    def __init__(
        self,
        root: Path,
        include: GitIgnoreSpec | None,
        exclude: GitIgnoreSpec | None,
        anchored: Anchored | None = None,
    ) -> None:
        self.root = root
        self.real_root = Path(os.path.realpath(root))
        self.include = include
        self.exclude = exclude
        # The configuration's patterns, matched against the path from its directory: a PATH outside it
        # is not concerned by them.
        self.anchor: str | None = None
        self.anchored_include = self.anchored_exclude = None
        if anchored is not None and root.is_relative_to(anchored.directory):
            prefix = root.relative_to(anchored.directory).as_posix()
            self.anchor = "" if prefix == "." else prefix + "/"
            self.anchored_include = _compile(anchored.include)
            self.anchored_exclude = _compile(anchored.exclude)
        self.excluded = 0
        self.skipped: list[tuple[str, str]] = []
        self.visited: set[tuple[int, int]] = set()

    def _follow(self, entry: os.DirEntry[str], rel: str) -> os.stat_result | None:
        """The target of a symbolic link, or None (reported) when it must not be followed."""
        try:
            target = Path(os.path.realpath(entry.path, strict=True))
            st = os.stat(entry.path)
        except FileNotFoundError:
            self.skipped.append((rel, "broken symbolic link"))
            return None
        except (OSError, RuntimeError) as e:
            if isinstance(e, RuntimeError) or e.errno == errno.ELOOP:
                self.skipped.append((rel, "symbolic link loop"))
            else:
                self.skipped.append((rel, f"symbolic link cannot be followed: {e.strerror or e}"))
            return None
        if not target.is_relative_to(self.real_root):
            self.skipped.append((rel, "symbolic link leads outside its PATH; not followed"))
            return None
        return st

    def walk(self) -> Iterator[_Found]:
        """Walk the real directories first, then those reached through links, each directory once."""
        deferred: list[tuple[str, str, list[_Ignore]]] = []
        yield from self._walk(_Directory(str(self.root), "", [], False), deferred)
        while deferred:
            directory, prefix, ignores = deferred.pop(0)
            yield from self._walk(_Directory(directory, prefix, ignores, True), deferred)

    def _walk(self, top: _Directory, deferred: list[tuple[str, str, list[_Ignore]]]) -> Iterator[_Found]:
        """Depth first, each directory's entries in name order; a stack rather than recursion, so that
        no depth of directories exhausts Python's recursion limit."""
        stack = [self._entries(top, deferred)]
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
            elif isinstance(item, _Directory):
                stack.append(self._entries(item, deferred))
            else:
                yield item

    def _entries(
        self, here: _Directory, deferred: list[tuple[str, str, list[_Ignore]]]
    ) -> Iterator[_Found | _Directory]:
        """The files of one directory, and the subdirectories to walk, as they come in name order."""
        directory, prefix, ignores, linked = here
        try:
            st = os.stat(directory)
            if (st.st_dev, st.st_ino) in self.visited:
                return
            self.visited.add((st.st_dev, st.st_ino))
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            self.skipped.append((prefix.rstrip("/") or ".", f"cannot read directory: {e.strerror or e}"))
            return
        if prefix and any(e.name == VENV_MARKER for e in entries):
            return
        if any(e.name == GITIGNORE for e in entries):
            own = _read_gitignore(directory, prefix)
            if own is not None:
                ignores = [*ignores, own]
        for entry in entries:
            rel = prefix + entry.name
            try:
                is_link = entry.is_symlink()
                if is_link:
                    target = self._follow(entry, rel)
                    if target is None:
                        continue
                    is_dir, is_file = stat.S_ISDIR(target.st_mode), stat.S_ISREG(target.st_mode)
                    key = (target.st_dev, target.st_ino)
                else:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = not is_dir and entry.is_file(follow_symlinks=False)
                    key = (st.st_dev, entry.inode())
            except OSError as e:
                self.skipped.append((rel, f"cannot stat: {e.strerror or e}"))
                continue
            if is_dir:
                if _is_default_excluded(entry.name):
                    continue
                if _ignored(ignores, rel, True) or self._user_excluded(rel + "/"):
                    continue
                if is_link:
                    deferred.append((entry.path, rel + "/", ignores))
                else:
                    yield _Directory(entry.path, rel + "/", ignores, linked)
            elif is_file and entry.name.endswith(SOURCE_SUFFIXES):
                if _ignored(ignores, rel, False) or self._user_excluded(rel) or not self._included(rel):
                    self.excluded += 1
                    continue
                yield _Found(Path(entry.path), rel, key, linked or is_link)

    def _user_excluded(self, rel: str) -> bool:
        if self.exclude is not None and self.exclude.match_file(rel):
            return True
        return self.anchored_exclude is not None and self.anchored_exclude.match_file(f"{self.anchor}{rel}")

    def _included(self, rel: str) -> bool:
        if self.include is None and self.anchored_include is None:
            return True
        if self.include is not None and self.include.match_file(rel):
            return True
        return self.anchored_include is not None and self.anchored_include.match_file(f"{self.anchor}{rel}")


def discover(
    paths: Sequence[Path],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    anchored: Anchored | None = None,
) -> Discovery:
    """Find the Python files under ``paths``; raise ``DiscoveryError`` when one does not exist.

    ``include``/``exclude`` are relative to each PATH (``--include``/``--exclude``), ``anchored``'s to the
    directory of the configuration."""
    for given in paths:
        if not given.exists():
            kind = "broken or looping symbolic link" if given.is_symlink() else "does not exist"
            raise DiscoveryError(f"{given.as_posix()}: {kind}")
    include_spec, exclude_spec = _compile(include), _compile(exclude)
    base = display_base(paths)
    # (preference, display path, PATH order, candidate) by file identity; lowest preference wins:
    # a file named on the command line, then one reached without a link, then the first in order.
    chosen: dict[tuple[int, int], tuple[int, str, int, Candidate]] = {}
    excluded = 0
    skipped: list[tuple[str, str]] = []

    def offer(key: tuple[int, int], preference: int, order: int, candidate: Candidate) -> None:
        entry = (preference, candidate.display_path, order, candidate)
        current = chosen.get(key)
        if current is None or entry[:3] < current[:3]:
            chosen[key] = entry

    for order, given in enumerate(paths):
        absolute = Path(os.path.abspath(given))
        if given.is_dir():
            walker = _Walker(absolute, include_spec, exclude_spec, anchored)
            prefix = absolute.relative_to(base).as_posix()
            for found in walker.walk():
                display = found.rel if prefix == "." else f"{prefix}/{found.rel}"
                candidate = Candidate(found.path, display, absolute, explicit=False)
                offer(found.key, 2 if found.linked else 1, order, candidate)
            excluded += walker.excluded
            skipped.extend(
                (rel if prefix == "." else f"{prefix}/{rel}".removesuffix("/."), reason)
                for rel, reason in walker.skipped
            )
        else:
            st = given.stat()
            # Relative to the base (the working directory, when it holds every PATH), so that a diff of
            # files named by their absolute paths still applies with `git apply`.
            display = given.as_posix()
            if absolute.is_relative_to(base):
                display = absolute.relative_to(base).as_posix()
            offer((st.st_dev, st.st_ino), 0, order, Candidate(absolute, display, absolute.parent, True))
    ordered = sorted(chosen.values(), key=lambda item: (item[1], item[2]))
    return Discovery(
        files=tuple(c for *_, c in ordered), excluded=excluded, skipped=tuple(skipped), base=base
    )
