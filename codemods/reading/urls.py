"""Reads a URL expression statically and matches it against the v1 course-statistics paths.

Real client code builds these URLs with f-strings, ``+``, ``.format``, ``%`` and names assigned earlier.
``url_parts`` turns such an expression into literal text and *holes* (expressions whose value is unknown),
following names to the single value they were assigned. ``match_endpoint`` then finds which v1 path the
text has, and hands back each path parameter and the host as expressions that can be reused in the
rewritten call: the original host expression is kept (``BASE``, ``self.host``…), never replaced by a
literal, so a tenant or staging host stays configurable.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import libcst as cst

from codemods.mapping import ENDPOINTS, HOST_MARKERS, V1_API_ROOT, Endpoint
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
        return _join(url_parts(expr.left, resolve, depth), url_parts(expr.right, resolve, depth))
    if isinstance(expr, cst.FormattedString):
        return _parts_of_fstring(expr, resolve, depth)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _join(url_parts(expr.left, resolve, depth), url_parts(expr.right, resolve, depth))
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
        parts = _join(parts, (Text(("&" if index else "") + name + "="), Hole(value)))
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
        return _join(base, path)
    if isinstance(head, Text):
        return _join(base, (Text("/" + head.value), *path[1:]))
    return _join(base, (Text("/"), *path))


def join_base(base: tuple[Part, ...], url: tuple[Part, ...]) -> tuple[Part, ...]:
    """A client's ``base_url`` joined with a request's URL as httpx joins them: an absolute URL stands
    alone, a relative one is appended with exactly one slash between them."""
    if url and isinstance(url[0], Text) and "://" in url[0].value:
        return url
    if base and isinstance(base[-1], Text) and url and isinstance(url[0], Text):
        left, right = base[-1].value.rstrip("/"), url[0].value.lstrip("/")
        return _join((*base[:-1], Text(left + "/")), (Text(right), *url[1:]))
    if url and isinstance(url[0], Text) and url[0].value.startswith("/"):
        return _join(base, url)
    return _join(_join(base, (Text("/"),)), url)


def _join(left: tuple[Part, ...], right: tuple[Part, ...]) -> tuple[Part, ...]:
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
            parts = _join(parts, (Text(_fstring_text(node, piece.value)),))
            continue
        assert isinstance(piece, cst.FormattedStringExpression)
        if piece.format_spec or piece.conversion not in (None, "s"):
            raise Review("url-format-spec")
        parts = _join(parts, url_parts(piece.expression, resolve, depth))
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
            text = "".join(p.value for p in _expand(part.expansion) if isinstance(p, Text))
            if any(c in text for c in "{}%"):
                out = _join(out, _open_templates(part.expansion))
                continue
        out = _join(out, (part,))
    return out


def _substitute(
    parts: Sequence[Part], pattern: re.Pattern[str], value_for: Callable[[re.Match[str]], Part]
) -> tuple[Part, ...]:
    out: tuple[Part, ...] = ()
    for part in parts:
        if isinstance(part, Hole):
            out = _join(out, (part,))
            continue
        pos = 0
        for m in pattern.finditer(part.value):
            out = _join(out, (Text(part.value[pos : m.start()]),))
            out = _join(out, (value_for(m),))
            pos = m.end()
        out = _join(out, (Text(part.value[pos:]),))
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
            out = _join(out, (part,))
            continue
        for literal, field, spec, conversion in formatter.parse(part.value):
            out = _join(out, (Text(literal),) if literal else ())
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
            out = _join(out, url_parts(value, resolve, depth))
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


def _expand(parts: Sequence[Part]) -> tuple[Part, ...]:
    """Replace every hole that has an expansion by that expansion, recursively."""
    out: tuple[Part, ...] = ()
    for part in parts:
        if isinstance(part, Hole) and part.expansion is not None:
            out = _join(out, _expand(part.expansion))
        else:
            out = _join(out, (part,))
    return out


# --- matching ---------------------------------------------------------------------------------------

_HOLE_BASE = 0xE000  # private-use code points stand for holes in the text that is matched


@dataclass(frozen=True)
class Segment:
    """A piece of the URL (host, path parameter or query value), as deep parts."""

    parts: tuple[Part, ...]

    @property
    def literal(self) -> str | None:
        if all(isinstance(p, Text) for p in self.parts):
            return "".join(p.value for p in self.parts if isinstance(p, Text))
        return None

    def text(self) -> str:
        """The segment's text with every name expanded and the code of what remains unknown
        (``os.environ.get("HOST", "https://app.360learning.com")``): used to recognise hosts."""
        code = cst.Module([]).code_for_node
        return "".join(p.value if isinstance(p, Text) else code(p.expr) for p in _expand(self.parts))


@dataclass(frozen=True)
class UrlMatch:
    """A URL that has the shape of a v1 course-statistics path."""

    endpoint: Endpoint
    #: The host as an expression to reuse (``None`` when the URL has no host: a relative path).
    host: cst.BaseExpression | None
    #: The host's literal text, with the text of the constants it comes from.
    host_text: str
    #: v1 path parameter → the expression of its value.
    parameters: dict[str, cst.BaseExpression]
    #: Query-string key → the expression of its value.
    query: dict[str, cst.BaseExpression]

    @property
    def is_360learning(self) -> bool:
        text = self.host_text.lower()
        return any(marker in text for marker in HOST_MARKERS)


def _path_regex(endpoint: Endpoint) -> re.Pattern[str]:
    path = endpoint.v1_path.lstrip("/")
    pattern = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/?#]+)", re.escape(path))
    holes = f"[{chr(_HOLE_BASE)}-{chr(0xF8FF)}]"
    return re.compile(rf"^(?P<host>.*?)(?:/|(?<={holes})|^){pattern}/?(?:\?(?P<query>.*))?$", re.DOTALL)


_REGEXES = {name: _path_regex(endpoint) for name, endpoint in ENDPOINTS.items()}


def match_endpoint(parts: tuple[Part, ...]) -> UrlMatch | None:
    """Match URL parts against every v1 path; ``None`` when the URL has none of their shapes.

    Matching runs on the text with every name expanded; the pieces handed back are cut from the URL
    as written, so a piece that is exactly a name (``COURSE_ID``, ``BASE``) stays that name.
    Raises ``Review`` when the shape matches but a piece cannot be turned into an expression.
    """
    expanded = _expand(parts)
    encoded = "".join(p.value if isinstance(p, Text) else chr(_HOLE_BASE + i) for i, p in enumerate(expanded))
    for name, regex in _REGEXES.items():
        m = regex.match(encoded)
        if m is None:
            continue
        endpoint = ENDPOINTS[name]
        params = {
            key: _expression(Segment(_slice(parts, m.start(key), m.end(key)))) for key in endpoint.filters
        }
        query: dict[str, cst.BaseExpression] = {}
        if m.group("query"):
            query = _query(Segment(_slice(expanded, m.start("query"), m.end("query"))))
        host_end = m.end("host")
        host_text = Segment(_slice(parts, 0, host_end)).text()
        return UrlMatch(endpoint, _host_expression(parts, host_end), host_text, params, query)
    return None


def _width(part: Part) -> int:
    """How many characters a part takes in the encoded text of the expanded URL (a hole takes one)."""
    if isinstance(part, Text):
        return len(part.value)
    if part.expansion is None:
        return 1
    return sum(_width(p) for p in part.expansion)


def _slice(parts: Sequence[Part], start: int, end: int) -> tuple[Part, ...]:
    """The parts covering ``[start, end)`` of the expanded text, whole parts kept as written."""
    out: tuple[Part, ...] = ()
    pos = 0
    for part in parts:
        width = _width(part)
        lo, hi = max(start, pos), min(end, pos + width)
        if lo < hi:
            if lo == pos and hi == pos + width:
                out = _join(out, (part,))
            elif isinstance(part, Text):
                out = _join(out, (Text(part.value[lo - pos : hi - pos]),))
            else:
                assert part.expansion is not None  # a hole without expansion is one character wide
                out = _join(out, _slice(part.expansion, lo - pos, hi - pos))
        pos += width
    return out


def _host_expression(parts: Sequence[Part], end: int) -> cst.BaseExpression | None:
    """The host as written: the parts of the URL before the v1 path, as the original expressions.

    A host that ends inside a constant holding the API root (``API = "https://…/api/v1"``) keeps the
    constant whole: the helper drops a trailing ``/api/v1`` itself.
    """
    rooted = _through_api_root(parts, end)
    if rooted is not None:
        return _expression(Segment(rooted))
    kept = _slice(parts, 0, end)
    if not kept:
        return None
    segment = Segment(kept)
    literal = segment.literal
    if literal is not None:
        return _string_node(literal.rstrip("/") or literal)
    return _expression(segment)


def _through_api_root(parts: Sequence[Part], end: int) -> tuple[Part, ...] | None:
    """The parts up to and including the name that holds the host and the API root, when the host ends
    inside one (``API = HOST + "/api/v1"``), also a name inside another's value (``url`` whose value is
    ``self.base_url + "/courses/stats"``, ``self.base_url`` being ``base_url + "/api/v1"``)."""
    pos = 0
    for part in parts:
        width = _width(part)
        if pos < end < pos + width and isinstance(part, Hole):
            tail = Segment(_slice((part,), end - pos, width)).literal
            if tail is not None and tail.rstrip("/") == "/api/v1":
                return (*_slice(parts, 0, pos), part)
            if part.expansion is not None:
                inner = _through_api_root(part.expansion, end - pos)
                if inner is not None:
                    return (*_slice(parts, 0, pos), *inner)
            return None
        pos += width
    return None


def _string_node(value: str) -> cst.SimpleString:
    return cst.SimpleString(_quote(value))


def _quote(value: str) -> str:
    text = repr(value)
    if text.startswith("'") and '"' not in value:
        text = '"' + text[1:-1].replace("\\'", "'") + '"'
    return text


def _expression(segment: Segment) -> cst.BaseExpression:
    """An expression whose value is the segment's text."""
    literal = segment.literal
    if literal is not None:
        return _string_node(literal)
    if len(segment.parts) == 1:
        hole = segment.parts[0]
        assert isinstance(hole, Hole)
        return _unquoted(hole.expr)
    pieces: list[cst.BaseFormattedStringContent] = []
    for part in segment.parts:
        if isinstance(part, Text):
            pieces.append(cst.FormattedStringText(part.value.replace("{", "{{").replace("}", "}}")))
        else:
            pieces.append(cst.FormattedStringExpression(part.expr))
    return cst.FormattedString(pieces)


