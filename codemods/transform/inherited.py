"""A client class whose request helper is inherited from a base class of another module.

Client libraries keep the transport in a base class of its own module and the endpoint methods in
another::

    # lms/base.py
    class BaseClient:
        def __init__(self, base_url):
            self.base_url = base_url
            self.session = requests.Session()

        def get(self, path, **kwargs):
            response = self.session.get(self.base_url + path, params=AUTH, **kwargs)
            response.raise_for_status()
            return response.json()

    # lms/stats.py
    from .base import BaseClient

    class StatsClient(BaseClient):
        def course(self, course_id):
            return self.get(f"/courses/{course_id}/stats")

The v1 URL exists only when both modules are read together. Each module is transformed on its own, so
the repository index (``codemods.reading.index.HeldCode``) carries such base classes' source and how
each module-level name they read is bound. Here the module is read *holding* that code: the base class
is appended to it under a name of its own, with the imports that bind what it reads, after a sentinel
line. The request helpers (``codemods.reading.getters``) then find the inherited method as if the base
class were defined in the module, and every rule that reads a helper applies unchanged. The rewritten
module is cut back at the sentinel, so nothing of the held code is written; a name the rewrite now
reads from the held code (the host ``LMS_URL`` of the base module) is imported where the module imports
the base class.

The module is read this way only when that is sure to change nothing else: its source is UTF-8 without
a BOM or carriage returns, every name the held code binds is free in the module (or bound there by the
same import), and the base class holds no v1 path of its own. Otherwise it is read alone, and a call of
the inherited helper is reported as before.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from typing import Final

import libcst as cst

from codemods.reading.index import HeldCode, RepositoryIndex, absolute_module, dotted_parts
from codemods.reading.metadata import dotted

#: The line after which the held code starts; nothing from it on is written.
SENTINEL: Final = "# migrate-360learning: code of other modules, held for reading; not written"
#: The name a held class takes in the module, before its own.
_PREFIX: Final = "_migrate360_held_"
#: A coding cookie (PEP 263), in the first two lines.
_CODING: Final = re.compile(r"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)
#: How many classes and functions are held, at most (up an inheritance chain, or down a chain of calls).
_MAX_CLASSES: Final = 8


@dataclass(frozen=True)
class Held:
    """A module's source with other modules' code held after it, and how to write it back."""

    #: The source read: the module's own, then the held code.
    source: bytes
    #: The module's own text, and its number of lines (findings past it are the held code's).
    original: str
    lines: int
    #: How the module names a class or function it imports (``BaseClient``, ``base.BaseClient``,
    #: ``get_json``) → the held class's or function's name in ``source``.
    names: dict[str, str] = field(default_factory=dict)
    #: A name only the held code binds → the import that binds it, as the module would write it:
    #: ``(module, name)`` for ``from module import name``.
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: The module's dotted name (for its relative imports), and the names its own code read.
    module: str = ""
    read: frozenset[str] = frozenset()
    #: Names only the held code binds by a plain ``import name``, which the module can be given too.
    plain: set[str] = field(default_factory=set)
    #: Names only the held code binds, by an import the module could not be given back as it is.
    others: set[str] = field(default_factory=set)
    #: Whether the module imports relatively: what it is given from its own package is imported so too.
    relative: bool = False


def hold(source: bytes, index: RepositoryIndex | None, module: str) -> Held | None:
    """The module's source holding the base classes it derives from other modules and the request
    functions it calls from them, or ``None`` when there are none to hold, or holding them could
    change how the module's own code is read."""
    if index is None or not index.held_code or b"\r" in source:
        return None
    if b"class " not in source and not any(name.encode() in source for name in index.held_names):
        return None
    try:
        text = source.decode("utf-8")
        tree = ast.parse(text)
    except (SyntaxError, ValueError, UnicodeError, RecursionError, MemoryError):
        return None
    if text.startswith("\ufeff") or _CODING.search("\n".join(text.split("\n", 2)[:2])):
        return None  # a BOM, or a coding cookie: the held code would be written in another encoding
    bound, imported, plain = _module_bindings(tree.body)
    pending: list[tuple[str, HeldCode]] = []
    for statement in tree.body:
        if not isinstance(statement, ast.ClassDef):
            continue
        for base in statement.bases:
            where = _base_module(base, module, bound, imported, plain)
            found = index.held(*where) if where is not None else None
            if found is not None and not found.function:
                pending.append((ast.unparse(base), found))
    if index.held_names:
        # Request functions of other modules the module calls: ``get_json(…)`` bound by ``from .http
        # import get_json``, or ``http.get_json(…)`` with ``from lms import http``; and client classes
        # it makes objects of (``api = HttpClient()``), whose methods are then read.
        calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
        called = {f.id for f in calls if isinstance(f, ast.Name)}
        for local in sorted(called & imported.keys()):
            level, spelled, attribute = imported[local]
            absolute = absolute_module(module, level, spelled or None)
            found = index.held(absolute, attribute) if absolute and bound.get(local) == 1 else None
            if found is not None and found.requests:  # a request function, or a client class made here
                pending.append((local, found))
        for func in calls:
            if isinstance(func, ast.Attribute) and func.attr in index.held_names:
                where = _base_module(func, module, bound, imported, plain) or _dotted_module(
                    func, bound, plain
                )
                found = index.held(*where) if where is not None else None
                if found is not None and found.function and found.requests:
                    pending.append((ast.unparse(func), found))
    if not pending:
        return None
    own_reads = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    held = Held(
        b"",
        text,
        text.count("\n") + (0 if text.endswith("\n") else 1),
        module=module,
        read=own_reads,
        relative=any(isinstance(s, ast.ImportFrom) and s.level for s in ast.walk(tree)),
    )
    lines: dict[str, str] = {}  # a name the held code reads → the import line that binds it
    statements: list[str] = []
    # A function the held code calls from its module (``_send``, ``auth_headers``) is held under its own
    # name, with no import binding it: the held code's calls then reach it as they do in its module.
    own_named: dict[str, str] = {}  # its name → the import line it stands for
    seen: set[str] = set()
    while pending:
        local, found_class = pending.pop()
        if local in seen:
            continue
        seen.add(local)
        if len(seen) > _MAX_CLASSES:
            return None
        name = local if local in own_named else f"{_PREFIX}{local.replace('.', '_')}"
        if name != local:
            held.names[local] = name
        statements.append(
            re.sub(
                rf"(?m)^((?:async\s+)?(?:class|def))\s+{re.escape(found_class.name)}\b",
                rf"\1 {name}",
                found_class.source,
                count=1,
            )
        )
        reads: dict[str, tuple[str | None, str, str]] = {
            n: (found_class.module, n, f"from {found_class.module} import {n}") for n in found_class.defined
        }
        reads.update({n: (None, n, line) for n, line in found_class.imports.items()})
        follows = found_class.follows
        for read, (defined_in, attribute, line) in sorted(reads.items()):
            if read in lines or read in own_named:
                if lines.get(read, own_named.get(read)) != line:
                    return None  # two held classes read the name from different places
                continue
            same = imported.get(read)
            if read in bound:
                if same is not None and bound[read] == 1 and _same_import(same, line, module):
                    continue
                if read in plain and set(line.split("\n")) <= plain[read]:
                    continue  # ``import requests`` in both
                return None  # the module binds the name otherwise: holding would change its reads
            source_module, imported_name = defined_in, attribute
            if defined_in is None and line.startswith("from ") and "\n" not in line and " as " not in line:
                source_module, _, imported_name = line[5:].partition(" import ")
            nested = index.held(source_module, imported_name) if source_module and read in follows else None
            if nested is not None:
                pending.append((read, nested))
            (own_named if nested is not None and nested.function else lines)[read] = line
            if source_module is not None:
                held.imports[read] = (source_module, imported_name)
            elif re.fullmatch(r"import \w+", line):
                held.plain.add(read)
            else:
                held.others.add(read)
    sep = "" if text.endswith("\n") else "\n"
    appended = "\n".join([*sorted(set(lines.values())), "", "", *("\n\n".join(statements).splitlines())])
    full = f"{text}{sep}\n\n{SENTINEL}\n{appended}\n"
    return replace(held, source=full.encode("utf-8"))


