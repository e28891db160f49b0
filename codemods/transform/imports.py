"""The imports of a rewritten module: those the rewrite leaves unused removed, and the helper module's
import added where isort, or ruff's ``I`` rules, would put it.

Removal: LibCST's ``RemoveImportsVisitor`` copies the whole migrated module and resolves scopes and
qualified names on the copy again, to learn whether the imports the rewrite no longer reads are read
elsewhere. On a module of a dozen lines that was two thirds of the rewrite's CPU, and it grows with the
module, and importing it imports LibCST's matchers, half a second of every process. Here an import is
known unused without scopes when the name it binds is written nowhere else in the migrated module (no
name node outside import statements spells it, and no string holds it), and its aliases are removed
the way that visitor removes them (``tests/transform/test_imports.py`` compares the two); only when a
candidate's name does appear somewhere does LibCST's own visitor, and its analysis, decide. The common
case neither copies the module nor walks further than the import statements it may change.

Addition: imports are sorted in sections, each after a blank line: ``__future__``, the standard library,
third parties, the repository's own modules (first-party, the helper among them), then relative
imports. Within a section plain ``import x`` statements come first, then ``from x import y``, each
sorted by module name. The helper's import is added to the first-party section at its place, so that a
module whose imports were sorted before the migration stays sorted; a module with no import gets it
after its docstring, where LibCST's ``AddImportsVisitor`` places it, after a blank line.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterable, Sequence
from typing import cast

import libcst as cst
from libcst.helpers import get_absolute_module_from_package_for_import

from codemods.reading import visitor_cache
from codemods.reading.metadata import children, dotted, is_bare_string

visitor_cache.install()

_Entry = tuple[str, str | None, str | None]  # (module, name imported from it or None, alias or None)
_ImportNode = cst.Import | cst.ImportFrom


class _Gather:
    """In one walk: every import statement with the nodes above it, the names written outside import
    statements, and the text of every string."""

    def __init__(self, module: cst.Module) -> None:
        self.imports: list[_ImportNode] = []
        #: The import statements and every node above one.
        self.paths: set[cst.CSTNode] = set()
        self.names: set[str] = set()
        self.strings: list[str] = []
        self._walk(module, [])

    def _walk(self, node: cst.CSTNode, above: list[cst.CSTNode]) -> None:
        kind = type(node)  # exact types: ``isinstance`` against LibCST's classes goes through ``ABCMeta``
        if kind is cst.Import or kind is cst.ImportFrom:
            self.imports.append(cast(_ImportNode, node))
            self.paths.add(node)
            self.paths.update(above)
            return
        if kind is cst.Name:
            self.names.add(cast(cst.Name, node).value)
        elif kind is cst.SimpleString or kind is cst.FormattedStringText:
            self.strings.append(cast("cst.SimpleString | cst.FormattedStringText", node).value)
        elif is_bare_string(node):
            return  # a docstring, or a bare string: prose, never a reference to a name
        above.append(node)
        for child in children(node):
            self._walk(child, above)
        above.pop()


def _bound(alias: cst.ImportAlias) -> str:
    """The first name an import alias binds (``urllib`` for ``import urllib.request``)."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return alias.evaluated_name.partition(".")[0]


def _matching(
    imports: Iterable[_ImportNode], entries: Collection[_Entry], package: str | None
) -> list[tuple[cst.ImportAlias, _ImportNode]]:
    """The aliases of ``imports`` that ``RemoveImportsVisitor`` would consider removing for ``entries``."""
    modules = {(module, alias) for module, obj, alias in entries if obj is None}
    objects = {(module, obj, alias) for module, obj, alias in entries if obj is not None}
    found: list[tuple[cst.ImportAlias, _ImportNode]] = []
    for node in imports:
        if isinstance(node, cst.Import):
            found.extend((a, node) for a in node.names if (a.evaluated_name, a.evaluated_alias) in modules)
        elif not isinstance(node.names, cst.ImportStar):
            module = get_absolute_module_from_package_for_import(package, node)
            found.extend(
                (a, node)
                for a in node.names
                if module is not None and (module, a.evaluated_name, a.evaluated_alias) in objects
            )
    return found


