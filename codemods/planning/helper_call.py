"""The call of the helper module that replaces a v1 call, and the adapted code around it.

The helper function answers in the endpoint's v1 shape (with v2 records as attempts), or, when the
answer's one use is a loop nest that ``codemods.planning.flat_loops`` can merge, the flat records; the
host expression is kept as written, a user's email goes through ``resolve_user_id``, v1 filters become
keywords. ``await`` and aiohttp's ``async with`` stay asynchronous; ``r = get(…)`` then ``data =
r.json()`` collapses into one assignment.
"""

from __future__ import annotations

import libcst as cst

from codemods.mapping import (
    FLAT_HELPER,
    HEADERS_ARGUMENT,
    HELPER_ASYNC_PREFIX,
    HELPER_RESOLVE_FUNCTION,
    OBJECT_ID,
    PARAMS_ARGUMENT,
    PASSED_THROUGH_ARGUMENTS,
    PAYLOAD,
    RESPONSE,
    V2_FILTERS,
)
from codemods.mapping.reasons import Review
from codemods.planning.flat_loops import flat_comprehension, flat_loop
from codemods.planning.flow import ResponseFlow
from codemods.planning.flow_state import Edits, Returns
from codemods.planning.plan import Context
from codemods.reading.clients import HttpCall
from codemods.reading.getters import GetterCall
from codemods.reading.sessions import Sessions
from codemods.reading.url_match import UrlMatch

_INDENT = "    "


