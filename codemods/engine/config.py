"""The settings a repository keeps in ``[tool.migrate-360learning]`` of its ``pyproject.toml``.

A team writes once what every run needs (excludes, where the helper module goes, its own hosts, its
wrapper functions, the environment variables its deployment sets) instead of repeating flags in CI,
pre-commit and on the command line. The file is found as ruff finds its own: the nearest
``pyproject.toml`` that holds the table, from the first PATH up to the repository's root (the directory
holding ``.git``); or the one ``--config`` names. Patterns and paths in it are relative to its directory.
Every key is checked: an unknown key (with the known key it may have meant), a value of the wrong type, an
unknown v1 endpoint or a misspelled table name is a ``ConfigError`` that names it, never silently ignored.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from codemods.mapping import ENDPOINTS
from codemods.mapping.rules import close_rules, rule_for

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the backport has the same interface
    import tomli as tomllib

PYPROJECT: Final = "pyproject.toml"
#: The table of ``pyproject.toml`` that holds the settings.
TABLE: Final = "tool.migrate-360learning"

#: ``helper-env`` key → the constant of the helper module that holds that environment variable's name.
HELPER_ENV_CONSTANTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "client-id": "ENV_CLIENT_ID",
        "client-secret": "ENV_CLIENT_SECRET",
        "company-id": "ENV_COMPANY_ID",
        "user-cache": "ENV_USER_CACHE",
        "user-cache-ttl": "ENV_USER_CACHE_TTL",
        "timeout": "ENV_TIMEOUT",
        "max-retry-time": "ENV_MAX_RETRY_TIME",
        "allow-http": "ENV_ALLOW_HTTP",
    }
)
KEYS: Final = frozenset(
    {
        "exclude",
        "include",
        "helper-module",
        "hosts",
        "wrappers",
        "helper-env",
        "select",
        "ignore",
        "keep-v1-shape",
    }
)

_QUALIFIED_NAME: Final = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*", re.ASCII)
_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


class ConfigError(Exception):
    """The settings cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    """The settings read from one file; every field empty when there is none."""

    #: The file they come from, or ``None``.
    path: Path | None = None
    #: Gitignore-style patterns, as ``--exclude``/``--include``.
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    #: Absolute path of the helper module (the file gives it relative to its own directory).
    helper_module: Path | None = None
    #: Hosts of 360Learning besides those the tool knows.
    hosts: tuple[str, ...] = ()
    #: (qualified name of a function or method, the v1 endpoint it performs).
    wrappers: tuple[tuple[str, str], ...] = ()
    #: (constant of the helper module, name of the environment variable it reads).
    helper_env: tuple[tuple[str, str], ...] = ()
    #: Rules to report only, and rules to leave out, by id or name (``--select``/``--ignore``).
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: Whether a site whose answer goes where the tool cannot follow it moves to v2 keeping v1's shape
    #: (``codemods.planning.v1_shape``); ``False``: such sites are reported for review.
    keep_v1_shape: bool = True


