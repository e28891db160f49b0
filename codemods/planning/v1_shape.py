"""v1's answer shape kept, where the data goes where the tool cannot follow it.

The default rewrite hands the code v2's field names and adapts every reader of the answer
(``codemods.planning.flow``). When a reader is beyond the code the tool can adapt — the payload printed or
dumped whole (``print(payload)``, ``json.dump(payload, f)``), handed to a library
(``pandas.DataFrame(attempts)``, ``pandas.json_normalize(data, record_path=[…])``), or returned by a
function whose callers the tool cannot see — that rewrite is refused. This module is the fallback for
those sites only: the transport moves to v2 (token, pagination, user ids) through the helper's ``v1_…``
functions, which answer exactly what v1 answered, v1's field names, envelope and nesting included; the
code that reads the answer stays as it is, and the site gets a note saying so (rule ``v1-shape-kept``).

It is never used where the default rewrite succeeds, and only when the answer provably reaches such a
place: the response object itself must still be read only for its payload and status (both go), and a
read of a v1 field that no v2 answer has (``mapping.V1_FIELDS_WITHOUT_V2``) is still reported. A run with
``keep-v1-shape = false`` (``--no-keep-v1-shape``) reports these sites for review instead.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ImportAssignment

from codemods.mapping import V1_SHAPE_MESSAGE, Endpoint, Shape, ShapeKind
from codemods.mapping.reasons import Review
from codemods.planning.flow import ResponseFlow
from codemods.planning.flow_state import Edits, Returns
from codemods.planning.helper_call import HelperCalls
from codemods.planning.plan import Context
from codemods.reading.clients import HttpCall
from codemods.reading.index import RepositoryIndex, in_repository
from codemods.reading.metadata import Metadata
from codemods.reading.url_match import UrlMatch

#: Builtins that turn what they are given into text, whole.
_OUTPUT_BUILTINS = frozenset({"print", "repr", "str", "ascii", "format"})
#: Reasons of the default rewrite that say the answer went where the tool cannot follow it: only those
#: are worth the fallback. When it fails too, its own reason (what it met beyond those places) is reported.
_ESCAPES = frozenset(
    {
        "passed-to-function",
        "used-other-way",
        "returned",
        "returned-by-public-function",
        "returned-callers-not-found",
        "wrapper-name-unknown",
        "wrapper-blocked",
    }
)


class V1ShapeFlow(ResponseFlow):
    """Follows an answer that keeps v1's shape: the response's readers are adapted as by default
    (``.json()`` and status checks go), the data's are left as they are, and the places beyond the
    tool's reach the data goes to are collected in ``kept``."""

    def __init__(self, meta: Metadata, edits: Edits, endpoint: Endpoint, index: RepositoryIndex) -> None:
        super().__init__(meta, edits, endpoint)
        self.index = index
        self.kept: list[str] = []

    def follow(self, node: cst.BaseExpression, kind: Shape) -> None:
        if kind.kind is not ShapeKind.RESPONSE and node not in self._seen:
            where = self._beyond_reach(node)
            if where is not None:
                self._seen.add(node)
                self.kept.append(where)
                return
        super().follow(node, kind)

    def _payload(self, node: cst.BaseExpression, parent: cst.CSTNode | None, kind: Shape) -> None:
        """v1's ``{"attempts": […]}`` envelope stays: its key is read as v1 answered it."""
        key = self.endpoint.envelope
        assert key is not None
        envelope = Shape(ShapeKind.RECORD, kind.label, fields={key: self.endpoint.response})
        self._record(node, parent, envelope)

    def _rename(self, key: cst.SimpleString) -> None:
        """v1's field names stay."""

    def _passed(self, arg: cst.Arg, kind: Shape) -> bool:
        """Never into a parameter of the repository's functions: other calls of one may pass v2 data,
        and its reads are adapted to v2 for them; the site is reported instead."""
        return False

    def _returned(self, statement: cst.Return | cst.Yield, kind: Shape) -> None:
        """Returned data keeps what it was: the function's callers, in any module, read v1's shape as
        before. Its callers in this module are followed all the same, for what they do with it."""
        if kind.kind is ShapeKind.RESPONSE:  # its callers read a response: never v1's shape
            super()._returned(statement, kind)  # the default rewrite's reason, when it has one
            raise Review("returned", label=kind.label)
        function = next((a for a in self.meta.ancestors(statement) if isinstance(a, cst.FunctionDef)), None)
        owners = [
            a
            for a in self.meta.ancestors(function or statement)
            if isinstance(a, (cst.FunctionDef, cst.ClassDef))
        ]
        if function is None or len(owners) > 1 or (owners and isinstance(owners[0], cst.FunctionDef)):
            raise Review("returned", label=kind.label)
        name = function.name.value
        if owners:
            cls = owners[0]
            assert isinstance(cls, cst.ClassDef)
            self._calls_of_method(cls, name, kind)
            name = f"{cls.name.value}.{name}"
        else:
            self._calls_of_function(function, kind)
        self.kept.append(f"returned by {name}()")

    def _beyond_reach(self, node: cst.BaseExpression) -> str | None:
        """``print()``, ``json.dump()``, ``pandas.DataFrame()``…, when the value is an argument of a call
        of a builtin that prints it or of code from outside the repository; else ``None``."""
        arg = self.meta.parent(node)
        if not (isinstance(arg, cst.Arg) and arg.value is node and not arg.star):
            return None
        call = self.meta.parent(arg)
        if not isinstance(call, cst.Call) or arg not in call.args:
            return None
        return self._outside(call, depth=0)

    def _outside(self, call: cst.Call, *, depth: int) -> str | None:
        """How a call of code from outside the repository is named, or ``None``."""
        builtin = self.meta.builtin(call)
        if builtin is not None:
            return f"{builtin}()" if builtin in _OUTPUT_BUILTINS else None
        root = call.func
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return None
        shown = self.meta.module.code_for_node(call.func)
        referents = self.meta.referents(root)
        if referents and all(isinstance(r, ImportAssignment) for r in referents):
            names = self.meta.qualified_names(call.func)
            if names and not any(self._in_repository(n) for n in names):
                return f"{min(names)}()"
            return None
        made = self.meta.single_value(root)
        if isinstance(made, cst.Call) and depth == 0 and self._outside(made, depth=1) is not None:
            return f"{shown}()"  # ``writer.writerows(rows)``, ``writer = csv.DictWriter(…)``
        return None

    def _in_repository(self, qualified: str) -> bool:
        if qualified.startswith("."):
            return True
        return in_repository(qualified, self.index.modules)


class V1Shape:
    """The fallback of one module's planner (see the module's docstring)."""

    def __init__(self, ctx: Context, helper_calls: HelperCalls, *, enabled: bool) -> None:
        self.ctx = ctx
        self.helper_calls = helper_calls
        self.enabled = enabled

    def replace_call(
        self,
        http: HttpCall,
        match: UrlMatch,
        filters: dict[str, cst.BaseExpression],
        review: Review,
    ) -> tuple[Edits, str]:
        """The edits that move the site to the helper's ``v1_…`` function, and the note that says so;
        raises ``review`` (or what the fallback met, when ``review`` was the answer escaping) when the
        site cannot keep v1's shape either."""
        if not self.enabled or review.key not in _ESCAPES:
            raise review
        edits = Edits()
        flow = V1ShapeFlow(self.ctx.meta, edits, match.endpoint, self.ctx.index)
        returns = Returns(self.ctx.module, self.ctx.display_path, self.ctx.wrapper_state)
        self.helper_calls.replace_call(http, match, filters, edits, returns, v1_flow=flow)
        if not flow.kept:
            raise review
        where = ", ".join(dict.fromkeys(flow.kept))
        return edits, V1_SHAPE_MESSAGE.format(where=where)
