"""The client objects of one module: which names hold a session, and how each was made.

``s.get(…)`` is a request only if ``s`` is a client (``requests.Session()``, ``httpx.Client(…)``,
``aiohttp.ClientSession()``) bound to that name, by ``=`` or by ``with … as``; the client's constructor
carries settings the call inherits (``base_url=``, ``params=``, ``timeout=``).
"""

from __future__ import annotations

import libcst as cst

from codemods.mapping.clients import SESSION_CONSTRUCTORS
from codemods.reading.clients import HttpCall
from codemods.reading.metadata import Metadata
from codemods.reading.names import Names


class Sessions:
    def __init__(self, meta: Metadata, names: Names) -> None:
        self.meta = meta
        self.names = names

    def is_session(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Name):
            return False
        return any(
            isinstance(value := self.names.bound_value(referent), cst.Call) and self.constructs_session(value)
            for referent in self.meta.referents(expr) or ()
        )

    def constructs_session(self, call: cst.Call) -> bool:
        return bool(self.meta.qualified_names(call.func) & SESSION_CONSTRUCTORS)

    def client_constructor(self, http: HttpCall) -> cst.Call | None:
        """The constructor call of the client a call is made with (``httpx.Client(base_url=…)``), when
        the client is a name bound once to it (by ``=`` or ``with … as``)."""
        if not isinstance(http.session, cst.Name):
            return None
        referents = self.meta.referents(http.session)
        if not referents or len(referents) != 1:
            return None
        value = self.names.bound_value(next(iter(referents)))
        return value if isinstance(value, cst.Call) and self.constructs_session(value) else None

    def client_setting(self, http: HttpCall, keyword: str) -> cst.BaseExpression | None:
        """A keyword argument of the constructor of the client a call is made with."""
        constructor = self.client_constructor(http)
        if constructor is None:
            return None
        return next(
            (a.value for a in constructor.args if a.keyword is not None and a.keyword.value == keyword), None
        )
