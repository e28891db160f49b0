"""Matches a URL read into parts (``codemods.reading.urls``) against the v1 course-statistics paths:
which endpoint its text spells, each path parameter and the host as expressions the rewritten call can
reuse, and its query string.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import libcst as cst

from codemods.mapping import ENDPOINTS, HOST_MARKERS, V1_API_ROOT, Endpoint
from codemods.mapping.reasons import Review
from codemods.reading.urls import HOLE_BASE, Hole, Part, Text, expand_parts, join_parts


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
        return "".join(p.value if isinstance(p, Text) else code(p.expr) for p in expand_parts(self.parts))


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
    holes = f"[{chr(HOLE_BASE)}-{chr(0xF8FF)}]"
    return re.compile(rf"^(?P<host>.*?)(?:/|(?<={holes})|^){pattern}/?(?:\?(?P<query>.*))?$", re.DOTALL)


_REGEXES = {name: _path_regex(endpoint) for name, endpoint in ENDPOINTS.items()}


def match_endpoint(parts: tuple[Part, ...]) -> UrlMatch | None:
    """Match URL parts against every v1 path; ``None`` when the URL has none of their shapes.

    Matching runs on the text with every name expanded; the pieces handed back are cut from the URL
    as written, so a piece that is exactly a name (``COURSE_ID``, ``BASE``) stays that name.
    Raises ``Review`` when the shape matches but a piece cannot be turned into an expression.
    """
    expanded = expand_parts(parts)
    encoded = "".join(p.value if isinstance(p, Text) else chr(HOLE_BASE + i) for i, p in enumerate(expanded))
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
                out = join_parts(out, (part,))
            elif isinstance(part, Text):
                out = join_parts(out, (Text(part.value[lo - pos : hi - pos]),))
            else:
                assert part.expansion is not None  # a hole without expansion is one character wide
                out = join_parts(out, _slice(part.expansion, lo - pos, hi - pos))
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
                    current = join_parts(current, (Text(chunk),))
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
