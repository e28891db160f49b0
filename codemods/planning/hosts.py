"""The host of a rewritten call: it moves into the helper call, so every name it reads must be in
scope there; a request helper's host that reads ``self`` is read on the object the helper is called on;
an httpx client's ``base_url`` is read back from the client."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from codemods.mapping.reasons import Review
from codemods.reading.clients import HttpCall
from codemods.reading.getters import GetterCall, Getters
from codemods.reading.metadata import Metadata, dotted
from codemods.reading.names import Names
from codemods.reading.sessions import Sessions
from codemods.reading.url_match import UrlMatch
from codemods.reading.urls import Part, Text, url_parts

#: Names a host expression may read anywhere (``str(client.base_url)``).
_BUILTIN_NAMES = frozenset({"str"})


class Hosts:
    """Checks and rebinds the host expression of a site."""

    def __init__(self, meta: Metadata, names: Names, sessions: Sessions, getters: Getters) -> None:
        self.meta, self.names, self.sessions, self.getters = meta, names, sessions, getters

    def check(self, http: HttpCall, host: cst.BaseExpression | None) -> None:
        """The host expression moves into the helper call: every variable it reads must be in scope at
        the call (not a local of ``__init__`` behind ``self.base_url``, nor a getter's parameter)."""
        names: list[cst.Name] = []

        class Names(cst.CSTVisitor):
            def visit_Attribute(self, node: cst.Attribute) -> bool:
                node.value.visit(self)
                return False

            def visit_Name(self, node: cst.Name) -> None:
                names.append(node)

        if host is not None:
            foreign = self.names.foreign_code_in(host)
            if foreign is not None:
                code, module = foreign
                raise Review("host-computed-elsewhere", code=code, module=module)
            host.visit(Names())
        for name in names:
            if name.value == "self" and self.same_class(name, http.call):
                continue
            if name.value == "self" and isinstance(http, GetterCall) and self.receiver(http) is not None:
                continue  # read on the object the helper is called on (see ``_rebind_host``)
            if name.value in _BUILTIN_NAMES or not self.meta.in_tree(name):
                continue  # a name the rewrite wrote itself (``str(client.base_url)``)
            if not self.meta.visible_from(name, http.call):
                raise Review("host-not-in-scope", name=name.value)

    def same_class(self, one: cst.CSTNode, other: cst.CSTNode) -> bool:
        """Whether ``self`` in ``one`` is the ``self`` of ``other``: the same class, or ``other``'s class
        derives from ``one``'s in this module."""

        def cls(node: cst.CSTNode) -> cst.ClassDef | None:
            return next((a for a in self.meta.ancestors(node) if isinstance(a, cst.ClassDef)), None)

        found, caller = cls(one), cls(other)
        seen: set[cst.ClassDef] = set()
        while caller is not None and caller not in seen:
            if caller is found:
                return True
            seen.add(caller)
            caller = next(
                (c for b in caller.bases if (c := self.getters.base_class(b.value)) is not None), None
            )
        return False

    def receiver(self, http: GetterCall) -> cst.Name | cst.Attribute | None:
        """The object a request helper is called on, when it is not ``self`` (``api.get(…)``,
        ``self.client.get(…)``)."""
        func = http.call.func
        if not isinstance(func, cst.Attribute):
            return None
        if isinstance(func.value, cst.Name) and func.value.value != "self":
            return func.value
        if isinstance(func.value, cst.Attribute) and dotted(func.value).startswith("self."):
            return func.value
        return None

    def rebind(self, http: HttpCall, match: UrlMatch) -> UrlMatch:
        """A helper's host that reads ``self`` (``self.base_url``), read on the object it is called on."""
        receiver = self.receiver(http) if isinstance(http, GetterCall) else None
        if receiver is None or match.host is None:
            return match

        on = receiver

        class Rebind(cst.CSTTransformer):
            def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
                return on.deep_clone() if updated.value == "self" else updated

        host = match.host.visit(Rebind())
        assert isinstance(host, cst.BaseExpression)
        return replace(match, host=host)

    def base_url_host(
        self, http: HttpCall, base: tuple[Part, ...], host: cst.BaseExpression
    ) -> cst.BaseExpression:
        """The host of a URL relative to an httpx client's ``base_url``, read back from the client
        (``str(client.base_url)``) rather than by evaluating the constructor's argument again: when the
        base is the host, or the host and ``/api/v1`` (which the helper strips)."""
        assert isinstance(http.session, cst.Name)
        constructor = self.sessions.client_constructor(http)
        httpx_client = constructor is not None and any(
            n.startswith("httpx.") for n in self.meta.qualified_names(constructor.func)
        )
        url = url_parts(http.url, self.names.value_of)
        path_in_url = (
            bool(url) and isinstance(url[0], Text) and url[0].value.lstrip("/").startswith("api/v1/")
        )
        api_in_base = (
            bool(base) and isinstance(base[-1], Text) and base[-1].value.rstrip("/").endswith("/api/v1")
        )
        if not httpx_client or not (path_in_url or api_in_base):
            return host
        client = cst.Attribute(cst.Name(http.session.value), cst.Name("base_url"))
        return cst.Call(cst.Name("str"), [cst.Arg(client)])
