"""Reads a URL expression statically into parts, to be matched against the v1 course-statistics paths.

Real client code builds these URLs with f-strings, ``+``, ``.format``, ``%`` and names assigned earlier.
``url_parts`` turns such an expression into literal text and *holes* (expressions whose value is unknown),
following names to the single value they were assigned. ``match_endpoint``
(``codemods.reading.url_match``) then finds which v1 path the text has, and hands back each path
parameter and the host as expressions that can be reused in the rewritten call: the original host
expression is kept (``BASE``, ``self.host``…), never replaced by a literal, so a tenant or staging
host stays configurable.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from codemods.mapping.reasons import Review


@dataclass(frozen=True)
class Text:
    """Literal text of the URL."""

    value: str


@dataclass(frozen=True)
class Hole:
    """An expression of the URL whose value is not known statically.

    When the expression is a name bound to a single value, ``expansion`` holds that value, read.
    """

    expr: cst.BaseExpression
    expansion: tuple[Text | Hole, ...] | None = None


Part = Text | Hole


class Spliced(tuple[Part, ...]):
    """What a resolver gives for a name that stands for another expression's parts (a request helper's
    path parameter stands for the caller's argument): the parts replace the name, so that the pieces
    cut from the URL are the caller's expressions, not the parameter's name."""

    __slots__ = ()


#: Follows a name (or ``module.NAME``, ``self.NAME``) to the expression it was assigned, or to its value
#: already read (a constant of another module, from the repository index), or ``None``.
#: A call (of a function that returns a URL) is read to its returned value, read, or ``None``.
NameResolver = Callable[[cst.Name | cst.Attribute | cst.Call], "cst.BaseExpression | tuple[Part, ...] | None"]

_MAX_DEPTH = 8


def url_parts(expr: cst.BaseExpression, resolve: NameResolver, depth: int = 0) -> tuple[Part, ...]:
    """Flatten a string expression into text and holes; raise ``Review`` on what can't be read."""
    if depth > _MAX_DEPTH:
        return (Hole(expr),)
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        if not isinstance(value, str):
            raise Review("url-bytes")
        return (Text(value),)
    if isinstance(expr, cst.ConcatenatedString):
        return join_parts(url_parts(expr.left, resolve, depth), url_parts(expr.right, resolve, depth))
    if isinstance(expr, cst.FormattedString):
        return _parts_of_fstring(expr, resolve, depth)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return join_parts(url_parts(expr.left, resolve, depth), url_parts(expr.right, resolve, depth))
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        return _parts_of_percent(expr, resolve, depth)
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
    ):
        return _parts_of_format(expr, expr.func.value, resolve, depth)
    if is_urljoin(expr):
        assert isinstance(expr, cst.Call)
        return _parts_of_urljoin(expr, resolve, depth)
    if _is_urlencode(expr):
        assert isinstance(expr, cst.Call)
        encoded = _parts_of_urlencode(expr.args[0].value, resolve, depth)
        return (Hole(expr),) if encoded is None else (Hole(expr, encoded),)
    if isinstance(expr, cst.Subscript):
        looked_up = _table_entry(expr, resolve)
        return (Hole(expr),) if looked_up is None else (Hole(expr, url_parts(looked_up, resolve, depth + 1)),)
    if isinstance(expr, (cst.Name, cst.Attribute)):
        assigned = resolve(expr)
        if assigned is None:
            return (Hole(expr),)
        if isinstance(assigned, Spliced):
            return tuple(assigned)
        if isinstance(assigned, tuple):
            return (Hole(expr, assigned),)
        try:
            expansion = url_parts(assigned, resolve, depth + 1)
        except Review:
            return (Hole(expr),)
        return (Hole(expr, expansion),)
    if isinstance(expr, cst.Call):
        built = resolve(expr)
        return (Hole(expr, built),) if isinstance(built, tuple) else (Hole(expr),)
    return (Hole(expr),)


def _table_entry(expr: cst.Subscript, resolve: NameResolver) -> cst.BaseExpression | None:
    """``PATHS["course"]`` where ``PATHS`` is a dict literal assigned once: the entry's value."""
    if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
        return None
    key = expr.slice[0].slice.value
    if not (isinstance(key, cst.SimpleString) and isinstance(expr.value, (cst.Name, cst.Attribute))):
        return None
    table = resolve(expr.value)
    if not isinstance(table, cst.Dict):
        return None
    entries = [
        e.value
        for e in table.elements
        if isinstance(e, cst.DictElement)
        and isinstance(e.key, cst.SimpleString)
        and e.key.evaluated_value == key.evaluated_value
    ]
    return entries[0] if len(entries) == 1 else None


def is_urljoin(expr: cst.BaseExpression) -> bool:
    """``urljoin(base, path)`` (``urllib.parse``, ``requests.compat``…): a pure function of its text."""
    if not (isinstance(expr, cst.Call) and len(expr.args) == 2):
        return False
    if any(arg.keyword is not None or arg.star for arg in expr.args):
        return False
    func = expr.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return name == "urljoin"


