"""The readers of v1 data: lists and what iterates them, records and their keys, attempts and their
fields (renamed), dicts of answers; data v2 does not carry stops the rewrite with where it now lives."""

from __future__ import annotations

import libcst as cst

from codemods.mapping import ATTEMPT_FIELD_RENAMES, Shape, ShapeKind
from codemods.mapping.reasons import Review
from codemods.planning.flow_state import (
    _ONE_ITEM,
    _READ_ONLY,
    _SAME_ITEMS,
    FlowState,
    _is_int,
    _keyed,
)


class DataReads(FlowState):
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
        if isinstance(parent, (cst.If, cst.While, cst.CompIf, cst.IfExp)) and parent.test is node:
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
        raise self._escape(kind, parent)

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

    def _key_functions(self, call: cst.Call, item: Shape) -> None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "key":
                key = arg.value
                if not (isinstance(key, cst.Lambda) and len(key.params.params) == 1):
                    raise Review("sort-key-not-lambda", label=item.label)
                self._bind_target(key.params.params[0].name, item)

    def _bind_target(self, target: cst.BaseExpression, kind: Shape) -> None:
        if isinstance(target, (cst.Tuple, cst.List)) and kind.kind is ShapeKind.TUPLE:
            self._unpack(target, kind)
            return
        if not isinstance(target, cst.Name):
            raise Review("unpacked", label=kind.label)
        self._follow_name(target, kind)

    def _tuple(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        """A tuple one of whose items is followed: ``t[1]``, returned, or unpacked where it is assigned
        (``data, n = fetch()``, ``for cid, payload in rows``)."""
        if isinstance(parent, cst.Subscript) and parent.value is node and len(parent.slice) == 1:
            index = parent.slice[0].slice
            if (
                isinstance(index, cst.Index)
                and isinstance(index.value, cst.Integer)
                and int(index.value.value) < len(kind.items)
            ):
                self.follow(parent, kind.items[int(index.value.value)])
                return
        if isinstance(parent, cst.Return):
            self._returned(parent, kind)
            return
        raise self._escape(kind, parent)

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
                    self.follow(call, Shape(ShapeKind.LIST, f"the values of {kind.label}", item=item))
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
        raise self._escape(kind, parent)

    def _record(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        found = self._key_read(node, parent)
        if found is None:
            raise self._escape(kind, parent)
        key, reader, _ = found
        if key in kind.gone:
            raise Review("field-without-v2", field=kind.gone[key])
        if key not in kind.fields:
            raise Review("key-not-in-helper-answer", label=kind.label, key=key)
        if not isinstance(reader, cst.Comparison):
            self.follow(reader, kind.fields[key])

    def _attempt(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        found = self._key_read(node, parent)
        if found is not None:
            self._rename(found[2])
            return
        if isinstance(parent, (cst.ListComp, cst.GeneratorExp)) and parent.elt is node:
            self.follow(parent, Shape(ShapeKind.LIST, f"a list of {kind.label[3:]}s", item=kind))
            return
        raise self._escape(kind, parent).then("then-fields-renamed")

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
