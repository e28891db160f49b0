"""The helper module the rewritten code imports: where it goes, what name imports it, its source with the
configured environment variables, and whether the one in the repository can serve. It is settled before
any file is written: when it cannot be had, no file is rewritten.
"""

from __future__ import annotations

import ast
import functools
import os
import re
import stat
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Final

from codemods.engine.files import FileError, read_source, write_new_atomic
from codemods.engine.options import RunOptions
from codemods.engine.workers import Done, one_line
from codemods.mapping import (
    DEFAULT_HELPER_FILE,
)
from codemods.results.findings import HelperOutcome

HELPER_DIFFERS: Final = "exists and differs from the generated helper; not overwritten"


#: Why a file is not rewritten when the helper module its new code imports cannot be had.
HELPER_MISSING: Final = "not rewritten: the helper module {helper} cannot be written ({reason})"


def helper_path(options: RunOptions) -> Path:
    """Where the helper module goes: as given, or beside the code of the first PATH."""
    if options.helper_module is not None:
        return Path(os.path.abspath(options.helper_module))
    first = options.paths[0]
    base = first if first.is_dir() else first.parent
    return Path(os.path.abspath(base / DEFAULT_HELPER_FILE))


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
    """The helper module the tool ships, as bytes, reading the environment variables ``env`` names."""
    return with_env_names(resources.files("codemods.runtime").joinpath(DEFAULT_HELPER_FILE).read_bytes(), env)


def helper_outcome(
    path: Path,
    *,
    display_path: str,
    module: str,
    write: bool,
    env: Sequence[tuple[str, str]] = (),
    needs: Iterable[str] = (),
) -> HelperOutcome:
    """Compare the helper module at ``path`` with the shipped one; create it when ``write`` and absent.

    ``env``: (constant, environment variable) pairs the generated helper reads (see ``with_env_names``).
    ``needs``: the helper's names the rewritten code uses. An existing file is never replaced: when it
    differs, the outcome says so in ``error`` — ``HELPER_DIFFERS`` when it defines every name of
    ``needs`` (an edited helper), another reason when it does not (an unrelated module of that name).
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
    existing: bytes | None = None
    if os.path.lexists(path):
        try:
            existing = read_source(path).data
        except FileError as e:
            return outcome(content, None, error=e.reason)
    if existing is not None:
        if existing != content:
            return outcome(content, existing, error=_differing_helper(existing, needs))
        return outcome(content, existing)
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


def _differing_helper(existing: bytes, needs: Iterable[str]) -> str:
    """``HELPER_DIFFERS`` when ``existing`` defines every name of ``needs`` (a helper someone edited),
    else why it is no helper module for the rewritten code."""
    try:
        defined = _module_names(ast.parse(existing))
    except (SyntaxError, ValueError):
        return "exists and is not the helper module (it cannot be parsed); not overwritten"
    missing = sorted(set(needs) - defined) if defined is not None else []
    if missing:
        return f"exists and is not the helper module (it defines no {', '.join(missing)}); not overwritten"
    return HELPER_DIFFERS


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
    return frozenset(found & _shipped_names())


@functools.lru_cache(maxsize=1)
def _shipped_names() -> frozenset[str]:
    names = _module_names(ast.parse(helper_source()))
    return frozenset(name for name in names or () if not name.startswith("_"))
