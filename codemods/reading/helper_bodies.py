"""The body of a request helper, read: the request it makes, the status checks around it, and whether it
returns the response or its decoded payload (``codemods.reading.getters``).

A helper's body may only send the request (assigned to a name, annotated or not, awaited or not, or
returned), check the status (``raise_for_status()``, or ``if`` the status is not 200 ``raise``), and
return the response, its ``.json()``, or ``json.loads`` / ``json.load`` of its body; a docstring,
``assert``s and ``pass`` may stand beside them. A ``with`` block (``urlopen``, aiohttp's ``async with``)
may hold the last of them.
"""

from __future__ import annotations

import libcst as cst

from codemods.mapping.clients import (
    BODY_ATTRIBUTES,
    BODY_METHODS,
    JSON_METHOD,
    RAISE_FOR_STATUS,
    STATUS_CODE_ATTRIBUTES,
    SUCCESS_ATTRIBUTES,
)
from codemods.reading.metadata import is_bare_string


def one_statement(statement: cst.BaseStatement) -> cst.BaseSmallStatement | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        return statement.body[0]
    return None


def unawaited(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    return node.expression if isinstance(node, cst.Await) else node


def request_of(body: list[cst.BaseStatement]) -> tuple[cst.Call, bool] | None:
    """The request of a helper's body and whether the payload is returned: ``return get(…)[.json()]``,
    or ``r = get(…)``, a status check, ``return r[.json()]``."""
    statements: list[cst.BaseSmallStatement | cst.If] = []
    if body and isinstance(body[-1], cst.With):
        return _with_shape(body)
    if any(isinstance(statement, (cst.For, cst.While)) for statement in body):
        return _retry_loop(body)
    for statement in body:
        if isinstance(statement, cst.If):
            statements.append(statement)
            continue
        small = one_statement(statement)
        if small is None:
            return None
        if not _aside(statement):
            statements.append(small)
    if len(statements) == 1 and isinstance(statements[0], cst.Return):
        returned, decoded = decoded_value(statements[0].value)
        returned = unawaited(returned)
        return (returned, decoded) if isinstance(returned, cst.Call) else None
    if len(statements) < 2:
        return None
    first, *checks, last = statements
    sent = _sent(first)
    if sent is None or not isinstance(last, cst.Return):
        return None
    name, request = sent
    if not all(status_check(check, name) for check in checks):
        return None
    returned, decoded = decoded_value(last.value)
    if not (isinstance(returned, cst.Name) and returned.value == name):
        return None
    return request, decoded


def _with_shape(body: list[cst.BaseStatement]) -> tuple[cst.Call, bool] | None:
    """``with urlopen(request) as resp: return json.load(resp)``, aiohttp's ``async with
    session.get(…) as resp:`` and a status check, ``return await resp.json()``; the request object may
    be made first (``request = Request(url, headers=…)``)."""
    *before, statement = body
    assert isinstance(statement, cst.With)
    if len(statement.items) != 1 or statement.items[0].asname is None:
        return None
    item = statement.items[0]
    target = item.asname.name if item.asname is not None else None
    if not (isinstance(item.item, cst.Call) and isinstance(target, cst.Name)):
        return None
    for made in before:
        if _aside(made):
            continue  # as in a body without ``with``: an assertion, ``pass``, a docstring
        small = one_statement(made)
        if isinstance(small, cst.AnnAssign) and isinstance(small.value, cst.Call):
            targets = [small.target]  # ``req: Request = Request(url, headers=…)``
        elif isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
            targets = [t.target for t in small.targets]
        else:
            return None
        names = [t.value for t in targets if isinstance(t, cst.Name)]
        if len(names) != 1 or not mentions(item.item, names[0]):
            return None
    block = statement.body
    if not isinstance(block, cst.IndentedBlock) or not block.body:
        return None
    *checks, last = block.body
    returned = one_statement(last)
    if not isinstance(returned, cst.Return):
        return None
    name = target.value
    checked = [c if isinstance(c, cst.If) else one_statement(c) for c in checks]
    if not all(c is not None and status_check(c, name) for c in checked):
        return None
    value, decoded = decoded_value(returned.value)
    if isinstance(value, cst.Name) and value.value == name:
        return item.item, decoded
    loaded = unawaited(returned.value)
    if (
        isinstance(loaded, cst.Call)
        and len(loaded.args) == 1
        and isinstance(loaded.args[0].value, cst.Name)
        and loaded.args[0].value.value == name
        and isinstance(loaded.func, cst.Attribute)
        and loaded.func.attr.value == "load"
    ):
        return item.item, True  # json.load(resp)
    return None


def _retry_loop(body: list[cst.BaseStatement]) -> tuple[cst.Call, bool] | None:
    """A request sent again while it is refused: ``for attempt in range(n):`` (or ``while True:``)
    around ``r = get(…)``, branches that only wait and go round again when the status says so
    (``if r.status_code == 429: time.sleep(…); continue``), status checks and ``return r[.json()]``,
    the ``for`` loop followed by a ``raise``; the response may be annotated. The shipped helper tries
    again itself (after 429, 5xx, a dropped connection or a timeout), so a call of such a helper is a
    call of its request."""
    kept = [s for s in body if not _aside(s)]
    if not kept or not _retries(kept[0]):
        return None
    loop, *after = kept
    # A ``while True:`` is left only by its ``return``; after a ``for``, the helper must raise.
    endless = isinstance(loop, cst.While)
    if not ((endless and not after) or (len(after) == 1 and isinstance(one_statement(after[0]), cst.Raise))):
        return None
    assert isinstance(loop, (cst.For, cst.While))
    block = loop.body
    if not isinstance(block, cst.IndentedBlock):
        return None
    inner = [s for s in block.body if not _aside(s)]
    if len(inner) < 3:
        return None
    first, *checks, last = inner
    sent = _sent(one_statement(first))
    returned = one_statement(last)
    if sent is None or not isinstance(returned, cst.Return):
        return None
    name, request = sent
    waits = [c for c in checks if _wait_and_retry(c, name)]
    rest = [c if isinstance(c, cst.If) else one_statement(c) for c in checks if c not in waits]
    if not waits or not all(c is not None and status_check(c, name) for c in rest):
        return None
    answer, decoded = decoded_value(returned.value)
    if not (isinstance(answer, cst.Name) and answer.value == name):
        return None
    if (
        isinstance(loop, cst.For)
        and isinstance(loop.target, cst.Name)
        and mentions(request, loop.target.value)
    ):
        return None  # the request changes at each turn (``for page in range(…)``): not the same one again
    return request, decoded


def _sent(statement: cst.BaseSmallStatement | cst.If | None) -> tuple[str, cst.Call] | None:
    """``r = get(…)``, awaited or not, annotated or not (``r: requests.Response = get(…)``): the name
    and the request."""
    target: cst.BaseExpression | None = None
    value: cst.BaseExpression | None = None
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0].target, statement.value
    elif isinstance(statement, cst.AnnAssign):
        target, value = statement.target, statement.value
    request = unawaited(value)
    if isinstance(target, cst.Name) and isinstance(request, cst.Call):
        return target.value, request
    return None