def cut(held: Held, migrated: cst.Module) -> cst.Module | None:
    """The rewritten module without the held code; ``None`` when the sentinel is gone or what is left is
    not a module (the module is then read alone)."""
    out = migrated.code
    mark = out.find(f"\n\n\n{SENTINEL}\n")
    if mark < 0:
        return None
    own = out[: mark + 1]
    if not held.original.endswith("\n"):
        own = own[:-1]
    try:
        return cst.parse_module(own)
    except cst.ParserSyntaxError:
        return None


def write_back(held: Held, module: cst.Module, first_party: frozenset[str]) -> cst.Module | None:
    """The rewritten module, cut back (``cut``), importing what the rewrite now reads from the held code;
    ``None`` when it cannot be written so (the module is then read alone)."""
    tree = ast.parse(module.code)
    # Only what the rewrite reads that the module's code did not (a local ``import requests`` stays).
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - held.read
    needed = sorted(name for name in held.imports if name in read)
    if read & held.others:
        return None  # the rewrite reads a name bound by an import the tool does not write back
    plain = sorted(read & held.plain)
    if not needed and not plain:
        return module
    from codemods.transform.imports import add_helper_import

    for name in plain:
        module = add_helper_import(module, name, first_party, ours=False)
    for name in needed:
        source_module, attribute = held.imports[name]
        merged = _merge_into_import(module, held.module, source_module, attribute)
        if merged is not None:
            module = merged
        elif name != attribute:
            return None
        elif held.relative and (relative := _relative_import(module, held.module, source_module, attribute)):
            module = relative
        else:
            module = add_helper_import(module, f"{source_module}.{attribute}", first_party, ours=False)
    return module


