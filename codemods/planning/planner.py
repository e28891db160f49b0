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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

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
from codemods.planning.cleanup import Cleanup, pure, pure_literal
from codemods.planning.flow_params import caller_of
from codemods.planning.flow_state import Edits, Returns
from codemods.planning.helper_call import HelperCalls
from codemods.planning.hosts import Hosts
from codemods.planning.plan import Context, Plan
from codemods.planning.v1_shape import V1Shape
from codemods.planning.wrapper_calls import WrapperCalls
from codemods.reading import clients
from codemods.reading.clients import HttpCall
from codemods.reading.detector import Unfollowed
from codemods.reading.evidence import FOREIGN_HOST, HOST_360, Evidence
from codemods.reading.getters import GetterCall, Getters
from codemods.reading.index import RepositoryIndex
from codemods.reading.metadata import Metadata
from codemods.reading.names import Names, Resolved
from codemods.reading.sessions import Sessions
from codemods.reading.url_match import UrlMatch, guess_endpoint, match_endpoint
from codemods.reading.urls import join_base, url_parts
from codemods.reading.value_uses import serves_or_fakes
from codemods.results.findings import Finding, Status
from codemods.results.wrappers import WrapperState


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
        disabled: frozenset[str] = frozenset(),
        line_length: int = 99,
        keep_v1_shape: bool = True,
        inherited: Mapping[str, str] | None = None,
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
            disabled=disabled,
            line_length=line_length,
        )
        self.meta, self.plan, self.display_path = meta, ctx.plan, display_path
        self.evidence, self.wrapper_state = ctx.evidence, ctx.wrapper_state
        self.names = Names(meta, index=index, module=module, hosts=lowered)
        self.sessions = Sessions(meta, self.names)
        self.arguments = Arguments(ctx, self.names, self.sessions)
        self.helper_calls = HelperCalls(ctx, self.sessions)
        self.wrapper_calls = WrapperCalls(ctx, declared)
        self.cleanup = Cleanup(ctx, self.sessions)
        self.getters = Getters(meta, self._recognise_in_helper, inherited)
        self.hosts = Hosts(meta, self.names, self.sessions, self.getters)
        self.v1_shape = V1Shape(ctx, self.helper_calls, enabled=keep_v1_shape)
        self.external = self.wrapper_calls.external_wrappers
        self._passing: list[_Migrated] = []

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
        calls = self.meta.nodes(cst.Call)
        for call in calls:
            http = self.getters.call(call) or self._recognise(call)
            if http is not None:
                self._site(http)
            elif self.external:
                self.wrapper_calls.external(call)
        self._settle_passed()
        if self.wrapper_state.exports:
            self.wrapper_calls.follow_uses()
            self.wrapper_calls.follow_parameters()
        self.cleanup.drop_unused_clients(calls, self.getters)
        self.cleanup.drop_unused_credentials()
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
            origin = f" ({place.origin})" if place.origin else ""
            message = UNFOLLOWED_MESSAGE.format(endpoint=place.endpoint, origin=origin, reason=place.reason)
            if self.ctx.suppressed(place.node, place.endpoint, UNFOLLOWED_URL, message):
                continue
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
                match = replace(match, host=self.hosts.base_url_host(http, base_parts, match.host))
        except Review as review:
            spelled = (
                http.argument if isinstance(http, GetterCall) and http.argument is not None else http.url
            )
            endpoint = (
                review.endpoint
                or guess_endpoint(self.meta.module.code_for_node(http.url))
                or guess_endpoint(self.meta.module.code_for_node(spelled))
            )
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
        if self.ctx.suppressed(http.call, match.endpoint.name, REWRITE, deselect=False):
            return
        kept: str | None = None
        try:
            self.hosts.check(http, match.host)
            if isinstance(http, GetterCall):
                self._check_getter(http)
            edits = Edits()
            returns = self.wrapper_calls.returns()
            flat = self.helper_calls.replace_call(
                http, self.hosts.rebind(http, match), filters, edits, returns
            )
        except Review as review:
            try:  # the data goes where the tool cannot follow it: v1's shape kept (``planning.v1_shape``)
                rebound = self.hosts.rebind(http, match)
                edits, kept = self.v1_shape.replace_call(http, rebound, filters, review)
            except Review as reported:
                # The same reason as the default rewrite's: its message says more (what v2 changes).
                same = getattr(reported, "key", None) == getattr(review, "key", None)
                self.ctx.review(http, match.endpoint.name, review if same else reported)
                return
            flat, returns = False, self.wrapper_calls.returns()
        site = _Migrated(http, match, filters, edits, returns, flat, kept)
        if edits.passed:
            self._passing.append(site)  # settled once every site is known (``_settle_passed``)
            return
        self._finish(site)

    def _settle_passed(self) -> None:
        """Sites whose value is passed into a parameter of the module's functions migrate together: each
        only when every call of such a function is reached by a migrated site with the same shape; the
        others are reported, naming the call that passes something else, until the rest agree."""
        pending = list(self._passing)
        while pending:
            reached: dict[cst.Param, set[cst.CSTNode]] = {}
            shapes: dict[cst.Param, set[int]] = {}
            for site in pending:
                for param, (shape, values, _) in site.edits.passed.items():
                    reached.setdefault(param, set()).update(values)
                    shapes.setdefault(param, set()).add(id(shape))
            blocked: list[tuple[_Migrated, Review]] = []
            for site in pending:
                for param, (shape, _, needed) in site.edits.passed.items():
                    function = next(a for a in self.meta.ancestors(param) if isinstance(a, cst.FunctionDef))
                    label = shape.label
                    missing = sorted(needed - reached[param], key=self.meta.position)
                    if missing:
                        name = function.name.value
                        reason = Review(
                            "passed-to-parameter-callers-disagree",
                            label=label,
                            name=name,
                            caller=caller_of(self.meta, missing[0]),
                        )
                        blocked.append((site, reason))
                        break
                    if len(shapes[param]) > 1:
                        name = function.name.value
                        blocked.append(
                            (site, Review("passed-to-parameter-shapes-differ", label=label, name=name))
                        )
                        break
            if not blocked:
                break
            for site, review in blocked:
                pending.remove(site)
                self.ctx.review(site.http, site.match.endpoint.name, review)
        for site in pending:
            self._finish(site)

    def _finish(self, site: _Migrated) -> None:
        """Records a migrated site: its edits, its notes, what it leaves unused and its finding."""
        http, match, filters, edits, returns, flat, kept = (
            site.http,
            site.match,
            site.filters,
            site.edits,
            site.returns,
            site.flat,
            site.kept,
        )
        changed = [
            f"{name} → {V2_FILTERS[keyword]}"
            for name, keyword in V1_QUERY_FILTERS.items()
            if keyword is not None and keyword in filters
        ]
        notes = [CREATED_BECOMES_COMPLETED.format(filters=", ".join(changed))] if changed else []
        notes = [kept, *notes] if kept is not None else notes
        rule = V1_SHAPE_KEPT if kept else FILTER_MEANING_CHANGED if notes else REWRITE
        message = "; ".join([_rewrite_message(match, filters, flat=flat, kept=kept is not None), *notes])
        if rule in self.ctx.disabled:
            self.plan.sites.add(http.call)
            self.ctx.ignore(http.call, match.endpoint.name, rule, message)
            return
        if notes:
            self.plan.notes.setdefault(self._noted(http.call, edits), []).extend(notes)
        self.plan.edits.merge(edits)
        self.wrapper_calls.announce(returns.exports)
        dead = (
            (http.argument,)
            if isinstance(http, GetterCall)
            else (http.request_variable, http.url, *http.arguments.values())  # ``req = Request(url)`` first
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
                rule,
                message,
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

    def _check_getter(self, http: GetterCall) -> None:
        """A passed-through argument of a getter's GET (``timeout``) moves to the caller: a constant can,
        and so can what the caller itself passes (``timeout=TIMEOUT * 3``), when evaluating it has no
        effect beyond its value; the getter's own variables cannot."""
        function = http.function
        assert function is not None
        for name in sorted(PASSED_THROUGH_ARGUMENTS & set(http.arguments)):
            value = http.arguments[name]
            if not pure_literal(value) and not (self.meta.contains(http.call, value) and pure(value)):
                raise Review("getter-passes-its-variables", name=function.name.value, name2=name)


@dataclass(frozen=True)
class _Migrated:
    """A site whose rewrite is planned, with what recording it needs."""

    http: HttpCall
    match: UrlMatch
    filters: dict[str, cst.BaseExpression]
    edits: Edits
    returns: Returns
    flat: bool
    #: The note of a site whose rewrite keeps v1's answer shape (``codemods.planning.v1_shape``).
    kept: str | None = None


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
