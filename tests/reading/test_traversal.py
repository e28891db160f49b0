"""The read-only visit (``codemods.reading.traversal``) calls a visitor's methods as LibCST's own visit
does, in the same order, over the fixtures' modules and a sample of the standard library, and LibCST's
scope analysis comes out the same through it; a transformer is still visited by LibCST."""

from __future__ import annotations

import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ScopeProvider, scope_provider

from codemods.reading import traversal
from codemods.reading.metadata import walk

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: Modules of the standard library with much syntax: classes, decorators, comprehensions, async,
#: ``match``, lambdas, star arguments, f-strings, global and nonlocal.
STDLIB_SAMPLE = (
    "ast.py",
    "dataclasses.py",
    "functools.py",
    "inspect.py",
    "asyncio/tasks.py",
    "json/decoder.py",
    "argparse.py",
    "typing.py",
    "pathlib.py",
    "string.py",
    "enum.py",
)


def _modules() -> list[tuple[str, bytes]]:
    paths = sorted({*FIXTURES.glob("*/*/before.py"), *FIXTURES.glob("*/*/before/**/*.py")})
    found = [(str(p.relative_to(FIXTURES)), p.read_bytes()) for p in paths]
    found += [(name, (STDLIB / name).read_bytes()) for name in STDLIB_SAMPLE if (STDLIB / name).exists()]
    return found


@contextmanager
def _libcst_visit() -> Iterator[None]:
    """LibCST's own ``CSTNode.visit``, and its own table of assignment-like nodes, in place for the
    duration."""
    ours = cst.CSTNode.visit
    ours_kinds: Any = scope_provider._ASSIGNMENT_LIKE_NODES
    (by_type,) = ours_kinds
    setattr(cst.CSTNode, "visit", traversal._ORIGINAL)  # noqa: B010
    scope_provider._ASSIGNMENT_LIKE_NODES = by_type.kinds
    try:
        yield
    finally:
        setattr(cst.CSTNode, "visit", ours)  # noqa: B010
        scope_provider._ASSIGNMENT_LIKE_NODES = ours_kinds


class Calls(cst.CSTVisitor):
    """Notes every call LibCST makes of a visitor, and skips the body of each ``def`` (as a visitor
    that returns ``False`` does), visiting its name by hand."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.calls.append(("visit", id(node), type(node).__name__))
        if isinstance(node, cst.FunctionDef):
            node.name.visit(self)
            return False
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.calls.append(("leave", id(original_node), ""))

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.calls.append(("enter", id(node), attribute))

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        self.calls.append(("exit", id(original_node), attribute))


class Hooks(cst.CSTVisitor):
    """Hears of two fields through methods named for them, as ``CSTVisitor`` dispatches them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def visit_ClassDef_bases(self, node: cst.ClassDef) -> None:
        self.calls.append(("bases", id(node)))

    def leave_Call_args(self, node: cst.Call) -> None:
        self.calls.append(("args", id(node)))

    def visit_Name(self, node: cst.Name) -> None:
        self.calls.append(("name", id(node)))


MODULES = _modules()
traversal.install()


@pytest.mark.parametrize("visitor_class", [Calls, Hooks])
def test_the_same_calls_in_the_same_order(visitor_class: type[Calls] | type[Hooks]) -> None:
    assert len(MODULES) > 100
    heard = 0
    for name, source in MODULES:
        module = cst.parse_module(source)
        ours = visitor_class()
        assert cst.CSTNode.visit is not traversal._ORIGINAL
        assert module.visit(ours) is module
        theirs = visitor_class()
        with _libcst_visit():
            assert module.visit(theirs) is module
        assert ours.calls == theirs.calls, name
        heard += len(ours.calls)
    assert heard > 1000


def _scopes(module: cst.Module) -> list[object]:
    """What LibCST's scope analysis finds, node by node, as plain values. The nodes it parses out of
    string annotations are new at each analysis: they are named by their code."""
    scopes = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    tree = {id(node) for node in walk(module)}

    def named(node: cst.CSTNode | None) -> object:
        if node is None or id(node) in tree:
            return id(node)
        return module.code_for_node(node)

    found: list[object] = []
    for node, scope in scopes.items():
        if id(node) not in tree:
            continue
        if scope is None:
            found.append((id(node), None))
            continue
        found.append((id(node), type(scope).__name__, named(getattr(scope, "node", None))))
    for scope in {id(s): s for s in scopes.values() if s is not None}.values():
        for assignment in sorted(scope.assignments, key=lambda a: (a.name, getattr(a, "_index", 0))):
            found.append(
                (
                    assignment.name,
                    named(getattr(assignment, "node", None)),
                    getattr(assignment, "_index", None),
                    sorted(str(named(access.node)) for access in assignment.references),
                )
            )
    return found


def test_the_same_scopes() -> None:
    for name, source in MODULES:
        module = cst.parse_module(source)
        ours = _scopes(module)
        with _libcst_visit():
            theirs = _scopes(module)
        assert ours == theirs, name


def test_a_transformer_still_builds_the_tree() -> None:
    class Rename(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
            return updated_node.with_changes(value=updated_node.value.upper())

    module = cst.parse_module("def f(x):\n    return g(x)\n")
    assert module.visit(Rename()).code == "def F(X):\n    return G(X)\n"


def test_installed_once() -> None:
    visit = cst.CSTNode.visit
    kinds = scope_provider._ASSIGNMENT_LIKE_NODES
    assert visit is not traversal._ORIGINAL
    traversal.install()
    assert cst.CSTNode.visit is visit
    assert scope_provider._ASSIGNMENT_LIKE_NODES is kinds


def test_assignment_like_nodes_answered_by_type() -> None:
    kinds: Any = scope_provider._ASSIGNMENT_LIKE_NODES
    (by_type,) = kinds
    assert cst.Assign in by_type.kinds and cst.Name not in by_type.kinds
    assign = cst.Assign(targets=[cst.AssignTarget(cst.Name("x"))], value=cst.Integer("1"))
    for _ in range(2):  # the first answer for a type, then the one kept
        assert isinstance(assign, scope_provider._ASSIGNMENT_LIKE_NODES)
        assert not isinstance(cst.Name("x"), scope_provider._ASSIGNMENT_LIKE_NODES)
