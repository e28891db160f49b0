"""A wrapper's generic getter: ``self._get(path)`` adds the host and the credentials to a path.

Wrapper classes often funnel every request through one small method::

    def _get(self, path):
        response = requests.get(self.base_url + path, params=self.auth)
        response.raise_for_status()
        return response.json()

    def get_user_course_stats(self, course_id, email):
        return self._get(f"/courses/{course_id}/stats/{email}")

The v1 URL exists only when both are read together. A call of such a getter — a method of the same
class called on ``self``, or a function of the same module — is treated as the GET it makes, with the
caller's argument standing for the getter's path parameter. The getter itself is left as it is (other
endpoints still use it); only the call sites of course statistics are rewritten.

A getter qualifies when its body is only: the GET (assigned to a name, annotated or not, or returned),
optionally ``raise_for_status()``, and the return of the response or of its ``.json()``; a docstring,
``assert``s and ``pass`` may stand beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from codemods.reading.clients import HttpCall
from codemods.reading.metadata import Metadata, assigned_node


@dataclass(frozen=True)
class GetterCall(HttpCall):
    """A call of a generic getter, seen as the GET the getter makes (``url`` and ``arguments`` are the
    getter's own; ``call`` is the caller's)."""

    #: The getter, its parameter that receives the path, and the caller's argument for it.
    function: cst.FunctionDef | None = None
    parameter: str = ""
    argument: cst.BaseExpression | None = None
    #: The getter returns the decoded payload (``.json()``) rather than the response.
    decoded: bool = False


@dataclass(frozen=True)
class _Getter:
    function: cst.FunctionDef
    inner: HttpCall
    parameter: str
    decoded: bool


class Getters:
    """Finds the calls of the module's generic getters."""

    def __init__(self, meta: Metadata, recognise: Callable[[cst.Call], HttpCall | None]) -> None:
        self.meta = meta
        self.recognise = recognise
        self._described: dict[cst.FunctionDef, _Getter | None] = {}

    def call(self, call: cst.Call) -> GetterCall | None:
        """``call`` as the GET its getter makes, or ``None`` when it calls no getter."""
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            return None
        function = self._target(call)
        if function is None:
            return None
        if function not in self._described:
            self._described[function] = self._describe(function)
        getter = self._described[function]
        if getter is None:
            return None
        inner = getter.inner
        return GetterCall(
            call,
            inner.client,
            inner.url,
            inner.arguments,
            inner.session,
            inner.unreadable_arguments,
            function=getter.function,
            parameter=getter.parameter,
            argument=call.args[0].value,
            decoded=getter.decoded,
        )

    def _target(self, call: cst.Call) -> cst.FunctionDef | None:
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
        ):
            method = next((a for a in self.meta.ancestors(call) if isinstance(a, cst.FunctionDef)), None)
            cls = self._owner(method) if method is not None else None
            if not isinstance(cls, cst.ClassDef):
                return None
            return next(
                (
                    s
                    for s in cls.body.body
                    if isinstance(s, cst.FunctionDef) and s.name.value == func.attr.value and not s.decorators
                ),
                None,
            )
        if isinstance(func, cst.Name):
            referents = self.meta.referents(func)
            if not referents or len(referents) != 1:
                return None
            node = assigned_node(next(iter(referents)))
            parent = self.meta.parent(node) if node is not None else None
            if isinstance(parent, cst.FunctionDef) and parent.name is node and not parent.decorators:
                return parent if isinstance(self.meta.parent(parent), cst.Module) else None
        return None

    def _owner(self, function: cst.FunctionDef) -> cst.CSTNode | None:
        """The class (or module) whose body defines the function."""
        block = self.meta.parent(function)
        return self.meta.parent(block) if block is not None else None

    def _describe(self, function: cst.FunctionDef) -> _Getter | None:
        method = isinstance(self._owner(function), cst.ClassDef)
        params = list(function.params.params)
        if method:
            params = params[1:]
        if not params or params[0].default is not None or any(p.default is None for p in params[1:]):
            return None
        if function.params.star_arg is not cst.MaybeSentinel.DEFAULT or function.params.star_kwarg:
            return None
        parameter = params[0].name.value
        body = function.body
        if not isinstance(body, cst.IndentedBlock):
            return None
        # Docstrings, ``assert``s on the arguments and ``pass`` say nothing of the GET the getter makes.
        statements = [
            small
            for small in (_small(s) for s in body.body)
            if not isinstance(small, (cst.Assert, cst.Pass))
            and not (isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString))
        ]
        found = _shape(statements)
        if found is None:
            return None
        call, decoded = found
        inner = self.recognise(call)
        if inner is None or not _mentions(inner.url, parameter):
            return None
        return _Getter(function, inner, parameter, decoded)


def _small(statement: cst.BaseStatement) -> cst.BaseSmallStatement | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        return statement.body[0]
    return None


def _shape(statements: list[cst.BaseSmallStatement | None]) -> tuple[cst.Call, bool] | None:
    """The GET of a getter body and whether the payload is returned: ``return get(…)[.json()]``, or
    ``r = get(…)``, ``r.raise_for_status()`` (optional), ``return r[.json()]``."""
    if len(statements) == 1 and isinstance(statements[0], cst.Return):
        returned, decoded = _decoded(statements[0].value)
        return (returned, decoded) if isinstance(returned, cst.Call) else None
    if len(statements) not in (2, 3):
        return None
    first, last = statements[0], statements[-1]
    target: cst.BaseExpression | None = None
    if isinstance(first, cst.Assign) and len(first.targets) == 1:
        target = first.targets[0].target
    elif isinstance(first, cst.AnnAssign):  # ``response: requests.Response = requests.get(…)``
        target = first.target
    if not (
        isinstance(first, (cst.Assign, cst.AnnAssign))
        and isinstance(target, cst.Name)
        and isinstance(first.value, cst.Call)
        and isinstance(last, cst.Return)
    ):
        return None
    name = target.value
    if len(statements) == 3:
        middle = statements[1]
        if not (
            isinstance(middle, cst.Expr)
            and isinstance(middle.value, cst.Call)
            and not middle.value.args
            and isinstance(middle.value.func, cst.Attribute)
            and middle.value.func.attr.value == "raise_for_status"
            and isinstance(middle.value.func.value, cst.Name)
            and middle.value.func.value.value == name
        ):
            return None
    returned, decoded = _decoded(last.value)
    if not (isinstance(returned, cst.Name) and returned.value == name):
        return None
    return first.value, decoded


def _decoded(value: cst.BaseExpression | None) -> tuple[cst.BaseExpression | None, bool]:
    """``x.json()`` → (``x``, True); anything else → (it, False)."""
    if (
        isinstance(value, cst.Call)
        and not value.args
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "json"
    ):
        return value.func.value, True
    return value, False


def _mentions(expr: cst.BaseExpression, name: str) -> bool:
    found: list[bool] = []

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if node.value == name:
                found.append(True)

    expr.visit(Names())
    return bool(found)