def _unused_without_scopes(
    module: cst.Module, entries: Collection[_Entry], package: str | None
) -> tuple[dict[cst.ImportAlias, _ImportNode], set[cst.CSTNode]] | None:
    """The aliases of ``entries`` that are unused because nothing else spells their names, with the
    import statements and the nodes above them; ``None`` when one of them is spelled somewhere, and
    scopes must decide."""
    gathered = _Gather(module)
    candidates = _matching(gathered.imports, entries, package)
    for alias, _ in candidates:
        name = _bound(alias)
        if name in gathered.names or any(name in text for text in gathered.strings):
            return None
    return dict(candidates), gathered.paths


class _RemoveKnownUnused(cst.CSTTransformer):
    """Removes the aliases known unused, as LibCST's ``RemoveImportsVisitor`` removes them (its
    ``leave_Import`` and ``leave_ImportFrom``: a statement left without aliases goes, the comma and the
    comments after a removed alias move to the one before it), walking only down to import statements.
    Written out here: importing that visitor imports LibCST's matchers, half a second of every process
    that rewrites a module."""

    def __init__(self, unused: dict[cst.ImportAlias, _ImportNode], paths: set[cst.CSTNode]) -> None:
        super().__init__()
        self._unused = unused
        self._paths = paths

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node in self._paths or isinstance(node, cst.Module)

    def leave_Import(
        self, original_node: cst.Import, updated_node: cst.Import
    ) -> cst.Import | cst.RemovalSentinel:
        keep = [alias for alias in original_node.names if alias not in self._unused]
        if len(keep) == len(original_node.names):
            return updated_node
        if not keep:
            return cst.RemoveFromParent()
        if keep[-1] is not original_node.names[-1]:
            keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=keep)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        names = original_node.names
        if isinstance(names, cst.ImportStar) or not any(alias in self._unused for alias in names):
            return updated_node
        keep: list[cst.ImportAlias] = []
        lpar = updated_node.lpar
        for alias in names:
            if alias not in self._unused:
                keep.append(alias)
                continue
            comma = alias.comma
            if not isinstance(comma, cst.Comma):
                continue
            if keep:  # the comments after the removed alias move to the one before it
                previous = keep[-1]
                if isinstance(previous.comma, cst.Comma):
                    keep[-1] = previous.with_deep_changes(
                        previous.comma,
                        whitespace_after=_merge_whitespace_after(
                            previous.comma.whitespace_after, comma.whitespace_after
                        ),
                    )
                else:
                    keep[-1] = previous.with_changes(comma=comma)
            elif isinstance(lpar, cst.LeftParen):  # or to the opening parenthesis
                lpar = lpar.with_changes(
                    whitespace_after=_merge_whitespace_after(lpar.whitespace_after, comma.whitespace_after)
                )
        if not keep:
            return cst.RemoveFromParent()
        if keep[-1] is not names[-1]:
            keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=keep, lpar=lpar)


