"""Finds the v1 course-statistics call sites of one module and plans how each is migrated.

For every recognised HTTP GET whose URL has a v1 path and belongs to 360Learning, the planner reads the
URL, the credentials and the other arguments, builds the call of the helper that replaces it, and follows
the response to adapt its readers. A site is migrated whole or not at all: when any step cannot be made
safely, the site keeps its code, gets a marker comment and a ``needs_review`` finding with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import libcst as cst
from libcst.metadata import Assignment, BaseAssignment

from codemods.mapping import (
    CREATED_BECOMES_COMPLETED,
    DECLARED_WRAPPER,
    ENDPOINTS,
    FILTER_GONE,
    FLAT_HELPER,
    FLAT_SUMMARY,
    HEADERS_ARGUMENT,
    HELPER_RESOLVE_FUNCTION,
    HOST_MARKERS,
    IGNORE_MARKER,
    PARAMS_ARGUMENT,
    PASSED_THROUGH_ARGUMENTS,
    RETURN_SHAPE_CHANGED,
    RULES,
    UNFOLLOWED_MESSAGE,
    UNFOLLOWED_URL,
    V1_QUERY_FILTERS,
    V1_SECRET_NAMES,
    V2_COURSE_STATS_PATH,
    V2_FILTERS,
    WRAPPER_CALLER,
)
from codemods.planning.flat_loops import flat_comprehension, flat_loop
from codemods.planning.flow import PAYLOAD, RESPONSE, Edits, ResponseFlow, Returns, Unsupported
from codemods.planning.wrappers import shape_at, shape_change
from codemods.reading import clients
from codemods.reading.clients import HttpCall
from codemods.reading.credentials import Credentials, UnreadablePairs, classify, read_pairs
from codemods.reading.detector import Unfollowed, serves_or_fakes
from codemods.reading.evidence import FOREIGN_HOST, HOST_360, Evidence
from codemods.reading.getters import GetterCall, Getters
from codemods.reading.index import TEXT, Piece, RepositoryIndex, absolute_module
from codemods.reading.metadata import Metadata, assigned_node
from codemods.reading.url_functions import returned_url
from codemods.reading.urls import (
    Hole,
    Part,
    Text,
    UnreadableUrl,
    UrlMatch,
    flatten,
    guess_endpoint,
    is_urljoin,
    join_base,
    match_endpoint,
)
from codemods.results.findings import Finding, Status
from codemods.results.wrappers import Export, Use, WrapperState

#: What a URL's name resolves to: an expression, parts already read, or nothing known.
Resolved = cst.BaseExpression | tuple[Part, ...] | None

#: The value of a pair read from another module's credentials constant (only its key is known).
_INDEXED = "__indexed__"
#: Names a host expression may read anywhere (``str(client.base_url)``).
_BUILTIN_NAMES = frozenset({"str"})

_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")
#: The helper's awaitable variant of a function has this prefix (``alist_course_stats``).
_ASYNC_PREFIX = "a"


class _Review(Exception):
    """A site that must be left for a person: the rule key and the reason."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason


@dataclass
class Plan:
    """Everything to change in one module."""

    edits: Edits = field(default_factory=Edits)
    #: Statement → reasons for the review marker to put above it.
    markers: dict[cst.BaseStatement, list[str]] = field(default_factory=dict)
    #: Statement → notes for the reviewer of a rewrite (a filter whose meaning changed).
    notes: dict[cst.BaseStatement, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: Literal v1 API keys written in the module, for reports to redact.
    secrets: set[str] = field(default_factory=set)
    #: Wrappers this module migrates, and its calls of other modules' wrappers
    #: (``codemods.planning.wrappers``).
    exports: list[Export] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)
    #: The calls the planner made a site of (migrated, reported or suppressed): a v1 URL that reaches
    #: one of them is accounted for (``codemods.reading.detector``).
    sites: set[cst.CSTNode] = field(default_factory=set)

    def add_exports(self, exports: Sequence[Export]) -> None:
        self.exports.extend(e for e in exports if e not in self.exports)

    @property
    def calls_helper(self) -> bool:
        """Whether a site was rewritten into a call of the helper module (not only a wrapper's caller)."""
        return any(f.status is Status.REWRITE and f.rule != WRAPPER_CALLER for f in self.findings)


