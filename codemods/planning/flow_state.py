"""The state a followed v1 value carries through the code, and the edits that adapt its readers.

``codemods.planning.flow`` follows the value; its kinds of reader are in ``flow_response`` (the HTTP
response, its status, its JSON payload), ``flow_data`` (lists, records, attempts, dicts of answers) and
``flow_returns`` (a value returned by a function, followed into its callers). They share what this module
holds: the edits recorded so far, what was seen, and the helpers every kind of reader needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import libcst as cst
from libcst.metadata import Assignment

from codemods.mapping import Endpoint, Shape, ShapeKind
from codemods.mapping.reasons import Review
from codemods.reading.metadata import Metadata
from codemods.results.wrappers import Export, WrapperState


@dataclass
class Edits:
    """Changes to the original tree, keyed by original node."""

    replace: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    #: Small statements to delete (``r.raise_for_status()``, ``assert r.ok``…).
    remove: set[cst.CSTNode] = field(default_factory=set)
    #: ``if`` statements on the response's status, replaced by the branch that runs on success.
    unwrap: dict[cst.If, str] = field(default_factory=dict)
    #: ``with client.get(…) as r:`` → ``r = <helper call>`` followed by the body.
    #: ``with httpx.Client() as c:`` whose client nothing reads any more → the body alone (``None``).
    unwrap_with: dict[cst.With, cst.SimpleStatementLine | None] = field(default_factory=dict)
    #: A loop (or comprehension clause) over a nested answer → how many loops nested in it merge into it
    #: (``codemods.planning.flat_loops``).
    flatten: dict[cst.For | cst.CompFor, int] = field(default_factory=dict)
    #: Parameters of the module's functions a followed value was passed into
    #: (``codemods.planning.flow_params``): the shape, the arguments the site's value reaches, and the
    #: argument every call of the function passes for it.
    passed: dict[cst.Param, tuple[Shape, set[cst.CSTNode], frozenset[cst.CSTNode]]] = field(
        default_factory=dict
    )
    #: ``Export.key`` of another module's function → the arguments a site's value reaches it by.
    sent: dict[str, set[cst.CSTNode]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.replace or self.remove or self.unwrap or self.unwrap_with or self.flatten)

    def merge(self, other: Edits) -> None:
        self.replace.update(other.replace)
        self.remove |= other.remove
        self.unwrap.update(other.unwrap)
        self.unwrap_with.update(other.unwrap_with)
        self.flatten.update(other.flatten)
        for key, values in other.sent.items():
            self.sent.setdefault(key, set()).update(values)
        for param, (shape, reached, needed) in other.passed.items():
            self.passed.setdefault(param, (shape, set(), needed))[1].update(reached)


#: Attributes of a response that hold its status code (requests, httpx; aiohttp), or say it succeeded.
#: Builtins that read a list without letting its items escape.
_READ_ONLY = frozenset({"len", "bool"})
#: Builtins that return the same items, as a new list (or iterator).
_SAME_ITEMS = frozenset({"list", "sorted", "reversed", "tuple"})
#: Builtins that pick one item.
_ONE_ITEM = frozenset({"max", "min"})


@dataclass
class Returns:
    """What following a value out of the function that returns it needs (see
    ``codemods.planning.wrappers``)."""

    #: The dotted name of the module, and the path findings give it.
    module: str
    path: str
    state: WrapperState = field(default_factory=WrapperState)
    #: The wrappers this module exports, found while following values.
    exports: list[Export] = field(default_factory=list)
    #: The dotted names of the repository's modules: a function of one of them may take a v1 value.
    modules: frozenset[str] = frozenset()


#: The methods that change a list in place.
_CHANGES: Final = frozenset({"append", "extend", "insert", "__setitem__", "__iadd__"})


class FlowState:
    """What every kind of reader of a followed value reads and records (see the module's docstring)."""

    def __init__(
        self, meta: Metadata, edits: Edits, endpoint: Endpoint, returns: Returns | None = None
    ) -> None:
        self.meta = meta
        self.edits = edits
        self.endpoint = endpoint
        self.returns = returns or Returns("", "")
        self._seen: set[cst.CSTNode] = set()
        #: The ``for`` statements that loop over the whole answer, and whether it has any other use:
        #: a single such loop and nothing else may become one loop over the flat records.
        self.answer_loops: list[cst.For | cst.CompFor] = []
        self.answer_used_otherwise = False

    def follow(self, node: cst.BaseExpression, kind: Shape) -> None:
        """Follow ``node``, a value of shape ``kind``, to its readers (``codemods.planning.flow``)."""
        raise NotImplementedError

    def _returned(self, statement: cst.Return | cst.Yield, kind: Shape) -> None:
        """Follow a returned value into the calls of its function (``codemods.planning.flow_returns``)."""
        raise NotImplementedError

    def _yielded(self, expression: cst.Yield, kind: Shape) -> None:
        """Follow a yielded value into the calls of its generator (``codemods.planning.flow_returns``)."""
        raise NotImplementedError

    def _escape(self, kind: Shape, parent: cst.CSTNode | None) -> Review:
        """Why a value of shape ``kind`` read by ``parent`` cannot be followed."""
        if isinstance(parent, cst.Return):
            return Review("returned", label=kind.label)
        if isinstance(parent, cst.Arg):
            call = self.meta.parent(parent)
            if isinstance(call, cst.Call):
                return Review(
                    "passed-to-function", label=kind.label, name=self.meta.module.code_for_node(call.func)
                )
        return Review("used-other-way", label=kind.label)

    def _current(self, node: cst.CSTNode) -> cst.BaseExpression:
        """What the node becomes after the edits recorded so far."""
        replaced = self.edits.replace.get(node, node)
        assert isinstance(replaced, cst.BaseExpression)
        return replaced

    def _follow_assignment(self, assign: cst.Assign, kind: Shape) -> None:
        target = assign.targets[0].target if len(assign.targets) == 1 else None
        if isinstance(target, cst.Subscript) and kind.kind is not ShapeKind.RESPONSE:
            self._stored(target, kind)
            return
        if isinstance(target, (cst.Tuple, cst.List)) and kind.kind is ShapeKind.TUPLE:
            self._unpack(target, kind)
            return
        if not isinstance(target, cst.Name):
            raise Review("assigned-not-to-a-name", label=kind.label)
        self._follow_name(target, kind)

    def _unpack(self, target: cst.Tuple | cst.List, kind: Shape) -> None:
        """``data, n = <a followed tuple>``: each name takes its item, when the counts match."""
        elements = list(target.elements)
        if len(elements) != len(kind.items) or not all(
            isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in elements
        ):
            raise Review("unpacked-or-stored", label=kind.label)
        for element, item in zip(elements, kind.items, strict=True):
            assert isinstance(element.value, cst.Name)
            if item.kind is not ShapeKind.VALUE:
                self._follow_name(element.value, item)

    def _stored(self, target: cst.Subscript, kind: Shape) -> None:
        """``results[key] = <followed value>`` into a dict made empty just for it (``results = {}``), one
        value per call of an N+1 loop: the dict is followed as a dict of such values."""
        container = target.value
        if not (isinstance(container, cst.Name) and isinstance(target.slice[0].slice, cst.Index)):
            raise Review("stored-not-in-dict-variable", label=kind.label)
        name = container.value
        made = self._made_empty(container, self._empty_dict)
        if made is None:
            raise Review("stored-in-dict-not-empty", label=kind.label, name=name)
        reads = self.meta.reads(made)
        mapping = Shape(ShapeKind.MAPPING, f"a dict of {_bare(kind.label)}", item=kind)
        for read in reads:
            item = self.meta.parent(read)
            if isinstance(item, cst.Subscript) and isinstance(self.meta.parent(item), cst.AssignTarget):
                if item is not target:
                    raise Review("dict-holds-other-values", name=name, label=kind.label)
                continue
            if not self._dropped(read):
                self.follow(read, mapping)

    def _appended(self, arg: cst.Arg, kind: Shape) -> bool:
        """``results.append(<followed value>)``, a statement of its own, into a list made empty just for
        it (``results = []``): the list is followed as a list of such values. Any other change of the
        list (another ``append``, ``extend``, an item assigned) stops the rewrite."""
        call = self.meta.parent(arg)
        func = call.func if isinstance(call, cst.Call) else None
        if not (
            isinstance(call, cst.Call)
            and isinstance(func, cst.Attribute)
            and func.attr.value == "append"
            and isinstance(func.value, cst.Name)
            and len(call.args) == 1
            and arg.keyword is None
            and not arg.star
            and isinstance(self.meta.parent(call), cst.Expr)
            and kind.kind is not ShapeKind.RESPONSE
        ):
            return False
        container = func.value
        made = self._made_empty(container, self._empty_list)
        if made is None:
            return False  # not a list made for it: passed to a method, as before
        listing = Shape(ShapeKind.LIST, f"a list of {_bare(kind.label)}", item=kind)
        for read in self.meta.reads(made):
            reader = self.meta.parent(read)
            if reader is func:
                continue
            if isinstance(reader, cst.Attribute) and reader.value is read and reader.attr.value in _CHANGES:
                raise Review("list-holds-other-values", name=container.value, label=kind.label)
            if isinstance(reader, cst.Subscript) and isinstance(self.meta.parent(reader), cst.AssignTarget):
                raise Review("list-holds-other-values", name=container.value, label=kind.label)
            if not self._dropped(read):
                self.follow(read, listing)
        return True

    def _made_empty(
        self, container: cst.Name, empty: Callable[[cst.BaseExpression | None], bool]
    ) -> Assignment | None:
        """The one assignment of the container a value is stored into, when it makes it ``empty``
        (``results = {}``, ``done = []``): a container made just for such values."""
        referents = self.meta.referents(container) or set()
        made = next(iter(referents)) if len(referents) == 1 else None
        value = self.meta.assigned_value(made) if made is not None else None
        return made if isinstance(made, Assignment) and empty(value) else None

    def _empty_list(self, node: cst.BaseExpression | None) -> bool:
        """``[]`` or ``list()``."""
        if isinstance(node, cst.List):
            return not node.elements
        return isinstance(node, cst.Call) and self.meta.builtin(node) == "list" and not node.args

    def _empty_dict(self, node: cst.BaseExpression | None) -> bool:
        """``{}`` or ``dict()``."""
        if isinstance(node, cst.Dict):
            return not node.elements
        return isinstance(node, cst.Call) and self.meta.builtin(node) == "dict" and not node.args

    def follow_name(self, target: cst.Name, kind: Shape) -> None:
        """Follow the value bound to a name (``with … as r``) to every read of it."""
        self._follow_name(target, kind)

    def _follow_name(self, target: cst.Name, kind: Shape) -> None:
        binding = self.meta.binding(target)
        if binding is None:
            raise Review("assigned-readers-not-found", label=kind.label, target=target.value)
        reads = self.meta.reads(binding)
        # Status tests first: what they drop (an error branch) need not be adapted.
        for read in sorted(reads, key=lambda r: not self._in_test(r)):
            if not self._dropped(read):
                self.follow(read, kind)

    def _in_test(self, node: cst.CSTNode) -> bool:
        child = node
        for ancestor in self.meta.ancestors(node):
            if isinstance(ancestor, (cst.If, cst.Assert)) and ancestor.test is child:
                return True
            if isinstance(ancestor, cst.BaseStatement):
                return False
            child = ancestor
        return False

    def _dropped(self, node: cst.CSTNode) -> bool:
        """Whether the node lies in a branch that an unwrapped status check removes."""
        child = node
        for ancestor in self.meta.ancestors(node):
            if isinstance(ancestor, cst.If) and ancestor in self.edits.unwrap:
                kept = ancestor.body if self.edits.unwrap[ancestor] == "body" else ancestor.orelse
                if child is not kept and child is not ancestor.test:
                    return True
            child = ancestor
        return False


def _bare(label: str) -> str:
    """ "the list of attempts" → "lists of attempts", for the label of a dict of them."""
    for article in ("the ", "a ", "an "):
        if label.startswith(article):
            head, _, rest = label[len(article) :].partition(" ")
            return f"{head}s {rest}".strip()
    return label


def _keyed(
    string: cst.SimpleString, reader: cst.BaseExpression
) -> tuple[str, cst.BaseExpression, cst.SimpleString] | None:
    key = _string(string)
    return (key, reader, string) if key is not None else None


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _index_key(subscript: cst.Subscript) -> str | None:
    if len(subscript.slice) != 1:
        return None
    index = subscript.slice[0].slice
    return _string(index.value) if isinstance(index, cst.Index) else None


def _is_int(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Integer):
        return True
    return (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
    )
