"""A followed value returned by a function: followed into the function's calls in the module, and
exported, when other modules may call it, for the engine to adapt their reads
(``codemods.planning.wrappers``)."""

from __future__ import annotations

import libcst as cst

from codemods.mapping import PAYLOAD, RESPONSE, Shape, ShapeKind
from codemods.mapping.clients import CACHE_DECORATORS, CACHE_METHODS
from codemods.mapping.reasons import Review
from codemods.planning.flow_state import FlowState
from codemods.planning.wrappers import WRAPPER_NAMES, shape_path
from codemods.results.wrappers import Export


class ReturnedValues(FlowState):
    def _yielded(self, expression: cst.Yield, kind: Shape) -> None:
        """A value yielded by a generator (``yield attempt``, or each item of ``yield from attempts``):
        the generator's calls are lists of such values, followed as a returned value is."""
        if isinstance(expression.value, cst.From):
            if kind.item is None or kind.kind is not ShapeKind.LIST:
                raise Review("yielded", label=kind.label)
            item = kind.item
        else:
            item = kind
        if not isinstance(self.meta.parent(expression), cst.Expr):
            raise Review("yielded", label=kind.label)  # ``x = yield value``: a coroutine's protocol
        self._returned(
            expression, Shape(ShapeKind.LIST, f"the values a generator yields ({item.label})", item=item)
        )

    def _returned(self, statement: cst.Return | cst.Yield, kind: Shape) -> None:
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
            raise Review("returned", label=kind.label)
        cls = owners[0] if owners else None
        assert cls is None or isinstance(cls, cst.ClassDef)
        name = function.name.value
        label = f"{cls.name.value}.{name}" if cls is not None else name
        qualified = ".".join(p for p in (self.returns.module, label) if p)
        state = self.returns.state
        if qualified in state.blocked:
            raise Review.told("wrapper-blocked", state.blocked[qualified])
        if cls is None:
            self._calls_of_function(function, kind)
            if name.startswith("_") or self.meta.is_script:
                return
        else:
            self._calls_of_method(cls, name, kind)
            if name.startswith("_") and not name.startswith("__"):
                return
            outside = self._calls_outside(cls, name) if self.meta.is_script else None
            if outside is not None:
                # A method of a script's class, called only by the class and on objects the script
                # makes from it (``api = Client()``, then ``api.name(…)``).
                for call in outside:
                    self.follow(call, kind)
                return
        if not state.enabled:
            raise Review("returned-by-public-function", label=kind.label, label2=label)
        if cls is not None and name not in WRAPPER_NAMES and qualified not in state.declared:
            raise Review("wrapper-name-unknown", label=kind.label, name=label)
        path = shape_path(self.endpoint, kind, RESPONSE, PAYLOAD)
        if path is None:
            raise Review("returned-not-part-of-answer", label=kind.label, label2=label)
        line, _ = self.meta.position(function)
        export = Export(qualified, self.endpoint.name, path, cls is not None, self.returns.path, line)
        if export not in self.returns.exports:
            self.returns.exports.append(export)

    def _calls_of_function(self, function: cst.FunctionDef, kind: Shape) -> None:
        name = function.name.value
        binding = self.meta.binding(function.name)
        if binding is None:
            raise Review("returned-callers-not-found", label=kind.label, name=name)
        cached = any(self._is_cache(d.decorator) for d in function.decorators)
        for read in binding.references:
            call = self.meta.parent(read.node)
            if cached and isinstance(call, cst.Attribute) and call.attr.value in CACHE_METHODS:
                continue  # ``fetch.cache_info()``, ``fetch.cache_clear()``: the cache, not the answer
            if not (isinstance(call, cst.Call) and call.func is read.node):
                raise Review("returned-function-not-called", label=kind.label, name=name)
            self.follow(call, kind)

    def _is_cache(self, decorator: cst.BaseExpression) -> bool:
        """``@functools.cache``, ``@lru_cache``, ``@lru_cache(maxsize=…)``: what the function returns is
        kept and returned again, unchanged."""
        target = decorator.func if isinstance(decorator, cst.Call) else decorator
        return bool(self.meta.qualified_names(target) & CACHE_DECORATORS)

    def _calls_outside(self, cls: cst.ClassDef, name: str) -> list[cst.Call] | None:
        """The calls of ``.name`` the module makes outside the class, each on a name bound once to an
        object of the class (``api = Client()``); ``None`` when it names ``.name`` any other way."""
        calls: list[cst.Call] = []
        for node in self.meta.nodes(cst.Attribute):
            if node.attr.value != name:
                continue
            receiver = node.value
            if isinstance(receiver, cst.Name) and receiver.value == "self" and self.meta.contains(cls, node):
                continue
            call = self.meta.parent(node)
            made = self.meta.single_value(receiver) if isinstance(receiver, cst.Name) else None
            if not (
                isinstance(call, cst.Call)
                and call.func is node
                and isinstance(made, cst.Call)
                and isinstance(made.func, cst.Name)
                and self.meta.definition(made.func) is cls
            ):
                return None
            calls.append(call)
        return calls

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
                raise Review("returned-method-not-called", label=kind.label, label2=label)
            self.follow(call, kind)
