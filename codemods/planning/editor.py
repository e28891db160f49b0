"""Applies a plan to the tree: replaced expressions, removed statements, unwrapped status checks, markers.

Edits are keyed by the nodes of the original tree, so the planner never has to know how the transformer
walks. Marker comments are written above the statement of a site left for review; an existing marker of
ours is replaced, never duplicated, so a second run leaves the file as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import cast

import libcst as cst

from codemods.mapping import NOTE_MARKER, REVIEW_MARKER
from codemods.planning.plan import Plan


class Editor(cst.CSTTransformer):
    """The plan applied; with ``paths`` (every edited node and its ancestors), only those are walked, and
    every other subtree is kept as it is, the same objects, instead of being rebuilt unchanged."""

    def __init__(self, plan: Plan, paths: Collection[cst.CSTNode] | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.paths = paths

    def on_visit(self, node: cst.CSTNode) -> bool:
        return self.paths is None or node in self.paths

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        # Exact types and the plan's own tables first: ``isinstance`` against LibCST's node classes
        # goes through ``ABCMeta``, and this runs for every node on the edited paths.
        edits, plan, kind = self.plan.edits, self.plan, type(original_node)
        if original_node in edits.replace:
            return edits.replace[original_node]
        if original_node in edits.remove:
            return cst.RemoveFromParent()
        if type(updated_node) is cst.IndentedBlock and not updated_node.body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        if kind is cst.For and original_node in edits.flatten:
            assert isinstance(updated_node, cst.For)
            updated_node = _flatten(updated_node, edits.flatten[cast(cst.For, original_node)])
        if kind is cst.CompFor and original_node in edits.flatten:
            assert isinstance(updated_node, cst.CompFor)
            return _flatten_clauses(updated_node, edits.flatten[cast(cst.CompFor, original_node)])
        if plan.markers and isinstance(original_node, cst.BaseStatement) and original_node in plan.markers:
            assert isinstance(updated_node, cst.BaseStatement)
            updated_node = _with_marker(updated_node, REVIEW_MARKER, plan.markers[original_node])
        if plan.notes and isinstance(original_node, cst.BaseStatement) and original_node in plan.notes:
            assert isinstance(updated_node, cst.BaseStatement)
            if original_node not in plan.markers:  # a site reviewed before, migrated now
                updated_node = _with_marker(updated_node, REVIEW_MARKER, ())
            updated_node = _with_marker(updated_node, NOTE_MARKER, plan.notes[original_node])
        if kind is cst.With and original_node in edits.unwrap_with:
            assert isinstance(updated_node, cst.With)
            return _unwrap_with(updated_node, edits.unwrap_with[cast(cst.With, original_node)])
        if kind is cst.If and original_node in edits.unwrap:
            assert isinstance(updated_node, cst.If)
            return _unwrap(updated_node, edits.unwrap[cast(cst.If, original_node)])
        return updated_node


def edited(plan: Plan) -> Iterable[cst.CSTNode]:
    """Every node of the original tree that the plan edits."""
    edits = plan.edits
    yield from edits.replace
    yield from edits.remove
    yield from edits.flatten
    yield from edits.unwrap_with
    yield from edits.unwrap
    yield from plan.markers
    yield from plan.notes


def _with_marker(statement: cst.BaseStatement, marker: str, reasons: Sequence[str]) -> cst.BaseStatement:
    """The statement with a one-line ``marker`` comment above it giving the reasons, in place of an
    older comment with the same marker (no reasons: the older comment goes)."""
    text = "; ".join(dict.fromkeys(" ".join(r.split()) for r in reasons))
    lines = [
        line
        for line in getattr(statement, "leading_lines", ())
        if line.comment is None or not line.comment.value.startswith(marker)
    ]
    if text:
        lines.append(cst.EmptyLine(comment=cst.Comment(f"{marker} {text}")))
    return statement.with_changes(leading_lines=lines)


def _flatten(loop: cst.For, depth: int) -> cst.For:
    """``for a in xs: <ids>; for b in a[…]: <ids>; for c in b[…]: body`` → ``for c in xs: <ids> body``.

    The id assignments of the outer levels open the merged body, in their order; comments above the
    inner loops move above the first statement of the innermost body.
    """
    moved: list[cst.BaseStatement] = []
    comments: list[cst.EmptyLine] = []
    inner = loop
    for _ in range(depth):
        block = inner.body
        assert isinstance(block, cst.IndentedBlock)
        *assignments, nested = block.body
        assert isinstance(nested, cst.For)
        moved.extend(assignments)
        comments.extend(line for line in nested.leading_lines if line.comment is not None)
        inner = nested
    suite = inner.body
    if isinstance(suite, cst.SimpleStatementSuite) and not moved and not comments:
        return loop.with_changes(target=inner.target, body=suite)
    if isinstance(suite, cst.IndentedBlock):
        block = suite
    else:
        assert isinstance(suite, cst.SimpleStatementSuite)
        block = cst.IndentedBlock([cst.SimpleStatementLine(suite.body)], header=suite.trailing_whitespace)
    statements = list(block.body)
    first = statements[0]
    statements[0] = first.with_changes(leading_lines=[*comments, *getattr(first, "leading_lines", ())])
    return loop.with_changes(target=inner.target, body=block.with_changes(body=[*moved, *statements]))


def _flatten_clauses(clause: cst.CompFor, depth: int) -> cst.CompFor:
    """``for a in xs for b in a[…] for c in b[…] if t`` → ``for c in xs if t``."""
    inner = clause
    for _ in range(depth):
        assert inner.inner_for_in is not None
        inner = inner.inner_for_in
    return clause.with_changes(target=inner.target, ifs=inner.ifs, inner_for_in=None)


def _unwrap(statement: cst.If, branch: str) -> cst.RemovalSentinel | cst.FlattenSentinel[cst.BaseStatement]:
    """The statements of the branch that runs when the request succeeded, in place of the ``if``."""
    suite: cst.BaseSuite | None
    if branch == "body":
        suite = statement.body
    else:
        suite = statement.orelse.body if isinstance(statement.orelse, cst.Else) else None
    if suite is None:
        return cst.RemoveFromParent()
    body: list[cst.BaseStatement]
    if isinstance(suite, cst.IndentedBlock):
        body = list(suite.body)
    else:
        assert isinstance(suite, cst.SimpleStatementSuite)
        body = [cst.SimpleStatementLine(suite.body)]
    body = [s for s in body if not _is_pass(s)] or []
    if not body:
        return cst.RemoveFromParent()
    first = body[0]
    body[0] = first.with_changes(
        leading_lines=[*statement.leading_lines, *getattr(first, "leading_lines", ())]
    )
    return cst.FlattenSentinel(body)


def _unwrap_with(
    statement: cst.With, assignment: cst.SimpleStatementLine | None
) -> cst.FlattenSentinel[cst.BaseStatement]:
    """``with client.get(…) as r:`` → ``r = <helper call>`` and the body, one level out; ``with
    httpx.Client() as c:`` whose client is no longer read → the body alone."""
    suite = statement.body
    body: list[cst.BaseStatement]
    if isinstance(suite, cst.IndentedBlock):
        body = list(suite.body)
    else:
        assert isinstance(suite, cst.SimpleStatementSuite)
        body = [cst.SimpleStatementLine(suite.body)]
    body = [s for s in body if not _is_pass(s)]
    if assignment is not None:
        body.insert(0, assignment)
    if not body:
        body = [cst.SimpleStatementLine([cst.Pass()])]
    first = body[0]
    body[0] = first.with_changes(
        leading_lines=[*statement.leading_lines, *getattr(first, "leading_lines", ())]
    )
    return cst.FlattenSentinel(body)


def _is_pass(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Pass)
    )
