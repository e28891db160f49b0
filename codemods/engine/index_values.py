"""How the repository index reads one constant's value into pieces (``codemods.engine.indexing``):
literal text, f-strings, ``+``, ``%`` and ``.format`` of what it can read, and the constants of this
module, its classes and other modules that the value names, each read in turn; what cannot be known
statically (a call, a format spec) becomes code.
"""

from __future__ import annotations

import ast
import re
import string
from typing import Final, Protocol

from codemods.engine.index_modules import Assigned, ClassBinding, Imported, ParsedModule, Unreadable
from codemods.reading.index import CODE, TEXT, Piece, dotted_parts

Ref = tuple[str, str]  # (module's dotted name, constant name)


class Values(Protocol):
    """What reading a value needs of the index being built: the other constants, read in turn."""

    #: Which constants each constant's value was read from.
    uses: dict[Ref, set[Ref]]

    def value(self, module: ParsedModule, name: str, depth: int = 0) -> tuple[Piece, ...] | None: ...

    def module_named(self, name: str) -> ParsedModule | None: ...


class ValueScope:
    """Flattens one constant's value, resolving the names it uses."""

    def __init__(
        self, builder: Values, module: ParsedModule, owner: str | None, ref: Ref, depth: int
    ) -> None:
        self.builder, self.module, self.owner, self.ref, self.depth = builder, module, owner, ref, depth

    def pieces_of(self, node: ast.expr) -> tuple[Piece, ...]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return _text(node.value)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return _join(self.pieces_of(node.left), self.pieces_of(node.right))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self._percent(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return self._format(node, node.func.value)
        if isinstance(node, (ast.Name, ast.Attribute)):
            value = self.reference(node)
            if value is not None:
                return value
        return ((CODE, ast.unparse(node)),)

    def reference(self, node: ast.Name | ast.Attribute) -> tuple[Piece, ...] | None:
        """The value of a name (``BASE``) or dotted name (``settings.BASE``, ``Client.ROOT``), if known."""
        dotted = dotted_parts(node)
        if dotted is None:
            return None
        head, *rest = dotted
        module, builder = self.module, self.builder
        own = f"{self.owner}.{head}"
        # ``ROOT = ROOT + "/api/v1"`` in a class body reads the module's ROOT.
        if self.owner and not rest and own != self.ref[1]:
            if own in module.ambiguous:
                return None
            if own in module.bindings:
                return self._constant(module, own)
        binding = module.bindings.get(head)
        if not rest:
            return self._constant(module, head) if isinstance(binding, (Assigned, Imported)) else None
        if isinstance(binding, ClassBinding) and len(rest) == 1:
            return self._constant(module, f"{head}.{rest[0]}")
        if not isinstance(binding, Imported):
            return None
        # ``import pkg.settings`` then ``pkg.settings.BASE``; ``from pkg import settings`` then
        # ``settings.BASE``; ``from client import Client`` then ``Client.ROOT``.
        parts = [binding.module, *([binding.attribute] if binding.attribute else []), *rest]
        for split in range(len(parts) - 1, 0, -1):
            target = builder.module_named(".".join(parts[:split]))
            if target is not None:
                attribute = ".".join(parts[split:])
                return self._constant(target, attribute) if attribute.count(".") <= 1 else None
        return None

    def _constant(self, module: ParsedModule, name: str) -> tuple[Piece, ...] | None:
        value = self.builder.value(module, name, self.depth + 1)
        if value is not None:
            self.builder.uses.setdefault(self.ref, set()).add((module.name, name))
        return value

    def _fstring(self, node: ast.JoinedStr) -> tuple[Piece, ...]:
        out: tuple[Piece, ...] = ()
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                if value.format_spec is not None or value.conversion not in (-1, ord("s")):
                    raise Unreadable
                out = _join(out, self.pieces_of(value.value))
            elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                out = _join(out, _text(value.value))
        return out

    def _format(self, call: ast.Call, receiver: ast.expr) -> tuple[Piece, ...]:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise Unreadable
        positional = list(call.args)
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        counter = iter(range(len(positional) + 1))
        out: tuple[Piece, ...] = ()
        for kind, text in self.pieces_of(receiver):
            if kind == CODE:
                out = _join(out, ((kind, text),))
                continue
            try:
                fields = list(string.Formatter().parse(text))
            except ValueError:
                raise Unreadable from None
            for literal, name, spec, conversion in fields:
                out = _join(out, _text(literal))
                if name is None:
                    continue
                if spec or conversion not in (None, "s"):
                    raise Unreadable
                if name == "":
                    index = next(counter)
                    value = positional[index] if index < len(positional) else None
                elif name.isdigit():
                    value = positional[int(name)] if int(name) < len(positional) else None
                else:
                    value = keywords.get(name)
                if value is None:
                    raise Unreadable
                out = _join(out, self.pieces_of(value))
        return out

    _PERCENT: Final = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<conv>[sdr%])")

    def _percent(self, node: ast.BinOp) -> tuple[Piece, ...]:
        right = node.right
        values: list[ast.expr] = []
        by_key: dict[str, ast.expr] = {}
        if isinstance(right, ast.Tuple):
            values = list(right.elts)
            if any(isinstance(v, ast.Starred) for v in values):
                raise Unreadable
        elif isinstance(right, ast.Dict):
            for key, value in zip(right.keys, right.values, strict=True):
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    raise Unreadable
                by_key[key.value] = value
        else:
            values = [right]
        queue = iter(values)
        out: tuple[Piece, ...] = ()
        for kind, text in self.pieces_of(node.left):
            if kind == CODE:
                out = _join(out, ((kind, text),))
                continue
            pos = 0
            for m in self._PERCENT.finditer(text):
                out = _join(out, _text(text[pos : m.start()]))
                pos = m.end()
                if m.group("conv") == "%":
                    out = _join(out, _text("%"))
                    continue
                if m.group("conv") == "r":
                    raise Unreadable
                field_key: str | None = m.group("key")
                argument = by_key.get(field_key) if field_key is not None else next(queue, None)
                if argument is None:
                    raise Unreadable
                out = _join(out, self.pieces_of(argument))
            out = _join(out, _text(text[pos:]))
        return out


def _text(value: str) -> tuple[Piece, ...]:
    return ((TEXT, value),) if value else ()


def _join(left: tuple[Piece, ...], right: tuple[Piece, ...]) -> tuple[Piece, ...]:
    if left and right and left[-1][0] == TEXT and right[0][0] == TEXT:
        return (*left[:-1], (TEXT, left[-1][1] + right[0][1]), *right[1:])
    return left + right