class Planner:
    """Plans the migration of one module whose metadata is resolved."""

    def __init__(
        self,
        meta: Metadata,
        *,
        display_path: str,
        helper_name: str,
        index: RepositoryIndex | None = None,
        module: str = "",
        wrapper_state: WrapperState | None = None,
        declared: tuple[tuple[str, str], ...] = (),
        hosts: tuple[str, ...] = (),
        evidence: Evidence | None = None,
    ) -> None:
        self.meta = meta
        self.display_path = display_path
        self.helper_name = helper_name
        self.index = index or RepositoryIndex()
        self.module = module
        self.wrapper_state = wrapper_state or WrapperState()
        #: Declared wrappers defined outside the repository (an SDK): qualified name → v1 operation.
        self.external = {name: operation for name, operation in declared if not self._in_repository(name)}
        #: 360Learning hosts the configuration adds to those ``mapping.HOST_MARKERS`` recognises.
        self.hosts = tuple(h.lower() for h in hosts if h)
        self.evidence = evidence or Evidence(meta, module=module, index=self.index, hosts=hosts)
        self.plan = Plan()
        self.getters = Getters(meta, self._recognise)
        #: Expressions parsed from the index's code of another module (see ``_indexed``) → that module.
        self._foreign_code: dict[cst.CSTNode, str] = {}
        #: The URL functions being read (``codemods.reading.url_functions``), against a function
        #: returning itself.
        self._expanding: set[cst.FunctionDef] = set()

    def _recognise(self, call: cst.Call) -> HttpCall | None:
        return clients.recognise(call, self.meta.qualified_names, self._is_session, self.meta.single_value)

    def run(self) -> Plan:
        calls = _calls(self.meta.module)
        for call in calls:
            http = self._recognise(call) or self.getters.call(call)
            if http is not None:
                self._site(http)
            elif self.external:
                self._external_wrapper(call)
        if self.wrapper_state.exports:
            self._wrapper_uses()
        self._drop_unused_clients(calls)
        return self.plan

    def _is_360learning(self, match: UrlMatch) -> bool:
        return match.is_360learning or any(host in match.host_text.lower() for host in self.hosts)

    def _in_reach_of_360learning(self, http: HttpCall, match: UrlMatch) -> bool:
        """Whether a URL whose host does not say 360Learning is 360Learning's by the evidence around the
        call (``codemods.reading.evidence``): not when the host is another vendor's."""
        kinds = self.evidence.kinds(match.host_text)
        if HOST_360 in kinds:
            return True
        return FOREIGN_HOST not in kinds and self.evidence.verdict(http.call).is_360learning

    # --- places the sites do not account for ----------------------------------------------------------

    def resolve(
        self, node: cst.Name | cst.Attribute | cst.Call
    ) -> cst.BaseExpression | tuple[Part, ...] | None:
        """A name's value, as the URLs of sites are read (see ``_resolve``); never raises."""
        try:
            return self._resolve(node)
        except UnreadableUrl:
            return None

    def imported(self, node: cst.Name | cst.Attribute) -> tuple[str | None, str]:
        return self._imported(node)

    def report_unfollowed(self, places: Sequence[Unfollowed]) -> None:
        """A finding and a marker for each v1 URL the detector could not follow to a site."""
        for place in places:
            statement = self.meta.statement(place.node)
            origin = f" ({place.origin})" if place.origin else ""
            message = UNFOLLOWED_MESSAGE.format(endpoint=place.endpoint, origin=origin, reason=place.reason)
            line, column = self.meta.position(place.node)
            reason = _ignore_reason(statement)
            if reason is not None:
                accepted = f"accepted as it is: {reason}" if reason else "accepted as it is (no reason given)"
                self.plan.findings.append(
                    Finding(
                        self.display_path,
                        line,
                        column,
                        place.endpoint,
                        Status.SUPPRESSED,
                        "suppressed",
                        accepted,
                    )
                )
                continue
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
            self.plan.markers.setdefault(statement, []).append(message)

    def _in_repository(self, qualified: str) -> bool:
        parts = qualified.split(".")
        return any(".".join(parts[:n]) in self.index.modules for n in range(1, len(parts)))

    def _external_wrapper(self, call: cst.Call) -> None:
        """A call of a wrapper declared in the configuration whose code is not in the repository: the
        tool cannot migrate its body, so each call is reported, with what replaces it."""
        names = set(self.meta.qualified_names(call.func))
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            made = self.meta.single_value(func.value)
            if isinstance(made, cst.Call):
                names |= {f"{n}.{func.attr.value}" for n in self.meta.qualified_names(made.func)}
        found = next((n for n in sorted(names) if n in self.external), None)
        if found is None:
            return
        endpoint = ENDPOINTS[self.external[found]]
        reason = (
            f"{found}() is declared a wrapper of v1 {endpoint.name}, and its code is not in the repository: "
            f"call {self.helper_name}.{endpoint.helper}() instead ({endpoint.summary})"
        )
        line, column = self.meta.position(call)
        self.plan.sites.add(call)
        if self._suppressed(call, endpoint.name):
            return
        self.plan.findings.append(
            Finding(
                self.display_path, line, column, endpoint.name, Status.NEEDS_REVIEW, DECLARED_WRAPPER, reason
            )
        )
        self.plan.markers.setdefault(self.meta.statement(call), []).append(reason)

    def _returns(self) -> Returns:
        return Returns(self.module, self.display_path, self.wrapper_state)

    # --- calls of the repository's wrappers ---------------------------------------------------------

    def _wrapper_uses(self) -> None:
        """Adapt the code that reads what another module's migrated wrapper returns, call by call, and
        record each call (``Use``) so that the engine can block a wrapper one of whose callers cannot be
        adapted."""
        state = self.wrapper_state
        functions = state.by_qualified_name()
        methods = state.methods_by_name()
        for node in _references(self.meta.module):
            export = self._export_of(node, functions, methods)
            if export is None or export.qualified_name in state.blocked:
                continue
            line, column = self.meta.position(node)
            call = self.meta.parent(node)
            if not (isinstance(call, cst.Call) and call.func is node):
                problem = f"{export.name} is used other than by a call"
                self.plan.uses.append(Use(export.qualified_name, self.display_path, line, problem))
                continue
            start: cst.BaseExpression = call
            awaited = self.meta.parent(call)
            if isinstance(awaited, cst.Await) and awaited.expression is call:
                start = awaited
            endpoint = ENDPOINTS[export.endpoint]
            shape = shape_at(endpoint, export.shape, RESPONSE, PAYLOAD)
            edits = Edits()
            returns = self._returns()
            try:
                if shape is None:
                    raise Unsupported(f"{export.name}() returns a value the tool does not know")
                ResponseFlow(self.meta, edits, endpoint, returns).follow(start, shape)
            except Unsupported as error:
                self.plan.uses.append(Use(export.qualified_name, self.display_path, line, str(error)))
                continue
            self.plan.edits.merge(edits)
            self._announce(returns.exports)
            self.plan.uses.append(Use(export.qualified_name, self.display_path, line))
            if edits.empty:
                continue  # the caller reads nothing that changes (a regrouped answer's ids and mails)
            self.plan.findings.append(
                Finding(
                    self.display_path,
                    line,
                    column,
                    export.endpoint,
                    Status.REWRITE,
                    WRAPPER_CALLER,
                    f"reads what {export.name}() returns ({export.path}:{export.line}), which is migrated "
                    f"to v2: adapted ({endpoint.summary})",
                )
            )

    def _announce(self, exports: Sequence[Export]) -> None:
        """Export the wrappers a rewrite found, each with a finding and a note on its ``def`` saying how
        what it returns changes: callers outside the files given cannot be seen, let alone adapted."""
        for export in exports:
            if export in self.plan.exports:
                continue
            self.plan.add_exports([export])
            function = next(
                (
                    f
                    for f in self._functions()
                    if f.name.value == export.name and self.meta.position(f)[0] == export.line
                ),
                None,
            )
            if function is None:
                continue
            message = shape_change(export)
            line, column = self.meta.position(function)
            self.plan.findings.append(
                Finding(
                    self.display_path,
                    line,
                    column,
                    export.endpoint,
                    Status.REWRITE,
                    RETURN_SHAPE_CHANGED,
                    message,
                )
            )
            self.plan.notes.setdefault(function, []).append(message)

    def _functions(self) -> list[cst.FunctionDef]:
        found: list[cst.FunctionDef] = []

        class Functions(cst.CSTVisitor):
            def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
                found.append(node)

        self.meta.module.visit(Functions())
        return found

    def _export_of(
        self,
        node: cst.Name | cst.Attribute,
        functions: dict[str, Export],
        methods: dict[str, list[Export]],
    ) -> Export | None:
        for qualified in self.meta.qualified_names(node):
            export = functions.get(self._absolute(qualified))
            if export is not None:
                return export
        if not isinstance(node, cst.Attribute) or node.attr.value not in methods:
            return None
        receiver = node.value
        cls = next((a for a in self.meta.ancestors(node) if isinstance(a, cst.ClassDef)), None)
        for export in methods[node.attr.value]:
            owner_module, _, owner_class = export.owner.rpartition(".")
            if isinstance(receiver, cst.Name) and receiver.value == "self" and cls is not None:
                if owner_module == self.module and cls.name.value == owner_class:
                    continue  # followed where the method returns it
                if _defines(cls, export.name):
                    continue  # another class's own method of that name
            made_by = self._constructed_by(receiver)
            if made_by is not None and made_by != owner_class:
                continue
            return export
        return None

    def _constructed_by(self, receiver: cst.BaseExpression) -> str | None:
        """The class a receiver was made by (``client = Client(…)``), when that can be seen."""
        if not isinstance(receiver, cst.Name):
            return None
        value = self.meta.single_value(receiver)
        if isinstance(value, cst.Call):
            func = value.func
            name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
            if isinstance(name, str) and name[:1].isupper():
                return name
        return None

    def _absolute(self, qualified: str) -> str:
        """A qualified name of a relative import (``.client.get_stats``) made absolute."""
        if not qualified.startswith("."):
            return qualified
        level = len(qualified) - len(qualified.lstrip("."))
        module, _, name = qualified[level:].rpartition(".")
        base = absolute_module(self.module, level, module or None)
        return f"{base}.{name}" if base else name

    # --- one site -----------------------------------------------------------------------------------

    def _site(self, http: HttpCall) -> None:
        if serves_or_fakes(self.meta, http.call):
            return
        try:
            parts = flatten(http.url, self._url_resolver(http))
            base = self._client_setting(http, "base_url")
            base_parts = flatten(base, self._resolve) if base is not None else ()
            if base is not None:
                parts = join_base(base_parts, parts)
            match = match_endpoint(parts)
            if match is not None and base is not None and match.host is not None:
                match = replace(match, host=self._base_url_host(http, base_parts, match.host))
        except UnreadableUrl as error:
            endpoint = error.endpoint or guess_endpoint(self.meta.module.code_for_node(http.url))
            if endpoint is not None:
                self._review(http, endpoint, _Review("unsupported-url", str(error)))
            return
        if match is None:
            return
        try:
            credentials, filters = self._credentials(http, match)
        except _Review as review:
            if self._is_360learning(match) or self._in_reach_of_360learning(http, match):
                self._review(http, match.endpoint.name, review)
            return
        if not (
            self._is_360learning(match) or credentials.found or self._in_reach_of_360learning(http, match)
        ):
            return
        self._hard_coded_keys(http, match)
        if self._suppressed(http.call, match.endpoint.name):
            return
        try:
            self._check_host(http, match.host)
            if isinstance(http, GetterCall):
                self._check_getter(http)
            edits = Edits()
            returns = self._returns()
            flat = self._replace_call(http, match, filters, edits, returns)
        except _Review as review:
            self._review(http, match.endpoint.name, review)
            return
        except Unsupported as error:
            self._review(http, match.endpoint.name, _Review(error.rule, str(error)))
            return
        changed = [
            f"{name} → {V2_FILTERS[keyword]}"
            for name, keyword in V1_QUERY_FILTERS.items()
            if keyword is not None and keyword in filters
        ]
        notes = [CREATED_BECOMES_COMPLETED.format(filters=", ".join(changed))] if changed else []
        if notes:
            self.plan.notes.setdefault(self.meta.statement(http.call), []).extend(notes)
        self.plan.edits.merge(edits)
        self._announce(returns.exports)
        dead = (
            (http.argument,)
            if isinstance(http, GetterCall)
            else (http.url, *http.arguments.values(), http.request_variable)
        )
        for argument in dead:
            if isinstance(argument, cst.Name):
                self._drop_if_dead(argument)
        line, column = self.meta.position(http.call)
        self.plan.sites.add(http.call)
        self.plan.findings.append(
            Finding(
                self.display_path,
                line,
                column,
                match.endpoint.name,
                Status.REWRITE,
                "filter-meaning-changed" if notes else "rewrite",
                "; ".join([_rewrite_message(match, filters, flat=flat), *notes]),
            )
        )

    def _foreign_url_function(self, func: cst.Name | cst.Attribute) -> None:
        """A call of another module's function that returns a 360Learning v1 URL (read from the index) is
        a site that cannot be rewritten here: report it."""
        module, name = self._imported(func)
        pieces = self.index.url_function(module, name) if module else None
        returned = _pieces(pieces)
        if pieces is None or returned is None:
            return
        try:
            match = match_endpoint(returned)
        except UnreadableUrl:
            match = None
        endpoint: str | None = None
        if match is not None:
            endpoint = match.endpoint.name if self._is_360learning(match) else None
        else:
            code = "".join(value for _, value in pieces)
            hosts = (*HOST_MARKERS, *self.hosts)
            endpoint = guess_endpoint(code) if any(h in code.lower() for h in hosts) else None
        if endpoint is not None:
            raise UnreadableUrl(
                f"the URL comes from {name}() of module {module}: a URL function is read only in its own "
                "module; build the URL where the call is, or migrate this call by hand",
                endpoint,
            )

    def _url_resolver(self, http: HttpCall) -> Callable[[cst.Name | cst.Attribute | cst.Call], Resolved]:
        """How the names of a call's URL are read; in a getter's URL, its path parameter is the caller's
        argument."""
        if not isinstance(http, GetterCall) or http.argument is None:
            return self._resolve
        argument = flatten(http.argument, self._resolve)
        function = http.function

        def resolve(node: cst.Name | cst.Attribute | cst.Call) -> Resolved:
            if (
                isinstance(node, cst.Name)
                and node.value == http.parameter
                and any(a is function for a in self.meta.ancestors(node))
            ):
                return argument
            return self._resolve(node)

        return resolve

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
            for node, module in self._foreign_code.items():
                if node is host or _contains(host, node):
                    code = cst.Module([]).code_for_node(node)
                    raise _Review(
                        "unsupported-url",
                        f"the URL's host is {code}, computed in module {module}, which the call cannot "
                        "read where it is: import the host, or migrate this call by hand",
                    )
            host.visit(Names())
        for name in names:
            if name.value == "self" and self._same_class(name, http.call):
                continue
            if name.value in _BUILTIN_NAMES or not self.meta.in_tree(name):
                continue  # a name the rewrite wrote itself (``str(client.base_url)``)
            if not self.meta.visible_from(name, http.call):
                raise _Review(
                    "unsupported-url", f"the URL's host reads {name.value}, which is not in scope at the call"
                )

    def _same_class(self, one: cst.CSTNode, other: cst.CSTNode) -> bool:
        def cls(node: cst.CSTNode) -> cst.ClassDef | None:
            return next((a for a in self.meta.ancestors(node) if isinstance(a, cst.ClassDef)), None)

        found = cls(one)
        return found is not None and found is cls(other)

    def _check_getter(self, http: GetterCall) -> None:
        """A passed-through argument of a getter's GET (``timeout``) moves to the caller: only a constant
        can."""
        function = http.function
        assert function is not None
        for name in sorted(PASSED_THROUGH_ARGUMENTS & set(http.arguments)):
            if not _pure_literal(http.arguments[name]):
                raise _Review(
                    "unsupported-argument", f"{function.name.value}() passes {name} from its own variables"
                )

    def _resolve(
        self, node: cst.Name | cst.Attribute | cst.Call
    ) -> cst.BaseExpression | tuple[Part, ...] | None:
        """A name's single value in this module, or a constant of another module of the repository
        (``from settings import LMS_API``, ``settings.LMS_API``, a class constant read as ``self.X``), or
        what a URL function of this module returns (``codemods.reading.url_functions``)."""
        if isinstance(node, cst.Call):
            found = returned_url(self.meta, node, self._resolve, self._expanding)
            if found is None and isinstance(node.func, (cst.Name, cst.Attribute)):
                self._foreign_url_function(node.func)
            return found
        if isinstance(node, cst.Name):
            referents = self.meta.referents(node)
            if not referents or len(referents) != 1:
                return None
            (referent,) = referents
            value = self.meta.assigned_value(referent)
            if value is not None:
                return value
        elif isinstance(node.value, cst.Name) and node.value.value == "self":
            cls = next((a for a in self.meta.ancestors(node) if isinstance(a, cst.ClassDef)), None)
            if cls is None:
                return None
            found = self._indexed(self.index.lookup(self.module, f"{cls.name.value}.{node.attr.value}"))
            return found if found is not None else self._instance_value(node)
        module, name = self._imported(node)
        return self._indexed(self.index.lookup(module, name), module) if module else None

    def _indexed(
        self, pieces: tuple[Piece, ...] | None, module: str | None = None
    ) -> tuple[Part, ...] | None:
        """Index pieces as URL parts; the code of another module's unknown pieces is remembered, since
        it means nothing where the call is (``os`` may not be imported there)."""
        parts = _pieces(pieces)
        if parts is not None:
            for part in parts:
                if isinstance(part, Hole):
                    self._foreign_code[part.expr] = module or self.module
        return parts

    def _replace_call(
        self,
        http: HttpCall,
        match: UrlMatch,
        filters: dict[str, cst.BaseExpression],
        edits: Edits,
        returns: Returns,
    ) -> bool:
        """Put the helper call where the v1 call was, and adapt what reads its response.

        ``await client.get(…)`` becomes ``await <async helper>(…)``; ``with s.get(…) as r:`` (aiohttp's
        ``async with``) becomes ``r = <helper call>`` followed by the body. Returns whether the loop over
        the answer became one loop over the flat records (``codemods.planning.flat_loops``).
        """
        parent = self.meta.parent(http.call)
        flow = ResponseFlow(self.meta, edits, match.endpoint, returns)
        if isinstance(parent, cst.WithItem) and parent.item is http.call:
            statement = self.meta.parent(parent)
            assert isinstance(statement, cst.With)
            target = parent.asname.name if parent.asname is not None else None
            if len(statement.items) != 1 or not isinstance(target, cst.Name):
                raise _Review("unsupported-response-use", "the call opens a with statement of several items")
            asynchronous = statement.asynchronous is not None
            value: cst.BaseExpression = self._helper_call(http, match, filters, asynchronous=asynchronous)
            if asynchronous:
                value = cst.Await(value)
            assign = cst.Assign([cst.AssignTarget(cst.Name(target.value))], value)
            edits.unwrap_with[statement] = cst.SimpleStatementLine([assign])
            flow.follow_name(target, RESPONSE)
            return self._flatten(http, match, filters, flow, asynchronous=asynchronous)
        if isinstance(parent, cst.Await) and parent.expression is http.call:
            edits.replace[parent] = cst.Await(self._helper_call(http, match, filters, asynchronous=True))
            flow.follow(parent, RESPONSE)
            flat = self._flatten(http, match, filters, flow, asynchronous=True)
            self._collapse(parent, edits)
            return flat
        edits.replace[http.call] = self._helper_call(http, match, filters, asynchronous=False)
        start = RESPONSE
        if isinstance(http, GetterCall) and http.decoded:
            start = PAYLOAD if match.endpoint.envelope else match.endpoint.response
        flow.follow(http.call, start)
        flat = self._flatten(http, match, filters, flow, asynchronous=False)
        self._collapse(http.call, edits)
        return flat

    def _flatten(
        self,
        http: HttpCall,
        match: UrlMatch,
        filters: dict[str, cst.BaseExpression],
        flow: ResponseFlow,
        *,
        asynchronous: bool,
    ) -> bool:
        """When the answer's one use is a loop nest that ``codemods.planning.flat_loops`` can merge,
        merge it and call the helper that answers the flat records instead of the one that rebuilds the
        v1 nesting."""
        if len(flow.answer_loops) != 1 or flow.answer_used_otherwise:
            return False
        (first,) = flow.answer_loops
        answer = match.endpoint.response
        if isinstance(first, cst.For):
            loop = flat_loop(self.meta, first, answer)
        else:
            loop = flat_comprehension(self.meta, first, answer)
        if loop is None:
            return False
        edits = flow.edits
        nested = self._helper_call(http, match, filters, asynchronous=asynchronous)
        flat = self._helper_call(http, match, filters, asynchronous=asynchronous, function=FLAT_HELPER)

        def swapped(node: cst.CSTNode) -> cst.CSTNode:
            if isinstance(node, cst.Call) and node.deep_equals(nested):
                return flat
            if isinstance(node, cst.Await):
                return node.with_changes(expression=swapped(node.expression))
            if isinstance(node, cst.SimpleStatementLine):
                (assign,) = node.body
                assert isinstance(assign, cst.Assign)
                value = swapped(assign.value)
                assert isinstance(value, cst.BaseExpression)
                return node.with_changes(body=[assign.with_changes(value=value)])
            return node

        for key, value in list(edits.replace.items()):
            edits.replace[key] = swapped(value)
        for statement, line in list(edits.unwrap_with.items()):
            if line is None:
                continue
            replaced = swapped(line)
            assert isinstance(replaced, cst.SimpleStatementLine)
            edits.unwrap_with[statement] = replaced
        edits.flatten[loop.outer] = loop.depth
        for read, record_field in loop.ids.items():
            index = read.slice[0].slice
            assert isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString)
            quote = index.value.quote
            key = cst.SimpleString(f"{quote}{record_field}{quote}")
            edits.replace[read] = cst.Subscript(cst.Name(loop.record), [cst.SubscriptElement(cst.Index(key))])
        return True

    def _collapse(self, call: cst.BaseExpression, edits: Edits) -> None:
        """``r = get(…)`` then ``data = r.json()`` becomes ``data = list_course_stats(…)``.

        Only when the response is read once for its payload, by the next statement that is kept, and
        otherwise only by status checks that the rewrite removes.
        """
        first = self.meta.parent(call)
        if not (isinstance(first, cst.Assign) and len(first.targets) == 1):
            return
        target = first.targets[0].target
        binding = self.meta.binding(target) if isinstance(target, cst.Name) else None
        if binding is None:
            return
        payload_reads: list[cst.CSTNode] = []
        for read in self.meta.reads(binding):
            top: cst.CSTNode = read
            parent = self.meta.parent(top)
            while parent is not None and (parent in edits.replace or isinstance(parent, cst.Attribute)):
                top, parent = parent, self.meta.parent(parent)
            if edits.replace.get(top) is read:
                payload_reads.append(top)
            elif not any(a in edits.remove or a in edits.unwrap for a in self.meta.ancestors(read)):
                return
        if len(payload_reads) != 1:
            return
        second = self.meta.parent(payload_reads[0])
        if not (isinstance(second, cst.Assign) and len(second.targets) == 1):
            return
        first_line, second_line = self.meta.parent(first), self.meta.parent(second)
        if not (
            isinstance(first_line, cst.SimpleStatementLine)
            and isinstance(second_line, cst.SimpleStatementLine)
            and len(first_line.body) == 1
            and len(second_line.body) == 1
        ):
            return
        block = self.meta.parent(first_line)
        if (
            not isinstance(block, (cst.IndentedBlock, cst.Module))
            or self.meta.parent(second_line) is not block
        ):
            return
        body = list(block.body)
        start, end = body.index(first_line), body.index(second_line)
        for statement in body[start + 1 : end]:
            removed = isinstance(statement, cst.SimpleStatementLine) and set(statement.body) <= edits.remove
            dropped = (
                isinstance(statement, cst.If)
                and edits.unwrap.get(statement) == "orelse"
                and statement.orelse is None
            )
            if not (removed or dropped):
                return
        if end <= start:
            return
        edits.replace[payload_reads[0]] = edits.replace[call]
        edits.remove.add(first)

    def _drop_if_dead(self, name: cst.Name) -> None:
        """Delete ``url = …`` / ``params = …`` of a function when the rewritten call was its only reader."""
        referents = self.meta.referents(name)
        if not referents or len(referents) != 1:
            return
        (assignment,) = referents
        value = self.meta.assigned_value(assignment)
        if value is None or not isinstance(assignment, Assignment) or len(assignment.references) != 1:
            return
        if isinstance(assignment.scope, cst.metadata.GlobalScope) or not _pure(value):
            return
        statement = self.meta.small_statement(value)
        if isinstance(statement, cst.Assign):
            self.plan.edits.remove.add(statement)

    def _review(self, http: HttpCall, endpoint: str, review: _Review) -> None:
        self.plan.sites.add(http.call)
        if self._suppressed(http.call, endpoint):
            return
        line, column = self.meta.position(http.call)
        self.plan.findings.append(
            Finding(
                self.display_path, line, column, endpoint, Status.NEEDS_REVIEW, review.rule, review.reason
            )
        )
        statement = self.meta.statement(http.call)
        self.plan.markers.setdefault(statement, []).append(review.reason)

    def _suppressed(self, call: cst.Call, endpoint: str) -> bool:
        """A site a person accepted with ``# migrate-360learning: ignore[<reason>]`` on its statement (the
        line above it, or at the end of its line): reported as ``suppressed``, left as it is."""
        reason = _ignore_reason(self.meta.statement(call))
        if reason is None:
            return False
        self.plan.sites.add(call)
        line, column = self.meta.position(call)
        message = f"accepted as it is: {reason}" if reason else "accepted as it is (no reason given)"
        self.plan.findings.append(
            Finding(self.display_path, line, column, endpoint, Status.SUPPRESSED, "suppressed", message)
        )
        return True

    def _hard_coded_keys(self, http: HttpCall, match: UrlMatch) -> None:
        """Report each v1 API key written in the code of a site (in the call, or in a constant it reads);
        its value is kept in ``plan.secrets`` so that no report prints it."""
        pairs: dict[str, cst.BaseExpression] = dict(match.query)
        for argument in (PARAMS_ARGUMENT, HEADERS_ARGUMENT):
            if argument in http.arguments:
                try:
                    pairs.update(read_pairs(http.arguments[argument], self._pair_value))
                except UnreadablePairs:
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
            line, column = self.meta.position(value)
            self.plan.findings.append(
                Finding(
                    self.display_path,
                    line,
                    column,
                    match.endpoint.name,
                    Status.NEEDS_REVIEW,
                    "hard-coded-api-key",
                    f"a v1 API key is written in the code ({name}): revoke it in 360Learning, since it "
                    "stays in the repository's history; v2 credentials are read from the environment",
                )
            )

    def _client_constructor(self, http: HttpCall) -> cst.Call | None:
        """The constructor call of the client a call is made with (``httpx.Client(base_url=…)``), when
        the client is a name bound once to it (by ``=`` or ``with … as``)."""
        if not isinstance(http.session, cst.Name):
            return None
        referents = self.meta.referents(http.session)
        if not referents or len(referents) != 1:
            return None
        value = self._bound_value(next(iter(referents)))
        return value if isinstance(value, cst.Call) and self._constructs_session(value) else None

    def _client_setting(self, http: HttpCall, keyword: str) -> cst.BaseExpression | None:
        """A keyword argument of the constructor of the client a call is made with."""
        constructor = self._client_constructor(http)
        if constructor is None:
            return None
        return next(
            (a.value for a in constructor.args if a.keyword is not None and a.keyword.value == keyword), None
        )

    def _base_url_host(
        self, http: HttpCall, base: tuple[Part, ...], host: cst.BaseExpression
    ) -> cst.BaseExpression:
        """The host of a URL relative to an httpx client's ``base_url``, read back from the client
        (``str(client.base_url)``) rather than by evaluating the constructor's argument again: when the
        base is the host, or the host and ``/api/v1`` (which the helper strips)."""
        assert isinstance(http.session, cst.Name)
        constructor = self._client_constructor(http)
        httpx_client = constructor is not None and any(
            n.startswith("httpx.") for n in self.meta.qualified_names(constructor.func)
        )
        url = flatten(http.url, self._resolve)
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

    def _pair_value(self, node: cst.Name | cst.Attribute) -> cst.BaseExpression | None:
        """What a name or attribute holding query parameters or headers is bound to: a name's single
        value, or ``self.auth`` assigned once in the class."""
        if isinstance(node, cst.Name):
            return self.meta.single_value(node) or self._indexed_pairs(node)
        return self._instance_value(node) or self._indexed_pairs(node)

    def _indexed_pairs(self, node: cst.Name | cst.Attribute) -> cst.Dict | None:
        """Another module's credentials constant (``settings.AUTH``, ``from settings import AUTH``), as a
        dict of its keys; its values stay where they are (they are not read, only dropped)."""
        module, name = self._imported(node)
        keys = self.index.credential_keys(module, name) if module else None
        if keys is None:
            return None
        return cst.Dict([cst.DictElement(cst.SimpleString(repr(k)), cst.Name(_INDEXED)) for k in keys])

    def _imported(self, node: cst.Name | cst.Attribute) -> tuple[str | None, str]:
        """(module, name) of a name imported from a module of the repository, or of ``module.NAME``."""
        if isinstance(node, cst.Name):
            for referent in self.meta.referents(node) or ():
                statement = assigned_node(referent)
                if isinstance(statement, cst.ImportFrom):
                    for alias in _aliases_binding(statement, node.value):
                        source = cst.Module([]).code_for_node(statement.module) if statement.module else None
                        return absolute_module(
                            self.module, len(statement.relative), source
                        ), alias.evaluated_name
            return None, node.value
        owner = node.value
        if isinstance(owner, cst.Name):
            for referent in self.meta.referents(owner) or ():
                statement = assigned_node(referent)
                if isinstance(statement, cst.Import):
                    for alias in _aliases_binding(statement, owner.value):
                        # ``import a.b`` binds ``a`` (``a.X`` is of ``a``); ``import a.b as m`` binds ``a.b``.
                        return (alias.evaluated_name if alias.asname else owner.value), node.attr.value
        return None, node.attr.value

    def _instance_value(self, node: cst.Attribute) -> cst.BaseExpression | None:
        """``self.x`` read in a method: the value of the one ``self.x = …`` of its class, when nothing
        else in the class changes ``self.x``."""
        if not (isinstance(node.value, cst.Name) and node.value.value == "self"):
            return None
        cls = next((a for a in self.meta.ancestors(node) if isinstance(a, cst.ClassDef)), None)
        if cls is None:
            return None
        name = node.attr.value
        values: list[cst.BaseExpression | None] = []

        def is_it(target: cst.BaseExpression) -> bool:
            return (
                isinstance(target, cst.Attribute)
                and target.attr.value == name
                and isinstance(target.value, cst.Name)
                and target.value.value == "self"
            )

        class Writes(cst.CSTVisitor):
            def visit_Assign(self, assign: cst.Assign) -> None:
                for target in assign.targets:
                    if is_it(target.target):
                        values.append(assign.value if len(assign.targets) == 1 else None)
                    elif isinstance(target.target, cst.Subscript) and is_it(target.target.value):
                        values.append(None)

            def visit_AugAssign(self, assign: cst.AugAssign) -> None:
                if is_it(assign.target):
                    values.append(None)

            def visit_AnnAssign(self, assign: cst.AnnAssign) -> None:
                if is_it(assign.target):
                    values.append(assign.value)

            def visit_Call(self, call: cst.Call) -> None:
                # self.auth.update(...), self.auth.setdefault(...): changed in place.
                func = call.func
                if isinstance(func, cst.Attribute) and is_it(func.value) and func.attr.value != "copy":
                    values.append(None)

        cls.body.visit(Writes())
        return values[0] if len(values) == 1 else None

    def _read_through_attribute(self, http: HttpCall) -> bool:
        """Whether the call's query parameters are read from an object's attribute."""
        value = http.arguments.get(PARAMS_ARGUMENT)
        while isinstance(value, cst.Name):
            value = self.meta.single_value(value)
        return isinstance(value, cst.Attribute)

    def _credentials(
        self, http: HttpCall, match: UrlMatch
    ) -> tuple[Credentials, dict[str, cst.BaseExpression]]:
        """The call's v1 credentials, and its v1 query filters translated to the helper's keywords."""
        try:
            params = dict(match.query)
            headers: dict[str, cst.BaseExpression] = {}
            #: Pairs whose values are written away from the call: a client's, an object's, a getter's.
            elsewhere: dict[str, cst.BaseExpression] = {}
            for argument, pairs in ((PARAMS_ARGUMENT, params), (HEADERS_ARGUMENT, headers)):
                client_wide = self._client_setting(http, argument)
                if client_wide is not None:
                    read = read_pairs(client_wide, self._pair_value)
                    pairs.update(read)
                    elsewhere.update(read)
            if PARAMS_ARGUMENT in http.arguments:
                read = read_pairs(http.arguments[PARAMS_ARGUMENT], self._pair_value)
                params.update(read)
                if isinstance(http, GetterCall) or self._read_through_attribute(http):
                    elsewhere.update(read)
            if HEADERS_ARGUMENT in http.arguments:
                headers |= read_pairs(http.arguments[HEADERS_ARGUMENT], self._pair_value)
        except UnreadablePairs as error:
            raise _Review("unsupported-credentials", f"the query parameters or headers: {error}") from None
        filters: dict[str, cst.BaseExpression] = {}
        indexed = [k for k, v in params.items() if isinstance(v, cst.Name) and v.value == _INDEXED]
        moved = [k for k, v in elsewhere.items() if k in V1_QUERY_FILTERS and not _pure_literal(v)]
        moved += [k for k in indexed if k in V1_QUERY_FILTERS and k not in moved]
        if moved:
            # A value held by an object, a client or a getter would not be in scope at the call.
            raise _Review("unsupported-credentials", f"filter {', '.join(moved)} is set outside the call")
        for name in [k for k in params if k in V1_QUERY_FILTERS]:
            keyword = V1_QUERY_FILTERS[name]
            if keyword is None:
                field = name.removesuffix("After").removesuffix("Before").removesuffix("At")
                raise _Review("filter-without-v2", FILTER_GONE.format(v1=name, field=field))
            filters[keyword] = params.pop(name)
        credentials = classify(params, headers)
        if credentials.other_params:
            names = ", ".join(credentials.other_params)
            raise _Review("unsupported-argument", f"query parameter {names} has no v2 equivalent")
        if credentials.other_headers:
            names = ", ".join(credentials.other_headers)
            raise _Review("unsupported-argument", f"header {names} is not sent by the helper")
        return credentials, filters

    def _helper_call(
        self,
        http: HttpCall,
        match: UrlMatch,
        filters: dict[str, cst.BaseExpression],
        *,
        asynchronous: bool,
        function: str | None = None,
    ) -> cst.Call:
        """The call of the helper ``function`` (by default the one that answers in the endpoint's v1
        shape) that replaces the v1 call."""
        if http.unreadable_arguments:
            raise _Review("unsupported-argument", "the call passes *args or **kwargs")
        extra = set(http.arguments) - {PARAMS_ARGUMENT, HEADERS_ARGUMENT} - PASSED_THROUGH_ARGUMENTS
        if extra:
            names = ", ".join(sorted(extra))
            raise _Review("unsupported-argument", f"argument {names} has no equivalent in the helper")
        if match.host is None:
            raise _Review("unsupported-url", "the URL has no host (a path relative to a base URL)")
        args = [cst.Arg(match.host)]
        for parameter, keyword in match.endpoint.filters.items():
            value = match.parameters[parameter]
            if parameter in match.endpoint.user_parameters:
                value = self._user_id(match.host, value, asynchronous=asynchronous)
            args.append(_keyword(keyword, value))
        args.extend(_keyword(keyword, filters[keyword]) for keyword in V2_FILTERS if keyword in filters)
        for name in sorted(PASSED_THROUGH_ARGUMENTS):
            given = http.arguments.get(name)
            if given is None:
                # A client-wide setting (``httpx.Client(timeout=30.0)``), when it is a plain number.
                given = self._client_setting(http, name)
                if not isinstance(given, (cst.Integer, cst.Float)):
                    continue
            args.append(_keyword(name, given))
        prefix = _ASYNC_PREFIX if asynchronous else ""
        helper_call = cst.Call(self._helper(prefix + (function or match.endpoint.helper)), args)
        _, column = self.meta.position(http.call)
        width = column + len(self.meta.module.code_for_node(helper_call))
        return _one_argument_per_line(helper_call) if width > _LINE_LENGTH else helper_call

    def _user_id(
        self, host: cst.BaseExpression, value: cst.BaseExpression, *, asynchronous: bool
    ) -> cst.BaseExpression:
        """An id as it is; an email (or a value only known at run time) through the resolver."""
        if isinstance(value, cst.SimpleString) and _OBJECT_ID.match(str(value.evaluated_value)):
            return value
        prefix = _ASYNC_PREFIX if asynchronous else ""
        resolve = cst.Call(self._helper(prefix + HELPER_RESOLVE_FUNCTION), [cst.Arg(host), cst.Arg(value)])
        return cst.Await(resolve) if asynchronous else resolve

    def _helper(self, function: str) -> cst.Attribute:
        return cst.Attribute(cst.Name(self.helper_name.rpartition(".")[2]), cst.Name(function))

    def unused_imports(self) -> set[tuple[str, str | None, str | None]]:
        """The imports read by the code the plan deletes or replaces (``requests``, ``json``…), as
        (module, name, asname): candidates for removal, dropped only if nothing else still uses them."""
        found: set[tuple[str, str | None, str | None]] = set()
        edits = self.plan.edits
        gone = [*edits.replace, *edits.remove, *(w.items[0].item for w in edits.unwrap_with)]
        names: list[cst.Name] = []
        dotted: set[str] = set()
        code = self.meta.module.code_for_node

        class Names(cst.CSTVisitor):
            def visit_Name(self, node: cst.Name) -> None:
                names.append(node)

            def visit_Attribute(self, node: cst.Attribute) -> None:
                dotted.add(code(node))

        for node in gone:
            node.visit(Names())
        for name in names:
            for referent in self.meta.referents(name) or ():
                found |= _import_entries(assigned_node(referent), name.value)
        # ``import urllib.request`` is read as ``urllib.request.urlopen``: matched by its dotted name.
        for statement in self.meta.module.body:
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Import):
                    found |= {
                        (alias.evaluated_name, None, None)
                        for alias in small.names
                        if alias.asname is None
                        and any(d.startswith(alias.evaluated_name + ".") for d in dotted)
                    }
        return found

    # --- sessions -----------------------------------------------------------------------------------

    def _drop_unused_clients(self, calls: Sequence[cst.Call]) -> None:
        """A client made in a function (``requests.Session()``, ``httpx.Client(timeout=30)``,
        ``aiohttp.ClientSession()``) for calls that were all rewritten is read by nothing any more:
        ``with … as client:`` gives way to its body and ``client = …`` goes. A client also used for
        anything else, one made at module level (other modules may import it), or one whose constructor
        computes its arguments stays."""
        edits = self.plan.edits
        gone = {*edits.replace, *edits.remove, *(w.items[0].item for w in edits.unwrap_with)}
        if not gone:
            return
        for call in calls:
            if not (self._constructs_session(call) and all(_pure(a.value) for a in call.args)):
                continue
            parent = self.meta.parent(call)
            statement: cst.CSTNode | None = None
            target: cst.BaseExpression | None = None
            if isinstance(parent, cst.WithItem) and parent.asname is not None:
                statement = self.meta.parent(parent)
                if isinstance(statement, cst.With) and len(statement.items) == 1:
                    target = parent.asname.name
            elif isinstance(parent, cst.Assign) and len(parent.targets) == 1:
                statement, target = parent, parent.targets[0].target
            if not isinstance(target, cst.Name) or statement in edits.unwrap_with:
                continue
            binding = self.meta.binding(target)
            if binding is None or isinstance(binding.scope, cst.metadata.GlobalScope):
                continue
            reads = [access.node for access in binding.references]
            if reads and all(any(n in gone for n in (r, *self.meta.ancestors(r))) for r in reads):
                if isinstance(statement, cst.With):
                    edits.unwrap_with[statement] = None
                elif isinstance(statement, cst.Assign):
                    edits.remove.add(statement)

    def _is_session(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Name):
            return False
        return any(
            isinstance(value := self._bound_value(referent), cst.Call) and self._constructs_session(value)
            for referent in self.meta.referents(expr) or ()
        )

    def _constructs_session(self, call: cst.Call) -> bool:
        return bool(self.meta.qualified_names(call.func) & clients.SESSION_CONSTRUCTORS)

    def _bound_value(self, referent: BaseAssignment) -> cst.BaseExpression | None:
        """What a binding holds: its assigned value, or the context manager of ``with … as name``."""
        value = self.meta.assigned_value(referent)
        if value is not None:
            return value
        node = assigned_node(referent)
        parent = self.meta.parent(node) if node is not None else None
        item = self.meta.parent(parent) if isinstance(parent, cst.AsName) else None
        return item.item if isinstance(item, cst.WithItem) else None


