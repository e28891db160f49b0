"""A request helper's parameters, and the arguments of a call of it bound to them
(``codemods.reading.getters``): which parameter the URL is built from, which carry the HTTP method, the
client, keyword arguments or a value the GET is given whole, and the GET a call makes once its
arguments stand for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import libcst as cst

from codemods.mapping.clients import (
    REQUEST_METHOD,
)
from codemods.reading.clients import HttpCall
from codemods.reading.helper_bodies import mentions

#: The method a request helper must be given for its call to be a GET.
_GET: frozenset[str] = frozenset({"GET"})


@dataclass(frozen=True)
class GetterCall(HttpCall):
    """A call of a request helper, seen as the GET the helper makes (``url`` and ``arguments`` are the
    helper's own, with the caller's keyword arguments a ``**kwargs`` passes on; ``call`` is the
    caller's)."""

    #: The helper, its parameter that receives the path, and the caller's argument for it.
    function: cst.FunctionDef | None = None
    parameter: str = ""
    argument: cst.BaseExpression | None = None
    #: The helper returns the decoded payload (``.json()``) rather than the response.
    decoded: bool = False
    #: When the helper calls another request helper (``get(path)`` → ``self._request("GET", path)``):
    #: each helper further down, its parameter that receives the path, and the argument the one above
    #: gives it (an expression of the one above's parameters), outermost first.
    layers: tuple[tuple[cst.FunctionDef, str, cst.BaseExpression], ...] = ()
    #: The class of the object the helper is called on (``self``'s, or the one ``api = Client()`` made).
    receiver_class: cst.ClassDef | None = None


@dataclass(frozen=True)
class Helper:
    """A request helper, described: the GET it makes and what each of its parameters is for."""

    function: cst.FunctionDef
    inner: HttpCall
    #: The parameters after ``self``, in order, and those that have a default.
    parameters: tuple[str, ...]
    defaults: frozenset[str]
    #: The parameter the URL is built from, and those that carry the method and the client.
    path: str
    method: str | None
    session: str | None
    #: The ``**`` parameter passed on to the GET, when there is one.
    kwargs: str | None
    decoded: bool
    #: The names of the parameters whose default is ``"GET"``.
    get_defaults: frozenset[str] = field(default_factory=frozenset)
    #: Parameters the GET is given whole as a keyword argument (``timeout=timeout``): parameter →
    #: (the keyword, the parameter's literal default or ``None`` when it has none).
    passed: Mapping[str, tuple[str, cst.BaseExpression | None]] = field(default_factory=dict)


def passed_parameters(
    inner: HttpCall,
    positional: list[cst.Param],
    used: set[str | None],
    constant: Callable[[cst.Name], cst.BaseExpression | None] = lambda _: None,
) -> dict[str, tuple[str, cst.BaseExpression | None]]:
    """The parameters the GET is given whole and only as one keyword argument (``timeout=timeout``),
    without a default or with a literal one (``timeout=30``, ``None``), or a module constant assigned a
    literal once (``timeout=TIMEOUT``, then its literal): each with its keyword and default.
    ``constant``: the one value a name is assigned, if any."""
    found: dict[str, tuple[str, cst.BaseExpression | None]] = {}
    for param in positional:
        name = param.name.value
        if name in used:
            continue
        keywords = [k for k, v in inner.arguments.items() if isinstance(v, cst.Name) and v.value == name]
        others = [v for k, v in inner.arguments.items() if k not in keywords and mentions(v, name)]
        default = param.default
        if isinstance(default, cst.Name) and not _is_literal(default):
            value = constant(default)
            default = value if value is not None and _is_literal(value) else default
        if len(keywords) == 1 and not others and (default is None or _is_literal(default)):
            found[name] = (keywords[0], default)
    return found


def _is_literal(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString)) or (
        isinstance(expr, cst.Name) and expr.value in ("None", "True", "False")
    )


def parameter_defaults(positional: list[cst.Param]) -> tuple[frozenset[str], frozenset[str]]:
    """The parameters that have a default, and those whose default is ``"GET"``."""
    defaults = frozenset(p.name.value for p in positional if p.default is not None)
    get_defaults = frozenset(
        p.name.value
        for p in positional
        if isinstance(p.default, cst.SimpleString) and str(p.default.evaluated_value).upper() in _GET
    )
    return defaults, get_defaults