def _aside(statement: cst.BaseStatement) -> bool:
    """A docstring, an ``assert`` or ``pass``: what stands beside a helper's work."""
    small = one_statement(statement)
    return isinstance(small, (cst.Assert, cst.Pass)) or (small is not None and is_bare_string(small))


def _retries(loop: cst.BaseStatement) -> bool:
    """``for attempt in range(…):`` or ``while True:``, without an ``else``."""
    if isinstance(loop, cst.While):
        return loop.orelse is None and isinstance(loop.test, cst.Name) and loop.test.value == "True"
    return (
        isinstance(loop, cst.For)
        and loop.orelse is None
        and loop.asynchronous is None
        and isinstance(loop.target, cst.Name)
        and isinstance(loop.iter, cst.Call)
        and isinstance(loop.iter.func, cst.Name)
        and loop.iter.func.value == "range"
    )


def _wait_and_retry(statement: cst.BaseStatement, name: str) -> bool:
    """``if`` a test of the response's status only: wait, or note it in a log, then ``continue``."""
    if not (
        isinstance(statement, cst.If)
        and statement.orelse is None
        and _reads_status_only(statement.test, name)
    ):
        return False
    block = statement.body
    if not isinstance(block, cst.IndentedBlock) or not block.body:
        return False
    *steps, last = (one_statement(s) for s in block.body)
    return isinstance(last, cst.Continue) and all(
        isinstance(step, cst.Expr) and _waits_or_logs(unawaited(step.value)) for step in steps
    )