def _relative_import(module: cst.Module, own: str, source: str, name: str) -> cst.Module | None:
    """``module`` with ``from .x import name`` after its last import, when ``source`` is in its package
    (the module imports relatively: an absolute import may not resolve where relative ones do)."""
    package = own.rpartition(".")[0]
    if not (package and source.startswith(f"{package}.")):
        return None
    body = list(module.body)
    imports = [
        index
        for index, line in enumerate(body)
        if isinstance(line, cst.SimpleStatementLine)
        and any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in line.body)
    ]
    if not imports:
        return None
    rest = source[len(package) + 1 :]
    statement = cst.ImportFrom(
        module=cst.parse_expression(rest),  # type: ignore[arg-type]
        names=[cst.ImportAlias(cst.Name(name))],
        relative=[cst.Dot()],
    )
    line = cst.SimpleStatementLine([statement])
    last = body[imports[-1]]
    assert isinstance(last, cst.SimpleStatementLine)
    if not any(isinstance(s, cst.ImportFrom) and s.relative for s in last.body):
        line = line.with_changes(leading_lines=[cst.EmptyLine()])  # the section of relative imports
    body.insert(imports[-1] + 1, line)
    return module.with_changes(body=body)


def _merge_into_import(module: cst.Module, own: str, source: str, name: str) -> cst.Module | None:
    """``module`` (named ``own``) with ``name`` added to its one-line ``from … import …`` of the module
    ``source``, in the order isort gives a sorted list (constants, then classes, then the rest)."""
    body = list(module.body)
    for index, line in enumerate(body):
        if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1):
            continue
        statement = line.body[0]
        if not (
            isinstance(statement, cst.ImportFrom)
            and absolute_module(own, len(statement.relative), dotted(statement.module) or None) == source
            and not isinstance(statement.names, cst.ImportStar)
            and statement.lpar is None
        ):
            continue
        aliases = list(statement.names)
        if any(a.asname is not None for a in aliases):
            return None
        names = [dotted(a.name) for a in aliases]
        if name in names:
            return module
        ordered = sorted(names, key=_isort_key) == names
        names = sorted([*names, name], key=_isort_key) if ordered else [*names, name]
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        new = [
            cst.ImportAlias(cst.Name(n), comma=comma if i < len(names) - 1 else cst.MaybeSentinel.DEFAULT)
            for i, n in enumerate(names)
        ]
        body[index] = line.with_changes(body=[statement.with_changes(names=new)])
        return module.with_changes(body=body)
    return None


