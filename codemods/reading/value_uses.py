"""Where the value of an expression goes in one module: the detector's way to tell a v1 URL that reaches a
site, that goes nowhere or that is only mentioned, from one that goes where the tool cannot follow.

From an expression, ``ValueUses.follow`` climbs through what builds a string from it (concatenation,
formatting, ``urljoin``, a ``Request``), through choices made at run time, into the names it is assigned
to and their reads, into the calls of a function that returns it, into the tables that hold it and their
lookups. Each use ends in a site (accounted for), nowhere, a harmless use (a message, a comparison, a
route, a test double, a mapping's key), or where the tool cannot follow, with the reason.
"""

from __future__ import annotations

from typing import Final

import libcst as cst

from codemods.mapping import UNFOLLOWED_REASONS
from codemods.reading import clients
from codemods.reading.metadata import Metadata

#: Methods of a string that give back the string, changed: the value still carries the path.
_STRING_METHODS: Final = frozenset(
    {"format", "format_map", "strip", "lstrip", "rstrip", "replace", "lower", "encode", "removeprefix",
     "removesuffix"}
)  # fmt: skip
#: Methods of a string that test it: server-side routing, not a request.
_MATCHING_METHODS: Final = frozenset(
    {"startswith", "endswith", "match", "fullmatch", "search", "count", "find"}
)
#: Calls whose value is their URL argument, built into something else (qualified names, or names).
_WRAPPING: Final = frozenset(
    {"urllib.parse.urljoin", "requests.compat.urljoin", "urllib.request.Request", "requests.Request",
     "requests.models.Request", "httpx.URL", "httpx.Request", "yarl.URL", "builtins.str",
     "urllib.parse.quote", "urllib.parse.quote_plus", "posixpath.join"}
)  # fmt: skip
_WRAPPING_NAMES: Final = frozenset({"urljoin", "Request", "URL", "str", "quote", "quote_plus"})
#: Calls whose second argument is a default, used when the first is not found at run time.
_RUNTIME_DEFAULTS: Final = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})
#: Calls that only print or log what they are given.
_MESSAGE_CALLS: Final = frozenset(
    {"builtins.print", "builtins.len", "builtins.repr", "builtins.isinstance", "builtins.hash",
     "warnings.warn", "re.compile", "re.match", "re.fullmatch", "re.search", "fnmatch.fnmatch",
     "click.echo", "click.secho"}
)  # fmt: skip
_LOG_METHODS: Final = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
#: Libraries whose calls register a route or a canned answer: the code serves the path, or fakes it.
_SERVING_PREFIXES: Final = (
    "django.urls.", "django.conf.urls.", "starlette.routing.", "aiohttp.web.", "responses.", "respx.",
    "httpretty.", "requests_mock.", "aioresponses.", "pytest_httpx.", "unittest.mock.",
)  # fmt: skip
_SERVING_METHODS: Final = frozenset(
    {"add_url_rule", "add_api_route", "add_route", "add_get", "add_view", "route", "register_uri",
     "add_response", "add_callback", "add_passthru"}
)  # fmt: skip
#: Names test code gives the objects that fake HTTP answers (``def test_x(requests_mock): …``).
_FAKE_RECEIVERS: Final = frozenset(
    {"responses", "rsps", "respx", "respx_mock", "httpretty", "requests_mock", "httpx_mock", "aioresponses",
     "mocked", "mock", "mocker", "m"}
)  # fmt: skip
#: Keywords that describe a canned answer rather than a request.
_ANSWER_KEYWORDS: Final = frozenset({"json", "status", "status_code", "body", "payload", "text", "content"})


def serves_or_fakes(meta: Metadata, call: cst.Call) -> bool:
    """Whether a call registers a route (the code serves the path) or a test double's canned answer
    (``responses.add``, ``requests_mock.get(url, json=…)``, ``m.get(url, status=500)`` in a test): its URL
    is no request, whatever client method it looks like."""
    names = meta.qualified_names(call.func)
    if any(n.startswith(_SERVING_PREFIXES) for n in names) or _called_name(call) in _SERVING_METHODS:
        return True
    func = call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return False
    receiver = func.value.value
    if receiver not in _FAKE_RECEIVERS and "mock" not in receiver.lower():
        return False
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    in_test = any(
        isinstance(a, cst.FunctionDef) and a.name.value.startswith("test") for a in meta.ancestors(call)
    )
    return bool(keywords & _ANSWER_KEYWORDS) or in_test


def because(key: str, **values: str) -> str:
    return UNFOLLOWED_REASONS[key].format(**values)


