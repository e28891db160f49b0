"""What the names of one module stand for, as the URLs and arguments of its sites are read.

A URL or a params dict names things: ``BASE``, ``settings.LMS_API``, ``self.base_url``, a class constant,
a small function that returns the URL. ``Names`` follows each to the value it holds: its single
assignment in this module, a constant of another module (from the repository index), what a URL
function returns. It remembers which expressions come from another module's code, since those mean
nothing where the call is.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from libcst.metadata import BaseAssignment

from codemods.mapping import HOST_MARKERS
from codemods.mapping.reasons import Review
from codemods.reading.clients import HttpCall
from codemods.reading.getters import GetterCall
from codemods.reading.index import TEXT, Piece, RepositoryIndex, absolute_module
from codemods.reading.metadata import Metadata, assigned_node
from codemods.reading.url_functions import returned_expression, returned_url, small_function
from codemods.reading.url_match import UrlMatch, guess_endpoint, match_endpoint
from codemods.reading.urls import Hole, Part, Spliced, Text, url_parts

#: What a URL's name resolves to: an expression, parts already read, or nothing known.
Resolved = cst.BaseExpression | tuple[Part, ...] | None
#: The value of a pair read from another module's credentials constant (only its key is known).
INDEXED = "__indexed__"


class Names:
    """Reads the names of one module (see the module's docstring)."""

    def __init__(
        self, meta: Metadata, *, index: RepositoryIndex, module: str, hosts: tuple[str, ...]
    ) -> None:
        self.meta = meta
        self.index = index
        self.module = module
        #: 360Learning hosts the configuration adds to those ``mapping.HOST_MARKERS`` recognises.
        self.hosts = hosts
        #: Expressions parsed from the index's code of another module (see ``indexed``) → that module.
        self.foreign_code: dict[cst.CSTNode, str] = {}
        #: The URL functions being read (``codemods.reading.url_functions``), against a function
        #: returning itself.
        self._expanding: set[cst.FunctionDef] = set()

    def is_360learning(self, match: UrlMatch) -> bool:
        return match.is_360learning or any(host in match.host_text.lower() for host in self.hosts)

    def resolve(
        self, node: cst.Name | cst.Attribute | cst.Call
    ) -> cst.BaseExpression | tuple[Part, ...] | None:
        """A name's value, as the URLs of sites are read (see ``_resolve``); never raises."""
        try:
            return self.value_of(node)
        except Review:
            return None

    def value_of(
        self, node: cst.Name | cst.Attribute | cst.Call
    ) -> cst.BaseExpression | tuple[Part, ...] | None:
        """A name's single value in this module, or a constant of another module of the repository
        (``from settings import LMS_API``, ``settings.LMS_API``, a class constant read as ``self.X``), or
        what a URL function of this module returns (``codemods.reading.url_functions``)."""
        if isinstance(node, cst.Call):
            found = returned_url(self.meta, node, self.value_of, self._expanding)
            if found is None and isinstance(node.func, (cst.Name, cst.Attribute)):
                self.foreign_url_function(node.func)
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
            own = self.class_value(cls, node.attr.value)
            if own is not None and self.instance_value(node) is None:
                return own
            found = self.indexed(self.index.lookup(self.module, f"{cls.name.value}.{node.attr.value}"))
            return found if found is not None else self.instance_value(node)
        module, name = self.imported(node)
        if not module:
            return None
        found = self.indexed(self.index.lookup(module, name), module)
        # Another module's credentials (``urlencode(AUTH)`` with ``from settings import AUTH``): their keys.
        return found if found is not None else self.indexed_pairs(node)

    def indexed(self, pieces: tuple[Piece, ...] | None, module: str | None = None) -> tuple[Part, ...] | None:
        """Index pieces as URL parts; the code of another module's unknown pieces is remembered, since
        it means nothing where the call is (``os`` may not be imported there)."""
        parts = _pieces(pieces)
        if parts is not None:
            for part in parts:
                if isinstance(part, Hole):
                    self.foreign_code[part.expr] = module or self.module
        return parts

    def imported(self, node: cst.Name | cst.Attribute) -> tuple[str | None, str]:
        """(module, name) of a name imported from a module of the repository, or of ``module.NAME``."""
        if isinstance(node, cst.Name):
            for referent in self.meta.referents(node) or ():
                statement = assigned_node(referent)
                if isinstance(statement, cst.ImportFrom):
                    for alias in aliases_binding(statement, node.value):
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
                    for alias in aliases_binding(statement, owner.value):
                        # ``import a.b`` binds ``a`` (``a.X`` is of ``a``); ``import a.b as m`` binds ``a.b``.
                        return (alias.evaluated_name if alias.asname else owner.value), node.attr.value
        return None, node.attr.value

    def class_value(self, cls: cst.ClassDef, name: str) -> cst.BaseExpression | None:
        """The value of a class constant, ``NAME = …`` once in the class's own body, as the tree has it:
        its names are read where the class is, and stay in scope in its methods."""
        values = [
            statement.body[0].value
            for statement in cls.body.body
            if isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], (cst.Assign, cst.AnnAssign))
            and _assigns(statement.body[0], name)
        ]
        return values[0] if len(values) == 1 else None

    def instance_value(self, node: cst.Attribute) -> cst.BaseExpression | None:
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

    def foreign_url_function(self, func: cst.Name | cst.Attribute) -> None:
        """A call of another module's function that returns a 360Learning v1 URL (read from the index) is
        a site that cannot be rewritten here: report it."""
        module, name = self.imported(func)
        pieces = self.index.url_function(module, name) if module else None
        returned = _pieces(pieces)
        if pieces is None or returned is None:
            return
        try:
            match = match_endpoint(returned)
        except Review:
            match = None
        endpoint: str | None = None
        if match is not None:
            endpoint = match.endpoint.name if self.is_360learning(match) else None
        else:
            code = "".join(value for _, value in pieces)
            hosts = (*HOST_MARKERS, *self.hosts)
            endpoint = guess_endpoint(code) if any(h in code.lower() for h in hosts) else None
        if endpoint is not None:
            raise Review("url-function-other-module", endpoint=endpoint, name=name, module=module)

    def url_resolver(self, http: HttpCall) -> Callable[[cst.Name | cst.Attribute | cst.Call], Resolved]:
        """How the names of a call's URL are read; in a getter's URL, its path parameter is the caller's
        argument (through each helper it calls down to the one that makes the GET)."""
        if not isinstance(http, GetterCall) or http.argument is None or http.function is None:
            return self.value_of
        caller = self._calling_class(http)
        functions = [http.function, *(function for function, _, _ in http.layers)]

        def base(node: cst.Name | cst.Attribute | cst.Call) -> Resolved:
            found = self.value_of(node)
            if (
                found is None
                and caller is not None
                and isinstance(node, cst.Attribute)
                and isinstance(node.value, cst.Name)
                and node.value.value == "self"
                and any(a in functions for a in self.meta.ancestors(node))
            ):
                # A base class's helper reading what the class calling it defines (``self.API_ROOT``).
                return self.class_value(caller, node.attr.value)
            return found

        def layer(function: cst.FunctionDef, parameter: str, argument: Spliced, outer: _Resolve) -> _Resolve:
            def resolve(node: cst.Name | cst.Attribute | cst.Call) -> Resolved:
                if (
                    isinstance(node, cst.Name)
                    and node.value == parameter
                    and any(a is function for a in self.meta.ancestors(node))
                ):
                    return argument
                return outer(node)

            return resolve

        resolve: _Resolve = base
        argument = Spliced(url_parts(http.argument, base))
        resolve = layer(http.function, http.parameter, argument, base)
        for function, parameter, expression in http.layers:
            argument = Spliced(url_parts(expression, resolve))
            resolve = layer(function, parameter, argument, base)
        return resolve

    def _calling_class(self, http: GetterCall) -> cst.ClassDef | None:
        """The class of the object a request helper is called on (``self``, ``api = Client()``), when the
        helper is another class's (a base class's)."""
        if http.function is None or http.receiver_class is None:
            return None
        helper = next((a for a in self.meta.ancestors(http.function) if isinstance(a, cst.ClassDef)), None)
        return http.receiver_class if helper is not None and http.receiver_class is not helper else None

    def pair_value(self, node: cst.Name | cst.Attribute | cst.Call) -> cst.BaseExpression | None:
        """What a name or attribute holding query parameters or headers is bound to: a name's single
        value, ``self.auth`` assigned once in the class, or what a small function or method returns
        (``self._headers()``: a body that is only ``return {…}``)."""
        if isinstance(node, cst.Call):
            function = small_function(self.meta, node)
            return returned_expression(function) if function is not None else None
        if isinstance(node, cst.Name):
            return self.meta.single_value(node) or self.indexed_pairs(node)
        return self.instance_value(node) or self.indexed_pairs(node)

    def indexed_pairs(self, node: cst.Name | cst.Attribute) -> cst.Dict | None:
        """Another module's credentials constant (``settings.AUTH``, ``from settings import AUTH``), as a
        dict of its keys; its values stay where they are (they are not read, only dropped)."""
        module, name = self.imported(node)
        keys = self.index.credential_keys(module, name) if module else None
        if keys is None:
            return None
        return cst.Dict([cst.DictElement(cst.SimpleString(repr(k)), cst.Name(INDEXED)) for k in keys])

    def bound_value(self, referent: BaseAssignment) -> cst.BaseExpression | None:
        """What a binding holds: its assigned value, or the context manager of ``with … as name``."""
        value = self.meta.assigned_value(referent)
        if value is not None:
            return value
        node = assigned_node(referent)
        parent = self.meta.parent(node) if node is not None else None
        item = self.meta.parent(parent) if isinstance(parent, cst.AsName) else None
        return item.item if isinstance(item, cst.WithItem) else None

    def foreign_code_in(self, host: cst.BaseExpression) -> tuple[str, str] | None:
        """(code, module) of an expression of another module's code that ``host`` holds, if any."""
        for node, module in self.foreign_code.items():
            if node is host or contains(host, node):
                return cst.Module([]).code_for_node(node), module
        return None


def _assigns(statement: cst.Assign | cst.AnnAssign, name: str) -> bool:
    if isinstance(statement, cst.AnnAssign):
        return isinstance(statement.target, cst.Name) and statement.target.value == name
    return any(isinstance(t.target, cst.Name) and t.target.value == name for t in statement.targets)


_Resolve = Callable[[cst.Name | cst.Attribute | cst.Call], Resolved]


def contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
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


def aliases_binding(statement: cst.Import | cst.ImportFrom, name: str) -> list[cst.ImportAlias]:
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
