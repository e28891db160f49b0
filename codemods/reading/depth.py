"""How deeply a module nests, estimated from its tokens without parsing it.

LibCST's native parser recurses once per level of a module's tree: a few thousand levels overflow the C
stack and kill the process with a signal, and long before that parsing slows down (seconds for a
thousand levels). The estimate here reads the standard tokenizer's tokens, a few percent of what a parse
costs, and folds them the way the grammar nests them: operators by precedence (``a + b + c`` is two
levels, ``a * b + c`` too), prefix operators, attribute, call and subscript trailers, implicitly
concatenated strings, conditional expressions, lambdas, comprehension clauses, brackets and indented
blocks. Where the grammar is not followed (keyword arguments, walrus targets, lambda defaults) the
estimate counts less, never more: it is a lower bound of the depth of LibCST's tree, so a module it puts
past ``codemods.reading.precheck``'s limit is one the rewrite would have given up on anyway.
Bracket nesting is counted on its own, since parentheses nest the parser without nesting the tree.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from dataclasses import dataclass, field
from typing import Final

_OPENERS: Final = frozenset("([{")
_CLOSERS: Final = frozenset(")]}")
#: Binary operators by precedence, loosest first; comprehension ``for`` and conditional ``else`` included.
_PRECEDENCE: Final = {
    "for": 0,
    "if": 1,
    "else": 1,
    "or": 2,
    "and": 3,
    **dict.fromkeys(("<", ">", "==", ">=", "<=", "!=", "in", "not", "is"), 5),
    "|": 6,
    "^": 7,
    "&": 8,
    "<<": 9,
    ">>": 9,
    "+": 10,
    "-": 10,
    **dict.fromkeys(("*", "/", "//", "%", "@"), 11),
    "**": 13,
}
#: Operators that join their operands without a node each: comparisons are one node however many, and
#: the ``if`` of a conditional expression belongs to the node its ``else`` makes.
_FLAT: Final = frozenset({"if", "<", ">", "==", ">=", "<=", "!=", "in", "not", "is"})
#: Operators that may also prefix an operand, each one level around it.
_PREFIXES: Final = frozenset({"-", "+", "~", "*", "**", "not", "await", "yield", "@"})
#: Tokens after which what follows is a new sibling, not a deeper level.
_SEPARATORS: Final = frozenset(
    {",", ";", "=", ":", "->", ":=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=",
     "<<=", ">>="}
)  # fmt: skip
#: Keywords that are operands.
_ATOMS: Final = frozenset({"None", "True", "False"})
_STRING_ENDS: Final = frozenset({tokenize.STRING, getattr(tokenize, "FSTRING_END", tokenize.STRING)})
_IGNORED: Final = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.ENDMARKER})
#: The parts of an f-string before and between its replacement fields (Python 3.12 and later).
_FSTRING_PARTS: Final = frozenset(
    {getattr(tokenize, "FSTRING_START", tokenize.NL), getattr(tokenize, "FSTRING_MIDDLE", tokenize.NL)}
)
#: A bracket of a list, set, dict or tuple is a node, and each element inside it another.
_DISPLAY_LEVELS: Final = 2
#: An indented block is a node inside the compound statement's node.
_BLOCK_LEVELS: Final = 2


class _TooDeep(Exception):
    pass


@dataclass
class _Level:
    """One open bracket (or the logical line): an operator-precedence fold of its current element."""

    opener: str = ""
    #: True for a call's or subscript's brackets, which wrap the operand before them.
    trailer: bool = False
    #: (precedence, depth of the left operand folded so far, whether the operator is a node of its own),
    #: precedence increasing.
    pending: list[tuple[int, int, bool]] = field(default_factory=list)
    #: Depth of the operand being read, ``None`` between an operator and its right operand.
    operand: int | None = None
    #: Prefix operators waiting for their operand.
    prefixes: int = 0
    #: The deepest element closed at this level, and whether there was more than one.
    deepest: int = 0
    separated: bool = False
    #: Inside ``lambda …:``'s parameters, whose commas and colon are not separators.
    lambda_parameters: bool = False


class _Estimate:
    def __init__(self, stop: int, max_brackets: int) -> None:
        self.stop = stop
        self.max_brackets = max_brackets
        self.levels = [_Level()]
        self.blocks = 0
        self.deepest = 0
        self.previous: tokenize.TokenInfo | None = None

    def _seen(self, depth: int) -> int:
        if depth + self.blocks > self.deepest:
            self.deepest = depth + self.blocks
            if self.deepest > self.stop:
                raise _TooDeep
        return depth

    def _operand_value(self, level: _Level) -> int:
        value = (level.operand or 0) + level.prefixes
        level.operand, level.prefixes = None, 0
        return value

    def _fold(self, level: _Level, down_to: int) -> int:
        value = self._operand_value(level)
        while level.pending and level.pending[-1][0] >= down_to:
            _, left, counted = level.pending.pop()
            value = self._seen(max(left, value) + counted)
        return value

    def _element_end(self, level: _Level) -> None:
        level.deepest = max(level.deepest, self._fold(level, -1))

    def _binary(self, level: _Level, operator: str) -> None:
        precedence = _PRECEDENCE[operator]
        level.pending.append((precedence, self._fold(level, precedence), operator not in _FLAT))

    def feed(self, token: tokenize.TokenInfo) -> None:
        kind, string = token.type, token.string
        level = self.levels[-1]
        previous, self.previous = self.previous, token
        if kind == tokenize.NEWLINE:  # never inside brackets
            self._element_end(self.levels[0])
            self._seen(self.levels[0].deepest)
            self.levels = [_Level()]
            self.previous = None
        elif kind == tokenize.INDENT:
            self.blocks += _BLOCK_LEVELS
        elif kind == tokenize.DEDENT:
            self.blocks -= _BLOCK_LEVELS
        elif kind in _STRING_ENDS:
            if level.operand is not None and previous is not None and previous.type in _STRING_ENDS:
                level.operand = self._seen(level.operand + 1)
            else:
                level.operand = 0
        elif kind == tokenize.NUMBER or (kind == tokenize.NAME and not keyword.iskeyword(string)):
            if previous is not None and previous.string == "." and level.operand is not None:
                return  # the attribute's name
            level.operand = 0
        elif string in _ATOMS or string == "...":
            level.operand = 0
        elif kind in _FSTRING_PARTS:  # pragma: no cover - Python 3.12 and later
            pass
        elif string in _OPENERS:
            trailer = level.operand is not None and (previous is None or previous.type not in _FSTRING_PARTS)
            self.levels.append(_Level(opener=string, trailer=trailer))
            if len(self.levels) - 1 > self.max_brackets:
                raise _TooDeep
        elif string in _CLOSERS:
            if len(self.levels) > 1:
                self._close()
        elif string == "." and level.operand is not None:
            level.operand = self._seen(level.operand + 1)
        elif string == "lambda":
            level.lambda_parameters = True
        elif level.lambda_parameters and string in (",", ":", "=", "*", "**", "/"):
            level.operand = None
            if string == ":":
                level.lambda_parameters = False
                level.prefixes += 1
        elif string == "not" and previous is not None and previous.string == "is":
            pass  # ``is not``: one comparison operator
        elif string in _PRECEDENCE and (level.operand is not None or string not in _PREFIXES):
            self._binary(level, string)
        elif string in _PREFIXES:
            level.prefixes += 1
        elif string in _SEPARATORS or kind == tokenize.NAME:
            # Statement keywords (return, import, def, ...) start a new part of the statement.
            self._element_end(level)
            level.separated = level.separated or string == ","

    def _close(self) -> None:
        inner = self.levels.pop()
        self._element_end(inner)
        parent = self.levels[-1]
        if inner.trailer:
            # Call(func, [Arg(value)]) or Subscript(value, [SubscriptElement(Index(value))]).
            parent.operand = self._seen(max(parent.operand or 0, inner.deepest + 1) + 1)
        elif inner.opener == "(" and not inner.separated:
            parent.operand = inner.deepest  # parentheses are no node of their own
        else:
            parent.operand = self._seen(inner.deepest + _DISPLAY_LEVELS)

    def finish(self) -> int:
        while len(self.levels) > 1:
            self._close()
        self._element_end(self.levels[0])
        self._seen(self.levels[0].deepest)
        return self.deepest


def depth_estimate(text: str, *, stop: int, max_brackets: int) -> int:
    """A lower bound of the depth of ``text``'s syntax tree, or a number above ``stop`` when it exceeds
    ``stop`` or nests brackets more than ``max_brackets`` deep.

    Text the tokenizer cannot read is estimated up to that point: LibCST refuses such text on its own.
    """
    estimate = _Estimate(stop, max_brackets)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in _IGNORED:
                estimate.feed(token)
        return estimate.finish()
    except _TooDeep:
        return stop + 1
    except (tokenize.TokenError, SyntaxError):
        try:
            return estimate.finish()
        except _TooDeep:
            return stop + 1
