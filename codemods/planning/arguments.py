"""The arguments of a site's call: its v1 credentials, its query filters, and the keys written in it.

Credentials and filters come from the URL's query string, the call's ``params=`` and ``headers=``, the
client's constructor, an object's attribute or another module's constant. The v1 credentials go (the
helper authenticates with v2 OAuth); each v1 filter becomes the helper's keyword, or stops the rewrite
when v2 has none; anything else the call sends stops it too, with the reason.
"""

from __future__ import annotations

import libcst as cst

from codemods.mapping import (
    HARD_CODED_API_KEY,
    HEADERS_ARGUMENT,
    PARAMS_ARGUMENT,
    V1_QUERY_FILTERS,
    V1_SECRET_NAMES,
)
from codemods.mapping.reasons import Review
from codemods.planning.cleanup import pure_literal
from codemods.planning.plan import Context
from codemods.reading.clients import HttpCall
from codemods.reading.credentials import Credentials, classify, read_pairs
from codemods.reading.getters import GetterCall
from codemods.reading.names import INDEXED, Names
from codemods.reading.sessions import Sessions
from codemods.reading.url_match import UrlMatch
from codemods.results.findings import Finding, Status


class Arguments:
    def __init__(self, ctx: Context, names: Names, sessions: Sessions) -> None:
        self.ctx = ctx
        self.meta = ctx.meta
        self.plan = ctx.plan
        self.display_path = ctx.display_path
        self.names = names
        self.sessions = sessions

    def credentials(
        self, http: HttpCall, match: UrlMatch
    ) -> tuple[Credentials, dict[str, cst.BaseExpression]]:
        """The call's v1 credentials, and its v1 query filters translated to the helper's keywords."""
        params = dict(match.query)
        headers: dict[str, cst.BaseExpression] = {}
        #: Pairs whose values are written away from the call: a client's, an object's, a getter's.
        elsewhere: dict[str, cst.BaseExpression] = {}
        for argument, pairs in ((PARAMS_ARGUMENT, params), (HEADERS_ARGUMENT, headers)):
            client_wide = self.sessions.client_setting(http, argument)
            if client_wide is not None:
                read = read_pairs(client_wide, self.names.pair_value)
                pairs.update(read)
                elsewhere.update(read)
        if PARAMS_ARGUMENT in http.arguments:
            read = read_pairs(http.arguments[PARAMS_ARGUMENT], self.names.pair_value)
            params.update(read)
            if isinstance(http, GetterCall) or self._read_through_attribute(http):
                elsewhere.update(read)
        if HEADERS_ARGUMENT in http.arguments:
            headers |= read_pairs(http.arguments[HEADERS_ARGUMENT], self.names.pair_value)
        filters: dict[str, cst.BaseExpression] = {}
        indexed = [k for k, v in params.items() if isinstance(v, cst.Name) and v.value == INDEXED]
        moved = [k for k, v in elsewhere.items() if k in V1_QUERY_FILTERS and not pure_literal(v)]
        moved += [k for k in indexed if k in V1_QUERY_FILTERS and k not in moved]
        if moved:
            # A value held by an object, a client or a getter would not be in scope at the call.
            raise Review("filter-set-outside-call", names=", ".join(moved))
        for name in [k for k in params if k in V1_QUERY_FILTERS]:
            keyword = V1_QUERY_FILTERS[name]
            if keyword is None:
                field = name.removesuffix("After").removesuffix("Before").removesuffix("At")
                raise Review("filter-gone", v1=name, field=field)
            filters[keyword] = params.pop(name)
        credentials = classify(params, headers)
        if credentials.other_params:
            names = ", ".join(credentials.other_params)
            raise Review("query-parameter-without-v2", names=names)
        if credentials.other_headers:
            names = ", ".join(credentials.other_headers)
            raise Review("header-not-sent", names=names)
        return credentials, filters

    def _read_through_attribute(self, http: HttpCall) -> bool:
        """Whether the call's query parameters are read from an object's attribute."""
        value = http.arguments.get(PARAMS_ARGUMENT)
        while isinstance(value, cst.Name):
            value = self.meta.single_value(value)
        return isinstance(value, cst.Attribute)

    def hard_coded_keys(self, http: HttpCall, match: UrlMatch) -> None:
        """Report each v1 API key written in the code of a site (in the call, or in a constant it reads);
        its value is kept in ``plan.secrets`` so that no report prints it."""
        pairs: dict[str, cst.BaseExpression] = dict(match.query)
        for argument in (PARAMS_ARGUMENT, HEADERS_ARGUMENT):
            if argument in http.arguments:
                try:
                    pairs.update(read_pairs(http.arguments[argument], self.names.pair_value))
                except Review:
                    continue
        for name, value in pairs.items():
            if name.lower() not in V1_SECRET_NAMES:
                continue
            if isinstance(value, cst.Name):
                value = self.meta.single_value(value) or value
            if not isinstance(value, cst.SimpleString):
                continue
            secret = value.evaluated_value
            if not isinstance(secret, str) or not secret.strip() or secret in self.plan.secrets:
                continue
            self.plan.secrets.add(secret)
            message = (
                f"a v1 API key is written in the code ({name}): revoke it in 360Learning, since it "
                "stays in the repository's history; v2 credentials are read from the environment"
            )
            if HARD_CODED_API_KEY in self.ctx.disabled:
                self.ctx.ignore(value, match.endpoint.name, HARD_CODED_API_KEY, message)
                continue
            line, column = self.meta.position(value)
            self.plan.findings.append(
                Finding(
                    self.display_path,
                    line,
                    column,
                    match.endpoint.name,
                    Status.NEEDS_REVIEW,
                    HARD_CODED_API_KEY,
                    message,
                )
            )
