"""The multi-module fixtures under ``fixtures/trees/``, as data the tests parametrize over.

``fixtures/trees/<case>/before/`` is a repository as written, ``after/`` what ``apply`` makes of it (absent:
nothing changes), and ``case.toml`` what the case must show::

    runs = true                 # whether the tree is a program to run (then it has an after/)
    entry = "main.py"           # with runs: the file run, from the tree's root, as `python main.py`
    pages = 2                   # with runs: the fewest pages of v2 course statistics its run must read
    findings = "findings.json"  # the findings of the run, with their paths, in the case's folder
    keep-v1-shape = false       # optional: the run's keep-v1-shape (default true, as the command's)

Any other key, a missing one, or a key of a runnable tree given to one that does not run, is an error.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.paths import FIXTURES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TREES = FIXTURES / "trees"
CASE_FILE = "case.toml"
_RUN_KEYS = {"entry", "pages"}


class CaseFileError(ValueError):
    """A ``case.toml`` that does not say what the format above asks."""


@dataclass(frozen=True)
class Tree:
    directory: Path
    runs: bool
    findings_file: str
    #: With ``runs``: the file run from the tree's root.
    entry: str = ""
    #: With ``runs``: the fewest v2 course-statistics pages its run must read.
    pages: int = 0
    #: The run's ``keep-v1-shape`` (``codemods.planning.v1_shape``).
    keep_v1_shape: bool = True

    @property
    def name(self) -> str:
        return self.directory.name

    @property
    def before(self) -> Path:
        return self.directory / "before"

    @property
    def after(self) -> Path:
        """The tree as ``apply`` leaves it: ``after/``, or ``before/`` when nothing changes."""
        after = self.directory / "after"
        return after if after.is_dir() else self.before

    @property
    def migrated(self) -> bool:
        return (self.directory / "after").is_dir()

    @property
    def findings(self) -> list[dict[str, Any]]:
        text = (self.directory / self.findings_file).read_text(encoding="utf-8")
        rows: list[dict[str, Any]] = json.loads(text)
        return rows


def load(directory: Path) -> Tree:
    """The case in ``directory``, its ``case.toml`` checked."""
    path = directory / CASE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise CaseFileError(f"{path}: {e}") from e
    unknown = set(data) - {"runs", "findings", "keep-v1-shape", *_RUN_KEYS}
    if unknown:
        raise CaseFileError(f"{path}: unknown keys {sorted(unknown)}")
    runs, findings = data.get("runs"), data.get("findings")
    if not isinstance(runs, bool):
        raise CaseFileError(f"{path}: runs must be true or false")
    if not isinstance(findings, str) or not (directory / findings).is_file():
        raise CaseFileError(f"{path}: findings must name a file of the case")
    keep = data.get("keep-v1-shape", True)
    if not isinstance(keep, bool):
        raise CaseFileError(f"{path}: keep-v1-shape must be true or false")
    if not runs:
        if set(data) & _RUN_KEYS:
            raise CaseFileError(f"{path}: {sorted(set(data) & _RUN_KEYS)} only with runs = true")
        return Tree(directory, runs=False, findings_file=findings, keep_v1_shape=keep)
    entry, pages = data.get("entry"), data.get("pages")
    if not isinstance(entry, str) or not (directory / "before" / entry).is_file():
        raise CaseFileError(f"{path}: entry must name a file of before/")
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
        raise CaseFileError(f"{path}: pages must be a whole number, 1 or more")
    if not (directory / "after").is_dir():
        raise CaseFileError(f"{path}: a tree that runs is migrated: it needs an after/")
    return Tree(directory, runs=True, findings_file=findings, entry=entry, pages=pages, keep_v1_shape=keep)


def trees() -> list[Tree]:
    return [load(p) for p in sorted(TREES.iterdir()) if (p / "before").is_dir()]
