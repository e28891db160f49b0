"""The helper module the rewritten code imports: where it goes, what name imports it, its source with the
configured environment variables, and whether the one in the repository can serve. It is settled before
any file is written: when it cannot be had, no file is rewritten.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Final

from codemods import __version__
from codemods.engine.files import FileError, read_source, write_atomic, write_new_atomic
from codemods.engine.options import RunOptions
from codemods.engine.workers import Done, one_line
from codemods.mapping import (
    DEFAULT_HELPER_FILE,
)
from codemods.results.findings import HelperOutcome

#: Why a file is not rewritten when the helper module its new code imports cannot be had.
HELPER_MISSING: Final = "not rewritten: the helper module {helper} cannot be written ({reason})"


#: What makes a directory the root of a repository, in order of preference.
REPOSITORY_MARKERS: Final = (".git", "pyproject.toml")
#: The directory of a src layout, below the repository's root.
SRC_LAYOUT: Final = "src"


def repository_root(start: Path) -> Path | None:
    """The repository ``start`` (a directory, or a file) is part of: the nearest directory holding
    ``.git``, else the nearest holding ``pyproject.toml``; ``None`` when there is neither."""
    directory = Path(os.path.abspath(start))
    if not directory.is_dir():
        directory = directory.parent
    for marker in REPOSITORY_MARKERS:
        for candidate in (directory, *directory.parents):
            if os.path.lexists(candidate / marker):
                return candidate
    return None


def helper_path(options: RunOptions) -> Path:
    """Where the helper module goes: as given; else at the root of the repository of the first PATH,
    also when the PATHs are files (``src/`` for a src layout whose code every PATH is in); else beside
    the code of the first PATH."""
    if options.helper_module is not None:
        return Path(os.path.abspath(options.helper_module))
    first = options.stdin[0] if options.stdin is not None else options.paths[0]
    root = repository_root(first)
    if root is not None:
        src = root / SRC_LAYOUT
        paths = [Path(os.path.abspath(p)) for p in options.paths]
        if src.is_dir() and all(p.is_relative_to(src) for p in paths):
            return src / DEFAULT_HELPER_FILE
        return root / DEFAULT_HELPER_FILE
    base = first if first.is_dir() else first.parent
    return Path(os.path.abspath(base / DEFAULT_HELPER_FILE))


def import_root(path: Path, known: dict[Path, Path] | None = None) -> Path:
    """The directory a module is imported from: the one above its outermost package (its own
    directory, for a module in no package). Code imports a module of another import root only when
    that root happens to be on ``sys.path``. ``known``: the import roots of directories found before
    (by the same run), added to."""
    directory = Path(os.path.abspath(path)).parent
    if known is not None and directory in known:
        return known[directory]
    root = directory
    while (root / "__init__.py").is_file() and root.parent != root:
        root = root.parent
    if known is not None:
        known[directory] = root
    return root


#: Why a file is not rewritten when the import of the helper written into it would not resolve.
HELPER_UNRESOLVED: Final = (
    "not rewritten: `{statement}` would not resolve from it (it is imported from {root}, the helper"
    " module {helper} from {helper_root}): place the helper in its package with helper-module or"
    " --helper-module"
)


def unresolved_import(
    file: Path, helper: Path, module: str, base: Path, repository: Path, known: dict[Path, Path] | None = None
) -> str | None:
    """Why the import of the helper (dotted name ``module``) written into ``file`` would not resolve from
    that file's package, or ``None`` when it would.

    It resolves when the helper is imported from a directory on the file's ``sys.path``: the one the
    file itself is imported from, or the repository's import root (``src/`` for the code of a src
    layout, the repository's root for any other). A helper outside the repository was placed there on
    purpose (``--allow-helper-outside``): it is not checked. ``known``: see ``import_root``; a run
    that rewrites thousands of files asks each directory once."""
    mine, theirs = import_root(file, known), import_root(helper, known)
    if not Path(os.path.abspath(helper)).is_relative_to(repository):
        return None
    src = repository / SRC_LAYOUT
    shared = src if src.is_dir() and Path(os.path.abspath(file)).is_relative_to(src) else repository
    if theirs in (mine, shared):
        return None
    package, _, name = module.rpartition(".")
    statement = f"from {package} import {name}" if package else f"import {name}"

    def shown(path: Path) -> str:
        return path.relative_to(base).as_posix() + "/" if path.is_relative_to(base) else path.as_posix()

    return HELPER_UNRESOLVED.format(
        statement=statement,
        root=shown(mine),
        helper=helper_display(helper, base),
        helper_root=shown(theirs),
    )


def dotted_module_name(path: Path) -> str:
    """The name rewritten code imports ``path`` by: its stem, under every enclosing package."""
    parts = [path.stem]
    directory = Path(os.path.abspath(path)).parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.append(directory.name)
        directory = directory.parent
    return ".".join(reversed(parts))


def helper_display(path: Path, base: Path) -> str:
    """Relative to ``base``, the directory the paths of the run's files are relative to
    (``discovery.display_base``): so that a patch applies from where the others do."""
    try:
        return Path(os.path.abspath(path)).relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


class HelperSourceError(Exception):
    """The shipped helper module cannot be given the configured environment variable names."""


#: ``ENV_CLIENT_ID``…: the helper's constants that name an environment variable, and such a name.
_ENV_CONSTANT = re.compile(r"ENV_[A-Z_]+", re.ASCII)


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


def with_env_names(source: bytes, env: Sequence[tuple[str, str]]) -> bytes:
    """``source`` with each ``CONSTANT = "NAME"`` line of ``env`` naming the given variable instead.

    Raises ``HelperSourceError`` when a name is not a valid variable name or the line is not there.
    """
    for constant, name in env:
        if not _ENV_CONSTANT.fullmatch(constant) or not _ENV_NAME.fullmatch(name):
            raise HelperSourceError(f"cannot set {constant} to {name!r}: not an environment variable name")
        line = re.compile(rb"^" + constant.encode() + rb' = "([A-Za-z0-9_]*)"$', re.MULTILINE)
        found = line.findall(source)
        if len(found) != 1:
            raise HelperSourceError(f'the helper module has no line {constant} = "…" to set to {name}')
        source = line.sub(f'{constant} = "{name}"'.encode(), source)
        # The module's documentation names the variable as ``NAME``: it follows.
        source = source.replace(b"``" + found[0] + b"``", f"``{name}``".encode())
    return source


def helper_source(env: Sequence[tuple[str, str]] = ()) -> bytes:
    """The helper module the tool ships, as bytes, reading the environment variables ``env`` names, with
    a first line that records the tool's version and the hash of the code it is (``code_hash``)."""
    return _helper_source(tuple(env))