def _is_urlencode(expr: cst.BaseExpression) -> bool:
    """``urlencode(pairs)`` (``urllib.parse``): one argument, no options."""
    if not (isinstance(expr, cst.Call) and len(expr.args) == 1 and expr.args[0].keyword is None):
        return False
    func = expr.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return name == "urlencode" and not expr.args[0].star


def _parts_of_urlencode(
    pairs: cst.BaseExpression, resolve: NameResolver, depth: int
) -> tuple[Part, ...] | None:
    """``urlencode({"company": c, "apiKey": k})`` (or a tuple of pairs, ``dict(…)``, a name bound to
    one) read as ``company={c}&apiKey={k}``: the query the URL's reader takes apart; ``None`` when the
    pairs cannot be read."""
    if isinstance(pairs, (cst.Name, cst.Attribute)) and depth <= _MAX_DEPTH:
        value = resolve(pairs)
        return (
            _parts_of_urlencode(value, resolve, depth + 1) if isinstance(value, cst.BaseExpression) else None
        )
    entries: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
    if isinstance(pairs, cst.Dict):
        for element in pairs.elements:
            if not isinstance(element, cst.DictElement):
                return None
            entries.append((element.key, element.value))
    elif isinstance(pairs, (cst.Tuple, cst.List)):
        for item in pairs.elements:
            pair = item.value
            if not isinstance(item, cst.Element) or not (
                isinstance(pair, cst.Tuple) and len(pair.elements) == 2
            ):
                return None
            entries.append((pair.elements[0].value, pair.elements[1].value))
    elif isinstance(pairs, cst.Call) and getattr(pairs.func, "value", None) == "dict":
        for arg in pairs.args:
            if arg.keyword is None:
                return None
            entries.append((cst.SimpleString(repr(arg.keyword.value)), arg.value))
    else:
        return None
    parts: tuple[Part, ...] = ()
    for index, (key, value) in enumerate(entries):
        name = key.evaluated_value if isinstance(key, cst.SimpleString) else None
        if not isinstance(name, str) or any(c in name for c in "&=?#"):
            return None
        parts = join_parts(parts, (Text(("&" if index else "") + name + "="), Hole(value)))
    return parts


def _parts_of_urljoin(call: cst.Call, resolve: NameResolver, depth: int) -> tuple[Part, ...]:
    """``urljoin(BASE, "/api/v1/…")`` reads as ``BASE + "/api/v1/…"``: an absolute path keeps only the
    base's host, which is what the helper makes of ``BASE`` too (it drops a trailing API root)."""
    base = url_parts(call.args[0].value, resolve, depth)
    path = url_parts(call.args[1].value, resolve, depth)
    head = path[0] if path else None
    # A name's value (a request helper's path parameter, a constant) starts where its expansion does.
    leading = head
    while isinstance(leading, Hole) and leading.expansion:
        leading = leading.expansion[0]
    if not (isinstance(leading, Text) and leading.value.startswith(("/", "api/"))):
        raise Review("urljoin-relative-path")
    if leading.value.startswith("/"):
        return join_parts(base, path)
    if isinstance(head, Text):
        return join_parts(base, (Text("/" + head.value), *path[1:]))
    return join_parts(base, (Text("/"), *path))


def join_base(base: tuple[Part, ...], url: tuple[Part, ...]) -> tuple[Part, ...]:
    """A client's ``base_url`` joined with a request's URL as httpx joins them: an absolute URL stands
    alone, a relative one is appended with exactly one slash between them."""
    if url and isinstance(url[0], Text) and "://" in url[0].value:
        return url
    if base and isinstance(base[-1], Text) and url and isinstance(url[0], Text):
        left, right = base[-1].value.rstrip("/"), url[0].value.lstrip("/")
        return join_parts((*base[:-1], Text(left + "/")), (Text(right), *url[1:]))
    if url and isinstance(url[0], Text) and url[0].value.startswith("/"):
        return join_parts(base, url)
    return join_parts(join_parts(base, (Text("/"),)), url)


def join_parts(left: tuple[Part, ...], right: tuple[Part, ...]) -> tuple[Part, ...]:
    if left and right and isinstance(left[-1], Text) and isinstance(right[0], Text):
        return (*left[:-1], Text(left[-1].value + right[0].value), *right[1:])
    return left + right


def _fstring_text(node: cst.FormattedString, text: str) -> str:
    text = text.replace("{{", "{").replace("}}", "}")
    if "\\" in text and "r" not in node.prefix.lower():
        text = text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    return text


def _parts_of_fstring(node: cst.FormattedString, resolve: NameResolver, depth: int) -> tuple[Part, ...]:
    parts: tuple[Part, ...] = ()
    for piece in node.parts:
        if isinstance(piece, cst.FormattedStringText):
            parts = join_parts(parts, (Text(_fstring_text(node, piece.value)),))
            continue
        assert isinstance(piece, cst.FormattedStringExpression)
        if piece.format_spec or piece.conversion not in (None, "s"):
            raise Review("url-format-spec")
        parts = join_parts(parts, url_parts(piece.expression, resolve, depth))
    return parts


