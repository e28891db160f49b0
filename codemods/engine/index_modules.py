"""The modules of the repository as the index reads them, with the fast ``ast`` parser: every name bound
once at module or class level and how (an assignment, an import, a class), the names bound more than
once, and the small functions whose code holds a v1 path (``codemods.engine.indexing``).
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib.util import decode_source
from pathlib import Path
from typing import Final

from codemods.reading.index import HeldCode, absolute_module
from codemods.reading.precheck import MAX_SOURCE_BYTES
from codemods.reading.prefilter import may_contain_site
from codemods.reading.spelling import HOLE

#: A function longer than this is no small URL function, and is not kept.
_MAX_FUNCTION_CHARS: Final = 4000
#: A class longer than this is not kept as a base class for other modules' client classes.
_MAX_CLASS_CHARS: Final = 20000
#: A base class is kept only when its code makes a request with one of these.
_REQUEST_WORDS: Final = (".get(", ".request(", "urlopen(")
_BUILTINS: Final = frozenset(dir(builtins))


class Unreadable(Exception):
    """A piece of a value cannot be read statically; the whole value becomes code."""


@dataclass(frozen=True)
class Imported:
    """A name bound by an import: ``module`` (absolute), and the attribute taken from it, if any."""

    module: str
    attribute: str | None


@dataclass(frozen=True)
class Assigned:
    """A name bound once by an assignment; ``owner`` is the class whose body assigns it, if any."""

    value: ast.expr
    owner: str | None = None


@dataclass(frozen=True)
class ClassBinding:
    """A name bound to a class defined in the module."""


Binding = Imported | Assigned | ClassBinding | None  # None: bound in a way whose value is unknown


@dataclass
class ParsedModule:
    name: str
    package: bool
    #: Every name bound once at module level (class constants as ``Class.NAME``).
    bindings: dict[str, Binding]
    #: Names bound more than once: their value is ambiguous.
    ambiguous: set[str]
    #: Module-level functions whose code holds a v1 path → that code, and the expression it returns
    #: when its body is only a return statement (after a docstring).
    url_functions: dict[str, tuple[str, ast.expr | None]] = field(default_factory=dict)
    #: Classes another module's client class may derive from (``RepositoryIndex.held_code``).
    held_code: dict[str, HeldCode] = field(default_factory=dict)


def parse_module(path: Path, name: str, data: bytes) -> ParsedModule | None:
    if len(data) > MAX_SOURCE_BYTES:
        return None  # the transform refuses it too, and its tree would take gigabytes
    try:
        text = decode_source(data)
        tree = ast.parse(text)
    except (SyntaxError, ValueError, UnicodeError, LookupError, RecursionError, MemoryError):
        return None
    module = ParsedModule(name, path.name == "__init__.py", {}, set())
    lines = source_lines(text)
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            code = _segment(lines, statement)
            if len(code) <= _MAX_FUNCTION_CHARS and _mentions_v1_path(code):
                module.url_functions[statement.name] = (code, returned_expression(statement))
    counts: dict[str, int] = {}
    found: dict[str, Binding] = {}
    for key, binding in bind_all(tree.body, module, owner=None):
        counts[key] = counts.get(key, 0) + 1
        found[key] = binding
    for node in ast.walk(tree) if "global" in text else ():
        if isinstance(node, ast.Global):
            for global_name in node.names:
                counts[global_name] = counts.get(global_name, 0) + 2
    for key, count in counts.items():
        if count == 1:
            module.bindings[key] = found[key]
        else:
            module.ambiguous.add(key)
    if any(word in text for word in _REQUEST_WORDS):
        imports = _import_statements(tree.body, module)
        read = [
            held
            for s in tree.body
            if isinstance(s, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and (held := _held_code(s, lines, module, imports)) is not None
        ]
        # A function that calls one that makes requests makes requests too (``get`` → ``_send``).
        requesting = {held.name for held in read if held.requests}
        while more := {h.name for h in read if h.name not in requesting and h.follows & requesting}:
            requesting |= more
        for held in read:
            if held.name in requesting:
                module.held_code[held.name] = replace(held, requests=True)
            elif held.function and len(held.source) <= _MAX_FUNCTION_CHARS:
                # A small function held code may call (``auth_headers()``), held only beside it.
                module.held_code[held.name] = held
    return module


#: A line as Python's parser counts lines, its end kept: ``\r\n``, ``\r`` or ``\n`` ends one; a form feed
#: or a vertical tab, which ``str.splitlines`` takes for line ends, does not.
_LINE: Final = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def source_lines(text: str) -> list[str]:
    """The lines of a module's text, numbered as ``ast`` numbers them, each with its end."""
    return _LINE.findall(text)


def _segment(lines: list[str], node: ast.stmt) -> str:
    """The source of a statement, as ``ast.get_source_segment`` gives it, from the module's lines
    (``source_lines``) split once rather than at every call; column offsets count UTF-8 bytes."""
    end_line, end_column = node.end_lineno, node.end_col_offset
    if end_line is None or end_column is None:
        return ""
    first, last = node.lineno - 1, end_line - 1
    if first == last:
        return lines[first].encode()[node.col_offset : end_column].decode()
    head = lines[first].encode()[node.col_offset :].decode()
    tail = lines[last].encode()[:end_column].decode()
    return "".join([head, *lines[first + 1 : last], tail])


