"""The readers of the HTTP response: ``.json()`` and ``json.load``, ``raise_for_status()``, status
checks, and the ``{"attempts": …}`` envelope of the payload, which all go in v2."""

from __future__ import annotations

import libcst as cst

from codemods.mapping import PAYLOAD, Shape
from codemods.mapping.clients import JSON_METHOD, RAISE_FOR_STATUS, STATUS_CODE_ATTRIBUTES, SUCCESS_ATTRIBUTES
from codemods.mapping.reasons import Review
from codemods.planning.flow_state import FlowState, _index_key, _string

#: The body of a response read whole: attributes (requests, httpx), methods (``read``, aiohttp's ``text``,
#: then ``decode``), and how many of them one read chains at most (``resp.read().decode("utf-8")``).
_BODY_ATTRIBUTES = frozenset({"text", "content"})
_BODY_METHODS = frozenset({"read", "text", "decode"})
_BODY_STEPS = 3


class ResponseReads(FlowState):
    def _response(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        payload = self._decoded(node, parent)
        if payload is not None:
            self.edits.replace[payload] = self._current(node)
            self.follow(payload, PAYLOAD if self.endpoint.envelope else self.endpoint.response)
            return
        if not (isinstance(parent, cst.Attribute) and parent.value is node):
            raise self._escape(kind, parent)
        attr = parent.attr.value
        call = self.meta.parent(parent)
        called = isinstance(call, cst.Call) and call.func is parent and not call.args
        if attr == JSON_METHOD and called:
            assert isinstance(call, cst.Call)
            # aiohttp: ``await r.json()``; requests, httpx: ``r.json()``.
            awaited = self.meta.parent(call)
            decoded = awaited if isinstance(awaited, cst.Await) and awaited.expression is call else call
            self.edits.replace[decoded] = self._current(node)
            self.follow(decoded, PAYLOAD if self.endpoint.envelope else self.endpoint.response)
        elif attr == RAISE_FOR_STATUS and called:
            assert call is not None
            statement = self.meta.parent(call)
            if not isinstance(statement, cst.Expr):
                raise Review("raise-for-status-value-used")
            self.edits.remove.add(statement)
        elif attr in STATUS_CODE_ATTRIBUTES or attr in SUCCESS_ATTRIBUTES:
            self._status_check(parent)
        else:
            raise Review("response-attribute-without-v2", attr=attr)

    def _decoded(self, node: cst.BaseExpression, parent: cst.CSTNode | None) -> cst.Call | None:
        """``json.load(resp)``, or ``json.loads`` of the body read as bytes or text: ``resp.read()``,
        ``resp.read().decode(…)``, ``r.text`` and ``r.content`` (requests, httpx), ``await r.text()``
        (aiohttp): the standard library's way to the payload."""
        body: cst.BaseExpression = node
        argument: cst.CSTNode | None = parent
        for _ in range(_BODY_STEPS):
            if not (isinstance(argument, cst.Attribute) and argument.value is body):
                break
            name, call = argument.attr.value, self.meta.parent(argument)
            called = isinstance(call, cst.Call) and call.func is argument
            if name in _BODY_ATTRIBUTES and not called:
                body = argument
            elif isinstance(call, cst.Call) and called and name in _BODY_METHODS:
                if call.args and name != "decode":
                    return None
                awaited = self.meta.parent(call)
                body = awaited if isinstance(awaited, cst.Await) and awaited.expression is call else call
            else:
                return None
            argument = self.meta.parent(body)
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
        if attribute.attr.value in STATUS_CODE_ATTRIBUTES:
            if not (
                isinstance(parent, cst.Comparison)
                and len(parent.comparisons) == 1
                and isinstance(parent.comparisons[0].comparator, cst.Integer)
                and parent.comparisons[0].comparator.value == "200"
                and isinstance(parent.comparisons[0].operator, (cst.Equal, cst.NotEqual))
            ):
                raise Review("status-compared-not-200")
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
                raise Review("status-in-elif")
            if not success and isinstance(parent.orelse, cst.If):
                raise Review("status-in-elif-chain")
            self.edits.unwrap[parent] = "body" if success else "orelse"
            return
        raise Review("status-used-otherwise")

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
        raise self._escape(kind, parent).then("then-answer-itself", answer=self.endpoint.response.label)