def _merge_whitespace_after(
    left: cst.BaseParenthesizableWhitespace, right: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    """The whitespace after a kept alias's comma, taking the comments after a removed one's."""
    if not isinstance(right, cst.ParenthesizedWhitespace):
        return left
    if not isinstance(left, cst.ParenthesizedWhitespace):
        return right
    return left.with_changes(
        empty_lines=tuple(line for line in right.empty_lines if line.comment is not None)
    )


def remove_unused(module: cst.Module, entries: Collection[_Entry], package: str | None = None) -> cst.Module:
    """``module`` without the imports of ``entries`` (module, name, alias) that nothing reads any more;
    ``package`` names the module's relative imports."""
    known = _unused_without_scopes(module, entries, package)
    if known is not None:
        unused, paths = known
        return module.visit(_RemoveKnownUnused(unused, paths)) if unused else module
    # A name is spelled elsewhere: LibCST's own analysis of scopes decides (its matchers load now).
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import RemoveImportsVisitor

    visitor_cache.install()  # the matchers are imported now: their introspection is cached too
    context = CodemodContext(full_package_name=package)
    for module_name, obj, asname in sorted(entries, key=str):
        RemoveImportsVisitor.remove_unused_import(context, module_name, obj, asname)
    return RemoveImportsVisitor(context).transform_module(module)


def _add_at_top(module: cst.Module, statement: str) -> cst.Module:
    """``module``, which has no import at its top level, with ``statement`` where LibCST's
    ``AddImportsVisitor`` puts it: after a docstring (or a ``__strict__`` flag), with a blank line
    before the next statement; and after a blank line below the docstring, as black and ruff's
    formatter write one. Written out here: the visitor would walk the whole module."""
    body = list(module.body)
    first = body[0] if body else None
    skip = int(
        isinstance(first, cst.SimpleStatementLine)
        and len(first.body) == 1
        and (
            (isinstance(first.body[0], cst.Expr) and isinstance(first.body[0].value, cst.SimpleString))
            or (
                isinstance(first.body[0], cst.Assign)
                and len(first.body[0].targets) == 1
                and isinstance(first.body[0].targets[0].target, cst.Name)
                and first.body[0].targets[0].target.value == "__strict__"
            )
        )
    )
    after = body[skip:]
    if after:
        lines = after[0].leading_lines
        if not lines or lines[0].comment is not None:
            after[0] = after[0].with_changes(leading_lines=(cst.EmptyLine(), *lines))
    new = cst.parse_statement(statement, config=module.config_for_parsing)
    if skip and isinstance(first, cst.SimpleStatementLine) and is_bare_string(first.body[0]):
        new = new.with_changes(leading_lines=[cst.EmptyLine()])
    return module.with_changes(body=[*body[:skip], new, *after])


_FUTURE, _STDLIB, _THIRD, _FIRST, _LOCAL = range(5)


def _import_of(line: cst.CSTNode) -> cst.Import | cst.ImportFrom | None:
    if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
        statement = line.body[0]
        if isinstance(statement, (cst.Import, cst.ImportFrom)):
            return statement
    return None


def _key(statement: cst.Import | cst.ImportFrom, first_party: frozenset[str]) -> tuple[int, int, str]:
    """(section, plain imports before ``from`` imports, module name) as isort orders them."""
    if isinstance(statement, cst.Import):
        module = dotted(statement.names[0].name)
        is_from = 0
    else:
        if statement.relative:
            return (_LOCAL, 1, "." * len(statement.relative) + dotted(statement.module))
        module = dotted(statement.module)
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
            if any(dotted(alias.name) == name and alias.asname is None for alias in statement.names):
                return True
        elif isinstance(statement, cst.ImportFrom) and package and not statement.relative:
            names = statement.names
            if (
                dotted(statement.module) == package
                and not isinstance(names, cst.ImportStar)
                and any(dotted(alias.name) == name and alias.asname is None for alias in names)
            ):
                return True
    return False


def add_helper_import(
    module: cst.Module, helper_import: str, first_party: frozenset[str], *, ours: bool = True
) -> cst.Module:
    """``module`` importing the helper (``pkg.learning360_v2`` or ``learning360_v2``) in its sorted place;
    with ``ours`` false, any other module, whose section ``first_party`` decides."""
    package, _, name = helper_import.rpartition(".")
    body = list(module.body)
    if _already_imported(body, package, name):
        return module
    start = next((i for i, line in enumerate(body) if _import_of(line) is not None), None)
    if start is None:
        statement = f"from {package} import {name}" if package else f"import {name}"
        return _add_at_top(module, statement)
    end = start
    while end < len(body) and _import_of(body[end]) is not None:
        end += 1
    new: cst.Import | cst.ImportFrom = (
        cst.ImportFrom(module=_module_node(package), names=[cst.ImportAlias(cst.Name(name))])
        if package
        else cst.Import(names=[cst.ImportAlias(cst.Name(name))])
    )
    key = _key(new, first_party | {helper_import.partition(".")[0]} if ours else first_party)
    keys = [_key(_statement(body[i]), first_party) for i in range(start, end)]
    position = next((start + i for i, key_ in enumerate(keys) if key_ > key), end)
    blank = cst.EmptyLine()
    before = keys[position - start - 1] if position > start else None
    line = cst.SimpleStatementLine([new])
    if position == start:
        # First of the block: it takes over what stood above the block (a blank line after a docstring).
        first = body[start]
        line = line.with_changes(leading_lines=first.leading_lines)
        body[start] = first.with_changes(leading_lines=[blank] if keys[0][0] != key[0] else [])
    elif before is not None and before[0] != key[0]:
        line = line.with_changes(leading_lines=[blank])
    if position < end and position != start:
        after = body[position]
        if keys[position - start][0] != key[0] and not after.leading_lines:
            body[position] = after.with_changes(leading_lines=[blank])
        elif keys[position - start][0] == key[0] and all(e.comment is None for e in after.leading_lines):
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