#: A directory holding this is the root of a repository: the search for the configuration stops there.
REPOSITORY_MARKER: Final = ".git"


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` that holds ``[tool.migrate-360learning]`` (or a table whose name
    looks like it, for ``load`` to point out), from ``start`` (a directory, or a file's directory) up to
    the repository's root; a ``pyproject.toml`` without the table does not stop the search."""
    directory = Path(os.path.abspath(start))
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        path = candidate / PYPROJECT
        if path.is_file() and _mentions_table(path):
            return path
        if (candidate / REPOSITORY_MARKER).exists():
            return None
    return None


def _mentions_table(path: Path) -> bool:
    """Whether the file has the table, or one of a name close to it (a typo ``load`` reports)."""
    try:
        with open(path, "rb") as f:
            document = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return True  # ``load`` says what is wrong with it
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return False
    return TOOL_KEY in tool or bool(_close_tables(tool))


TOOL_KEY: Final = "migrate-360learning"


def _close_tables(tool: Mapping[str, Any]) -> list[str]:
    """Tables of ``[tool]`` whose name looks like ours: ``migrate360learning``, ``migrate_360learning``."""
    squashed = re.sub(r"[-_.]", "", TOOL_KEY)
    return [
        name
        for name in tool
        if name != TOOL_KEY
        and (
            re.sub(r"[-_.]", "", name.lower()) == squashed
            or difflib.get_close_matches(name, [TOOL_KEY], cutoff=0.85)
        )
    ]


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def for_paths(paths: Sequence[Path], config_file: Path | None = None) -> Config:
    """The settings of a run: from ``config_file`` when given (it must hold the table), else from the
    ``pyproject.toml`` found from the first PATH (none, or one without the table, means no settings)."""
    if config_file is not None:
        return load(config_file, required=True)
    found = find_pyproject(paths[0]) if paths else None
    return load(found, required=False) if found is not None else Config()


def load(path: Path, *, required: bool = False) -> Config:
    """Read ``[tool.migrate-360learning]`` from ``path``; ``required``: a file without it is an error."""
    try:
        with open(path, "rb") as f:
            document = tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    tool = document.get("tool")
    table = tool.get(TOOL_KEY) if isinstance(tool, dict) else None
    if table is None:
        close = _close_tables(tool) if isinstance(tool, dict) else []
        if close:
            raise ConfigError(f"{path}: unknown table [tool.{close[0]}] (did you mean [{TABLE}]?)")
        if required:
            raise ConfigError(f"{path}: has no [{TABLE}] table")
        return Config()
    return parse(table, path)


def parse(table: Any, path: Path) -> Config:
    """The settings of one ``[tool.migrate-360learning]`` table read from ``path``."""
    table = _table(table, TABLE, path)
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} in [{TABLE}]{_did_you_mean(unknown[0], KEYS)}")
    helper_module: Path | None = None
    if "helper-module" in table:
        given = table["helper-module"]
        if not isinstance(given, str) or not given.endswith(".py"):
            raise ConfigError(f"{path}: helper-module must be the path of a .py file, not {given!r}")
        helper_module = Path(os.path.abspath(Path(os.path.abspath(path)).parent / given))
        if not is_inside(helper_module, Path(os.path.abspath(path)).parent):
            raise ConfigError(
                f"{path}: helper-module {given!r} is outside the directory of this file: the helper is"
                " written inside the repository only"
            )
    return Config(
        path=path,
        exclude=_strings(table, "exclude", path),
        include=_strings(table, "include", path),
        helper_module=helper_module,
        hosts=_strings(table, "hosts", path),
        wrappers=_wrappers(table.get("wrappers", {}), path),
        helper_env=_helper_env(table.get("helper-env", {}), path),
        select=_rules(table, "select", path),
        ignore=_rules(table, "ignore", path),
        keep_v1_shape=_boolean(table, "keep-v1-shape", path, default=True),
    )


def is_inside(path: Path, directory: Path) -> bool:
    """Whether ``path`` lies in ``directory`` (or below), symbolic links resolved in both."""
    real, root = os.path.realpath(path), os.path.realpath(directory)
    return os.path.commonpath([real, root]) == root


def _table(value: Any, name: str, path: Path) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    return value


def _strings(table: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(f"{path}: {key} must be a list of non-empty strings")
    return tuple(value)


def _rules(table: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
    names = _strings(table, key, path)
    for name in names:
        if rule_for(name) is None:
            close = close_rules(name)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise ConfigError(f"{path}: {key}: unknown rule {name!r}{hint}")
    return names


def _boolean(table: Mapping[str, Any], key: str, path: Path, *, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: {key} must be true or false, not {value!r}")
    return value


def _wrappers(value: Any, path: Path) -> tuple[tuple[str, str], ...]:
    name = f"{TABLE}.wrappers"
    table = _table(value, name, path)
    wrappers: list[tuple[str, str]] = []
    for qualified, operation in table.items():
        if isinstance(operation, dict):
            raise ConfigError(f'{path}: in [{name}], quote a qualified name: "{qualified}.…" = "<operation>"')
        if not _QUALIFIED_NAME.fullmatch(qualified):
            raise ConfigError(f"{path}: {qualified!r} in [{name}] is not a qualified name (module.function)")
        if operation not in ENDPOINTS:
            known = ", ".join(ENDPOINTS)
            raise ConfigError(
                f"{path}: {qualified} in [{name}]: {operation!r} is not a v1 endpoint (one of {known})"
            )
        wrappers.append((qualified, operation))
    return tuple(wrappers)


def _helper_env(value: Any, path: Path) -> tuple[tuple[str, str], ...]:
    name = f"{TABLE}.helper-env"
    table = _table(value, name, path)
    env: list[tuple[str, str]] = []
    for key, variable in table.items():
        constant = HELPER_ENV_CONSTANTS.get(key)
        if constant is None:
            raise ConfigError(
                f"{path}: unknown key {key!r} in [{name}]{_did_you_mean(key, HELPER_ENV_CONSTANTS)}"
            )
        if not isinstance(variable, str) or not _ENV_NAME.fullmatch(variable):
            raise ConfigError(
                f"{path}: {key} in [{name}] must be an environment variable name, not {variable!r}"
            )
        env.append((constant, variable))
    return tuple(env)