def _import_statements(body: Sequence[ast.stmt], module: ParsedModule) -> dict[str, str]:
    """Each name the module's top-level imports bind → those imports as absolute code; several plain
    imports of one package (``import urllib.request``, ``import urllib.parse``) bind its name together."""
    found: dict[str, list[str]] = {}
    for statement in body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    found.setdefault(alias.asname, []).append(f"import {alias.name} as {alias.asname}")
                else:
                    found.setdefault(alias.name.partition(".")[0], []).append(f"import {alias.name}")
        elif isinstance(statement, ast.ImportFrom):
            base = absolute_module(module.name, statement.level, statement.module, package=module.package)
            for alias in statement.names:
                if base is None or alias.name == "*":
                    continue
                rename = f" as {alias.asname}" if alias.asname else ""
                found.setdefault(alias.asname or alias.name, []).append(
                    f"from {base} import {alias.name}{rename}"
                )
    return {
        name: "\n".join(texts)
        for name, texts in found.items()
        if len(texts) == 1 or all(t.startswith(f"import {name}.") for t in texts)
    }


def _held_code(
    statement: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef,
    lines: list[str],
    module: ParsedModule,
    imports: dict[str, str],
) -> HeldCode | None:
    """The class or function as a module deriving from it or calling it needs it, or ``None`` when it
    holds a v1 path (it has sites of its own), or reads a name whose binding cannot be told. Its
    ``requests`` says whether its own code makes a request."""
    first = min([statement.lineno, *(d.lineno for d in statement.decorator_list)])
    end = statement.end_lineno or statement.lineno
    source = "".join(lines[first - 1 : end])
    if (
        len(source) > _MAX_CLASS_CHARS
        or not source.startswith(("class ", "def ", "async def ", "@"))
        or may_contain_site(source.encode("utf-8", "ignore"))
    ):
        return None
    bound: set[str] = set()
    read: set[str] = set()
    follows: set[str] = set()  # what it calls by name, and the bases a class derives from
    if isinstance(statement, ast.ClassDef):
        follows.update(b.id for b in statement.bases if isinstance(b, ast.Name))
    for node in ast.walk(statement):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            follows.add(node.func.id)
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node is not statement:
                bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).partition(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            return None
    free = read - bound
    imported: dict[str, str] = {}
    defined: list[str] = []
    for name in sorted(free):
        if name in imports:
            imported[name] = imports[name]
        elif name in module.ambiguous:
            return None
        elif name in module.bindings:
            defined.append(name)
        elif name not in _BUILTINS:
            return None  # a star import's name, or one bound inside a block the index does not read
    return HeldCode(
        module.name,
        source,
        imported,
        tuple(defined),
        function=not isinstance(statement, ast.ClassDef),
        requests=any(word in source for word in _REQUEST_WORDS),
        name=statement.name,
        follows=frozenset(follows),
    )


def bind_all(
    body: Sequence[ast.stmt], module: ParsedModule, owner: str | None
) -> Iterator[tuple[str, Binding]]:
    """Every name a block binds at module (or class) level, nested blocks included, with its binding."""
    prefix = f"{owner}." if owner else ""
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            single = len(stmt.targets) == 1 or all(isinstance(t, ast.Name) for t in stmt.targets)
            for target in stmt.targets:
                if isinstance(target, ast.Name) and single:
                    yield prefix + target.id, Assigned(stmt.value, owner)
                else:
                    yield from ((prefix + n, None) for n in target_names(target))
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None and isinstance(stmt.target, ast.Name):
                yield prefix + stmt.target.id, Assigned(stmt.value, owner)
        elif isinstance(stmt, (ast.AugAssign, ast.For, ast.AsyncFor)):
            yield from ((prefix + n, None) for n in target_names(stmt.target))
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    yield from ((prefix + n, None) for n in target_names(item.optional_vars))
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                yield from ((prefix + n, None) for n in target_names(target))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + stmt.name, None
        elif isinstance(stmt, ast.ClassDef):
            yield prefix + stmt.name, ClassBinding() if owner is None else None
            if owner is None:
                yield from bind_all(stmt.body, module, owner=stmt.name)
        elif isinstance(stmt, ast.Import) and owner is None:
            for alias in stmt.names:
                if alias.asname:
                    yield alias.asname, Imported(alias.name, None)
                else:
                    head = alias.name.partition(".")[0]
                    yield head, Imported(head, None)
        elif isinstance(stmt, ast.ImportFrom) and owner is None:
            base = absolute_module(module.name, stmt.level, stmt.module, package=module.package)
            for alias in stmt.names:
                if alias.name != "*":
                    yield alias.asname or alias.name, None if base is None else Imported(base, alias.name)
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            for handler in getattr(stmt, "handlers", ()):
                if handler.name:
                    yield prefix + handler.name, None
        for block in ("body", "orelse", "finalbody"):
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield from bind_all(getattr(stmt, block, ()), module, owner)
        for handler in getattr(stmt, "handlers", ()):
            yield from bind_all(handler.body, module, owner)


def target_names(target: ast.expr) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def returned_expression(function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.expr | None:
    """The expression a function returns when its body is only ``return <expression>`` (after a
    docstring)."""
    body = function.body
    if len(body) == 2 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) == 1 and isinstance(body[0], ast.Return):
        return body[0].value
    return None


def fragments(node: ast.expr) -> list[str]:
    """The text of every string literal inside an expression (an f-string's values as holes)."""
    found: list[str] = []
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            found.append(child.value)
        elif isinstance(child, ast.JoinedStr):
            found.append(
                "".join(
                    v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else HOLE
                    for v in child.values
                )
            )
    return found


def _mentions_v1_path(code: str) -> bool:
    """Whether code holds every word of a v1 course-statistics path (its root may be in a constant)."""
    return may_contain_site(code.encode("utf-8", "ignore"))