def _ignore_reason(statement: cst.BaseStatement) -> str | None:
    """The reason of an ignore marker on the statement, or ``None`` when it has none."""
    leading: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
    comments = [line.comment for line in leading if line.comment is not None]
    if isinstance(statement, cst.SimpleStatementLine) and statement.trailing_whitespace.comment:
        comments.append(statement.trailing_whitespace.comment)
    for comment in comments:
        text: str = comment.value
        start = text.find(IGNORE_MARKER)
        if start >= 0:
            reason, closed, _ = text[start + len(IGNORE_MARKER) :].partition("]")
            return reason.strip() if closed else reason.strip().rstrip("]")
    return None


def _contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    """Whether ``inner`` is ``outer`` or one of its descendants (for nodes outside the module's tree)."""
    found = False

    class Find(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            nonlocal found
            found = found or node is inner
            return not found

    outer.visit(Find())
    return found


def _pieces(pieces: tuple[Piece, ...] | None) -> tuple[Part, ...] | None:
    """Index pieces as URL parts; an unknown piece keeps its source for the host to be recognised."""
    if pieces is None:
        return None
    parts: list[Part] = []
    for kind, value in pieces:
        if kind == TEXT:
            parts.append(Text(value))
        else:
            try:
                parts.append(Hole(cst.parse_expression(value)))
            except cst.ParserSyntaxError:
                parts.append(Hole(cst.Name("_")))
    return tuple(parts)


def _aliases_binding(statement: cst.Import | cst.ImportFrom, name: str) -> list[cst.ImportAlias]:
    """The names of an import statement that bind ``name`` (``import a.b`` binds ``a``)."""
    if isinstance(statement.names, cst.ImportStar):
        return []
    dotted = isinstance(statement, cst.Import)
    return [
        alias
        for alias in statement.names
        if (alias.evaluated_alias or (alias.evaluated_name.split(".")[0] if dotted else alias.evaluated_name))
        == name
    ]


def _import_entries(node: cst.CSTNode | None, name: str) -> set[tuple[str, str | None, str | None]]:
    """The (module, name, asname) entries of an import statement that bind ``name``."""
    if isinstance(node, cst.Import):
        return {(a.evaluated_name, None, a.evaluated_alias) for a in _aliases_binding(node, name)}
    if isinstance(node, cst.ImportFrom) and node.module is not None and not node.relative:
        module = cst.Module([]).code_for_node(node.module)
        return {(module, a.evaluated_name, a.evaluated_alias) for a in _aliases_binding(node, name)}
    return set()


def _references(module: cst.Module) -> list[cst.Name | cst.Attribute]:
    """Names and attribute reads outside import statements, outermost first (``a.b.c``, not ``a.b``)."""
    found: list[cst.Name | cst.Attribute] = []

    class Collector(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            found.append(node)
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            found.append(node)

    module.visit(Collector())
    return found


def _pure_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.Integer))