class HelperCalls:
    def __init__(self, ctx: Context, sessions: Sessions) -> None:
        self.meta = ctx.meta
        self.helper_import = ctx.helper_import
        self.line_length = ctx.line_length
        self.sessions = sessions

    def replace_call(
        self,
        http: HttpCall,
        match: UrlMatch,
        filters: dict[str, cst.BaseExpression],
        edits: Edits,
        returns: Returns,
        *,
        v1_flow: ResponseFlow | None = None,
    ) -> bool:
        """Put the helper call where the v1 call was, and adapt what reads its response.

        With ``v1_flow`` (``codemods.planning.v1_shape``), the call is of the helper function that answers
        in v1's shape, v1's field names included, and that flow follows the answer.

        ``await client.get(…)`` becomes ``await <async helper>(…)``; ``with s.get(…) as r:`` (aiohttp's
        ``async with``) becomes ``r = <helper call>`` followed by the body. Returns whether the loop over
        the answer became one loop over the flat records (``codemods.planning.flat_loops``).
        """
        parent = self.meta.parent(http.call)
        flow = v1_flow or ResponseFlow(self.meta, edits, match.endpoint, returns)
        v1 = v1_flow is not None
        if isinstance(parent, cst.WithItem) and parent.item is http.call:
            statement = self.meta.parent(parent)
            assert isinstance(statement, cst.With)
            target = parent.asname.name if parent.asname is not None else None
            if len(statement.items) != 1 or not isinstance(target, cst.Name):
                raise Review("with-several-items")
            asynchronous = statement.asynchronous is not None
            value: cst.BaseExpression = self.helper_call(
                http, match, filters, asynchronous=asynchronous, v1=v1
            )
            if asynchronous:
                value = cst.Await(value)
            assign = cst.Assign([cst.AssignTarget(cst.Name(target.value))], value)
            edits.unwrap_with[statement] = cst.SimpleStatementLine([assign])
            flow.follow_name(target, RESPONSE)
            return not v1 and self._flat(http, match, filters, flow, asynchronous=asynchronous)
        start = RESPONSE
        if isinstance(http, GetterCall) and http.decoded:
            start = PAYLOAD if match.endpoint.envelope else match.endpoint.response
        if isinstance(parent, cst.Await) and parent.expression is http.call:
            # v1's shape keeps what reads the awaited answer, and so its parentheses:
            # ``(await get(…))["attempts"]`` is not ``await get(…)["attempts"]``.
            edits.replace[parent] = cst.Await(
                self.helper_call(http, match, filters, asynchronous=True, v1=v1),
                lpar=parent.lpar if v1 else (),
                rpar=parent.rpar if v1 else (),
            )
            flow.follow(parent, start)
            flat = not v1 and self._flat(http, match, filters, flow, asynchronous=True)
            self._collapse(parent, edits)
            return flat
        edits.replace[http.call] = self.helper_call(http, match, filters, asynchronous=False, v1=v1)
        flow.follow(http.call, start)
        flat = not v1 and self._flat(http, match, filters, flow, asynchronous=False)
        self._collapse(http.call, edits)
        return flat

    def _flat(
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
        nested = self.helper_call(http, match, filters, asynchronous=asynchronous)
        flat = self.helper_call(http, match, filters, asynchronous=asynchronous, function=FLAT_HELPER)

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
            while parent is not None and (
                parent in edits.replace or isinstance(parent, (cst.Attribute, cst.Arg, cst.Call, cst.Await))
            ):
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

    def helper_call(
        self,
        http: HttpCall,
        match: UrlMatch,
        filters: dict[str, cst.BaseExpression],
        *,
        asynchronous: bool,
        function: str | None = None,
        v1: bool = False,
    ) -> cst.Call:
        """The call of the helper ``function`` (by default the one that answers in the endpoint's v1
        shape) that replaces the v1 call; with ``v1``, of the one that answers what v1 answered, which
        takes the path's parameters as they are (an email or an id), in order."""
        if http.unreadable_arguments:
            raise Review("star-arguments")
        extra = set(http.arguments) - {PARAMS_ARGUMENT, HEADERS_ARGUMENT} - PASSED_THROUGH_ARGUMENTS
        if extra:
            names = ", ".join(sorted(extra))
            raise Review("argument-without-helper-equivalent", names=names)
        if match.host is None:
            raise Review("url-without-host")
        args = [cst.Arg(match.host)]
        for parameter, keyword in match.endpoint.filters.items():
            value = match.parameters[parameter]
            if v1:
                args.append(cst.Arg(value))
                continue
            if parameter in match.endpoint.user_parameters:
                value = self._user_id(match.host, value, asynchronous=asynchronous)
            args.append(_keyword(keyword, value))
        args.extend(_keyword(keyword, filters[keyword]) for keyword in V2_FILTERS if keyword in filters)
        for name in sorted(PASSED_THROUGH_ARGUMENTS):
            given = http.arguments.get(name)
            if given is None:
                # A client-wide setting (``httpx.Client(timeout=30.0)``), when it is a plain number.
                given = self.sessions.client_setting(http, name)
                if not isinstance(given, (cst.Integer, cst.Float)):
                    continue
            args.append(_keyword(name, given))
        prefix = HELPER_ASYNC_PREFIX if asynchronous else ""
        function = function or (match.endpoint.v1_helper if v1 else match.endpoint.helper)
        helper_call = cst.Call(self._helper(prefix + function), args)
        _, column = self.meta.position(http.call)
        width = column + len(self.meta.module.code_for_node(helper_call))
        return _one_argument_per_line(helper_call) if width > self.line_length else helper_call

    def _user_id(
        self, host: cst.BaseExpression, value: cst.BaseExpression, *, asynchronous: bool
    ) -> cst.BaseExpression:
        """An id as it is; an email (or a value only known at run time) through the resolver."""
        if isinstance(value, cst.SimpleString) and OBJECT_ID.fullmatch(str(value.evaluated_value)):
            return value
        prefix = HELPER_ASYNC_PREFIX if asynchronous else ""
        resolve = cst.Call(self._helper(prefix + HELPER_RESOLVE_FUNCTION), [cst.Arg(host), cst.Arg(value)])
        return cst.Await(resolve) if asynchronous else resolve

    def _helper(self, function: str) -> cst.Attribute:
        return cst.Attribute(cst.Name(self.helper_import.rpartition(".")[2]), cst.Name(function))


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


def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