def _unquoted(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``quote(email)`` in a v1 path becomes ``email``: v2 takes the value, not its URL encoding."""
    if (
        isinstance(expr, cst.Call)
        and len(expr.args) == 1
        and expr.args[0].keyword is None
        and not expr.args[0].star
    ):
        func = expr.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if name in ("quote", "quote_plus"):
            return expr.args[0].value
    return expr


def _query(segment: Segment) -> dict[str, cst.BaseExpression]:
    """The query string's keys and values; keys must be literal."""
    out: dict[str, cst.BaseExpression] = {}
    # Split on literal '&' only.
    current: tuple[Part, ...] = ()
    pieces: list[tuple[Part, ...]] = []
    for part in segment.parts:
        if isinstance(part, Text):
            chunks = part.value.split("&")
            for j, chunk in enumerate(chunks):
                if j:
                    pieces.append(current)
                    current = ()
                if chunk:
                    current = _join(current, (Text(chunk),))
        else:
            current = (*current, part)
    pieces.append(current)
    for piece in pieces:
        if not piece:
            continue
        head = piece[0]
        if not isinstance(head, Text) or "=" not in head.value:
            raise Review("url-query-unread")
        key, _, rest = head.value.partition("=")
        value_parts = ((Text(rest),) if rest else ()) + piece[1:]
        out[key] = _expression(Segment(value_parts))
    return out


def _fragments(endpoint: Endpoint) -> tuple[str, ...]:
    """The literal pieces of an endpoint's v1 path below the API root, with their slashes
    (``/courses/``, ``/stats/`` for getUserCourseStats)."""
    path = endpoint.v1_path.removeprefix(V1_API_ROOT)
    return tuple(piece for piece in re.split(r"\{[^}]*\}", path) if piece)


#: The endpoints in the order a URL's code is told apart: a path with no parameter first (its words
#: stand together), then those with the longest literal pieces.
_GUESSES: Final = tuple(
    sorted(
        ((name, _fragments(e)) for name, e in ENDPOINTS.items()),
        key=lambda pair: ("{" in ENDPOINTS[pair[0]].v1_path, -sum(map(len, pair[1]))),
    )
)


def guess_endpoint(code: str) -> str | None:
    """The endpoint a URL that cannot be read most likely calls, from the words of its source: every
    literal piece of the endpoint's v1 path is in it (``mapping.ENDPOINTS``)."""
    if not any(marker in code.lower() for marker in HOST_MARKERS) and V1_API_ROOT.lstrip("/") not in code:
        return None
    return next((name for name, pieces in _GUESSES if all(p in code for p in pieces)), None)