def _reads_status_only(test: cst.BaseExpression, name: str) -> bool:
    """Whether a test reads the response only as its status (``r.status_code``, ``r.status``) and
    calls nothing."""
    found: list[bool] = []

    class Reads(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            if _attribute_of(node, name) in STATUS_CODE_ATTRIBUTES:
                found.append(True)
                return False
            return True

        def visit_Name(self, node: cst.Name) -> None:
            if node.value == name:
                found.append(False)

        def visit_Call(self, node: cst.Call) -> None:
            found.append(False)

    test.visit(Reads())
    return bool(found) and all(found)


#: What a retry branch may call before it goes round again: a wait, or a log.
_WAITS: frozenset[str] = frozenset({"sleep"})
_LOGS: frozenset[str] = frozenset({"debug", "info", "warning", "warn", "error", "exception", "log"})


def _waits_or_logs(call: cst.BaseExpression | None) -> bool:
    if not isinstance(call, cst.Call):
        return False
    func = call.func
    if isinstance(func, cst.Name):
        return func.value in _WAITS
    if not isinstance(func, cst.Attribute):
        return False
    owner = func.value.value if isinstance(func.value, cst.Name) else ""
    return func.attr.value in _WAITS or (
        func.attr.value in _LOGS and owner in ("log", "logger", "logging", "LOG", "LOGGER")
    )


def status_check(statement: cst.BaseSmallStatement | cst.If, name: str) -> bool:
    """``r.raise_for_status()``, or ``if`` the status of ``r`` says it failed, ``raise``."""
    if isinstance(statement, cst.Expr):
        call = statement.value
        return (
            isinstance(call, cst.Call)
            and not call.args
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == RAISE_FOR_STATUS
            and isinstance(call.func.value, cst.Name)
            and call.func.value.value == name
        )
    if not isinstance(statement, cst.If) or statement.orelse is not None:
        return False
    block = statement.body
    if not (
        isinstance(block, cst.IndentedBlock)
        and all(isinstance(one_statement(s), cst.Raise) for s in block.body)
    ):
        return False
    test = statement.test
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _attribute_of(test.expression, name) in SUCCESS_ATTRIBUTES
    return (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and _attribute_of(test.left, name) in STATUS_CODE_ATTRIBUTES
        and isinstance(test.comparisons[0].operator, cst.NotEqual)
        and isinstance(test.comparisons[0].comparator, cst.Integer)
        and test.comparisons[0].comparator.value == "200"
    )


def _attribute_of(node: cst.BaseExpression, name: str) -> str | None:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == name:
        return node.attr.value
    return None


def decoded_value(value: cst.BaseExpression | None) -> tuple[cst.BaseExpression | None, bool]:
    """``x.json()`` (or ``await x.json()``) → (``x``, True); anything else → (it, False)."""
    value = (
        unawaited(value) if isinstance(value, cst.Await) and isinstance(value.expression, cst.Call) else value
    )
    if (
        isinstance(value, cst.Call)
        and not value.args
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == JSON_METHOD
    ):
        return value.func.value, True
    body = json_loads_argument(value)
    if body is not None:
        return body, True
    return value, False


def json_loads_argument(value: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """``json.loads(x.read())``, ``json.loads(x.read().decode(…))``, ``json.loads(x.text)``,
    ``json.loads(x.content)`` or ``json.loads(await x.text())``: ``x``, the response whose body is
    decoded."""
    if not (
        isinstance(value, cst.Call)
        and len(value.args) == 1
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "loads"
    ):
        return None
    body = unawaited(value.args[0].value)  # ``json.loads(await resp.text())`` (aiohttp)
    if (
        isinstance(body, cst.Call)
        and isinstance(body.func, cst.Attribute)
        and body.func.attr.value == "decode"
        and isinstance(body.func.value, cst.Call)
    ):
        body = body.func.value
    if isinstance(body, cst.Call) and not body.args and isinstance(body.func, cst.Attribute):
        return body.func.value if body.func.attr.value in BODY_METHODS else None
    if isinstance(body, cst.Attribute) and body.attr.value in BODY_ATTRIBUTES:
        return body.value
    return None


def mentions(expr: cst.BaseExpression, name: str) -> bool:
    found: list[bool] = []

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if node.value == name:
                found.append(True)

    expr.visit(Names())
    return bool(found)
