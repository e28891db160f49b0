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
- neither visitor copies the module (the rewrite owns it), and neither descends into expressions or
  other statements than imports, where they change nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.helpers import get_absolute_module_from_package_for_import

_Entry = tuple[str, str | None, str | None]  # (module, name imported from it or None, alias or None)
_ImportNode = cst.Import | cst.ImportFrom


class _Spelled(cst.CSTVisitor):
    """The names written outside import statements, and the text of every string."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.strings: list[str] = []

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.strings.append(node.value)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self.strings.append(node.value)


class _Imports(cst.CSTVisitor):
    """Every import statement of a module, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[_ImportNode] = []

    def visit_Import(self, node: cst.Import) -> bool:
        self.found.append(node)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        self.found.append(node)
        return False

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in node.body)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseExpression):
            return False
        return super().on_visit(node)


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
) -> dict[cst.ImportAlias, _ImportNode] | None:
    """The aliases of ``entries`` that are unused because nothing else spells their names; ``None`` when
    one of them is spelled somewhere, and scopes must decide."""
    gatherer = _Imports()
    module.visit(gatherer)
    candidates = _matching(gatherer.found, entries, package)
    if not candidates:
        return {}
    spelled = _Spelled()
    module.visit(spelled)
    for alias, _ in candidates:
        name = _bound(alias)
        if name in spelled.names or any(name in text for text in spelled.strings):
            return None
    return dict(candidates)


class _RemoveKnownUnused(RemoveImportsVisitor):
    """``RemoveImportsVisitor`` told which aliases are unused, visiting statements only."""

    def __init__(self, context: CodemodContext, unused: dict[cst.ImportAlias, _ImportNode]) -> None:
        super().__init__(context)
        self._known_unused = unused

    def visit_Module(self, node: cst.Module) -> None:
        self._unused_imports = self._known_unused

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseExpression) or (
            isinstance(node, cst.BaseSmallStatement) and not isinstance(node, (cst.Import, cst.ImportFrom))
        ):
            return False
        return super().on_visit(node)


def remove_unused(module: cst.Module, entries: Collection[_Entry]) -> cst.Module:
    """``module`` without the imports of ``entries`` (module, name, alias) that nothing reads any more."""
    context = CodemodContext()
    for module_name, obj, asname in sorted(entries, key=str):
        RemoveImportsVisitor.remove_unused_import(context, module_name, obj, asname)
    unused = _unused_without_scopes(module, entries, context.full_package_name)
    if unused is None:
        return RemoveImportsVisitor(context).transform_module(module)
    if not unused:
        return module
    return _RemoveKnownUnused(context, unused).transform_module_impl(module)


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
