"""Recognises HTTP GET calls made with the clients real code uses, by qualified name.

``requests.get(url, …)``, ``requests.request("GET", url, …)``, ``httpx.get``/``httpx.request``, and the
``get``/``request`` methods of a ``requests.Session``, an ``httpx.Client``/``AsyncClient`` or an
``aiohttp.ClientSession`` are recognised whatever the import spelling (``import requests as r``,
``from requests import get``), because names are matched through LibCST's qualified-name metadata, never
by their spelling. A ``get`` on an object whose type cannot be seen (a client passed as a parameter,
``self.session``) is recognised too: the caller only treats it as a site when its URL is
360Learning's. ``urllib.request.urlopen`` is recognised with its ``Request`` object. The result says
where the URL, the query parameters, the headers and the other keyword arguments are, so that the
rewrite can read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from codemods.mapping.clients import (
    GET_FUNCTIONS,
    GET_METHOD,
    OPENER_POSITIONAL,
    OPENERS,
    POSITIONAL_AFTER_URL,
    REQUEST_FUNCTIONS,
    REQUEST_METHOD,
    REQUEST_OBJECT_POSITIONAL,
    REQUEST_OBJECTS,
)

#: Positional parameters after the URL, per kind of call (module functions: by qualified name, from
#: ``mapping.clients``).
_POSITIONAL_AFTER_URL = {
    "session": (),
    "urlopen": OPENER_POSITIONAL,
    "request_object": REQUEST_OBJECT_POSITIONAL,
}


@dataclass(frozen=True)
class HttpCall:
    """A recognised GET call."""

    call: cst.Call
    #: ``requests`` for now; the client library the call belongs to.
    client: str
    url: cst.BaseExpression
    #: Keyword arguments other than the URL and the method, by name (positional ones are named too).
    arguments: dict[str, cst.BaseExpression] = field(default_factory=dict)
    #: The session object when the call is a session method (``s.get``), else ``None``.
    session: cst.BaseExpression | None = None
    #: Arguments that could not be named (``*args``, ``**kwargs``).
    unreadable_arguments: bool = False
    #: ``urlopen(request)``: the name of the ``Request`` object, which the rewrite leaves unused.
    request_variable: cst.BaseExpression | None = None


#: The standard library's opener, and the request object it may be given.

QualifiedNames = Callable[[cst.CSTNode], frozenset[str]]
#: Follows a name to the single value it was assigned, or ``None``.
Resolve = Callable[[cst.Name], "cst.BaseExpression | None"]
#: Says whether an expression is a session object (a name bound to ``requests.Session()``…).
IsSession = Callable[[cst.BaseExpression], bool]


def recognise(
    call: cst.Call, qualified_names: QualifiedNames, is_session: IsSession, resolve: Resolve
) -> HttpCall | None:
    """The HTTP GET call ``call`` is, or ``None`` when it is no GET of a known client."""
    names = qualified_names(call.func)
    if names & OPENERS:
        return _urlopen(call, qualified_names, resolve)
    if names & GET_FUNCTIONS:
        return _bind(call, kind=next(iter(names & GET_FUNCTIONS)), method=None)
    if names & REQUEST_FUNCTIONS:
        return _bind(call, kind=next(iter(names & REQUEST_FUNCTIONS)), method=REQUEST_METHOD)
    func = call.func
    if isinstance(func, cst.Attribute) and (
        func.attr.value == GET_METHOD or (func.attr.value == REQUEST_METHOD and is_session(func.value))
    ):
        method = REQUEST_METHOD if func.attr.value == REQUEST_METHOD else None
        bound = _bind(call, kind="session", method=method)
        if bound is not None:
            return HttpCall(
                call, bound.client, bound.url, bound.arguments, func.value, bound.unreadable_arguments
            )
    return None


def _urlopen(call: cst.Call, qualified_names: QualifiedNames, resolve: Resolve) -> HttpCall | None:
    """``urlopen(url)`` or ``urlopen(Request(url, headers=…))``, the request possibly in a variable."""
    bound = _bind(call, kind="urlopen", method=None)
    if bound is None:
        return None
    target = bound.url
    request = resolve(target) if isinstance(target, cst.Name) else target
    if isinstance(request, cst.Call) and qualified_names(request.func) & REQUEST_OBJECTS:
        inner = _bind(request, kind="request_object", method=None)
        if inner is None or "data" in inner.arguments:
            return None
        method = inner.arguments.pop("method", None)
        if method is not None and not (
            isinstance(method, cst.SimpleString) and str(method.evaluated_value).upper() == "GET"
        ):
            return None
        arguments = {**inner.arguments, **bound.arguments}
        unreadable = inner.unreadable_arguments or bound.unreadable_arguments
        return HttpCall(call, "urllib", inner.url, arguments, None, unreadable, request_variable=target)
    if "data" in bound.arguments:
        return None
    return HttpCall(call, "urllib", target, bound.arguments, None, bound.unreadable_arguments)


def _bind(call: cst.Call, *, kind: str, method: str | None) -> HttpCall | None:
    positional: list[cst.BaseExpression] = []
    keywords: dict[str, cst.BaseExpression] = {}
    unreadable = False
    for arg in call.args:
        if arg.star:
            unreadable = True
        elif arg.keyword is not None:
            keywords[arg.keyword.value] = arg.value
        else:
            positional.append(arg.value)
    after = POSITIONAL_AFTER_URL.get(kind) or _POSITIONAL_AFTER_URL.get(kind, ())
    names = (*(("method", "url") if method else ("url",)), *after)
    if len(positional) > len(names):
        unreadable = True
    for name, value in zip(names, positional, strict=False):
        keywords[name] = value
    if method:
        verb = keywords.pop("method", None)
        if not (isinstance(verb, cst.SimpleString) and str(verb.evaluated_value).upper() == "GET"):
            return None
    url = keywords.pop("url", None)
    if url is None:
        return None
    return HttpCall(call, "requests", url, keywords, None, unreadable)
