"""A client's request helper: one function or method that every endpoint method calls with a path.

Client classes and modules often funnel every request through one small helper::

    def get(self, path, **kwargs):
        response = self.session.get(self.base_url + path, params=self.auth, **kwargs)
        if response.status_code != 200:
            raise RuntimeError(response.text)
        return response.json()

    def get_user_course_stats(self, course_id, email):
        return self.get(f"/courses/{course_id}/stats/{email}", timeout=30)

The v1 URL exists only when both are read together. A call of such a helper is treated as the GET it
makes, with the caller's arguments standing for the helper's parameters: the one its URL is built
from (the path), the one that carries the HTTP method (``request("GET", path)``, which must be
``"GET"``), the one that carries the client (``_get(session, path)``), and a ``**kwargs`` passed on to
the GET (the caller's ``timeout=``, ``headers=``…). The helper itself is left as it is (other endpoints
still use it); only the calls that name a course-statistics path are rewritten.

A helper is a method of the caller's class or of a base class defined in the same module, called on
``self``; a method called on an object the module makes from one of its classes (``api =
Client()``); or a function of the module. Its body may only: send the GET (assigned to a name, annotated
or not, awaited or not, or returned), check the status (``raise_for_status()``, or ``if`` the status is
not 200 ``raise``), and return the response or its ``.json()``; a docstring, ``assert``s and ``pass``
may stand beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TypeVar

import libcst as cst

from codemods.reading.clients import HttpCall
from codemods.reading.helper_arguments import (
    GetterCall,
    Helper,
    bound_call,
    ends_with,
    get_of,
    method_passed,
    parameter_defaults,
    passed_parameters,
    passes_only,
)
from codemods.reading.helper_bodies import mentions, request_of
from codemods.reading.metadata import Metadata, dotted

_Definition = TypeVar("_Definition", cst.FunctionDef, cst.ClassDef)


#: How many callers' parameters an object is followed through to the class that made it.
_MAX_PARAMETER_DEPTH = 4


class Getters:
    """Finds the calls of the module's request helpers."""

    def __init__(
        self,
        meta: Metadata,
        recognise: Callable[[cst.Call], HttpCall | None],
        inherited: Mapping[str, str] | None = None,
    ) -> None:
        self.meta = meta
        #: Recognises the GET a helper makes (its client is a parameter or an attribute of ``self``).
        self.recognise = recognise
        #: A class imported from another module → the module's class that holds its code for reading
        #: (``codemods.transform.inherited``).
        self.inherited = inherited or {}
        self._described: dict[cst.FunctionDef, Helper | None] = {}
        #: (class, ``self.x``) → the class of the object the class sets ``self.x`` to, once.
        self._attributes: dict[tuple[cst.ClassDef, str], cst.ClassDef | None] = {}
        #: How many helpers deep the helper being described calls (a guard against recursion).
        self._depth = 0

    def call(self, call: cst.Call) -> GetterCall | None:
        """``call`` as the GET its helper makes, or ``None`` when it calls no request helper."""
        function = self._target(call)
        if function is None:
            return None
        getter = self._getter(function)
        bound = None if getter is None else bound_call(call, getter)
        return None if bound is None else replace(bound, receiver_class=self._receiver_class(call))

    def _getter(self, function: cst.FunctionDef) -> Helper | None:
        """The helper ``function`` is, described once."""
        if function not in self._described:
            self._described[function] = None  # while it is described: a helper calling itself is none
            self._described[function] = self._describe(function)
        return self._described[function]

    def _receiver_class(self, call: cst.Call) -> cst.ClassDef | None:
        """The class of the object a method is called on, when the module tells it."""
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute):
            return self._attribute_class(func.value, call)
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return None
        if func.value.value == "self":
            return self._self_class(call)
        return self._made_by(func.value)

    # --- which function a call calls ---------------------------------------------------------------

    def _target(self, call: cst.Call) -> cst.FunctionDef | None:
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            receiver = func.value
            if receiver.value == "self":
                cls = self._self_class(call)
                return self._method(cls, func.attr.value) if cls is not None else None
            held = self.inherited.get(f"{receiver.value}.{func.attr.value}")
            if held is not None and self._bound_by_import(receiver):
                return self._held(held, cst.FunctionDef)  # ``http.get_json(…)``, held for reading
            cls = self._made_by(receiver)
            return self._method(cls, func.attr.value) if cls is not None else None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute):
            # ``lms.http.get_json(…)`` with ``import lms.http``, held for reading
            held = self.inherited.get(dotted(func))
            if held is not None and self._bound_by_import(func.value):
                return self._held(held, cst.FunctionDef)
            # ``self.client.get(…)`` with ``self.client = Client(…)`` set once in the class
            cls = self._attribute_class(func.value, call)
            return self._method(cls, func.attr.value) if cls is not None else None
        if isinstance(func, cst.Name):
            function = self._defined(func, cst.FunctionDef) or self._imported(func, cst.FunctionDef)
            if function is not None and not function.decorators:
                return function if isinstance(self._owner(function), cst.Module) else None
        return None

    def _attribute_class(self, receiver: cst.Attribute, call: cst.Call) -> cst.ClassDef | None:
        """The class of ``self.client`` in a method, when the method's class sets it once, to an object of
        a class of the module or held for reading (``self.client = Client(…)``)."""
        if not (isinstance(receiver.value, cst.Name) and receiver.value.value == "self"):
            return None
        cls = self._self_class(call)
        if cls is None:
            return None
        key = (cls, dotted(receiver))
        if key not in self._attributes:  # asked of every ``self.session.get(…)``: the scan is made once
            assignments: list[cst.Assign | cst.AnnAssign | cst.AugAssign] = self.meta.nodes(
                cst.Assign, cst.AnnAssign, cst.AugAssign
            )
            values = [
                node.value
                for node in assignments
                if any(dotted(t) == key[1] for t in _targets(node)) and cls in self.meta.ancestors(node)
            ]
            made = values[0] if len(values) == 1 else None
            found = made.func if isinstance(made, cst.Call) and isinstance(made.func, cst.Name) else None
            self._attributes[key] = self._class(found) if found is not None else None
        return self._attributes[key]

    def _self_class(self, call: cst.Call) -> cst.ClassDef | None:
        """The class ``self`` is an object of where ``call`` is: the class of the method around it."""
        method = next((a for a in self.meta.ancestors(call) if isinstance(a, cst.FunctionDef)), None)
        cls = self._owner(method) if method is not None else None
        return cls if isinstance(cls, cst.ClassDef) else None

    def _made_by(self, receiver: cst.Name, depth: int = 0) -> cst.ClassDef | None:
        """The class of the module an object was made by: ``api = Client()``, or a parameter that every
        call of its function in the module is given such an object for (``report(api)``), also through
        the parameters of the callers (``main`` → ``report(api)`` → ``fetch(api)``)."""
        if depth > _MAX_PARAMETER_DEPTH:
            return None
        made = self.meta.single_value(receiver)
        if isinstance(made, cst.Call) and isinstance(made.func, cst.Name):
            return self._class(made.func)
        param = self.meta.definition(receiver)
        if not isinstance(param, cst.Param):
            return None
        parameters = self.meta.parent(param)
        function = self.meta.parent(parameters) if parameters is not None else None
        if not isinstance(function, cst.FunctionDef):
            return None
        names = [p.name.value for p in function.params.params]
        if param.name.value not in names:
            return None  # ``*args``, ``**kwargs``, a keyword-only parameter
        position = names.index(param.name.value)
        binding = self.meta.binding(function.name)
        classes: set[cst.ClassDef | None] = set()
        for access in binding.references if binding is not None else ():
            call = self.meta.parent(access.node)
            if not (isinstance(call, cst.Call) and call.func is access.node):
                return None
            argument = next(
                (a.value for a in call.args if a.keyword is not None and a.keyword.value == param.name.value),
                None,
            )
            positional = [a.value for a in call.args if a.keyword is None and not a.star]
            if argument is None and position < len(positional):
                argument = positional[position]
            if isinstance(argument, cst.Name) and self.meta.single_value(argument) is None:
                classes.add(self._made_by(argument, depth + 1))  # the caller's own parameter
                continue
            value = self.meta.single_value(argument) if isinstance(argument, cst.Name) else argument
            classes.add(
                self._class(value.func)
                if isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
                else None
            )
        return next(iter(classes)) if len(classes) == 1 else None

    def _defined(self, name: cst.Name, kind: type[_Definition]) -> _Definition | None:
        """The function or class a name is bound to by its ``def`` or ``class`` statement."""
        node = self.meta.definition(name)
        return node if isinstance(node, kind) else None

    def class_named(self, name: cst.Name) -> cst.ClassDef | None:
        """The class a name is bound to, defined in the module or held for reading."""
        return self._class(name)

    def _class(self, name: cst.Name) -> cst.ClassDef | None:
        """The class a name is bound to: defined in the module, or imported from another module whose
        code the module holds for reading (``inherited``)."""
        return self._defined(name, cst.ClassDef) or self._imported(name, cst.ClassDef)

    def _imported(self, name: cst.Name, kind: type[_Definition]) -> _Definition | None:
        """The class or function a name imported from another module is bound to, when the module holds
        its code for reading (``inherited``)."""
        held = self.inherited.get(name.value)
        if held is None:
            return None
        node = self.meta.definition(name)
        return self._held(held, kind) if isinstance(node, cst.ImportFrom) else None

    def _held(self, name: str, kind: type[_Definition]) -> _Definition | None:
        """The module-level class or function that holds an imported one's code
        (``codemods.transform.inherited``)."""
        return next(
            (
                c
                for c in self.meta.nodes(kind)
                if c.name.value == name and isinstance(self.meta.parent(c), cst.Module)
            ),
            None,
        )

    def _method(self, cls: cst.ClassDef, name: str, depth: int = 0) -> cst.FunctionDef | None:
        """The method ``name`` of a class, or of its bases defined in the module."""
        for statement in cls.body.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
                return None if statement.decorators else statement
        if depth > 8:
            return None
        for base in cls.bases:
            parent = self.base_class(base.value)
            found = self._method(parent, name, depth + 1) if parent is not None else None
            if found is not None:
                return found
        return None

    def base_class(self, base: cst.BaseExpression) -> cst.ClassDef | None:
        """The class a base of a class statement names: one of the module (``Base``), or one whose code
        the module holds (``BaseClient``, ``base.BaseClient`` imported from another module)."""
        if isinstance(base, cst.Name):
            return self._class(base)
        if not (isinstance(base, cst.Attribute) and isinstance(base.value, cst.Name)):
            return None
        held = self.inherited.get(f"{base.value.value}.{base.attr.value}")
        if held is None or not self._bound_by_import(base.value):
            return None
        return self._held(held, cst.ClassDef)

    def _bound_by_import(self, name: cst.Name | cst.Attribute) -> bool:
        """Whether a name is bound once, by an import (a module: ``base`` of ``base.BaseClient``)."""
        return isinstance(self.meta.definition(name), (cst.Import, cst.ImportFrom))

    def _owner(self, function: cst.FunctionDef) -> cst.CSTNode | None:
        """The class (or module) whose body defines the function."""
        block = self.meta.parent(function)
        if isinstance(block, cst.Module):
            return block
        return self.meta.parent(block) if block is not None else None

    # --- what a helper does --------------------------------------------------------------------------

    def _request_object_of(self, call: cst.Call, names: tuple[str, ...]) -> tuple[cst.Call, str | None]:
        """``urlopen(req)`` where ``req = Request(url, method=method)`` and ``method`` is a parameter: the
        ``urlopen`` of that request made a GET, and the parameter that carries the method."""
        first = call.args[0] if call.args and call.args[0].keyword is None else None
        made = self.meta.single_value(first.value) if first and isinstance(first.value, cst.Name) else None
        if not isinstance(made, cst.Call):
            return call, None
        args = list(made.args)
        for index, arg in enumerate(args):
            if (
                arg.keyword is not None
                and arg.keyword.value == "method"
                and isinstance(arg.value, cst.Name)
                and arg.value.value in names
            ):
                args[index] = arg.with_changes(value=cst.SimpleString('"GET"'))
                request = made.with_changes(args=args)
                assert first is not None
                return call.with_changes(
                    args=[first.with_changes(value=request), *call.args[1:]]
                ), arg.value.value
        return call, None

    def _composed(
        self,
        function: cst.FunctionDef,
        request: cst.Call,
        decoded: bool,
        names: tuple[str, ...],
        positional: list[cst.Param],
    ) -> Helper | None:
        """A helper whose request is a call of another request helper (``def get(self, path): return
        self._request("GET", path)``): one of its parameters must be the whole of what reaches the
        other's path, and none other may shape the request."""
        if self._depth > _MAX_PARAMETER_DEPTH:
            return None
        self._depth += 1
        try:
            target = self._target(request)
            getter = self._getter(target) if target is not None else None
        finally:
            self._depth -= 1
        if getter is None or not (
            isinstance(getter.inner, GetterCall) or ends_with(getter.inner.url, getter.path)
        ):
            return None  # it calls an endpoint method (its parameter is a piece of the path), not a helper
        request, method = method_passed(request, getter, names)
        inner = bound_call(request, getter)
        if inner is None or inner.argument is None or (decoded and inner.decoded):
            return None
        mentioned = [name for name in names if mentions(inner.argument, name)]
        if len(mentioned) != 1 or not ends_with(inner.argument, mentioned[0]):
            return None  # an endpoint method (the path it passes is its own), not a request helper
        shaping = [*inner.arguments.values(), *([inner.session] if inner.session is not None else [])]
        if any(mentions(a, n) for a in shaping for n in names):
            return None
        if mentioned[0] == method:
            return None
        defaults, get_defaults = parameter_defaults(positional)
        return Helper(
            function,
            inner,
            names,
            defaults,
            mentioned[0],
            method,
            None,
            None,
            decoded or inner.decoded,
            get_defaults,
        )

    def _describe(self, function: cst.FunctionDef) -> Helper | None:
        params = function.params
        if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.posonly_params or params.kwonly_params:
            return None
        positional = list(params.params)
        if isinstance(self._owner(function), cst.ClassDef):
            positional = positional[1:]
        names = tuple(p.name.value for p in positional)
        kwargs = params.star_kwarg.name.value if isinstance(params.star_kwarg, cst.Param) else None
        body = function.body
        if not isinstance(body, cst.IndentedBlock):
            return None
        found = request_of(list(body.body))
        if found is None:
            return None
        request, decoded = found
        if self._target(request) is not None:
            # It calls a function of the module: another request helper (then it is one too), or an
            # endpoint method's own (then it is none).
            return self._composed(function, request, decoded, names, positional)
        call, method = get_of(request, names)
        inner = self.recognise(call)
        if inner is None and method is None:
            call, method = self._request_object_of(call, names)
            inner = self.recognise(call) if method is not None else None
        if inner is None:
            return None
        mentioned = [name for name in names if mentions(inner.url, name)]
        if len(mentioned) != 1 or mentioned[0] == method:
            return None
        session = (
            inner.session.value
            if isinstance(inner.session, cst.Name) and inner.session.value in names
            else None
        )
        if inner.unreadable_arguments and not passes_only(call, kwargs):
            return None
        used = {mentioned[0], method, session}
        passed = passed_parameters(inner, positional, used, self.meta.single_value)
        if any(
            mentions(a, n)
            for a in inner.arguments.values()
            for n in names
            if n not in used and n not in passed
        ):
            return None  # another parameter shapes the request: not a plain GET of a path
        defaults, get_defaults = parameter_defaults(positional)
        return Helper(
            function,
            inner,
            names,
            defaults,
            mentioned[0],
            method,
            session,
            kwargs,
            decoded,
            get_defaults,
            passed,
        )


def _targets(node: cst.Assign | cst.AnnAssign | cst.AugAssign) -> list[cst.BaseExpression]:
    return [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]


__all__ = ["GetterCall", "Getters"]
