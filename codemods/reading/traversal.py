"""A read-only visit of a LibCST tree that does not build the tree again.

``CSTNode.visit`` walks a node's children through ``_visit_and_replace_children``, which builds a new
node from the visited children and validates it, at every node, for a ``CSTVisitor`` as for a
``CSTTransformer``. A visitor's result is the tree it was given, so for it that copy is thrown away.
Every module the rewrite reads is visited twice that way by LibCST's own scope analysis (its expression
contexts, then its scopes), and the copies cost about half of that analysis.

``install`` puts a ``CSTNode.visit`` in place that, for a ``CSTVisitor``, calls the same methods in the
same order (``on_visit``, each visited field's ``on_visit_attribute`` and ``on_leave_attribute``, the
children, ``on_leave``) and builds nothing. A transformer is visited by LibCST's own code, unchanged.
The order of a type's fields is the one its ``_visit_and_replace_children`` visits them in, noted the
first time a node of that type is visited. ``tests/reading/test_traversal.py`` checks the calls are
the same, in the same order, as LibCST's over the fixtures' modules, and that the scopes come out the
same. A LibCST without ``_visit_and_replace_children`` is left as it is (this is a speed-up, never a
condition).

The scope analysis also asks of every node it leaves whether it is one of eighteen assignment-like
classes, through ``ABCMeta`` for each: ``install`` puts in that tuple's place one class that answers
from the node's type, what the tuple answered for the first node of that type.
"""

from __future__ import annotations

import opcode
from collections.abc import Callable
from typing import Any, Final
from weakref import WeakKeyDictionary

import libcst as cst
from libcst.metadata import scope_provider

#: LibCST's own ``CSTNode.visit``.
_ORIGINAL: Final[Callable[..., Any]] = cst.CSTNode.visit
#: Set on the ``visit`` put in place, so that ``install`` replaces nothing twice.
_INSTALLED: Final = "_migrate_360learning_read_only"
#: Node type → whether its ``_visit_and_replace_children`` runs straight through: a type that visits
#: some fields only at times (``format_spec`` when there is one) is walked by LibCST's own visit.
_STRAIGHT: dict[type[cst.CSTNode], bool] = {}
#: Node type → the names of its fields, in the order its ``_visit_and_replace_children`` visits them.
_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}
#: The opcodes that jump: code without them runs straight through.
_JUMPS: Final = frozenset({*opcode.hasjrel, *opcode.hasjabs, *getattr(opcode, "hasjump", ())})
#: Visitor type → node type → the fields whose visit the visitor hears of, ``None`` for every field.
#: Weak: many visitors are classes made inside a function, a new one at each call.
_ANNOUNCED: WeakKeyDictionary[type, dict[type[cst.CSTNode], frozenset[str] | None]] = WeakKeyDictionary()
#: Whether a type is a LibCST node's, asked once per type (``CSTNode`` is abstract: ``isinstance``
#: goes through ``ABCMeta``).
_NODE_TYPES: dict[type, bool] = {}


def install() -> None:
    """Put the read-only visit in place (once; later calls change nothing), and the scope analysis's
    test of assignments answered by type."""
    if not getattr(cst.CSTNode.visit, _INSTALLED, False) and hasattr(
        cst.CSTNode, "_visit_and_replace_children"
    ):
        setattr(cst.CSTNode, "visit", _visit)  # noqa: B010 (mypy refuses a method assigned)
    kinds = getattr(scope_provider, _ASSIGNMENT_LIKE, None)
    if isinstance(kinds, tuple) and all(isinstance(k, type) and not isinstance(k, _ByType) for k in kinds):
        setattr(
            scope_provider,
            _ASSIGNMENT_LIKE,
            (_ByType("AssignmentLike", (), {"kinds": kinds, "answers": {}}),),
        )


def _visit(self: cst.CSTNode, visitor: Any) -> Any:
    """``CSTNode.visit``: a visitor visits ``self`` and what it holds as LibCST's visit has it do,
    building nothing; a transformer goes through LibCST's own."""
    if cst.CSTVisitor not in type(visitor).__mro__:  # ``isinstance`` would go through ``ABCMeta``
        return _ORIGINAL(self, visitor)
    table = _ANNOUNCED.get(type(visitor))
    if table is None:
        table = _ANNOUNCED[type(visitor)] = {}
    _walk(self, visitor, table)
    return self


