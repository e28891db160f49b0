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
the payload printed whole — raises ``mapping.reasons.Review`` with the reason, and the site is left
for a person.
"""

from __future__ import annotations

import libcst as cst

from codemods.mapping import VALUE, Shape, ShapeKind
from codemods.mapping.reasons import Review
from codemods.planning.flow_data import DataReads
from codemods.planning.flow_params import PassedValues
from codemods.planning.flow_response import ResponseReads
from codemods.planning.flow_returns import ReturnedValues
from codemods.planning.flow_state import _bare


class ResponseFlow(ResponseReads, DataReads, ReturnedValues, PassedValues):
    """Follows one rewritten call's value through the code and records the edits that adapt it."""

    def follow(self, node: cst.BaseExpression, kind: Shape) -> None:
        if node in self._seen or kind.kind is ShapeKind.VALUE:
            return
        self._seen.add(node)
        parent = self.meta.parent(node)
        if isinstance(parent, cst.Assign) and parent.value is node:
            self._follow_assignment(parent, kind)
            return
        if isinstance(parent, (cst.AnnAssign, cst.NamedExpr)) and parent.value is node:
            target = parent.target
            if not isinstance(target, cst.Name):
                raise Review("unpacked-or-stored", label=kind.label)
            self._follow_name(target, kind)
            return
        if (
            isinstance(parent, cst.Await)
            and parent.expression is node
            and kind.kind is not ShapeKind.RESPONSE
        ):
            # ``await f()`` where ``f`` returns followed data: the awaited value is that data.
            self.follow(parent, kind)
            return
        if isinstance(parent, cst.Return):
            self._returned(parent, kind)
            return
        if isinstance(parent, cst.Yield) and parent.value is node:
            self._yielded(parent, kind)
            return
        if isinstance(parent, cst.From) and parent.item is node:
            expression = self.meta.parent(parent)
            if isinstance(expression, cst.Yield):
                self._yielded(expression, kind)
                return
        if (
            isinstance(parent, cst.DictComp)
            and parent.value is node
            and kind.kind not in (ShapeKind.RESPONSE, ShapeKind.PAYLOAD)
        ):
            # {e["course"]["_id"]: e["attempts"] for e in …}: a dict whose values are followed.
            self.follow(parent, Shape(ShapeKind.MAPPING, f"a dict of {_bare(kind.label)}", item=kind))
            return
        if isinstance(parent, cst.Element) and kind.kind is not ShapeKind.RESPONSE:
            outer = self.meta.parent(parent)
            if isinstance(outer, cst.Tuple) and all(isinstance(e, cst.Element) for e in outer.elements):
                # ``return r.json(), n``, ``rows.append((cid, r.json()))``: a tuple holding the value.
                index = next(i for i, e in enumerate(outer.elements) if e is parent)
                items = tuple(kind if i == index else VALUE for i in range(len(outer.elements)))
                self.follow(
                    outer, Shape(ShapeKind.TUPLE, f"a tuple holding {_bare(kind.label)}", items=items)
                )
                return
        if isinstance(parent, cst.Arg) and (self._appended(parent, kind) or self._passed(parent, kind)):
            return
        handler = {
            ShapeKind.RESPONSE: self._response,
            ShapeKind.PAYLOAD: self._payload,
            ShapeKind.LIST: self._list,
            ShapeKind.RECORD: self._record,
            ShapeKind.ATTEMPT: self._attempt,
            ShapeKind.MAPPING: self._mapping,
            ShapeKind.TUPLE: self._tuple,
        }[kind.kind]
        handler(node, parent, kind)