def _defines(cls: cst.ClassDef, name: str) -> bool:
    return any(isinstance(s, cst.FunctionDef) and s.name.value == name for s in cls.body.body)


def _calls(module: cst.Module) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Collector(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.append(node)

    module.visit(Collector())
    return found


def _pure(expr: cst.BaseExpression) -> bool:
    """Whether evaluating the expression can have no effect beyond its value (strings, names, dicts…)."""
    allowed = (
        cst.Name,
        cst.Attribute,
        cst.SimpleString,
        cst.ConcatenatedString,
        cst.FormattedString,
        cst.FormattedStringText,
        cst.FormattedStringExpression,
        cst.BinaryOperation,
        cst.Tuple,
        cst.List,
        cst.Dict,
        cst.DictElement,
        cst.Element,
        cst.Integer,
        cst.Float,
        cst.Subscript,
        cst.SubscriptElement,
        cst.Index,
    )
    found: list[bool] = []

    class Check(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, cst.Call):
                # "…".format(…), urljoin(…) and Request(…) build a value and do nothing else.
                func = node.func
                name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
                found.append(name in ("format", "Request") or is_urljoin(node))
            elif isinstance(node, (cst.BaseExpression, cst.DictElement, cst.Element)):
                found.append(isinstance(node, allowed))
            return True

    expr.visit(Check())
    return all(found)


def _one_argument_per_line(call: cst.Call) -> cst.Call:
    """``f(a, b=c)`` laid out with one argument per line and a trailing comma, as formatters do."""

    def newline(extra: str) -> cst.ParenthesizedWhitespace:
        return cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace(extra)
        )

    args = [
        arg.with_changes(comma=cst.Comma(whitespace_after=newline("" if last else _INDENT)))
        for last, arg in ((i == len(call.args) - 1, a) for i, a in enumerate(call.args))
    ]
    return call.with_changes(args=args, whitespace_before_args=newline(_INDENT))


_LINE_LENGTH = 99
_INDENT = "    "


def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )


def _rewrite_message(match: UrlMatch, filters: dict[str, cst.BaseExpression], *, flat: bool) -> str:
    endpoint = match.endpoint
    keywords = [*endpoint.filters.values(), *(k for k in V2_FILTERS if k in filters)]
    query = "?" + "&".join(V2_FILTERS[k] for k in keywords) if keywords else ""
    resolved = "; email resolved to a user id" if endpoint.user_parameters else ""
    request = f"GET {V2_COURSE_STATS_PATH}{query}"
    summary = FLAT_SUMMARY if flat else endpoint.summary
    return f"{RULES['rewrite'].summary}: {request}, all pages; {summary}{resolved}"