@functools.lru_cache(maxsize=4)
def _helper_source(env: tuple[tuple[str, str], ...]) -> bytes:
    """``helper_source``, made once per process: hashing its code parses all of it."""
    template = resources.files("codemods.runtime").joinpath(DEFAULT_HELPER_FILE).read_bytes()
    body = with_env_names(template, env)
    return header(code_hash(body)).encode() + body


#: The first line of a generated helper: ``# Generated by migrate-360learning 0.1.0; template sha256:…``.
HEADER_PREFIX: Final = "# Generated by migrate-360learning "
_HEADER = re.compile(rb"^# Generated by migrate-360learning (\S+); template sha256:([0-9a-f]{16})", re.ASCII)


def header(digest: str) -> str:
    return f"{HEADER_PREFIX}{__version__}; template sha256:{digest}\n"


def code_hash(source: bytes) -> str:
    """A hash of a module's code that its layout does not change: its syntax tree, without comments, with
    the whitespace of every docstring collapsed (formatters re-indent docstrings). The same after
    ``black`` or ``ruff format``; different after any change to what the code does."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                first.value.value = " ".join(first.value.value.split())
    return hashlib.sha256(ast.dump(tree, include_attributes=False).encode()).hexdigest()[:16]


def recorded(source: bytes) -> tuple[str, str] | None:
    """The (tool version, template hash) a helper's first line records, or ``None``."""
    match = _HEADER.match(source)
    return None if match is None else (match.group(1).decode(), match.group(2).decode())


