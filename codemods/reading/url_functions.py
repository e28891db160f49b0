"""URLs made by a small function of the module: ``requests.get(stats_url(course_id, email), …)``.

Client code often keeps a URL's shape in one function,
``def stats_url(course_id, email): return f"{BASE}/api/v1/courses/{course_id}/stats/{email}"``, and calls
it where it makes the request. A call of a module function, or of a method of the caller's own class
through ``self``, whose body is only ``return <expression>`` (after an optional docstring) and which has
no decorator, reads as that expression with each parameter replaced by the caller's argument (or the
parameter's default). The rewrite then finds the v1 path in it and puts the caller's expressions, never
the function's parameter names, into the helper call. The function itself is left as it is.
"""

from __future__ import annotations

import libcst as cst

from codemods.mapping.reasons import Review
from codemods.reading.metadata import Metadata, assigned_node, is_bare_string
from codemods.reading.url_match import guess_endpoint
from codemods.reading.urls import Hole, NameResolver, Part, Text, url_parts


def returned_url(
    meta: Metadata, call: cst.Call, resolve: NameResolver, expanding: set[cst.FunctionDef]
) -> tuple[Part, ...] | None:
    """The URL parts a call of a URL function returns, read with the caller's arguments; ``None`` when
    the call is not one of such a function. ``expanding`` holds the functions being read (recursion)."""
    function = small_function(meta, call)
    if function is None or function in expanding:
        return None
    returned = returned_expression(function)
    bound = _bind(function, call, method=isinstance(call.func, cst.Attribute))
    if returned is None or bound is None:
        endpoint = guess_endpoint(meta.module.code_for_node(function))
        if endpoint is not None:
            name = function.name.value
            why = "url-function-more-than-return" if returned is None else "url-function-parameters-unmatched"
            raise Review(why, endpoint=endpoint, name=name)
        return None

    def inner(node: cst.Name | cst.Attribute | cst.Call) -> cst.BaseExpression | tuple[Part, ...] | None:
        if isinstance(node, cst.Name) and meta.contains(function, node):
            referents = meta.referents(node) or set()
            made = assigned_node(next(iter(referents))) if len(referents) == 1 else None
            if isinstance(made, cst.Param) and made in bound:
                return url_parts(bound[made], resolve)
        return resolve(node)

    expanding.add(function)
    try:
        parts = url_parts(returned, inner)
    except Review:
        return None
    finally:
        expanding.discard(function)
    names = {p.name.value for p in bound}
    return _inline(parts, meta, function, names)


def small_function(meta: Metadata, call: cst.Call) -> cst.FunctionDef | None:
    """The function of the module, or method of the caller's class called on ``self``, that ``call``
    calls; ``None`` when it is decorated, asynchronous, or cannot be told."""
    func = call.func
    found: cst.CSTNode | None = None
    if isinstance(func, cst.Name):
        referents = meta.referents(func) or set()
        found = assigned_node(next(iter(referents))) if len(referents) == 1 else None
        if isinstance(found, cst.FunctionDef) and isinstance(
            meta.parent(meta.parent(found) or found), cst.ClassDef
        ):
            return None  # a method named without ``self.``
    elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        cls = next((a for a in meta.ancestors(call) if isinstance(a, cst.ClassDef)), None)
        if cls is not None and isinstance(cls.body, cst.IndentedBlock):
            methods = [
                s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value == func.attr.value
            ]
            found = methods[0] if len(methods) == 1 else None
    if not isinstance(found, cst.FunctionDef) or found.decorators or found.asynchronous is not None:
        return None
    return found


def returned_expression(function: cst.FunctionDef) -> cst.BaseExpression | None:
    """The expression of a body that is only ``return <expression>``; a docstring, ``assert``s and
    ``pass`` may stand beside it."""
    body = function.body
    statements: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.SimpleStatementSuite):
        statements.extend(body.body)
    else:
        for line in body.body:
            if not isinstance(line, cst.SimpleStatementLine):
                return None
            statements.extend(line.body)
    statements = [
        s for s in statements if not isinstance(s, (cst.Assert, cst.Pass)) and not is_bare_string(s)
    ]
    if len(statements) == 1 and isinstance(statements[0], cst.Return):
        return statements[0].value
    return None


def _bind(
    function: cst.FunctionDef, call: cst.Call, *, method: bool
) -> dict[cst.Param, cst.BaseExpression] | None:
    """Each parameter → the caller's argument, or the parameter's default."""
    params = function.params
    if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:
        return None
    positional = [*params.posonly_params, *params.params]
    if method:
        if not positional or positional[0].name.value != "self":
            return None
        positional = positional[1:]
    by_name = {p.name.value: p for p in (*positional, *params.kwonly_params)}
    bound: dict[cst.Param, cst.BaseExpression] = {}
    given = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args) or len(given) > len(positional):
        return None
    for param, arg in zip(positional, given, strict=False):
        bound[param] = arg.value
    for arg in call.args:
        if arg.keyword is not None:
            named = by_name.get(arg.keyword.value)
            if named is None or named in bound:
                return None
            bound[named] = arg.value
    for param in by_name.values():
        if param not in bound:
            if param.default is None:
                return None
            bound[param] = param.default
    return bound


def _inline(
    parts: tuple[Part, ...], meta: Metadata, function: cst.FunctionDef, names: set[str]
) -> tuple[Part, ...]:
    """A hole that is one of the function's parameters is replaced by what the caller passed."""
    out: list[Part] = []
    for part in parts:
        if isinstance(part, Hole) and part.expansion is not None:
            expansion = _inline(part.expansion, meta, function, names)
            expr = part.expr
            if isinstance(expr, cst.Name) and expr.value in names and meta.contains(function, expr):
                for piece in expansion:
                    _append(out, piece)
                continue
            part = Hole(expr, expansion)
        _append(out, part)
    return tuple(out)


def _append(out: list[Part], part: Part) -> None:
    if out and isinstance(out[-1], Text) and isinstance(part, Text):
        out[-1] = Text(out[-1].value + part.value)
    else:
        out.append(part)
