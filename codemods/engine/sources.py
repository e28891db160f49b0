"""The bytes of a run's files, read once in the parent process and kept, within a budget.

The repository index reads every module to find the few that matter (``codemods.engine.indexing``),
and some modules again in its later rounds; the pre-filter then asks the same bytes whether they may
hold a site. Kept here, they are read from disk once, and the files the pre-filter rules out are
never sent to a worker process. Past ``budget`` bytes, a file is read again where it is needed, so a
repository of any size costs bounded memory. Whether a module spells a v1 path (``spells``) is asked
once, when it is first read, since it does not depend on the index; whether it names an indexed
constant with its module (``known``), once per constant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from codemods.engine.files import FileError, read_source
from codemods.reading.prefilter import Known, spells_v1_path
from codemods.reading.words import Words

#: The bytes kept at most: about ten thousand modules of 10 kB.
DEFAULT_BUDGET: Final = 128 * 1024 * 1024


class Sources:
    """Each file's bytes as ``read_source`` gives them, kept until ``budget`` bytes are held."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._held = 0
        self._data: dict[Path, bytes | None] = {}
        self._spells: dict[Path, bool] = {}
        self._known: dict[Path, Known] = {}

    def read(self, path: Path) -> bytes | None:
        """The file's bytes, or None when it cannot be read (the transform reports it on its own)."""
        if path in self._data:
            return self._data[path]
        try:
            data: bytes | None = read_source(path).data
        except FileError:
            data = None
        if data is None or self._held + len(data) <= self.budget:
            self._data[path] = data
            self._held += len(data or b"")
        return data

    def kept(self, path: Path) -> bytes | None:
        """The bytes read and kept for ``path``, or None: never read, not kept, or unreadable."""
        return self._data.get(path)

    def spells(self, path: Path, words: Words) -> bool:
        """Whether the file, whose words are ``words``, spells the words of a v1 path."""
        if path not in self._spells:
            self._spells[path] = spells_v1_path(words)
        return self._spells[path]

    def spelled(self, path: Path) -> bool | None:
        """What ``spells`` found for ``path``, or None when it was not asked."""
        return self._spells.get(path)

    def known(self, path: Path) -> Known:
        """Which indexed constants the file names with their modules, as far as asked
        (``uses_indexed_constant``): the index asks first, the pre-filter then, with more needles."""
        return self._known.setdefault(path, {})