def helper_outcome(
    path: Path,
    *,
    display_path: str,
    module: str,
    write: bool,
    env: Sequence[tuple[str, str]] = (),
    needs: Iterable[str] = (),
    upgrade: bool = False,
) -> HelperOutcome:
    """Compare the helper module at ``path`` with the shipped one; create it when ``write`` and absent.

    ``env``: (constant, environment variable) pairs the generated helper reads (see ``with_env_names``).
    ``needs``: the helper's names the rewritten code uses. An existing helper is compared by its code,
    not its bytes: one whose code is the generated one (reformatted) is accepted as it is; one edited, or
    generated by an earlier release, is kept and reported in ``note`` when it defines every name of
    ``needs``, and is the outcome's ``error`` when it does not (or is not a helper module at all).
    ``upgrade`` (``--upgrade-helper``) replaces any helper whose code differs by the generated one.
    When the helper is absent, a directory that does not exist (or, with ``write``, that is not
    writable) is the outcome's error too.
    """

    def outcome(content: bytes, existing: bytes | None, **result: Any) -> HelperOutcome:
        return HelperOutcome(str(path), display_path, content, existing, module, **result)

    try:
        content = helper_source(env)
    except (OSError, ModuleNotFoundError) as e:
        return outcome(b"", None, error=one_line(f"the helper module is not installed: {e}"))
    except HelperSourceError as e:
        return outcome(b"", None, error=str(e))
    if os.path.lexists(path):
        try:
            snapshot = read_source(path)
        except FileError as e:
            return outcome(content, None, error=e.reason)
        existing = snapshot.data
        if existing == content:
            return outcome(content, existing)
        if upgrade:
            if not write:
                return outcome(content, existing, upgrade=True)
            try:
                write_atomic(path, content, snapshot)
            except FileError as e:
                return outcome(content, existing, error=e.reason)
            return outcome(content, existing, written=True, upgrade=True)
        error, note = _existing_helper(existing, content, needs)
        # Kept as it is: nothing to write, nothing in a patch.
        return outcome(existing, existing, error=error, note=note)
    problem = _helper_directory_problem(path, write)
    if problem is not None:
        return outcome(content, None, error=problem)
    if not write:
        return outcome(content, None)
    try:
        write_new_atomic(path, content)
    except FileError as e:
        return outcome(content, None, error=e.reason)
    return outcome(content, None, written=True)


#: What is said of a helper that is kept as it is.
HELPER_REFORMATTED: Final = "reformatted; its code is the generated one: kept as it is"
HELPER_EDITED: Final = (
    "edited; kept, since it defines every function the migrated code calls"
    " (apply --upgrade-helper replaces it, showing the diff)"
)
HELPER_OLDER: Final = (
    "generated by migrate-360learning {version}; kept, since it defines every function the migrated"
    " code calls (apply --upgrade-helper replaces it, showing the diff)"
)


def _existing_helper(existing: bytes, content: bytes, needs: Iterable[str]) -> tuple[str | None, str | None]:
    """(error, note) of a helper that is not byte for byte the generated one: is it the same code, one
    edited or of an earlier release that still serves, or no helper the rewritten code can import?"""
    try:
        tree = ast.parse(existing)
        ours = code_hash(existing)
    except (SyntaxError, ValueError):
        return "exists and is not the helper module (it cannot be parsed); not overwritten", None
    if ours == code_hash(content):
        return None, HELPER_REFORMATTED
    defined = _module_names(tree)
    missing = sorted(set(needs) - defined) if defined is not None else []
    if missing:
        return (
            f"exists and is not the helper module (it defines no {', '.join(missing)}); not overwritten",
            None,
        )
    found = recorded(existing)
    if found is not None and found[1] == ours and found[1] != code_hash(content):
        return None, HELPER_OLDER.format(version=found[0])
    return None, HELPER_EDITED


def _module_names(tree: ast.Module) -> set[str] | None:
    """The names a module defines at its top level; ``None`` when a star import may define any."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(alias.name == "*" for alias in node.names):
                return None
            names |= {(alias.asname or alias.name).partition(".")[0] for alias in node.names}
    return names


def _helper_directory_problem(path: Path, write: bool) -> str | None:
    """Why a helper module cannot be created at ``path``, or None: its directory must exist and, for a
    write, be writable (by the mode bits too, which a superuser ignores, as for the files rewritten)."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        return "its directory does not exist; not written"
    if write and (
        not os.stat(directory).st_mode & _WRITE_BITS or not os.access(directory, os.W_OK | os.X_OK)
    ):
        return "its directory is not writable; not written"
    return None


_WRITE_BITS: Final = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def helper_names_used(done: Iterable[Done], module: str) -> frozenset[str]:
    """The names of the shipped helper that the rewritten files call it by (``learning360_v2.name``)."""
    stem = re.escape(module.rpartition(".")[2].encode())
    used = re.compile(rb"(?<![\w.])" + stem + rb"\s*\.\s*([A-Za-z_]\w*)")
    found = {
        name.decode()
        for d in done
        if d.outcome is not None and d.outcome.changed
        for name in used.findall(d.outcome.migrated)
    }
    return frozenset(found & shipped_names())


@functools.lru_cache(maxsize=1)
def shipped_names() -> frozenset[str]:
    """The public names the shipped helper defines."""
    template = resources.files("codemods.runtime").joinpath(DEFAULT_HELPER_FILE).read_bytes()
    names = _module_names(ast.parse(template))
    return frozenset(name for name in names or () if not name.startswith("_"))
