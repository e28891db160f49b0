"""What the tests measure of a syntax tree."""

from __future__ import annotations

import libcst as cst


def tree_depth(module: cst.CSTNode) -> int:
    """The depth of LibCST's tree, the module node counting one; walked without recursion."""
    deepest = 0
    stack = [(module, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.children)
    return deepest