setattr(_visit, _INSTALLED, True)


def _walk(
    node: cst.CSTNode, visitor: cst.CSTVisitor, table: dict[type[cst.CSTNode], frozenset[str] | None]
) -> None:
    kind = type(node)
    straight = _STRAIGHT.get(kind)
    if straight is None:
        straight = _STRAIGHT[kind] = _runs_straight(kind)
    if not straight:
        _ORIGINAL(node, visitor)
        return
    if visitor.on_visit(node):
        fields = _FIELDS.get(kind)
        if fields is None:
            fields = _FIELDS[kind] = _visited_fields(node)
        if kind in table:
            announced = table[kind]
        else:
            announced = table[kind] = _announced(type(visitor), kind, fields)
        for name in fields:
            told = announced is None or name in announced
            if told:
                visitor.on_visit_attribute(node, name)
            value = getattr(node, name)
            value_kind = type(value)
            if value_kind is tuple or value_kind is list:
                for child in value:
                    _walk(child, visitor, table)
            elif is_node(value_kind):
                _walk(value, visitor, table)
            if told:
                visitor.on_leave_attribute(node, name)
    visitor.on_leave(node)


class _FieldOrder(cst.CSTVisitor):
    """Notes the fields a node's ``_visit_and_replace_children`` visits, going no deeper."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.names.append(attribute)


def _runs_straight(kind: type[cst.CSTNode]) -> bool:
    """Whether a type's ``_visit_and_replace_children`` runs straight through: it then calls LibCST's
    ``visit_*`` functions, which hear of a field whether it holds a node or not, in one order, and
    builds the node."""
    code = getattr(kind._visit_and_replace_children, "__code__", None)
    return code is not None and not _JUMPS.intersection(code.co_code[0::2])


def _visited_fields(node: cst.CSTNode) -> tuple[str, ...]:
    """The fields a node's type visits, in order (those of a type that runs straight through)."""
    order = _FieldOrder()
    node._visit_and_replace_children(order)
    return tuple(order.names)


def _announced(visitor: type, kind: type[cst.CSTNode], fields: tuple[str, ...]) -> frozenset[str] | None:
    """The fields for which the visitor has a ``visit_<Type>_<field>`` or ``leave_<Type>_<field>``, when
    it hears of fields as ``CSTVisitor`` does; ``None`` (tell it of every field) when it hears of them
    in a way of its own."""
    if (
        visitor.on_visit_attribute is not cst.CSTVisitor.on_visit_attribute  # type: ignore[attr-defined]
        or visitor.on_leave_attribute is not cst.CSTVisitor.on_leave_attribute  # type: ignore[attr-defined]
    ):
        return None
    name = kind.__name__
    return frozenset(
        field
        for field in fields
        if _hooked(visitor, f"visit_{name}_{field}") or _hooked(visitor, f"leave_{name}_{field}")
    )


def _hooked(visitor: type, method: str) -> bool:
    """Whether a visitor class has a method of that name that does something: LibCST's own, on every
    visitor, are stubs marked as doing nothing (``mark_no_op``)."""
    found = getattr(visitor, method, None)
    return found is not None and not getattr(found, "_is_no_op", False)


#: The node types whose leaving the scope analysis counts as an assignment (``ScopeVisitor.on_leave``
#: asks it of every node, against eighteen classes, each through ``ABCMeta``).
_ASSIGNMENT_LIKE: Final = "_ASSIGNMENT_LIKE_NODES"


class _ByType(type):
    """A class that stands for a tuple of node classes in ``isinstance``, answering from the instance's
    type what ``isinstance(instance, kinds)`` answered for the first instance of that type."""

    kinds: tuple[type, ...]
    answers: dict[type, bool]

    def __instancecheck__(cls, instance: object) -> bool:
        kind = type(instance)
        found = cls.answers.get(kind)
        if found is None:
            found = cls.answers[kind] = isinstance(instance, cls.kinds)
        return found


def is_node(kind: type) -> bool:
    """Whether a type is a LibCST node's (asked once per type)."""
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return found
