"""Where the import of the helper module goes: where isort, or ruff's ``I`` rules, would put it.

Imports are sorted in sections, each after a blank line: ``__future__``, the standard library, third
parties, the repository's own modules (first-party, the helper among them), then relative imports.
Within a section plain ``import x`` statements come first, then ``from x import y``, each sorted by
module name. The helper's import is added to the first-party section at its place, so that a module
whose imports were sorted before the migration stays sorted; a module with no import gets it after its
docstring and ``__future__`` imports, as LibCST places it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

_FUTURE, _STDLIB, _THIRD, _FIRST, _LOCAL = range(5)


def _dotted(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _import_of(line: cst.CSTNode) -> cst.Import | cst.ImportFrom | None:
    if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
        statement = line.body[0]
        if isinstance(statement, (cst.Import, cst.ImportFrom)):
            return statement
    return None


def _key(statement: cst.Import | cst.ImportFrom, first_party: frozenset[str]) -> tuple[int, int, str]:
    """(section, plain imports before ``from`` imports, module name) as isort orders them."""
    if isinstance(statement, cst.Import):
        module = _dotted(statement.names[0].name)
        is_from = 0
    else:
        if statement.relative:
            return (_LOCAL, 1, "." * len(statement.relative) + _dotted(statement.module))
        module = _dotted(statement.module)
        is_from = 1
    top = module.partition(".")[0]
    if module == "__future__":
        section = _FUTURE
    elif top in first_party:
        section = _FIRST
    elif top in sys.stdlib_module_names:
        section = _STDLIB
    else:
        section = _THIRD
    return (section, is_from, module.lower())


def _already_imported(body: Sequence[cst.CSTNode], package: str, name: str) -> bool:
    for line in body:
        statement = _import_of(line)
        if isinstance(statement, cst.Import) and not package:
            if any(_dotted(alias.name) == name and alias.asname is None for alias in statement.names):
                return True
        elif isinstance(statement, cst.ImportFrom) and package and not statement.relative:
            names = statement.names
            if (
                _dotted(statement.module) == package
                and not isinstance(names, cst.ImportStar)
                and any(_dotted(alias.name) == name and alias.asname is None for alias in names)
            ):
                return True
    return False


def add_helper_import(module: cst.Module, helper_import: str, first_party: frozenset[str]) -> cst.Module:
    """``module`` importing the helper (``pkg.learning360_v2`` or ``learning360_v2``) in its sorted place."""
    package, _, name = helper_import.rpartition(".")
    body = list(module.body)
    if _already_imported(body, package, name):
        return module
    start = next((i for i, line in enumerate(body) if _import_of(line) is not None), None)
    if start is None:
        context = CodemodContext()
        if package:
            AddImportsVisitor.add_needed_import(context, package, name)
        else:
            AddImportsVisitor.add_needed_import(context, name)
        return AddImportsVisitor(context).transform_module(module)
    end = start
    while end < len(body) and _import_of(body[end]) is not None:
        end += 1
    new: cst.Import | cst.ImportFrom = (
        cst.ImportFrom(module=_module_node(package), names=[cst.ImportAlias(cst.Name(name))])
        if package
        else cst.Import(names=[cst.ImportAlias(cst.Name(name))])
    )
    ours = _key(new, first_party | {helper_import.partition(".")[0]})
    keys = [_key(_statement(body[i]), first_party) for i in range(start, end)]
    position = next((start + i for i, key in enumerate(keys) if key > ours), end)
    blank = cst.EmptyLine()
    before = keys[position - start - 1] if position > start else None
    line = cst.SimpleStatementLine([new])
    if position == start:
        # First of the block: it takes over what stood above the block (a blank line after a docstring).
        first = body[start]
        line = line.with_changes(leading_lines=first.leading_lines)
        body[start] = first.with_changes(leading_lines=[blank] if keys[0][0] != ours[0] else [])
    elif before is not None and before[0] != ours[0]:
        line = line.with_changes(leading_lines=[blank])
    if position < end and position != start:
        after = body[position]
        if keys[position - start][0] != ours[0] and not after.leading_lines:
            body[position] = after.with_changes(leading_lines=[blank])
        elif keys[position - start][0] == ours[0] and all(e.comment is None for e in after.leading_lines):
            # The section now starts with the helper's import: the blank line above it moves up.
            body[position] = after.with_changes(leading_lines=[])
    body.insert(position, line)
    return module.with_changes(body=body)


def _module_node(dotted: str) -> cst.Name | cst.Attribute:
    first, *rest = dotted.split(".")
    node: cst.Name | cst.Attribute = cst.Name(first)
    for part in rest:
        node = cst.Attribute(node, cst.Name(part))
    return node


def _statement(line: cst.CSTNode) -> cst.Import | cst.ImportFrom:
    statement = _import_of(line)
    assert statement is not None
    return statement