def ends_with(expr: cst.BaseExpression, name: str) -> bool:
    """Whether a path passed down is the parameter ``name``, or ends with it (``"/api/v1" + path``,
    ``f"{API}{path}"``): what a request helper does with its path, not an endpoint method."""
    if isinstance(expr, cst.Name):
        return expr.value == name
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return ends_with(expr.right, name)
    if isinstance(expr, cst.FormattedString) and expr.parts:
        last = expr.parts[-1]
        return isinstance(last, cst.FormattedStringExpression) and ends_with(last.expression, name)
    return False


def method_passed(request: cst.Call, getter: Helper, names: tuple[str, ...]) -> tuple[cst.Call, str | None]:
    """A call of a request helper that passes its caller's own parameter as the method
    (``self._send(method, url)``): the call as a GET, and that parameter."""
    if getter.method is None:
        return request, None
    position = getter.parameters.index(getter.method)
    args = list(request.args)
    for index, arg in enumerate(args):
        named = arg.keyword is not None and arg.keyword.value == getter.method
        if (named or (arg.keyword is None and index == position)) and not arg.star:
            if isinstance(arg.value, cst.Name) and arg.value.value in names:
                args[index] = arg.with_changes(value=cst.SimpleString('"GET"'))
                return request.with_changes(args=args), arg.value.value
            return request, None
    return request, None


def composed_layers(getter: Helper) -> tuple[tuple[cst.FunctionDef, str, cst.BaseExpression], ...]:
    inner = getter.inner
    if not isinstance(inner, GetterCall) or inner.function is None or inner.argument is None:
        return ()
    return ((inner.function, inner.parameter, inner.argument), *inner.layers)


def bound_call(call: cst.Call, getter: Helper) -> GetterCall | None:
    """The caller's arguments given to the helper's parameters, as the GET the helper makes."""
    given: dict[str, cst.BaseExpression] = {}
    extra: dict[str, cst.BaseExpression] = {}
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if any(a.star for a in call.args) or len(positional) > len(getter.parameters):
        return None
    for name, arg in zip(getter.parameters, positional, strict=False):
        given[name] = arg.value
    for arg in call.args:
        if arg.keyword is None:
            continue
        key = arg.keyword.value
        if key in getter.parameters:
            if key in given:
                return None
            given[key] = arg.value
        elif getter.kwargs is not None:
            extra[key] = arg.value
        else:
            return None
    if getter.path not in given or any(
        p not in given and p not in getter.defaults for p in getter.parameters
    ):
        return None
    if getter.method is not None:
        verb = given.get(getter.method)
        if verb is None and getter.method not in getter.get_defaults:
            return None
        if verb is not None and not (
            isinstance(verb, cst.SimpleString) and str(verb.evaluated_value).upper() in _GET
        ):
            return None
    inner = getter.inner
    session = given.get(getter.session) if getter.session is not None else inner.session
    arguments = {**inner.arguments, **extra}
    for name, (keyword, default) in getter.passed.items():
        value = given.get(name, default)
        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            del arguments[keyword]  # as if the GET were given none
        else:
            arguments[keyword] = value
    return GetterCall(
        call,
        inner.client,
        inner.url,
        arguments,
        session,
        False,
        function=getter.function,
        parameter=getter.path,
        argument=given[getter.path],
        decoded=getter.decoded,
        layers=composed_layers(getter),
    )


def get_of(request: cst.Call, names: tuple[str, ...]) -> tuple[cst.Call, str | None]:
    """The helper's request as a GET: ``request(method, url, …)`` whose method is a parameter reads as
    ``request("GET", url, …)``, the parameter being the one that carries the method."""
    func = request.func
    called = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    if called != REQUEST_METHOD:
        return request, None
    args = list(request.args)
    if (
        args
        and args[0].keyword is None
        and isinstance(args[0].value, cst.Name)
        and args[0].value.value in names
    ):
        method = args[0].value.value
        return request.with_changes(
            args=[args[0].with_changes(value=cst.SimpleString('"GET"')), *args[1:]]
        ), method
    for index, arg in enumerate(args):
        named = arg.keyword is not None and arg.keyword.value == "method"
        if named and isinstance(arg.value, cst.Name) and arg.value.value in names:
            args[index] = arg.with_changes(value=cst.SimpleString('"GET"'))
            return request.with_changes(args=args), arg.value.value
    return request, None


def passes_only(call: cst.Call, kwargs: str | None) -> bool:
    """Whether the call's only unreadable argument is ``**kwargs``, the helper's own."""
    stars = [a for a in call.args if a.star]
    return (
        kwargs is not None
        and len(stars) == 1
        and stars[0].star == "**"
        and isinstance(stars[0].value, cst.Name)
        and stars[0].value.value == kwargs
    )
