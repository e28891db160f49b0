"""Adapts what the code does with a v1 response, by following the value from the call to its readers.

A v1 answer travels through the code as the HTTP *response*, its JSON *payload*, and then the pieces of
the payload, whose shapes ``mapping`` describes per endpoint (lists; records such as a user or a course;
attempts). After the rewrite the helper's answer stands where the response was: ``.json()`` goes,
``raise_for_status()`` and status checks go (the helper raises on failure), the ``{"attempts": …}``
envelope of getUserCourseStats goes, and each field read from an attempt is renamed (``globalTime`` →
``timeSpent``…). Reading data that v2 no longer carries (a course's name) stops the rewrite with a message
that says where that data now lives.

Only values that provably come from the v1 response are touched, never every ``"globalTime"`` string of a
file. Any use the flow does not know — the response returned, an attempt passed to another function,
the payload printed whole — raises ``Unsupported`` with the reason, and the site is left for a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import Assignment

from codemods.mapping import ATTEMPT_FIELD_RENAMES, Endpoint, Shape
from codemods.planning.wrappers import WRAPPER_NAMES, shape_path
from codemods.reading.metadata import AmbiguousRead, Metadata
from codemods.results.wrappers import Export, WrapperState

#: The HTTP response, and the JSON payload of an answer with a v1 envelope, before they become data.
RESPONSE = Shape("response", "the response")
PAYLOAD = Shape("payload", "the JSON payload")


class Unsupported(Exception):
    """The code uses the response in a way the tool cannot adapt; the message says how."""

    def __init__(self, reason: str, rule: str = "unsupported-response-use") -> None:
        super().__init__(reason)
        self.rule = rule


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

    @property
    def empty(self) -> bool:
        return not (self.replace or self.remove or self.unwrap or self.unwrap_with or self.flatten)

    def merge(self, other: Edits) -> None:
        self.replace.update(other.replace)
        self.remove |= other.remove
        self.unwrap.update(other.unwrap)
        self.unwrap_with.update(other.unwrap_with)
        self.flatten.update(other.flatten)


#: Attributes of a response that hold its status code (requests, httpx; aiohttp), or say it succeeded.
_STATUS_CODE = frozenset({"status_code", "status"})
_SUCCESS = frozenset({"ok", "is_success"})
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


class ResponseFlow:
    """Follows one rewritten call's value through the code and records the edits that adapt it."""

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
        if node in self._seen or kind.kind == "value":
            return
        self._seen.add(node)
        parent = self.meta.parent(node)
        if isinstance(parent, cst.Assign) and parent.value is node:
            self._follow_assignment(parent, kind)
            return
        if isinstance(parent, (cst.AnnAssign, cst.NamedExpr)) and parent.value is node:
            target = parent.target
            if not isinstance(target, cst.Name):
                raise Unsupported(f"{kind.label} is unpacked or stored in an attribute")
            self._follow_name(target, kind)
            return
        if isinstance(parent, cst.Await) and parent.expression is node and kind.kind != "response":
            # ``await f()`` where ``f`` returns followed data: the awaited value is that data.
            self.follow(parent, kind)
            return
        if isinstance(parent, cst.Return):
            self._returned(parent, kind)
            return
        if (
            isinstance(parent, cst.DictComp)
            and parent.value is node
            and kind.kind not in ("response", "payload")
        ):
            # {e["course"]["_id"]: e["attempts"] for e in …}: a dict whose values are followed.
            self.follow(parent, Shape("mapping", f"a dict of {_bare(kind.label)}", item=kind))
            return
        handler = {
            "response": self._response,
            "payload": self._payload,
            "list": self._list,
            "record": self._record,
            "attempt": self._attempt,
            "mapping": self._mapping,
        }[kind.kind]
        handler(node, parent, kind)

    def _current(self, node: cst.CSTNode) -> cst.BaseExpression:
        """What the node becomes after the edits recorded so far."""
        replaced = self.edits.replace.get(node, node)
        assert isinstance(replaced, cst.BaseExpression)
        return replaced

    def _follow_assignment(self, assign: cst.Assign, kind: Shape) -> None:
        target = assign.targets[0].target if len(assign.targets) == 1 else None
        if isinstance(target, cst.Subscript) and kind.kind not in ("response", "payload"):
            self._stored(target, kind)
            return
        if not isinstance(target, cst.Name):
            raise Unsupported(
                f"{kind.label} is unpacked, stored in an attribute or assigned to several names"
            )
        self._follow_name(target, kind)

    def _stored(self, target: cst.Subscript, kind: Shape) -> None:
        """``results[key] = <followed value>`` into a dict made empty just for it (``results = {}``), one
        value per call of an N+1 loop: the dict is followed as a dict of such values."""
        container = target.value
        if not (isinstance(container, cst.Name) and isinstance(target.slice[0].slice, cst.Index)):
            raise Unsupported(f"{kind.label} is stored in an item of something other than a dict variable")
        name = container.value
        referents = self.meta.referents(container) or set()
        made = next(iter(referents)) if len(referents) == 1 else None
        value = self.meta.assigned_value(made) if made is not None else None
        if not (self._empty_dict(value) and isinstance(made, Assignment)):
            raise Unsupported(f"{kind.label} is stored in {name}, which is not a dict made empty for it")
        try:
            reads = self.meta.reads(made)
        except AmbiguousRead as error:
            raise Unsupported(str(error)) from None
        mapping = Shape("mapping", f"a dict of {_bare(kind.label)}", item=kind)
        for read in reads:
            item = self.meta.parent(read)
            if isinstance(item, cst.Subscript) and isinstance(self.meta.parent(item), cst.AssignTarget):
                if item is not target:
                    raise Unsupported(f"{name} holds other values than {kind.label}")
                continue
            if not self._dropped(read):
                self.follow(read, mapping)

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
            raise Unsupported(f"{kind.label} is assigned to {target.value}, whose readers cannot be found")
        try:
            reads = self.meta.reads(binding)
        except AmbiguousRead as error:
            raise Unsupported(str(error)) from None
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

    # --- the response -------------------------------------------------------------------------------

    def _response(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        payload = self._decoded(node, parent)
        if payload is not None:
            self.edits.replace[payload] = self._current(node)
            self.follow(payload, PAYLOAD if self.endpoint.envelope else self.endpoint.response)
            return
        if not (isinstance(parent, cst.Attribute) and parent.value is node):
            raise Unsupported(self._escape(kind, parent))
        attr = parent.attr.value
        call = self.meta.parent(parent)
        called = isinstance(call, cst.Call) and call.func is parent and not call.args
        if attr == "json" and called:
            assert isinstance(call, cst.Call)
            # aiohttp: ``await r.json()``; requests, httpx: ``r.json()``.
            awaited = self.meta.parent(call)
            decoded = awaited if isinstance(awaited, cst.Await) and awaited.expression is call else call
            self.edits.replace[decoded] = self._current(node)
            self.follow(decoded, PAYLOAD if self.endpoint.envelope else self.endpoint.response)
        elif attr == "raise_for_status" and called:
            assert call is not None
            statement = self.meta.parent(call)
            if not isinstance(statement, cst.Expr):
                raise Unsupported("the value of raise_for_status() is used")
            self.edits.remove.add(statement)
        elif attr in _STATUS_CODE or attr in _SUCCESS:
            self._status_check(parent)
        else:
            raise Unsupported(f"the response's .{attr} has no v2 equivalent in the helper")

    def _decoded(self, node: cst.BaseExpression, parent: cst.CSTNode | None) -> cst.Call | None:
        """``json.load(resp)`` or ``json.loads(resp.read())``: the standard library's way to the payload."""
        argument: cst.CSTNode | None = parent
        if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value == "read":
            read = self.meta.parent(parent)
            if isinstance(read, cst.Call) and not read.args:
                argument = self.meta.parent(read)
        if not (isinstance(argument, cst.Arg) and argument.keyword is None):
            return None
        call = self.meta.parent(argument)
        if not (isinstance(call, cst.Call) and len(call.args) == 1):
            return None
        expected = "json.loads" if argument.value is not node else "json.load"
        return call if expected in self.meta.qualified_names(call.func) else None

    def _status_check(self, attribute: cst.Attribute) -> None:
        """``if r.ok:``, ``if r.status_code != 200:``, ``assert r.status_code == 200``…"""
        test: cst.BaseExpression = attribute
        success = True
        parent = self.meta.parent(attribute)
        if attribute.attr.value in _STATUS_CODE:
            if not (
                isinstance(parent, cst.Comparison)
                and len(parent.comparisons) == 1
                and isinstance(parent.comparisons[0].comparator, cst.Integer)
                and parent.comparisons[0].comparator.value == "200"
                and isinstance(parent.comparisons[0].operator, (cst.Equal, cst.NotEqual))
            ):
                raise Unsupported("the response's status code is compared to something other than 200")
            success = isinstance(parent.comparisons[0].operator, cst.Equal)
            test = parent
            parent = self.meta.parent(parent)
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
            success = not success
            test = parent
            parent = self.meta.parent(parent)
        if isinstance(parent, cst.Assert) and parent.test is test and success:
            self.edits.remove.add(parent)
            return
        if isinstance(parent, cst.If) and parent.test is test:
            if isinstance(self.meta.parent(parent), cst.If):
                raise Unsupported("the response's status is tested in an elif")
            if not success and isinstance(parent.orelse, cst.If):
                raise Unsupported("the response's status is tested in an if/elif chain")
            self.edits.unwrap[parent] = "body" if success else "orelse"
            return
        raise Unsupported("the response's status is used other than in an if or assert")

    # --- the payload --------------------------------------------------------------------------------

    def _payload(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        """The ``{"attempts": [...]}`` envelope of a v1 answer: v2 answers the list itself."""
        key = self.endpoint.envelope
        if isinstance(parent, cst.Subscript) and parent.value is node and _index_key(parent) == key:
            self.edits.replace[parent] = self._current(node)
            self.follow(parent, self.endpoint.response)
            return
        if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value == "get":
            call = self.meta.parent(parent)
            if isinstance(call, cst.Call) and call.args and _string(call.args[0].value) == key:
                self.edits.replace[call] = self._current(node)
                self.follow(call, self.endpoint.response)
                return
        raise Unsupported(
            self._escape(kind, parent) + f"; in v2 the answer is {self.endpoint.response.label} itself"
        )

    # --- lists --------------------------------------------------------------------------------------

    def _list(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        item = kind.item
        assert item is not None
        if kind is self.endpoint.response:
            if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
                self.answer_loops.append(parent)
            else:
                self.answer_used_otherwise = True
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
            self._bind_target(parent.target, item)
            return
        if isinstance(parent, cst.Subscript) and parent.value is node and len(parent.slice) == 1:
            index = parent.slice[0].slice
            if isinstance(index, cst.Index) and _is_int(index.value):
                self.follow(parent, item)
                return
            if isinstance(index, cst.Slice):
                self.follow(parent, kind)
                return
        if isinstance(parent, (cst.If, cst.While, cst.CompIf)) and parent.test is node:
            return
        if isinstance(parent, cst.Return):
            self._returned(parent, kind)
            return
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
            return
        if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value == "sort":
            call = self.meta.parent(parent)
            if isinstance(call, cst.Call):
                self._key_functions(call, item)
                return
        if isinstance(parent, cst.Arg) and parent.keyword is None and self._builtin_use(parent, kind):
            return
        raise Unsupported(self._escape(kind, parent))

    def _builtin_use(self, arg: cst.Arg, kind: Shape) -> bool:
        """``len(xs)``, ``sorted(xs, key=…)``, ``max(xs, key=…)``, ``for i, x in enumerate(xs)``…"""
        item = kind.item
        assert item is not None
        call = self.meta.parent(arg)
        if not (isinstance(call, cst.Call) and call.args and call.args[0] is arg):
            return False
        builtin = self.meta.builtin(call)
        rest_are_keywords = all(a.keyword is not None for a in call.args[1:])
        if builtin in _READ_ONLY:
            return True
        if builtin in _SAME_ITEMS and rest_are_keywords:
            self._key_functions(call, item)
            self.follow(call, kind)
            return True
        if builtin in _ONE_ITEM and rest_are_keywords:
            self._key_functions(call, item)
            self.follow(call, item)
            return True
        if builtin == "enumerate":
            loop = self.meta.parent(call)
            if isinstance(loop, (cst.For, cst.CompFor)) and loop.iter is call:
                target = loop.target
                if isinstance(target, cst.Tuple) and len(target.elements) == 2:
                    self._bind_target(target.elements[1].value, item)
                    return True
        return False

    def _returned(self, statement: cst.Return, kind: Shape) -> None:
        """A value returned by a function is followed into every call of the function.

        Calls in this module are followed here: direct calls of a function, ``self.name(…)`` calls of a
        method inside its class. When the function can be called from elsewhere (it is public and the
        module is not a script, or it is a method), it is also *exported* for the engine to adapt its
        callers in every module, or to block it when one of them cannot be adapted.
        """
        if kind is self.endpoint.response:
            self.answer_used_otherwise = True
        function = next((a for a in self.meta.ancestors(statement) if isinstance(a, cst.FunctionDef)), None)
        owners = [
            a
            for a in self.meta.ancestors(function or statement)
            if isinstance(a, (cst.FunctionDef, cst.ClassDef))
        ]
        if function is None or len(owners) > 1 or (owners and isinstance(owners[0], cst.FunctionDef)):
            raise Unsupported(f"{kind.label} is returned, so its readers elsewhere cannot be adapted")
        cls = owners[0] if owners else None
        assert cls is None or isinstance(cls, cst.ClassDef)
        name = function.name.value
        label = f"{cls.name.value}.{name}" if cls is not None else name
        qualified = ".".join(p for p in (self.returns.module, label) if p)
        state = self.returns.state
        if qualified in state.blocked:
            raise Unsupported(state.blocked[qualified])
        if cls is None:
            self._calls_of_function(function, kind)
            if name.startswith("_") or self.meta.is_script:
                return
        else:
            self._calls_of_method(cls, name, kind)
            if name.startswith("_") and not name.startswith("__"):
                return
        if not state.enabled:
            raise Unsupported(
                f"{kind.label} is returned by {label}(), which other modules may call: adapt its callers"
            )
        if cls is not None and name not in WRAPPER_NAMES and qualified not in state.declared:
            raise Unsupported(
                f"{kind.label} is returned by {label}(), whose callers cannot be found by its name: "
                "declare it under [tool.migrate-360learning] wrappers"
            )
        path = shape_path(self.endpoint, kind, RESPONSE, PAYLOAD)
        if path is None:
            raise Unsupported(f"{kind.label} is returned by {label}(), and is not part of the v1 answer")
        line, _ = self.meta.position(function)
        export = Export(qualified, self.endpoint.name, path, cls is not None, self.returns.path, line)
        if export not in self.returns.exports:
            self.returns.exports.append(export)

    def _calls_of_function(self, function: cst.FunctionDef, kind: Shape) -> None:
        name = function.name.value
        binding = self.meta.binding(function.name)
        if binding is None:
            raise Unsupported(f"{kind.label} is returned by {name}(), whose callers cannot be found")
        for read in binding.references:
            call = self.meta.parent(read.node)
            if not (isinstance(call, cst.Call) and call.func is read.node):
                raise Unsupported(f"{kind.label} is returned by {name}(), which is used other than by a call")
            self.follow(call, kind)

    def _calls_of_method(self, cls: cst.ClassDef, name: str, kind: Shape) -> None:
        """``self.name(…)`` inside the class: its other callers are found by the engine, by name."""
        found: list[cst.Attribute] = []

        class Reads(cst.CSTVisitor):
            def visit_Attribute(self, node: cst.Attribute) -> None:
                if (
                    node.attr.value == name
                    and isinstance(node.value, cst.Name)
                    and node.value.value == "self"
                ):
                    found.append(node)

        cls.body.visit(Reads())
        for attribute in found:
            call = self.meta.parent(attribute)
            if not (isinstance(call, cst.Call) and call.func is attribute):
                label = f"{cls.name.value}.{name}"
                raise Unsupported(f"{kind.label} is returned by {label}(), used other than by a call")
            self.follow(call, kind)

    def _key_functions(self, call: cst.Call, item: Shape) -> None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "key":
                key = arg.value
                if not (isinstance(key, cst.Lambda) and len(key.params.params) == 1):
                    raise Unsupported(f"{item.label} is sorted with a key that is not a one-argument lambda")
                self._bind_target(key.params.params[0].name, item)

    def _bind_target(self, target: cst.BaseExpression, kind: Shape) -> None:
        if not isinstance(target, cst.Name):
            raise Unsupported(f"{kind.label} is unpacked into several names")
        self._follow_name(target, kind)

    # --- dicts built from the answer ---------------------------------------------------------------

    def _mapping(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        """A dict whose values are followed: ``d[k]``, ``d.get(k)``, ``d.values()``, ``d.items()`` in a
        loop; its keys (``len(d)``, ``k in d``, a loop over ``d``) need nothing."""
        item = kind.item
        assert item is not None
        if (
            isinstance(parent, cst.Subscript)
            and parent.value is node
            and len(parent.slice) == 1
            and isinstance(parent.slice[0].slice, cst.Index)
        ):
            self.follow(parent, item)
            return
        if isinstance(parent, cst.Attribute) and parent.value is node:
            call = self.meta.parent(parent)
            method = parent.attr.value
            if isinstance(call, cst.Call) and call.func is parent:
                if method == "get" and call.args:
                    self.follow(call, item)
                    return
                if method == "keys" and not call.args:
                    return
                if method == "values" and not call.args:
                    self.follow(call, Shape("list", f"the values of {kind.label}", item=item))
                    return
                if method == "items" and not call.args:
                    # ``for k, v in d.items()``, also through ``sorted(…)``, ``list(…)``…
                    pairs: cst.BaseExpression = call
                    arg = self.meta.parent(pairs)
                    while isinstance(arg, cst.Arg) and arg.keyword is None:
                        outer = self.meta.parent(arg)
                        if not (
                            isinstance(outer, cst.Call)
                            and outer.args[0] is arg
                            and self.meta.builtin(outer) in _SAME_ITEMS
                            and all(a.keyword is not None for a in outer.args[1:])
                        ):
                            break
                        pairs, arg = outer, self.meta.parent(outer)
                    loop = self.meta.parent(pairs)
                    if isinstance(loop, (cst.For, cst.CompFor)) and loop.iter is pairs:
                        target = loop.target
                        if isinstance(target, cst.Tuple) and len(target.elements) == 2:
                            self._bind_target(target.elements[1].value, item)
                            return
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
            return
        if isinstance(parent, cst.ComparisonTarget) and parent.comparator is node:
            return
        if isinstance(parent, cst.Arg) and parent.keyword is None:
            call = self.meta.parent(parent)
            if isinstance(call, cst.Call) and self.meta.builtin(call) in _READ_ONLY | {"sorted", "list"}:
                return
        raise Unsupported(self._escape(kind, parent))

    # --- records and attempts ----------------------------------------------------------------------

    def _record(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        found = self._key_read(node, parent)
        if found is None:
            raise Unsupported(self._escape(kind, parent))
        key, reader, _ = found
        if key in kind.gone:
            raise Unsupported(kind.gone[key], rule="data-gone-in-v2")
        if key not in kind.fields:
            raise Unsupported(f"{kind.label} has no key {key!r} in what the helper returns")
        if not isinstance(reader, cst.Comparison):
            self.follow(reader, kind.fields[key])

    def _attempt(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        found = self._key_read(node, parent)
        if found is not None:
            self._rename(found[2])
            return
        if isinstance(parent, (cst.ListComp, cst.GeneratorExp)) and parent.elt is node:
            self.follow(parent, Shape("list", f"a list of {kind.label[3:]}s", item=kind))
            return
        raise Unsupported(self._escape(kind, parent) + "; its fields are renamed in v2")

    def _key_read(
        self, node: cst.BaseExpression, parent: cst.CSTNode | None
    ) -> tuple[str, cst.BaseExpression, cst.SimpleString] | None:
        """A literal key read from a dict: ``d["k"]``, ``d.get("k", …)`` or ``"k" in d``.

        Returns the key, the expression whose value is what was read, and the key's string node.
        """
        if isinstance(parent, cst.Subscript) and parent.value is node and len(parent.slice) == 1:
            index = parent.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                return _keyed(index.value, parent)
        if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value == "get":
            call = self.meta.parent(parent)
            if isinstance(call, cst.Call) and call.args and isinstance(call.args[0].value, cst.SimpleString):
                return _keyed(call.args[0].value, call)
        if isinstance(parent, cst.ComparisonTarget) and parent.comparator is node:
            comparison = self.meta.parent(parent)
            if (
                isinstance(parent.operator, (cst.In, cst.NotIn))
                and isinstance(comparison, cst.Comparison)
                and len(comparison.comparisons) == 1
                and isinstance(comparison.left, cst.SimpleString)
            ):
                return _keyed(comparison.left, comparison)
        return None

    def _rename(self, key: cst.SimpleString) -> None:
        value = key.evaluated_value
        if isinstance(value, str) and value in ATTEMPT_FIELD_RENAMES:
            quote = key.quote
            self.edits.replace[key] = key.with_changes(
                value=key.prefix + quote + ATTEMPT_FIELD_RENAMES[value] + quote
            )

    # --- messages -----------------------------------------------------------------------------------

    def _escape(self, kind: Shape, parent: cst.CSTNode | None) -> str:
        if isinstance(parent, cst.Return):
            return f"{kind.label} is returned, so its readers elsewhere cannot be adapted"
        if isinstance(parent, cst.Arg):
            call = self.meta.parent(parent)
            if isinstance(call, cst.Call):
                name = self.meta.module.code_for_node(call.func)
                return f"{kind.label} is passed to {name}(), which the tool cannot adapt"
        return f"{kind.label} is used in a way the tool cannot adapt"


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
