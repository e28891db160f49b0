"""The repository's own code style, as its formatter and import sorter read it: the line length and the
modules that are first-party.

Migrated code should pass the repository's linters: a helper call is split over lines where the
repository's ruff or black would split it, and the import of the helper is placed in the section
isort or ruff puts a first-party module in. The line length comes from the nearest ``ruff.toml``,
``.ruff.toml`` or ``pyproject.toml`` with a ``[tool.ruff]`` or ``[tool.black]`` table, from the first
PATH up to the repository's root. First-party modules are those ruff finds by default (a module or
package at the root of the repository or of its ``src/``) and those ``known-first-party`` names.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the backport has the same interface
    import tomli as tomllib

#: The line length when the repository configures neither ruff nor black.
DEFAULT_LINE_LENGTH: Final = 99
#: Ruff's and black's own default, for a repository that configures them without a line length.
FORMATTER_LINE_LENGTH: Final = 88
_RUFF_FILES: Final = ("ruff.toml", ".ruff.toml")


@dataclass(frozen=True)
class Style:
    line_length: int = DEFAULT_LINE_LENGTH
    #: Top-level names of the repository's own modules, for the import sections.
    first_party: frozenset[str] = frozenset()


def _load(path: Path) -> Mapping[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _directories(start: Path, root: Path) -> Iterator[Path]:
    directory = Path(os.path.abspath(start))
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        yield candidate
        if candidate == root or not candidate.is_relative_to(root):
            return


def _tables(start: Path, root: Path) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]:
    """The nearest ruff settings and black settings (``None``: the repository configures none)."""
    ruff: Mapping[str, Any] | None = None
    black: Mapping[str, Any] | None = None
    for directory in _directories(start, root):
        for name in _RUFF_FILES:
            if ruff is None and (directory / name).is_file():
                ruff = _load(directory / name)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and (ruff is None or black is None):
            tool = _load(pyproject).get("tool", {})
            if isinstance(tool, dict):
                if ruff is None and isinstance(tool.get("ruff"), dict):
                    ruff = tool["ruff"]
                if black is None and isinstance(tool.get("black"), dict):
                    black = tool["black"]
        if ruff is not None and black is not None:
            break
    return ruff, black


def _known_first_party(ruff: Mapping[str, Any]) -> set[str]:
    lint = ruff.get("lint", {})
    for isort in (lint.get("isort") if isinstance(lint, dict) else None, ruff.get("isort")):
        if isinstance(isort, dict) and isinstance(isort.get("known-first-party"), list):
            return {str(name) for name in isort["known-first-party"]}
    return set()


def _modules_in(directory: Path) -> set[str]:
    names: set[str] = set()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return names
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.name.endswith(".py") and entry.is_file():
                names.add(entry.name[:-3])
            elif entry.is_dir() and entry.name.isidentifier():
                names.add(entry.name)
        except OSError:  # a looping or unreadable link: not a module anyone imports
            continue
    return names


def repository_style(start: Path, root: Path, helper: Path) -> Style:
    """The style of the repository at ``root`` for the code at ``start``; ``helper`` is first-party."""
    ruff, black = _tables(start, root)
    length: object = DEFAULT_LINE_LENGTH
    for table in (ruff, black):
        if table is not None:
            length = table.get("line-length", FORMATTER_LINE_LENGTH)
            break
    if not isinstance(length, int) or isinstance(length, bool) or length <= 0:
        length = DEFAULT_LINE_LENGTH
    first = _modules_in(root) | _modules_in(root / "src") | _known_first_party(ruff or {})
    first.add(helper_top(helper))
    return Style(line_length=length, first_party=frozenset(first))


def helper_top(helper: Path) -> str:
    """The top-level name the helper is imported under: its outermost package, or itself."""
    directory = Path(os.path.abspath(helper)).parent
    top = helper.stem
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        top = directory.name
        directory = directory.parent
    return top
