"""The imports a rewrite leaves unused removed, and the helper module's import added, as LibCST does it,
at a fraction of its cost.

LibCST's ``RemoveImportsVisitor`` copies the whole migrated module and resolves scopes and qualified
names on the copy again, to learn whether the imports the rewrite no longer reads are read elsewhere;
``AddImportsVisitor`` copies it once more and walks every node of it, for a change to the first lines.
On a module of a dozen lines that was two thirds of the rewrite's CPU, and it grows with the module.

Here the same two LibCST classes make the changes, so the output is theirs byte for byte, but:

- an import is known unused without scopes when the name it binds is written nowhere else in the
  migrated module: no name node outside import statements spells it, and no string holds it (LibCST
  also counts a name in ``__all__`` or in a string annotation as a use). Only when a candidate's name
  does appear somewhere does LibCST's own analysis decide, as before;
- neither visitor copies the module (the rewrite owns it), and neither walks further than the import
  statements it may change: the rest of the module is kept as it is, the same objects.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.helpers import get_absolute_module_from_package_for_import

from codemods.reading import visitor_cache

visitor_cache.install()  # LibCST's matchers are imported now: their introspection is cached too

_Entry = tuple[str, str | None, str | None]  # (module, name imported from it or None, alias or None)
_ImportNode = cst.Import | cst.ImportFrom


class _Gather(cst.CSTVisitor):
    """In one walk: every import statement with the nodes above it, the names written outside import
    statements, and the text of every string."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[cst.CSTNode] = []
        self.imports: list[_ImportNode] = []
        #: The import statements and every node above one.
        self.paths: set[cst.CSTNode] = set()
        self.names: set[str] = set()
        self.strings: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            self.imports.append(node)
            self.paths.add(node)
            self.paths.update(self.stack)
            return False
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        elif isinstance(node, (cst.SimpleString, cst.FormattedStringText)):
            self.strings.append(node.value)
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self.stack and self.stack[-1] is original_node:
            self.stack.pop()

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


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
    gathered = _Gather()
    module.visit(gathered)
    candidates = _matching(gathered.imports, entries, package)
    for alias, _ in candidates:
        name = _bound(alias)
        if name in gathered.names or any(name in text for text in gathered.strings):
            return None
    return dict(candidates), gathered.paths


class _RemoveKnownUnused(RemoveImportsVisitor):
    """``RemoveImportsVisitor`` told which aliases are unused, walking only down to import statements."""

    def __init__(
        self, context: CodemodContext, unused: dict[cst.ImportAlias, _ImportNode], paths: set[cst.CSTNode]
    ) -> None:
        super().__init__(context)
        self._known_unused = unused
        self._paths = paths

    def visit_Module(self, node: cst.Module) -> None:
        self._unused_imports = self._known_unused

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node not in self._paths and not isinstance(node, cst.Module):
            return False
        return super().on_visit(node)


def remove_unused(module: cst.Module, entries: Collection[_Entry]) -> cst.Module:
    """``module`` without the imports of ``entries`` (module, name, alias) that nothing reads any more."""
    context = CodemodContext()
    for module_name, obj, asname in sorted(entries, key=str):
        RemoveImportsVisitor.remove_unused_import(context, module_name, obj, asname)
    known = _unused_without_scopes(module, entries, context.full_package_name)
    if known is None:
        return RemoveImportsVisitor(context).transform_module(module)
    unused, paths = known
    if not unused:
        return module
    return _RemoveKnownUnused(context, unused, paths).transform_module_impl(module)


class _AddAtTop(AddImportsVisitor):
    """``AddImportsVisitor`` looking only at the module's first statements, where it adds and merges."""

    def visit_Module(self, node: cst.Module) -> None:
        # Its gatherer reads only the imports before the first other statement: hand it just those.
        lead = 0
        for statement in node.body:
            if lead == 0 or (
                isinstance(statement, cst.SimpleStatementLine)
                and len(statement.body) == 1
                and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))
            ):
                lead += 1
            else:
                break
        super().visit_Module(node.with_changes(body=node.body[:lead]))

    def on_visit(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, (cst.Module, cst.SimpleStatementLine, cst.ImportFrom)):
            return False
        return super().on_visit(node)


def add_import(module: cst.Module, helper_import: str) -> cst.Module:
    """``module`` importing the helper module ``helper_import`` (``pkg.name`` as ``from pkg import name``)."""
    context = CodemodContext()
    package, _, name = helper_import.rpartition(".")
    if package:
        AddImportsVisitor.add_needed_import(context, package, name)
    else:
        AddImportsVisitor.add_needed_import(context, name)
    return _AddAtTop(context).transform_module_impl(module)