class ValueUses:
    """Follows values in one module (see the module's docstring)."""

    def __init__(self, meta: Metadata, sites: set[cst.CSTNode]) -> None:
        self.meta = meta
        #: The calls the planner made a site of: a value that reaches one is accounted for.
        self.sites = sites
        self._attributes: dict[str, list[cst.Attribute]] | None = None

    def follow(self, start: cst.CSTNode, *, table: bool = False, reason: str = "") -> str | None:
        """The reason the first use of ``start``'s value that is no site and provably no request cannot be
        followed, or ``None`` when every use is covered, harmless, or there is none. ``table``: the value
        is a dict or a list holding the path."""
        work: list[tuple[cst.CSTNode, bool, str]] = [(start, table, reason)]
        seen: set[cst.CSTNode] = set()
        while work:
            node, table, reason = work.pop()
            if node in seen:
                continue
            seen.add(node)
            if not table:
                node, reason = self.climb(node, reason)
            if self._in_site(node):
                continue
            found = self._use(node, table, reason, work)
            if found is not None:
                return found
        return None

    def climb(
        self, node: cst.CSTNode, reason: str = "", *, choices: bool = True
    ) -> tuple[cst.BaseExpression, str]:
        """Up through the expressions that build a string from this one (concatenation, formatting,
        ``urljoin``) and, with ``choices``, through those that wrap it (``Request(url)``, ``str(url)``)
        or choose it at run time (``a if c else b``, ``a or b``, a default of ``os.environ.get``), to the
        whole expression the value takes part in."""
        meta = self.meta
        while True:
            parent = meta.parent(node)
            if isinstance(parent, cst.ConcatenatedString):
                node = parent
            elif isinstance(parent, cst.FormattedStringExpression):
                outer = meta.parent(parent)
                assert outer is not None
                node = outer
            elif isinstance(parent, cst.BinaryOperation) and isinstance(
                parent.operator, (cst.Add, cst.Modulo)
            ):
                node = parent
            elif (
                isinstance(parent, (cst.Element, cst.DictElement))
                and self._percent_values(parent) is not None
            ):
                operation = self._percent_values(parent)
                assert operation is not None
                node = operation
            elif isinstance(parent, cst.Attribute) and parent.value is node:
                call = meta.parent(parent)
                if not (
                    isinstance(call, cst.Call)
                    and call.func is parent
                    and parent.attr.value in _STRING_METHODS
                ):
                    break
                node = call
            elif isinstance(parent, cst.Arg) and isinstance(call := meta.parent(parent), cst.Call):
                names = meta.qualified_names(call.func)
                if names & _RUNTIME_DEFAULTS or _is_get_default(call, parent):
                    if not choices:
                        break
                    reason = reason or because("runtime")
                elif not (
                    _is_format(call)
                    or _called_name(call) == "urljoin"
                    or (choices and (names & _WRAPPING or _called_name(call) in _WRAPPING_NAMES))
                ):
                    break
                node = call
            elif choices and (
                isinstance(parent, cst.BooleanOperation)
                or (isinstance(parent, cst.IfExp) and parent.test is not node)
            ):
                node, reason = parent, reason or because("runtime")
            else:
                break
        assert isinstance(node, cst.BaseExpression)
        return node, reason

    def _percent_values(self, element: cst.Element | cst.DictElement) -> cst.BinaryOperation | None:
        """The ``%`` operation whose tuple or dict of values holds this element."""
        if isinstance(element, cst.DictElement) and element.value is None:
            return None
        holder = self.meta.parent(element)
        operation = self.meta.parent(holder) if holder is not None else None
        if (
            isinstance(holder, (cst.Tuple, cst.Dict))
            and isinstance(operation, cst.BinaryOperation)
            and isinstance(operation.operator, cst.Modulo)
            and operation.right is holder
        ):
            return operation
        return None

    def _in_site(self, node: cst.CSTNode) -> bool:
        return node in self.sites or any(a in self.sites for a in self.meta.ancestors(node))

    def _use(
        self, node: cst.CSTNode, table: bool, reason: str, work: list[tuple[cst.CSTNode, bool, str]]
    ) -> str | None:
        """Where the value of ``node`` goes next: pushes the nodes that read it on ``work``; returns the
        reason when it goes where the tool cannot follow, ``None`` when it stops harmlessly here."""
        meta = self.meta
        parent = meta.parent(node)
        if any(isinstance(a, (cst.Decorator, cst.Assert)) for a in meta.ancestors(node)):
            return None  # a route declaration, or a test's assertion
        if isinstance(parent, cst.Expr):
            return None  # computed and thrown away
        if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
            return None  # compared: the code matches the path, as a server does
        if isinstance(parent, (cst.If, cst.While)) and parent.test is node:
            return None
        if isinstance(parent, cst.Assign) and parent.value is node:
            for target in parent.targets:
                found = self._assigned(target.target, table, reason, work)
                if found is not None:
                    return found
            return None
        if isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.value is node:
            return self._assigned(parent.target, table, reason, work)
        if isinstance(parent, cst.NamedExpr) and parent.value is node:
            work.append((parent, table, reason))
            return self._assigned(parent.target, table, reason, work)
        if isinstance(parent, cst.Return):
            return self._returned(parent, table, reason, work)
        if isinstance(parent, cst.Param) and parent.default is node:
            return self._read_name(parent.name, table, reason, work)
        if isinstance(parent, cst.DictElement):
            if parent.key is node:
                return None  # a mapping's key: what the code looks up or serves, not what it requests
            holder = meta.parent(parent)
            assert holder is not None
            work.append((holder, True, reason or because("table")))
            return None
        if isinstance(parent, cst.Element) and isinstance(
            meta.parent(parent), (cst.List, cst.Tuple, cst.Set)
        ):
            holder = meta.parent(parent)
            assert holder is not None
            work.append((holder, True, reason or because("table")))
            return None
        if isinstance(parent, (cst.Index, cst.SubscriptElement)):
            return None  # a key a mapping is read with
        if isinstance(parent, cst.Subscript) and parent.value is node:
            if table:
                work.append((parent, False, reason))
                return None
            return reason or because("other")
        if isinstance(parent, cst.Attribute) and parent.value is node:
            call = meta.parent(parent)
            method = parent.attr.value
            if isinstance(call, cst.Call) and call.func is parent:
                if table and method in ("get", "pop", "setdefault"):
                    work.append((call, False, reason))
                    return None
                if not table and method in _MATCHING_METHODS:
                    return None
                if method in _LOG_METHODS and not table:
                    return None
            return reason or because("other")
        if isinstance(parent, cst.Arg):
            call = meta.parent(parent)
            if isinstance(call, cst.Call):
                return self._argument(call, parent, table, reason, work)
        if isinstance(parent, (cst.Yield, cst.From)):
            return reason or because("yielded")
        return reason or because("other")

    def _assigned(
        self, target: cst.BaseExpression, table: bool, reason: str, work: list[tuple[cst.CSTNode, bool, str]]
    ) -> str | None:
        if table and reason == because("table") and isinstance(target, (cst.Name, cst.Attribute)):
            reason = because("named_table", name=cst.Module([]).code_for_node(target))
        if isinstance(target, cst.Name):
            return self._read_name(target, table, reason, work)
        if isinstance(target, cst.Attribute):
            for read in self._attribute_reads(target.attr.value):
                if read is not target:
                    work.append((read, table, reason))
            return None
        if isinstance(target, cst.Subscript):
            return reason or because("stored", target=cst.Module([]).code_for_node(target.value))
        return reason or because("unpacked")

    def _read_name(
        self, target: cst.Name, table: bool, reason: str, work: list[tuple[cst.CSTNode, bool, str]]
    ) -> str | None:
        """The reads of the variable a written name binds (class attributes also by their name)."""
        occurrences = self.meta.occurrences(target)
        if occurrences is None:
            return reason or because("other")
        _, reads = occurrences
        work.extend((read, table, reason) for read in reads)
        if self._in_class_body(target):
            work.extend((read, table, reason) for read in self._attribute_reads(target.value))
        return None

    def _returned(
        self, statement: cst.Return, table: bool, reason: str, work: list[tuple[cst.CSTNode, bool, str]]
    ) -> str | None:
        """A returned value goes to the calls of the function: by name in the module, by attribute name
        for a method (``self.stats_url(…)``), read as an attribute for a property."""
        function: cst.FunctionDef | None = None
        for ancestor in self.meta.ancestors(statement):
            if isinstance(ancestor, cst.Lambda):
                return reason or because("other")
            if isinstance(ancestor, cst.FunctionDef):
                function = ancestor
                break
        if function is None:
            return reason or because("other")
        name = function.name.value
        reads: list[cst.CSTNode] = []
        if self._in_class_body(function):
            reads.extend(self._attribute_reads(name))
        binding = self.meta.binding(function.name)
        if binding is not None:
            reads.extend(access.node for access in binding.references)
        is_property = any(_decorator_name(d) in ("property", "cached_property") for d in function.decorators)
        for read in reads:
            if is_property:
                work.append((read, table, reason))
                continue
            call = self.meta.parent(read)
            if isinstance(call, cst.Call) and call.func is read:
                work.append((call, table, reason))
            elif not isinstance(call, cst.Decorator):
                return reason or because("function_value", name=name)
        return None

    def _argument(
        self,
        call: cst.Call,
        arg: cst.Arg,
        table: bool,
        reason: str,
        work: list[tuple[cst.CSTNode, bool, str]],
    ) -> str | None:
        meta = self.meta
        names = meta.qualified_names(call.func)
        callee = _called_name(call)
        if names & _MESSAGE_CALLS or any(isinstance(a, cst.Raise) for a in meta.ancestors(call)):
            return None
        if isinstance(call.func, cst.Attribute) and callee in _LOG_METHODS:
            return None
        if serves_or_fakes(meta, call):
            return None
        if table and names & {"builtins.dict", "builtins.list", "builtins.tuple", "builtins.frozenset"}:
            work.append((call, True, reason))
            return None
        code = cst.Module([]).code_for_node(call.func)
        on_self = isinstance(call.func, cst.Attribute) and _is_self(call.func.value)
        if not on_self and clients.recognise(call, meta.qualified_names, lambda _: True, meta.single_value):
            described = because("http_unread", callee=code)
        elif (decorated := self._decorated(call)) is not None:
            described = because("decorated", callee=code, decorator=decorated)
        elif self._looped(call):
            described = because("looped", callee=code)
        else:
            described = because("function", callee=code)
        return f"{reason} and {described}" if reason else described

    def _decorated(self, call: cst.Call) -> str | None:
        """The first decorator of the function of the module a call calls by its name, or of the
        method of its class it calls on ``self``, if it has one (``@functools.cache``, a retry): a
        request helper that is decorated is not followed, since the call that replaced it would not do
        what the decorator does."""
        function = self._callee(call)
        if function is None or not function.decorators:
            return None
        return cst.Module([]).code_for_node(function.decorators[0].decorator)

    def _looped(self, call: cst.Call) -> bool:
        """Whether the function a call calls (as ``_decorated`` finds it) makes an HTTP request in a
        loop of its body: a request helper that tries again is followed only when its loop does
        nothing but wait and try again, then raise (``codemods.reading.helper_bodies``)."""
        function = self._callee(call)
        if function is None or not isinstance(function.body, cst.IndentedBlock):
            return False
        meta = self.meta
        return any(
            isinstance(loop, (cst.For, cst.While))
            and any(
                clients.recognise(inner, meta.qualified_names, lambda _: True, meta.single_value) is not None
                for inner in meta.nodes(cst.Call)
                if meta.contains(loop, inner)
            )
            for loop in function.body.body
        )

    def _callee(self, call: cst.Call) -> cst.FunctionDef | None:
        """The function of the module a call calls by its name, or the method of the enclosing class it
        calls on ``self``."""
        func = call.func
        if isinstance(func, cst.Name):
            function = self.meta.definition(func)
            return function if isinstance(function, cst.FunctionDef) else None
        if not (isinstance(func, cst.Attribute) and _is_self(func.value)):
            return None
        owner = next((a for a in self.meta.ancestors(call) if isinstance(a, cst.ClassDef)), None)
        if owner is None or not isinstance(owner.body, cst.IndentedBlock):
            return None
        return next(
            (
                f
                for f in owner.body.body
                if isinstance(f, cst.FunctionDef) and f.name.value == func.attr.value
            ),
            None,
        )

    def _attribute_reads(self, name: str) -> list[cst.Attribute]:
        """Every ``x.name`` of the module that is not assigned to."""
        if self._attributes is None:
            found: dict[str, list[cst.Attribute]] = {}
            written: set[cst.CSTNode] = set()

            class Attributes(cst.CSTVisitor):
                def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
                    written.add(node.target)

                def visit_Attribute(self, node: cst.Attribute) -> None:
                    found.setdefault(node.attr.value, []).append(node)

            self.meta.module.visit(Attributes())
            self._attributes = {k: [a for a in v if a not in written] for k, v in found.items()}
        return self._attributes.get(name, [])

    def _in_class_body(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` is defined directly in a class body (a class attribute or a method)."""
        for ancestor in self.meta.ancestors(node):
            if isinstance(ancestor, cst.ClassDef):
                return True
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.Module)):
                return False
        return False


def _is_self(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value in ("self", "cls")


def _is_format(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value in ("format", "format_map")


def _is_get_default(call: cst.Call, arg: cst.Arg) -> bool:
    """``config.get("url", "/api/v1/…")``: the value is a default, chosen at run time."""
    return (
        isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "get"
        and len(call.args) == 2
        and call.args[1] is arg
    )


def _called_name(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _decorator_name(decorator: cst.Decorator) -> str:
    node = decorator.decorator
    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""
