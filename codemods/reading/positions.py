"""Where each node of a module starts and ends: what LibCST's ``PositionProvider`` gives, computed lazily.

``PositionProvider`` generates the module's code once and, at every token and every node, works out a
line and a column and builds a ``CodeRange`` of two ``CodePosition``\\ s: most of its cost, and most of
those positions are never read (a finding needs the line of a few calls). ``Positions`` runs the same
code generation and notes only how many tokens came before a node's start and end, the points
``PositionProvider`` records (the node's syntactic span, without the whitespace it owns). A line and a
column are worked out from that count only for the nodes asked about. ``tests/reading/test_positions.py``
checks the two agree on every node of the fixtures and of odd sources (CR and CRLF line ends, form
feeds, tabs, non-ASCII text).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from types import TracebackType
from typing import Final

import libcst as cst
from libcst._nodes.internal import CodegenState

#: How LibCST's position provider finds line ends inside one token.
_NEWLINE: Final = re.compile(r"\r\n?|\n")


class Positions:
    """The span of every node of a module as parsed, as offsets of its generated code."""

    def __init__(self, module: cst.Module) -> None:
        state = _SpanState(default_indent=module.default_indent, default_newline=module.default_newline)
        module._codegen(state)
        self._tokens = state.tokens
        self._spans = state.spans
        self._offsets: list[int] | None = None
        self._line_starts: list[int] = []

    def __contains__(self, node: cst.CSTNode) -> bool:
        return node in self._spans

    def start(self, node: cst.CSTNode) -> int:
        """The offset of the node's first character in the module's code."""
        return self._offset(self._spans[node][0])

    def order(self, node: cst.CSTNode) -> tuple[int, int]:
        """A key that sorts nodes in the order of the source: by start, and a node before the nodes it
        holds, which start where it does and end sooner."""
        start, end = self._spans[node]
        return self._offset(start), -self._offset(end)

    def line_column(self, node: cst.CSTNode) -> tuple[int, int]:
        """The 1-based line and 0-based column of the node's start, as ``PositionProvider`` gives."""
        offset = self.start(node)
        line = bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line]

    def _offset(self, token: int) -> int:
        offsets = self._offsets
        if offsets is None:
            offsets = self._offsets = list(accumulate(map(len, self._tokens), initial=0))
            self._line_starts = _line_starts(self._tokens)
        return offsets[token]


def _line_starts(tokens: list[str]) -> list[int]:
    """The offset at which each line starts. Line ends are found token by token, as LibCST does: a
    ``\\r`` that ends one token and a ``\\n`` that starts the next are two line ends to it."""
    starts = [0]
    offset = 0
    for token in tokens:
        if "\n" in token or "\r" in token:
            starts.extend(offset + m.end() for m in _NEWLINE.finditer(token))
        offset += len(token)
    return starts


class _SpanState(CodegenState):
    """Code generation that notes, for every node, the number of tokens before its start and its end
    (``PositionProvidingCodegenState`` records the same points as lines and columns)."""

    def __init__(self, *, default_indent: str, default_newline: str) -> None:
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.spans: dict[cst.CSTNode, tuple[int, int]] = {}
        self._stack: list[int] = []

    def pop_trailing_newline(self) -> None:
        """Keeps the newline a module without one at its end is generated with: ``PositionProvider``
        has counted it in its lines when it is taken off, so the spans count it too."""

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        if node not in self.spans:  # a syntactic span, recorded inside, is kept
            self.spans[node] = (start, len(self.tokens))

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _Syntactic:
        return _Syntactic(self, node, start_node, end_node)


class _Syntactic:
    """The span of what a node's code generation writes inside it (a context manager without the cost
    of ``contextlib``'s generator), or of the children it names."""

    __slots__ = ("_end_node", "_node", "_start", "_start_node", "_state")

    def __init__(
        self,
        state: _SpanState,
        node: cst.CSTNode,
        start_node: cst.CSTNode | None,
        end_node: cst.CSTNode | None,
    ) -> None:
        self._state, self._node, self._start_node, self._end_node = state, node, start_node, end_node
        self._start = 0

    def __enter__(self) -> None:
        self._start = len(self._state.tokens)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        spans = self._state.spans
        start = spans[self._start_node][0] if self._start_node is not None else self._start
        end = spans[self._end_node][1] if self._end_node is not None else len(self._state.tokens)
        spans[self._node] = (start, end)
