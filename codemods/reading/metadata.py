"""Metadata of one module, resolved once: parents, positions, scopes and qualified names.

The rewrite asks questions of the tree in any order (what is this node's parent, which single value was
this name assigned, which names read that variable). LibCST answers them through its metadata providers;
this module resolves them once per module and answers in the terms the rewrite needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Final, TypeVar, cast

import libcst as cst
from libcst.metadata import (
    Access,
    Assignment,
    BaseAssignment,
    ComprehensionScope,
    MetadataWrapper,
    Scope,
    ScopeProvider,
)

from codemods.mapping.reasons import Review
from codemods.reading import traversal, visitor_cache
from codemods.reading.positions import Positions
from codemods.reading.traversal import is_node

_LOOPS = (cst.For, cst.While, cst.CompFor)
_Node = TypeVar("_Node", bound=cst.CSTNode)

visitor_cache.install()
traversal.install()


class Metadata:
    """Answers structural questions about the nodes of one module (a ``MetadataWrapper``'s module)."""

    def __init__(self, wrapper: MetadataWrapper) -> None:
        # Qualified names are asked of a few nodes (the functions called): they are computed for those,
        # from their scopes, not for every node as ``QualifiedNameProvider`` does in a walk of its own.
        # Positions come from ``Positions``, not ``PositionProvider``: a line and a column are worked out
        # only for the nodes asked about.
        resolved = wrapper.resolve_many([ScopeProvider])
        self.module = wrapper.module
        self._parents, self._by_type = _walk_fields(wrapper.module)
        #: The kinds whose list in ``_by_type`` is in the order of the source already.
        self._sorted: set[type[cst.CSTNode]] = set()
        self._positions = Positions(wrapper.module)
        self._scopes = cast(Mapping[cst.CSTNode, Scope | None], resolved[ScopeProvider])
        self._qualified: dict[cst.CSTNode, frozenset[str]] = {}

    @property
    def is_script(self) -> bool:
        """Whether the module runs as a program (it has an ``if __name__ == "__main__":`` block)."""
        return any(
            isinstance(statement, cst.If)
            and isinstance(statement.test, cst.Comparison)
            and cst.Module([]).code_for_node(statement.test).replace("'", '"') == '__name__ == "__main__"'
            for statement in self.module.body
        )

    def nodes(self, *kinds: type[_Node]) -> list[_Node]:
        """Every node of the module whose type is one of ``kinds`` (exactly), in the order of the source,
        without walking the tree again."""
        if len(kinds) == 1:
            return cast("list[_Node]", list(self._of_kind(kinds[0])))
        found = [n for kind in kinds for n in self._of_kind(kind)]
        return cast("list[_Node]", sorted(found, key=self._start))

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        """1-based line and 1-based column of the node's start."""
        line, column = self._positions.line_column(node)
        return line, column + 1

    def qualified_names(self, node: cst.CSTNode) -> frozenset[str]:
        """What ``QualifiedNameProvider`` gives for the node, as names."""
        found = self._qualified.get(node)
        if found is None:
            scope = self._scopes.get(node)
            found = frozenset(q.name for q in scope.get_qualified_names_for(node)) if scope else frozenset()
            self._qualified[node] = found
        return found

    def builtin(self, call: cst.Call) -> str | None:
        """The name of the builtin a call calls (``len``, ``sorted``…), by qualified name, else ``None``."""
        for name in self.qualified_names(call.func):
            if name.startswith("builtins."):
                return name.removeprefix("builtins.")
        return None

    def statement(self, node: cst.CSTNode) -> cst.BaseStatement:
        """The statement (a simple line or a compound statement's header) that holds the node."""
        current: cst.CSTNode | None = node
        while current is not None and not isinstance(current, cst.BaseStatement):
            current = self.parent(current)
        assert current is not None, "every expression sits in a statement"
        return current

    def small_statement(self, node: cst.CSTNode) -> cst.BaseSmallStatement | None:
        for ancestor in (node, *self.ancestors(node)):
            if isinstance(ancestor, cst.BaseSmallStatement):
                return ancestor
            if isinstance(ancestor, cst.BaseStatement):
                return None
        return None

    # --- names ---------------------------------------------------------------------------------------

    def referents(self, name: cst.Name | cst.Attribute) -> set[BaseAssignment] | None:
        """The assignments a name that is read may refer to; ``None`` when it isn't a read. A dotted
        name is read as one where a dotted import binds it (``lms.http`` of ``import lms.http``)."""
        scope = self._scopes.get(name)
        if scope is None:
            return None
        accesses = [a for a in scope.accesses[name] if a.node is name]
        if len(accesses) != 1:
            return None
        return set(accesses[0].referents)

    def definition(self, name: cst.Name | cst.Attribute) -> cst.CSTNode | None:
        """The one statement that binds what a name reads (a ``def``, a ``class``, an import, an
        assignment's target), or ``None`` when it is bound more than once or not at all."""
        referents = self.referents(name)
        if not referents or len(referents) != 1:
            return None
        node = assigned_node(next(iter(referents)))
        if isinstance(node, cst.Name):  # how some versions of LibCST record a definition
            node = self.parent(node)
        return node

    def in_tree(self, node: cst.CSTNode) -> bool:
        """Whether the node is part of the module as parsed (not one the rewrite built)."""
        return node in self._positions

    def visible_from(self, name: cst.Name, node: cst.CSTNode) -> bool:
        """Whether the variable ``name`` reads is in scope where ``node`` is, under the same name: its
        scope is the one of ``node`` or encloses it, with no assignment of the name in between. The
        variable is the one the name refers to (a module constant read inside a function is the
        module's)."""
        own = self._scopes.get(name)
        referents = self.referents(name) or set()
        scopes = {a.scope for a in referents}
        if len(scopes) == 1:
            own = next(iter(scopes))
        here = self._scopes.get(node)
        while here is not None:
            if here is own:
                return True
            if name.value in here.assignments or here.parent is here:
                return False
            here = here.parent
        return False

    def assigned_value(self, assignment: BaseAssignment) -> cst.BaseExpression | None:
        """The value of ``name = value`` (or ``name: T = value``) for a plain assignment, else ``None``."""
        if not isinstance(assignment, Assignment) or not isinstance(assignment.node, cst.Name):
            return None
        parent = self.parent(assignment.node)
        if isinstance(parent, cst.AssignTarget):
            statement = self.parent(parent)
            if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
                return statement.value
        if isinstance(parent, cst.AnnAssign) and parent.target is assignment.node:
            return parent.value
        return None

    def single_value(self, name: cst.Name) -> cst.BaseExpression | None:
        """The value a name was assigned, when it has exactly one plain assignment."""
        referents = self.referents(name)
        if not referents or len(referents) != 1:
            return None
        return self.assigned_value(next(iter(referents)))

    def binding(self, target: cst.Name) -> Assignment | None:
        """The assignment made by a name that is written (an assignment target, a loop variable…)."""
        scope = self._scopes.get(target)
        if scope is None:
            return None
        for assignment in scope.assignments[target.value]:
            node = assigned_node(assignment)
            if isinstance(assignment, Assignment) and (
                node is target
                or (isinstance(node, (cst.Param, cst.FunctionDef, cst.ClassDef)) and node.name is target)
            ):
                return assignment
        return None

    def occurrences(self, target: cst.Name) -> tuple[list[cst.CSTNode], list[cst.CSTNode]] | None:
        """Every node that assigns the variable a written name binds, and every node that reads it,
        in its scope and the scopes nested in it; ``None`` when its scope is not known."""
        scope = self._scopes.get(target)
        if scope is None:
            return None
        every = list(scope.assignments[target.value])
        assignments = [a for a in every if isinstance(a, Assignment)]
        if len(assignments) != len(every):
            return None
        try:
            read: list[cst.CSTNode] = [access.node for a in assignments for access in self._accesses(a)]
        except AmbiguousRead:
            return None
        return [a.node for a in assignments], read

    def contains(self, outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
        """Whether ``inner`` lies inside ``outer``."""
        return self._contains(outer, inner)

    def reads(self, assignment: Assignment) -> list[cst.Name]:
        """The names that read the value of this assignment and no other one.

        Scope analysis is not flow-sensitive: a read of a name assigned twice refers to both. A read is
        the assignment's own when every other assignment of the name lies before it or after the read,
        and none after the read sits in a loop around the read. Raises ``AmbiguousRead`` otherwise.
        """
        reads: list[cst.Name] = []
        own = self._start(assignment.node)
        for access in sorted(self._accesses(assignment), key=lambda a: self._start(a.node)):
            node = access.node
            if not isinstance(node, cst.Name):
                raise AmbiguousRead("read-through-annotation", name=assignment.name)
            self._check_unambiguous(assignment, access, own)
            reads.append(node)
        return reads

    def _accesses(self, assignment: Assignment) -> list[Access]:
        """The reads of an assignment.

        LibCST misses the reads of a comprehension's inner ``for`` targets (``s`` in ``s["attempts"]`` and
        ``a`` in the element of ``[a["globalTime"] for e in xs for s in e["stats"] for a in s["attempts"]]``):
        only a ``for`` clause binds a name in a comprehension's scope, so every read of the name recorded
        there is that clause's, when no other clause binds it too.
        """
        scope = assignment.scope
        if not isinstance(scope, ComprehensionScope):
            return list(assignment.references)
        if len(scope.assignments[assignment.name]) != 1:
            raise AmbiguousRead("bound-by-two-clauses", name=assignment.name)
        return sorted(
            {*assignment.references, *scope.accesses[assignment.name]}, key=lambda a: self._start(a.node)
        )

    def _check_unambiguous(self, assignment: Assignment, access: Access, own: int) -> None:
        at = self._start(access.node)
        # LibCST's referents of a read are the assignments before it: one later in a loop around the
        # read (``for …: read(r); r = other()``) reaches it too, on the loop's next turn.
        later = [
            other
            for other in assignment.scope.assignments[assignment.name]
            if other not in access.referents and isinstance(other, Assignment)
        ]
        for other in (*access.referents, *later):
            if other is assignment:
                continue
            where = self._start(other.node) if isinstance(other, Assignment) else -1
            if where < own:
                continue
            loops = [a for a in self.ancestors(access.node) if isinstance(a, _LOOPS)]
            node = assigned_node(other)
            if where > at and node is not None and not any(self._contains(loop, node) for loop in loops):
                continue
            raise AmbiguousRead("assigned-more-than-once", name=assignment.name)

    def _of_kind(self, kind: type[cst.CSTNode]) -> list[cst.CSTNode]:
        """The nodes of one type, put in the order of the source the first time they are asked for: a
        node before the nodes it holds, which start where it does and end sooner."""
        found = self._by_type.get(kind, [])
        if kind not in self._sorted:
            found.sort(key=self._source_order)
            self._sorted.add(kind)
        return found

    def _source_order(self, node: cst.CSTNode) -> tuple[int, int]:
        return self._positions.order(node)

    def _start(self, node: cst.CSTNode) -> int:
        return self._positions.start(node)

    def _contains(self, outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
        return any(a is outer for a in self.ancestors(inner))


def _walk_fields(
    module: cst.Module,
) -> tuple[dict[cst.CSTNode, cst.CSTNode], dict[type[cst.CSTNode], list[cst.CSTNode]]]:
    """Each node's parent, and the nodes of each type, in one walk of the nodes' fields (``children``):
    what ``ParentNodeProvider`` gives, at a fraction of its cost (LibCST's visit builds every node
    again on the way up, and that provider asks every node for its ``children``, which visits them once
    more). Fields are not all in the order of the source (a ``def``'s decorators come after its body),
    so ``Metadata`` sorts the nodes of a type by position when they are asked for."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    by_type: dict[type[cst.CSTNode], list[cst.CSTNode]] = {}
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        kind = type(node)
        same = by_type.get(kind)
        if same is None:
            by_type[kind] = [node]
        else:
            same.append(node)
        below = children(node)
        for child in below:
            parents[child] = node
        below.reverse()
        stack.extend(below)
    return parents, by_type


def references(module: cst.Module) -> list[cst.Name | cst.Attribute]:
    """Names and attribute reads outside import statements, an attribute before the names inside it."""
    found: list[cst.Name | cst.Attribute] = []

    class Collector(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            found.append(node)
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            found.append(node)

    module.visit(Collector())
    return found


def nodes_of(module: cst.CSTNode, kind: type[_Node]) -> list[_Node]:
    """Every node of type ``kind`` in ``module``, in the order of the source."""
    found: list[_Node] = []

    class Collector(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, kind):
                found.append(node)
            return True

    module.visit(Collector())
    return found


def assigned_node(assignment: BaseAssignment) -> cst.CSTNode | None:
    """The node that made an assignment (a target name, a parameter, an import), if there is one."""
    return assignment.node if isinstance(assignment, Assignment) else None


class AmbiguousRead(Review):
    """A variable is read where more than one of its assignments may have set it."""


def dotted(node: cst.BaseExpression | None) -> str:
    """The dotted name a chain of names spells (``urllib.request.urlopen``), or ``""`` for anything
    else: found without generating the node's code."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr.value}" if inner else ""
    return ""


#: Node type → the names of its fields that may hold nodes (every field, less those typed ``str``,
#: ``bool`` or ``int``, which never do).
_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}
_PLAIN: Final = (str, bool, int)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes a node holds, read from its fields: what ``node.children`` gives, without the visit
    that property makes, in the order of the fields (a ``def``'s decorators come after its body)."""
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node) if f.type not in _PLAIN)
    found: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            found.extend(item for item in value if is_node(type(item)))
        elif is_node(kind):
            found.append(value)
    return found


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node under it, each after the nodes above it (see ``children`` for the
    order)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def is_bare_string(node: cst.CSTNode | None) -> bool:
    """Whether a small statement is a string alone (a docstring, or prose): it says what the code is
    about, it does nothing."""
    return type(node) is cst.Expr and type(node.value) in (cst.SimpleString, cst.ConcatenatedString)
