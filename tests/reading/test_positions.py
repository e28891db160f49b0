"""``Positions`` gives what LibCST's ``PositionProvider`` gives, on every node: over the fixtures' modules
and over sources whose line ends, indentation and text are odd. The rewrite's findings name lines and
columns from it, and its reads of a variable are ordered by it."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.reading.positions import Positions

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

ODD = {
    "crlf": b"import requests\r\n\r\ndef f(x):\r\n    return requests.get(\r\n        x)\r\n",
    "cr": b"a = 1\rif a:\r    b = [\r        a,\r    ]\r",
    "mixed line ends": b"a = 1\r\nb = 2\nc = (3,\r4)\r\n",
    "form feed": b"a = 1\n\x0c\ndef f():\n    return a\n",
    "tabs": b"if True:\n\tx = 1\n\tif x:\n\t\ty = {'a': x}\n",
    "non-ASCII": "s = 'é' + \"ü\"  # ß\nt = f'{s}✓'\n".encode(),
    "string over lines": b'x = """a\r\nb\nc"""\ny = x\n',
    "continuation": b"x = 1 + \\\n    2\n",
    "decorators and comments": b"# c\n@d(1)\n@e\nclass K(B, metaclass=M):\n    '''doc'''\n    x: int = 1\n",
    "no newline at the end": b"a = {'k': [1, 2]}",
    "empty": b"",
}


def _fixture_modules() -> list[Path]:
    return sorted({*FIXTURES.glob("*/*/before.py"), *FIXTURES.glob("*/*/before/**/*.py")})


def _same_as_libcst(source: bytes) -> None:
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module)
    for node, where in expected.items():
        assert node in positions
        assert positions.line_column(node) == (where.start.line, where.start.column), type(node).__name__
    # Sorted by ``order``, the nodes come by line and column, a node before the nodes it holds.
    keys = [
        (where.start.line, where.start.column, -where.end.line, -where.end.column)
        for where in (expected[node] for node in sorted(expected, key=positions.order))
    ]
    assert keys == sorted(keys)


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_sources(name: str) -> None:
    _same_as_libcst(ODD[name])


def test_fixture_modules() -> None:
    paths = _fixture_modules()
    assert len(paths) >= 40
    for path in paths:
        _same_as_libcst(path.read_bytes())


def test_a_node_built_later_is_not_in_the_module() -> None:
    positions = Positions(cst.parse_module(b"a = 1\n"))
    assert cst.Name("a") not in positions
