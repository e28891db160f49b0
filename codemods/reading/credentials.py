"""Reads the query parameters and headers of a v1 call, and tells v1 credentials from everything else.

v1 credentials come as ``company``/``apiKey`` query parameters (a dict, a tuple of pairs, ``dict(...)``,
or written into the URL) or as ``X-company-id``/``X-apiKey`` headers. They identify a call as
360Learning's, and they are dropped by the rewrite: the helper authenticates with v2 OAuth instead.
Anything else in the parameters or headers is reported, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from codemods.mapping import V1_CREDENTIAL_HEADERS, V1_CREDENTIAL_PARAMS, V1_REPLACED_HEADERS
from codemods.mapping.reasons import Review

Resolve = Callable[["cst.Name | cst.Attribute | cst.Call"], "cst.BaseExpression | None"]


def read_pairs(expr: cst.BaseExpression, resolve: Resolve) -> dict[str, cst.BaseExpression]:
    """The keys and values of a dict literal, a tuple or list of pairs, or ``dict(k=v)``; a name or an
    attribute (``self.auth``) is read through ``resolve``."""
    if isinstance(expr, cst.Name):
        value = resolve(expr)
        if value is None:
            raise Review("pairs-unreadable", expr=expr.value)
        return read_pairs(value, resolve)
    if isinstance(expr, cst.Attribute):
        value = resolve(expr)
        if value is None:
            name = cst.Module([]).code_for_node(expr)
            raise Review("pairs-from-elsewhere", name=name)
        return read_pairs(value, resolve)
    if isinstance(expr, cst.Dict):
        out: dict[str, cst.BaseExpression] = {}
        for element in expr.elements:
            if not isinstance(element, cst.DictElement):
                raise Review("pairs-double-star")
            out[_key(element.key)] = element.value
        return out
    if isinstance(expr, (cst.Tuple, cst.List)):
        pairs: dict[str, cst.BaseExpression] = {}
        for item in expr.elements:
            pair = item.value
            if not (isinstance(item, cst.Element) and isinstance(pair, (cst.Tuple, cst.List))):
                raise Review("pairs-not-pair")
            if len(pair.elements) != 2:
                raise Review("pairs-not-pair")
            pairs[_key(pair.elements[0].value)] = pair.elements[1].value
        return pairs
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        # AUTH + (("createdAtAfter", day),): pairs joined with +.
        return {**read_pairs(expr.left, resolve), **read_pairs(expr.right, resolve)}
    if isinstance(expr, cst.Call) and not expr.args and isinstance(expr.func, (cst.Name, cst.Attribute)):
        # ``self._headers()``, ``auth()``: a small function that returns the pairs.
        value = resolve(expr)
        if value is not None:
            return read_pairs(value, resolve)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "dict":
        if any(arg.keyword is None for arg in expr.args):
            raise Review("pairs-dict-positional")
        return {arg.keyword.value: arg.value for arg in expr.args if arg.keyword is not None}
    raise Review("pairs-not-literal")


def _key(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        if isinstance(value, str):
            return value
    raise Review("pairs-key-not-literal")


@dataclass(frozen=True)
class Credentials:
    """What the query parameters and headers of one call hold."""

    #: v1 credential names found (``company``, ``apiKey``, ``X-apiKey``…).
    found: frozenset[str] = frozenset()
    #: Query parameters and headers that are neither credentials nor replaced by the helper.
    other_params: tuple[str, ...] = ()
    other_headers: tuple[str, ...] = ()
    #: The literal values given to credential names (an API key written in the code).
    literal_values: dict[str, str] = field(default_factory=dict)


def classify(params: dict[str, cst.BaseExpression], headers: dict[str, cst.BaseExpression]) -> Credentials:
    found = {k for k in params if k in V1_CREDENTIAL_PARAMS}
    found |= {k for k in headers if k.lower() in V1_CREDENTIAL_HEADERS}
    literal_values = {
        k: str(v.evaluated_value)
        for k, v in (*params.items(), *headers.items())
        if k in found and isinstance(v, cst.SimpleString)
    }
    return Credentials(
        found=frozenset(found),
        other_params=tuple(k for k in params if k not in V1_CREDENTIAL_PARAMS),
        other_headers=tuple(
            k for k in headers if k.lower() not in V1_CREDENTIAL_HEADERS | V1_REPLACED_HEADERS
        ),
        literal_values=literal_values,
    )