def _isort_key(name: str) -> tuple[int, str]:
    """isort's ``force_sort_within_sections``-free order of imported names: CONSTANTS, Classes, rest."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def _base_module(
    base: ast.expr,
    module: str,
    bound: dict[str, int],
    imported: dict[str, tuple[int, str, str]],
    plain: dict[str, set[str]],
) -> tuple[str, str] | None:
    """(module, class) a base imported from another module names: ``BaseClient`` bound by ``from
    lms.base import BaseClient``, or ``base.BaseClient`` with ``from lms import base`` or ``import
    lms.base as base``."""
    if isinstance(base, ast.Name) and bound.get(base.id) == 1 and base.id in imported:
        level, dotted, attribute = imported[base.id]
        absolute = absolute_module(module, level, dotted or None)
        return (absolute, attribute) if absolute else None
    if not (isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name)):
        return None
    name = base.value.id
    if bound.get(name) != 1:
        return None
    if name in imported:
        level, dotted, attribute = imported[name]
        package = absolute_module(module, level, dotted or None)
        return (f"{package}.{attribute}" if package else attribute, base.attr)
    lines = plain.get(name, set())
    if len(lines) == 1:
        (line,) = lines
        spelled, _, alias = line.removeprefix("import ").partition(" as ")
        if alias == name or spelled == name:
            return spelled, base.attr
    return None


def _dotted_module(
    func: ast.Attribute, bound: dict[str, int], plain: dict[str, set[str]]
) -> tuple[str, str] | None:
    """(module, function) a call spelled through a dotted module names: ``lms.http.get_json`` with
    ``import lms.http`` (``lms`` bound only by plain imports, that one among them)."""
    parts = dotted_parts(func.value)
    if not (parts and len(parts) > 1 and parts[0] in plain and bound.get(parts[0])):
        return None
    spelled = ".".join(parts)
    return (spelled, func.attr) if f"import {spelled}" in plain[parts[0]] else None


def _same_import(imported: tuple[int, str, str], line: str, module: str) -> bool:
    """Whether the module's ``from`` import binds a name as the held code's ``line`` does."""
    level, dotted, attribute = imported
    absolute = absolute_module(module, level, dotted or None)
    return line == f"from {absolute} import {attribute}"


def _module_bindings(
    body: list[ast.stmt],
) -> tuple[dict[str, int], dict[str, tuple[int, str, str]], dict[str, set[str]]]:
    """How many times each name is bound at module level, the names bound by a ``from`` import (→ its
    level, module and the name taken), and those bound only by plain imports (→ those imports' code)."""
    counts: dict[str, int] = {}
    imported: dict[str, tuple[int, str, str]] = {}
    plain: dict[str, set[str]] = {}

    def add(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    def walk(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            add(node.name)
            for decorator in node.decorator_list:
                walk(decorator)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            add(node.id)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.partition(".")[0]
                add(bound)
                rename = f" as {alias.asname}" if alias.asname else ""
                plain.setdefault(bound, set()).add(f"import {alias.name}{rename}")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name
                add(bound)
                imported[bound] = (node.level, node.module or "", alias.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            add(node.name)
        elif isinstance(node, ast.Global):
            for name in node.names:
                counts[name] = counts.get(name, 0) + 2
        for child in ast.iter_child_nodes(node):
            walk(child)

    for statement in body:
        walk(statement)
    for name in list(plain):
        if counts.get(name) != len(plain[name]) or name in imported:
            del plain[name]  # bound otherwise too
    return counts, imported, plain