def _literal_text(expr: cst.BaseExpression, resolve: NameResolver, depth: int) -> tuple[Part, ...]:
    """The parts of a template string (the receiver of ``.format`` or the left side of ``%``).

    A name whose text holds a field (``URL = BASE + "/courses/{}/stats/{}"``) is opened up, so that its
    fields can be filled; one that holds none (``BASE``) stays a name, so the rewrite keeps it as written.
    """
    return _open_templates(url_parts(expr, resolve, depth))


def _open_templates(parts: Sequence[Part]) -> tuple[Part, ...]:
    out: tuple[Part, ...] = ()
    for part in parts:
        if isinstance(part, Hole) and part.expansion is not None:
            text = "".join(p.value for p in expand_parts(part.expansion) if isinstance(p, Text))
            if any(c in text for c in "{}%"):
                out = join_parts(out, _open_templates(part.expansion))
                continue
        out = join_parts(out, (part,))
    return out


def _substitute(
    parts: Sequence[Part], pattern: re.Pattern[str], value_for: Callable[[re.Match[str]], Part]
) -> tuple[Part, ...]:
    out: tuple[Part, ...] = ()
    for part in parts:
        if isinstance(part, Hole):
            out = join_parts(out, (part,))
            continue
        pos = 0
        for m in pattern.finditer(part.value):
            out = join_parts(out, (Text(part.value[pos : m.start()]),))
            out = join_parts(out, (value_for(m),))
            pos = m.end()
        out = join_parts(out, (Text(part.value[pos:]),))
    return tuple(p for p in out if not (isinstance(p, Text) and not p.value))


def _parts_of_format(
    call: cst.Call, receiver: cst.BaseExpression, resolve: NameResolver, depth: int
) -> tuple[Part, ...]:
    template = _literal_text(receiver, resolve, depth)
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    if any(a.star for a in call.args):
        raise Review("url-format-star-arguments")
    counter = iter(range(len(positional) + 1))
    formatter = string.Formatter()
    out: tuple[Part, ...] = ()
    for part in template:
        if isinstance(part, Hole):
            out = join_parts(out, (part,))
            continue
        for literal, field, spec, conversion in formatter.parse(part.value):
            out = join_parts(out, (Text(literal),) if literal else ())
            if field is None:
                continue
            if spec or conversion not in (None, "s"):
                raise Review("url-format-spec")
            if field == "":
                index = next(counter)
                if index >= len(positional):
                    raise Review("url-format-too-few-arguments")
                value = positional[index]
            elif field.isdigit():
                if int(field) >= len(positional):
                    raise Review("url-format-too-few-arguments")
                value = positional[int(field)]
            elif field in keywords:
                value = keywords[field]
            else:
                raise Review("url-format-field-unread", field=field)
            out = join_parts(out, url_parts(value, resolve, depth))
    return out


_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<conv>[sdr%])")


def _parts_of_percent(node: cst.BinaryOperation, resolve: NameResolver, depth: int) -> tuple[Part, ...]:
    template = _literal_text(node.left, resolve, depth)
    right = node.right
    if isinstance(right, (cst.Name, cst.Attribute)):
        resolved = resolve(right)
        if isinstance(resolved, (cst.Tuple, cst.Dict)):
            right = resolved
    values: list[cst.BaseExpression]
    by_key: dict[str, cst.BaseExpression] = {}
    if isinstance(right, cst.Tuple):
        values = [e.value for e in right.elements if isinstance(e, cst.Element)]
        if len(values) != len(right.elements):
            raise Review("url-percent-starred-tuple")
    elif isinstance(right, cst.Dict):
        values = []
        for el in right.elements:
            if not (isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString)):
                raise Review("url-percent-dict-unread")
            key = el.key.evaluated_value
            if isinstance(key, str):
                by_key[key] = el.value
    else:
        values = [right]
    queue = iter(values)

    def value_for(m: re.Match[str]) -> Part:
        if m.group("conv") == "%":
            return Text("%")
        if m.group("conv") == "r":
            raise Review("url-percent-r")
        if m.group("key") is not None:
            if m.group("key") not in by_key:
                raise Review("url-percent-key-unread")
            value = by_key[m.group("key")]
        else:
            try:
                value = next(queue)
            except StopIteration:
                raise Review("url-percent-too-few-values") from None
        parts = url_parts(value, resolve, depth)
        if len(parts) == 1:
            return parts[0]
        if isinstance(value, (cst.Name, cst.Attribute)):
            # A name that stands for another expression's parts (a request helper's path parameter).
            return Hole(value, parts)
        raise Review("url-percent-composite-value")

    return _substitute(template, _PERCENT, value_for)


def expand_parts(parts: Sequence[Part]) -> tuple[Part, ...]:
    """Replace every hole that has an expansion by that expansion, recursively."""
    out: tuple[Part, ...] = ()
    for part in parts:
        if isinstance(part, Hole) and part.expansion is not None:
            out = join_parts(out, expand_parts(part.expansion))
        else:
            out = join_parts(out, (part,))
    return out


# --- matching ---------------------------------------------------------------------------------------

HOLE_BASE = 0xE000  # private-use code points stand for holes in the text that is matched
