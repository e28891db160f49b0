"""Every place where a module spells a v1 course-statistics path, whether or not the rewrite understood
the call it ends up in: nothing is silent, by construction.

The rewrite (``codemods.planning.planner``) starts from the HTTP calls it knows and reads their URLs. A URL it
cannot read, or a call it does not know, would leave it silent. This scan starts from the other end, the
text: every string expression of the code (docstrings and comments are not code) whose text spells a v1
course-statistics path, absolute (``/api/v1/courses/{id}/stats``) or relative to an API root
(``/courses/{id}/stats``), and every name of another module whose indexed value spells one. It asks
``codemods.reading.evidence`` whether the place is 360Learning's, then follows its value to where it goes:

* into a call site the rewrite migrated or reported: covered;
* nowhere: a constant or a URL function nothing reads (what a migration leaves behind) is no call;
* into something that provably makes no request: a log or print message, a comparison or a pattern
  match, a route declaration or a decorator, a test double's registration, a mapping's key;
* anywhere else: a table the URL is looked up in, a choice made at run time, a function the tool does not
  understand. That place is *unfollowed*: the engine reports it for review, with the reason.

Nothing here changes code; the planner turns each unfollowed place into a finding and a marker.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import libcst as cst

from codemods.mapping.reasons import Review
from codemods.reading.evidence import FOREIGN_HOST, HOST_360, Evidence
from codemods.reading.index import CODE, Piece, RepositoryIndex
from codemods.reading.metadata import Metadata, references
from codemods.reading.spelling import HOLE, Spelled, is_message, spelled
from codemods.reading.urls import Hole, Part, Text, url_parts
from codemods.reading.value_uses import ValueUses, because


@dataclass(frozen=True)
class Unfollowed:
    """A place that spells a v1 path and whose value goes where the tool cannot follow it."""

    node: cst.CSTNode
    endpoint: str
    reason: str
    #: For a name of another module: which one (``STATS of module settings``).
    origin: str = ""


#: Resolves a name to its value (as ``urls.url_parts`` reads it); the planner's resolver.
Resolve = Callable[[cst.Name | cst.Attribute | cst.Call], "cst.BaseExpression | tuple[Part, ...] | None"]
#: (module, name) of a name imported from a module of the repository, or ``(None, name)``.
Imported = Callable[[cst.Name | cst.Attribute], "tuple[str | None, str]"]

# --- what a value goes through, and where it stops -----------------------------------------------------


class Detector:
    """Finds the unfollowed places of one module (see the module's docstring)."""

    def __init__(
        self,
        meta: Metadata,
        evidence: Evidence,
        *,
        sites: set[cst.CSTNode],
        resolve: Resolve,
        imported: Imported,
        index: RepositoryIndex | None = None,
    ) -> None:
        self.meta = meta
        self.evidence = evidence
        self.resolve = resolve
        self.imported = imported
        self.index = index or RepositoryIndex()
        self.uses = ValueUses(meta, sites)

    def run(self) -> list[Unfollowed]:
        found: list[Unfollowed] = []
        for top, shape in self._places():
            if not self._is_v1(top, shape):
                continue
            reason = self.uses.follow(top)
            if reason is not None:
                found.append(Unfollowed(top, shape.endpoint, reason))
        for node, shape, origin, table, start in self._imported_places():
            reason = self.uses.follow(node, table=table, reason=start)
            if reason is not None:
                found.append(Unfollowed(node, shape.endpoint, reason, origin))
        return sorted(found, key=lambda u: self.meta.position(u.node))

    def _places(self) -> Iterator[tuple[cst.BaseExpression, Spelled]]:
        """Every string expression of the code whose own text (names left unknown) spells a v1 path."""
        seen: set[cst.CSTNode] = set()
        for literal in _string_roots(self.meta):
            if "courses" not in _raw(literal).lower():
                continue
            parent = self.meta.parent(literal)
            if isinstance(parent, cst.Expr) or any(
                isinstance(a, cst.Annotation) for a in self.meta.ancestors(literal)
            ):
                continue  # a docstring, or a bare string statement: documentation, not code
            top = self.uses.climb(literal, choices=False)[0]
            if top in seen:
                continue
            seen.add(top)
            shape = spelled(_own_text(top))
            if shape is not None:
                yield top, shape

    def _is_v1(self, top: cst.BaseExpression, own: Spelled) -> bool:
        """Whether a place spells a v1 path of 360Learning, with its names read: a root revealed as v2,
        another vendor's host, or text that is a message rather than a URL rule it out."""
        try:
            parts = url_parts(top, self.resolve)
        except (Review, RecursionError):
            parts = ()
        encoded = _encoded(parts) if parts else _own_text(top)
        shape = spelled(encoded) if parts else own
        if shape is None or is_message(encoded):
            return False
        kinds = self.evidence.kinds(_code_text(parts)) if parts else frozenset()
        if HOST_360 in kinds:
            return True
        if FOREIGN_HOST in kinds:
            return False
        verdict = self.evidence.verdict(top)
        if not shape.absolute and verdict.root == "v2":
            return False
        return verdict.is_360learning

    def _imported_places(self) -> Iterator[tuple[cst.CSTNode, Spelled, str, bool, str]]:
        """Names read in this module that another module of the repository binds to a v1 path: the
        node, the path, where it comes from, whether it is a table, and the reason it starts with."""
        names = _spelling_names(self.index)
        if not names:
            return
        for node in references(self.meta.module):
            key = node.value if isinstance(node, cst.Name) else node.attr.value
            if key not in names:
                continue
            module, name = self.imported(node)
            found = self.index.spelling(module, name) if module is not None else None
            if found is None:
                continue
            endpoint, absolute, kind = found
            pieces = self.index.lookup(module, name) if module is not None else None
            kinds = self.evidence.kinds("".join(value for _, value in pieces or ()))
            if FOREIGN_HOST in kinds and HOST_360 not in kinds:
                continue
            verdict = self.evidence.verdict(node)
            if HOST_360 not in kinds and (
                not verdict.is_360learning or (not absolute and verdict.root == "v2")
            ):
                continue
            origin = f"{name} of module {module}"
            reason = {"table": because("named_table", name=name), "runtime": because("runtime")}.get(kind, "")
            yield node, Spelled(endpoint, absolute), origin, kind == "table", reason


# --- text ------------------------------------------------------------------------------------------


def _string_roots(meta: Metadata) -> list[cst.BaseString]:
    """Every string expression of the module that is no part of a longer one (an implicit
    concatenation's parts are not), in the order of the source."""
    return [
        node
        for node in meta.nodes(cst.ConcatenatedString, cst.SimpleString, cst.FormattedString)
        if not any(isinstance(a, cst.ConcatenatedString) for a in meta.ancestors(node))
    ]


def _raw(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _never(_: cst.Name | cst.Attribute | cst.Call) -> None:
    return None


def _own_text(node: cst.BaseExpression) -> str:
    """The text of an expression from its literals alone, every name an unknown."""
    try:
        return _encoded(url_parts(node, _never))
    except (Review, RecursionError):
        return _rough_text(node)


def _rough_text(node: cst.CSTNode) -> str:
    """The literal text of an expression that ``url_parts`` cannot read (a format spec…), holes between."""
    pieces: list[str] = []

    class Pieces(cst.CSTVisitor):
        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            value = string.evaluated_value
            pieces.append(value if isinstance(value, str) else HOLE)

        def visit_FormattedStringText(self, text: cst.FormattedStringText) -> None:
            pieces.append(text.value)

        def visit_FormattedStringExpression(self, expression: cst.FormattedStringExpression) -> bool:
            pieces.append(HOLE)
            return False

        def visit_Name(self, name: cst.Name) -> None:
            pieces.append(HOLE)

    node.visit(Pieces())
    return "".join(pieces)


def _expanded(parts: tuple[Part, ...]) -> Iterator[Part]:
    for part in parts:
        if isinstance(part, Hole) and part.expansion is not None:
            yield from _expanded(part.expansion)
        else:
            yield part


def _encoded(parts: tuple[Part, ...]) -> str:
    return "".join(p.value if isinstance(p, Text) else HOLE for p in _expanded(parts))


def _code_text(parts: tuple[Part, ...]) -> str:
    """The text with every unknown written as its code (``os.environ.get("H", "https://…")``)."""
    code = cst.Module([]).code_for_node
    return "".join(p.value if isinstance(p, Text) else code(p.expr) for p in _expanded(parts))


def _spelled_pieces(pieces: tuple[Piece, ...] | None) -> Spelled | None:
    if pieces is None:
        return None
    text = "".join(HOLE if kind == CODE else value for kind, value in pieces)
    return None if is_message(text) else spelled(text)


@functools.lru_cache(maxsize=4)
def _spelling_names(index: RepositoryIndex) -> frozenset[str]:
    """The names of the repository's bindings whose value spells a v1 path (class constants by their
    attribute name)."""
    return frozenset(name.rpartition(".")[2] for names in index.spellings.values() for name in names)
