"""Finds the v1 course-statistics call sites of one module and plans how each is migrated.

For every recognised HTTP GET whose URL has a v1 path and belongs to 360Learning, the planner reads the
URL (``codemods.reading.names``), the credentials and the other arguments
(``codemods.planning.arguments``), builds the call of the helper that replaces it and follows the response
to adapt its readers (``codemods.planning.helper_call``), then removes what the rewrite leaves unused
(``codemods.planning.cleanup``). A site is migrated whole or not at all: when any step cannot be made
safely, the site keeps its code, gets a marker comment and a ``needs_review`` finding with the reason.
The wrappers it meets are settled by ``codemods.planning.wrapper_calls``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import libcst as cst

from codemods.mapping import (
    CREATED_BECOMES_COMPLETED,
    FILTER_MEANING_CHANGED,
    FLAT_SUMMARY,
    PASSED_THROUGH_ARGUMENTS,
    REWRITE,
    UNFOLLOWED_MESSAGE,
    UNFOLLOWED_URL,
    V1_QUERY_FILTERS,
    V1_SHAPE_KEPT,
    V1_SHAPE_SUMMARY,
    V2_COURSE_STATS_PATH,
    V2_FILTERS,
)
from codemods.mapping.reasons import Review
from codemods.mapping.rules import RULES
from codemods.planning.arguments import Arguments
from codemods.planning.cleanup import Cleanup, pure_literal
from codemods.planning.flow_state import Edits
from codemods.planning.helper_call import HelperCalls
from codemods.planning.plan import Context, Plan
from codemods.planning.v1_shape import V1Shape
from codemods.planning.wrapper_calls import WrapperCalls
from codemods.reading import clients
from codemods.reading.clients import HttpCall
from codemods.reading.detector import Unfollowed
from codemods.reading.evidence import FOREIGN_HOST, HOST_360, Evidence
from codemods.reading.getters import GetterCall, Getters
from codemods.reading.index import RepositoryIndex
from codemods.reading.metadata import Metadata, nodes_of
from codemods.reading.names import Names, Resolved
from codemods.reading.sessions import Sessions
from codemods.reading.urls import (
    Part,
    Text,
    UrlMatch,
    guess_endpoint,
    join_base,
    match_endpoint,
    url_parts,
)
from codemods.reading.value_uses import serves_or_fakes
from codemods.results.findings import Finding, Status
from codemods.results.wrappers import WrapperState

#: Names a host expression may read anywhere (``str(client.base_url)``).
_BUILTIN_NAMES = frozenset({"str"})


class Planner:
    """Plans the migration of one module whose metadata is resolved."""

    def __init__(
        self,
        meta: Metadata,
        *,
        display_path: str,
        helper_import: str,
        index: RepositoryIndex | None = None,
        module: str = "",
        wrapper_state: WrapperState | None = None,
        declared: tuple[tuple[str, str], ...] = (),
        hosts: tuple[str, ...] = (),
        evidence: Evidence | None = None,
        keep_v1_shape: bool = True,
    ) -> None:
        index = index or RepositoryIndex()
        lowered = tuple(h.lower() for h in hosts if h)
        self.ctx = ctx = Context(
            meta,
            display_path,
            helper_import,
            index,
            module,
            wrapper_state or WrapperState(),
            lowered,
            evidence or Evidence(meta, module=module, index=index, hosts=hosts),
        )
        self.meta, self.plan, self.display_path = meta, ctx.plan, display_path
        self.evidence, self.wrapper_state = ctx.evidence, ctx.wrapper_state
        self.names = Names(meta, index=index, module=module, hosts=lowered)
        self.sessions = Sessions(meta, self.names)
        self.arguments = Arguments(ctx, self.names, self.sessions)
        self.helper_calls = HelperCalls(ctx, self.sessions)
        self.wrapper_calls = WrapperCalls(ctx, declared)
        self.cleanup = Cleanup(ctx, self.sessions)
        self.getters = Getters(meta, self._recognise_in_helper)
        self.v1_shape = V1Shape(ctx, self.helper_calls, enabled=keep_v1_shape)
        self.external = self.wrapper_calls.external_wrappers

    def resolve(self, node: cst.Name | cst.Attribute | cst.Call) -> Resolved:
        """A name's value, as the URLs of sites are read; never raises."""
        return self.names.resolve(node)

    def imported(self, node: cst.Name | cst.Attribute) -> tuple[str | None, str]:
        return self.names.imported(node)

    def unused_imports(self) -> set[tuple[str, str | None, str | None]]:
        return self.cleanup.unused_imports()

    def _recognise_in_helper(self, call: cst.Call) -> HttpCall | None:
        """A GET inside a request helper, whose client is a parameter or an attribute of ``self``."""
        return clients.recognise(call, self.meta.qualified_names, lambda _: True, self.meta.single_value)

    def _recognise(self, call: cst.Call) -> HttpCall | None:
        return clients.recognise(
            call, self.meta.qualified_names, self.sessions.is_session, self.meta.single_value
        )

    def run(self) -> Plan:
        calls = nodes_of(self.meta.module, cst.Call)
        for call in calls:
            http = self.getters.call(call) or self._recognise(call)
            if http is not None:
                self._site(http)
            elif self.external:
                self.wrapper_calls.external(call)
        if self.wrapper_state.exports:
            self.wrapper_calls.follow_uses()
        self.cleanup.drop_unused_clients(calls)
        return self.plan

    def _in_reach_of_360learning(self, http: HttpCall, match: UrlMatch) -> bool:
        """Whether a URL whose host does not say 360Learning is 360Learning's by the evidence around the
        call (``codemods.reading.evidence``): not when the host is another vendor's."""
        kinds = self.evidence.kinds(match.host_text)
        if HOST_360 in kinds:
            return True
        return FOREIGN_HOST not in kinds and self.evidence.verdict(http.call).is_360learning

    def report_unfollowed(self, places: Sequence[Unfollowed]) -> None:
        """A finding and a marker for each v1 URL the detector could not follow to a site."""
        for place in places:
            if self.ctx.suppressed(place.node, place.endpoint):
                continue
            origin = f" ({place.origin})" if place.origin else ""
            message = UNFOLLOWED_MESSAGE.format(endpoint=place.endpoint, origin=origin, reason=place.reason)
            line, column = self.meta.position(place.node)
            self.plan.findings.append(
                Finding(
                    self.display_path,
                    line,
                    column,
                    place.endpoint,
                    Status.NEEDS_REVIEW,
                    UNFOLLOWED_URL,
                    message,
                )
            )
            self.plan.markers.setdefault(self.meta.statement(place.node), []).append(message)

    def _site(self, http: HttpCall) -> None:
        if serves_or_fakes(self.meta, http.call):
            return
        try:
            parts = url_parts(http.url, self.names.url_resolver(http))
            base = self.sessions.client_setting(http, "base_url")
            base_parts = url_parts(base, self.names.value_of) if base is not None else ()
            if base is not None:
                parts = join_base(base_parts, parts)
            match = match_endpoint(parts)
            if match is not None and base is not None and match.host is not None:
                match = replace(match, host=self._base_url_host(http, base_parts, match.host))
        except Review as review:
            endpoint = review.endpoint or guess_endpoint(self.meta.module.code_for_node(http.url))
            if endpoint is not None:
                self.ctx.review(http, endpoint, review)
            return
        if match is None:
            return
        try:
            credentials, filters = self.arguments.credentials(http, match)
        except Review as review:
            if self.names.is_360learning(match) or self._in_reach_of_360learning(http, match):
                self.ctx.review(http, match.endpoint.name, review)
            return
        if not (
            self.names.is_360learning(match)
            or credentials.found
            or self._in_reach_of_360learning(http, match)
        ):
            return
        self.arguments.hard_coded_keys(http, match)
        if self.ctx.suppressed(http.call, match.endpoint.name):
            return
        kept: str | None = None
        try:
            self._check_host(http, match.host)
            if isinstance(http, GetterCall):
                self._check_getter(http)
            edits = Edits()
            returns = self.wrapper_calls.returns()
            flat = self.helper_calls.replace_call(
                http, self._rebind_host(http, match), filters, edits, returns
            )
        except Review as review:
            try:  # the data goes where the tool cannot follow it: v1's shape kept (``planning.v1_shape``)
                rebound = self._rebind_host(http, match)
                edits, kept = self.v1_shape.replace_call(http, rebound, filters, review)
            except Review as reported:
                self.ctx.review(http, match.endpoint.name, reported)
                return
            flat, returns = False, self.wrapper_calls.returns()
        changed = [
            f"{name} → {V2_FILTERS[keyword]}"
            for name, keyword in V1_QUERY_FILTERS.items()
            if keyword is not None and keyword in filters
        ]
        notes = [CREATED_BECOMES_COMPLETED.format(filters=", ".join(changed))] if changed else []
        notes = [kept, *notes] if kept is not None else notes
        if notes:
            self.plan.notes.setdefault(self._noted(http.call, edits), []).extend(notes)
        self.plan.edits.merge(edits)
        self.wrapper_calls.announce(returns.exports)
        dead = (
            (http.argument,)
            if isinstance(http, GetterCall)
            else (http.url, *http.arguments.values(), http.request_variable)
        )
        for argument in dead:
            if isinstance(argument, cst.Name):
                self.cleanup.drop_if_dead(argument)
        line, column = self.meta.position(http.call)
        self.plan.sites.add(http.call)
        self.plan.findings.append(
            Finding(
                self.display_path,
                line,
                column,
                match.endpoint.name,
                Status.REWRITE,
                V1_SHAPE_KEPT if kept else FILTER_MEANING_CHANGED if notes else REWRITE,
                "; ".join([_rewrite_message(match, filters, flat=flat, kept=kept is not None), *notes]),
            )
        )

    def _noted(self, call: cst.Call, edits: Edits) -> cst.BaseStatement:
        """The statement a site's note goes on: the call's, or, when ``r = get(…)`` then ``data =
        r.json()`` became one assignment, the one that holds the helper call now."""
        small = self.meta.small_statement(call)
        if small not in edits.remove:
            return self.meta.statement(call)
        helper = next((v for k, v in edits.replace.items() if self.meta.contains(small, k)), None)
        moved = (k for k, v in edits.replace.items() if v is helper and not self.meta.contains(small, k))
        return self.meta.statement(next(moved, call))

    def _check_host(self, http: HttpCall, host: cst.BaseExpression | None) -> None:
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
            if name.value == "self" and self._same_class(name, http.call):
                continue
            if name.value == "self" and isinstance(http, GetterCall) and self._receiver(http) is not None:
                continue  # read on the object the helper is called on (see ``_rebind_host``)
            if name.value in _BUILTIN_NAMES or not self.meta.in_tree(name):
                continue  # a name the rewrite wrote itself (``str(client.base_url)``)
            if not self.meta.visible_from(name, http.call):
                raise Review("host-not-in-scope", name=name.value)

    def _same_class(self, one: cst.CSTNode, other: cst.CSTNode) -> bool:
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
            bases = [b.value for b in caller.bases if isinstance(b.value, cst.Name)]
            caller = next((c for b in bases if (c := self.getters._class(b)) is not None), None)
        return False

    def _receiver(self, http: GetterCall) -> cst.Name | None:
        """The object a request helper is called on, when it is not ``self`` (``api.get(…)``)."""
        func = http.call.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value != "self"
        ):
            return func.value
        return None

    def _rebind_host(self, http: HttpCall, match: UrlMatch) -> UrlMatch:
        """A helper's host that reads ``self`` (``self.base_url``), read on the object it is called on."""
        receiver = self._receiver(http) if isinstance(http, GetterCall) else None
        if receiver is None or match.host is None:
            return match

        name = receiver.value

        class Rebind(cst.CSTTransformer):
            def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
                return cst.Name(name) if updated.value == "self" else updated

        host = match.host.visit(Rebind())
        assert isinstance(host, cst.BaseExpression)
        return replace(match, host=host)

    def _check_getter(self, http: GetterCall) -> None:
        """A passed-through argument of a getter's GET (``timeout``) moves to the caller: only a constant
        can."""
        function = http.function
        assert function is not None
        for name in sorted(PASSED_THROUGH_ARGUMENTS & set(http.arguments)):
            if not pure_literal(http.arguments[name]):
                raise Review("getter-passes-its-variables", name=function.name.value, name2=name)

    def _base_url_host(
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


def _rewrite_message(
    match: UrlMatch, filters: dict[str, cst.BaseExpression], *, flat: bool, kept: bool = False
) -> str:
    endpoint = match.endpoint
    keywords = [*endpoint.filters.values(), *(k for k in V2_FILTERS if k in filters)]
    query = "?" + "&".join(V2_FILTERS[k] for k in keywords) if keywords else ""
    resolved = "; email resolved to a user id" if endpoint.user_parameters else ""
    request = f"GET {V2_COURSE_STATS_PATH}{query}"
    summary = V1_SHAPE_SUMMARY if kept else FLAT_SUMMARY if flat else endpoint.summary
    return f"{RULES[REWRITE].summary}: {request}, all pages; {summary}{resolved}"
