"""Jupyter notebooks: their code cells, read as Python, so that a v1 call in a notebook is reported.

A notebook is JSON; its code cells hold Python, with IPython's additions (``%magic`` and ``!shell`` lines,
``%%cell`` magics). Each code cell is handed to the transform on its own, IPython's lines blanked out so
that line numbers stay those of the cell. The notebook itself is never rewritten: every site found in it
is reported for review, with its cell and its line, and the file stays byte for byte as it was.

Where each source line of a cell sits in the file is found too, so that a CI annotation lands on it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from codemods.reading.spelling import spelled

NOTEBOOK_SUFFIX: Final = ".ipynb"
#: Lines IPython runs itself: magics, shell escapes, help.
_IPYTHON_PREFIXES: Final = ("%", "!", "?")


class NotebookError(Exception):
    """The file is not a notebook the tool can read; the message says why, in one line."""


@dataclass(frozen=True)
class ShellUrl:
    """A v1 URL of 360Learning in a cell's IPython lines (``!curl …``, a ``%%bash`` cell), which the
    tool cannot follow as Python: the cell, its line, the column, the endpoint."""

    cell: int
    line: int
    column: int
    endpoint: str
    file_line: int


@dataclass(frozen=True)
class Cell:
    """One code cell: its number (1-based, counting every cell as Jupyter shows them), its Python source
    as bytes, and the line of the file each of its lines sits on (``None`` when it cannot be told)."""

    number: int
    source: bytes
    file_lines: tuple[int | None, ...]

    def file_line(self, line: int) -> int:
        """The line of the file that holds ``line`` of the cell (1-based); the cell's first known line,
        or 1, when that cannot be told."""
        if 1 <= line <= len(self.file_lines) and self.file_lines[line - 1] is not None:
            return self.file_lines[line - 1] or 1
        return next((n for n in self.file_lines if n is not None), 1)


def code_cells(data: bytes) -> list[Cell]:
    """The code cells of a notebook, or ``NotebookError``."""
    return _read(data)[0]


def shell_urls(data: bytes, hosts: tuple[str, ...] = ()) -> list[ShellUrl]:
    """The v1 URLs of 360Learning written in the IPython lines of a notebook's code cells."""
    return _read(data, hosts)[1]


def _read(data: bytes, hosts: tuple[str, ...] = ()) -> tuple[list[Cell], list[ShellUrl]]:
    try:
        text = data.decode("utf-8-sig")
        document: Any = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotebookError(f"not a readable notebook: {str(error).splitlines()[0]}") from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: no list of cells")
    raw_lines = text.splitlines()
    position = 0
    found: list[Cell] = []
    urls: list[ShellUrl] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        lines = _source_lines(cell.get("source", ""))
        file_lines: list[int | None] = []
        for line in lines:
            at = _find(raw_lines, line, position)
            file_lines.append(None if at is None else at + 1)
            if at is not None:
                position = at
        magic = bool(lines) and lines[0].lstrip().startswith("%%")
        for index, line in enumerate(lines):
            if magic or line.lstrip().startswith(_IPYTHON_PREFIXES):
                for column, endpoint in _urls(line, hosts):
                    at = file_lines[index] or next((n for n in file_lines if n is not None), 1)
                    urls.append(ShellUrl(number, index + 1, column, endpoint, at))
        if magic:
            continue  # a cell magic: the cell is not Python (%%bash, %%sql…)
        python = "".join(_blank_ipython(line) for line in lines)
        found.append(Cell(number, python.encode("utf-8"), tuple(file_lines)))
    return found, urls


_TOKEN: Final = re.compile(r"[^\s'\"`]+")


def _urls(line: str, hosts: tuple[str, ...]) -> list[tuple[int, str]]:
    """(column, endpoint) of each word of a shell line that is a 360Learning v1 course-statistics URL."""
    from codemods.reading.evidence import HOST_360, kinds_of_text  # LibCST with it, when a notebook is read

    found: list[tuple[int, str]] = []
    for token in _TOKEN.finditer(line):
        word = token.group()
        shape = spelled(word)
        if shape is not None and shape.absolute and HOST_360 in kinds_of_text(word, hosts):
            found.append((token.start() + 1, shape.endpoint))
    return found


def _source_lines(source: object) -> list[str]:
    text = "".join(str(part) for part in source) if isinstance(source, list) else str(source)
    return text.splitlines(keepends=True)


def _blank_ipython(line: str) -> str:
    """An IPython line becomes an empty one, so that the cell parses and its lines keep their numbers."""
    if line.lstrip().startswith(_IPYTHON_PREFIXES):
        return "\n"
    return line


def _find(raw_lines: list[str], line: str, start: int) -> int | None:
    """The index of the file's line that holds the JSON string of a source line, from ``start`` on."""
    content = line.rstrip("\r\n")
    if not content.strip():
        return None
    needles = {json.dumps(content)[1:-1], json.dumps(content, ensure_ascii=False)[1:-1]}
    for index in range(start, len(raw_lines)):
        if any(needle in raw_lines[index] for needle in needles):
            return index
    return None
