"""The repository index as the transform reads it: the string constants, credential constants, URL
functions and v1 spellings of every module, keyed by module, and the names that let a module find them.

``codemods.engine.indexing`` builds it once per run, with the fast ``ast`` parser, before the modules
are transformed in worker processes; every transform receives it. Each constant's value is read into pieces
into pieces: literal text, and the source code of what cannot be known statically
(``os.getenv("HOST", "https://app.360learning.com")`` keeps its source, so a host is still recognised by
its text).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

#: ``("text", literal text)`` or ``("code", source of an expression whose value is unknown)``.
Piece = tuple[str, str]
TEXT: Final = "text"
CODE: Final = "code"


@dataclass(frozen=True)
class HeldCode:
    """A class or module-level function of the repository that makes requests, as a module deriving
    from it or calling it needs it: its source, and how each module-level name it reads is bound in
    its own module."""

    #: The dotted name of the module that defines it.
    module: str
    #: The class or function statement's source, decorators included.
    source: str
    #: Names it reads that its module imports → that import statement, as absolute code
    #: (``import urllib.request``, ``from pkg.auth import AUTH``).
    imports: Mapping[str, str] = field(default_factory=dict)
    #: Names it reads that its module defines (constants, functions, classes).
    defined: tuple[str, ...] = ()
    #: Whether it is a function (a request helper other modules import), not a class.
    function: bool = False
    #: Whether it makes requests (itself, or through another held function of its module); a small
    #: function that does not (``auth_headers()``) is held only beside held code that calls it.
    requests: bool = True
    #: The name its statement defines, and the names whose held code it needs held too: the functions
    #: it calls by name and the bases a class derives from.
    name: str = ""
    follows: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RepositoryIndex:
    """The string constants of a repository that may take part in a v1 URL, read into pieces."""

    #: module key → constant name → the constant's value as pieces. A module is keyed by its dotted
    #: name and by each dotted suffix of it (``app.settings``, ``settings``); a class constant is named
    #: ``Class.NAME``.
    constants: Mapping[str, Mapping[str, tuple[Piece, ...]]] = field(default_factory=dict, hash=False)
    #: module key → constant name → the keys of a dict (or tuple of pairs) of v1 credentials
    #: (``AUTH = {"company": …, "apiKey": …}``), keyed like ``constants``.
    credentials: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict, hash=False)
    #: The dotted name of every module of the repository (to tell its own code from a dependency's).
    modules: frozenset[str] = frozenset()
    #: module key → name of a module-level function whose code holds a v1 path → what it returns,
    #: read into pieces (the whole function as code when it does more than return a value), keyed like
    #: ``constants``. A URL function is read only in its own module
    #: (``codemods.reading.url_functions``): a call from another module is reported.
    url_functions: Mapping[str, Mapping[str, tuple[Piece, ...]]] = field(default_factory=dict, hash=False)
    #: The dotted names of the modules whose text holds 360Learning's evidence (a host, v1 credential
    #: names: ``codemods.reading.evidence``), so that a module importing from one of them is
    #: 360Learning's too.
    evident: frozenset[str] = frozenset()
    #: module key → name of a module-level (or ``Class.NAME``) binding whose value spells a v1 path →
    #: (endpoint, whether the path is absolute, and how: ``value`` for a string, ``table`` for a dict
    #: or list holding one, ``runtime`` for a default of a call such as ``os.environ.get``), keyed like
    #: ``constants``; the detector follows these names where other modules read them.
    spellings: Mapping[str, Mapping[str, tuple[str, bool, str]]] = field(default_factory=dict, hash=False)
    #: module key → name of a class that a client class of another module may derive from, or of a
    #: module-level function another module may call as its request helper (it makes requests, holds no
    #: v1 path and reads only names its module binds once) → its source and the names it reads, keyed
    #: like ``constants`` (``codemods.transform.inherited``).
    held_code: Mapping[str, Mapping[str, HeldCode]] = field(default_factory=dict, hash=False)
    #: module key → the names of its v1 credentials constants (``AUTH = {"company": …, "apiKey": …}``),
    #: and of the module-level constants they are built from, that no other file of the run mentions:
    #: once the rewrite no longer reads one, nothing does, and it goes (``codemods.planning.cleanup``).
    unshared_credentials: Mapping[str, frozenset[str]] = field(default_factory=dict, hash=False)
    #: The names of the classes and functions of ``held_code`` that make requests: a module naming none
    #: of them (and defining no class) holds nothing.
    held_names: frozenset[str] = frozenset()

    def spelling(self, module: str, name: str) -> tuple[str, bool, str] | None:
        """What the binding ``name`` of the module imported as ``module`` spells, if a v1 path."""
        names = self.spellings.get(module)
        return None if names is None else names.get(name)

    def credential_keys(self, module: str, name: str) -> tuple[str, ...] | None:
        """The keys of the credentials constant ``name`` of the module imported as ``module``."""
        names = self.credentials.get(module)
        return None if names is None else names.get(name)

    def url_function(self, module: str, name: str) -> tuple[Piece, ...] | None:
        """What the function ``name`` of the module imported as ``module`` returns, when its code holds
        a v1 path."""
        names = self.url_functions.get(module)
        return None if names is None else names.get(name)

    def held(self, module: str, name: str) -> HeldCode | None:
        """The class or function ``name`` of the module imported as ``module``, when another module may
        derive a client class from it or call it as its request helper."""
        names = self.held_code.get(module)
        return None if names is None else names.get(name)

    def lookup(self, module: str, name: str) -> tuple[Piece, ...] | None:
        """The value of ``name`` in the module imported as ``module``, or ``None`` when not indexed."""
        names = self.constants.get(module)
        return None if names is None else names.get(name)

    def needles(self) -> frozenset[tuple[bytes, bytes]]:
        """``(constant name, last segment of its module's name)`` for every indexed constant.

        A module that uses a constant of another module names the constant (a class constant by its
        attribute) and imports that module, which spells the module's last segment or imports from the
        enclosing package (``from . import LMS_API``): the pre-filter looks for both.
        """
        return frozenset(
            (_needle(name.rpartition(".")[2]), _needle(key.rpartition(".")[2]))
            for table in (self.constants, self.url_functions, self.spellings)
            for key, names in table.items()
            for name in names
        )


def _needle(identifier: str) -> bytes:
    """The bytes that spell ``identifier`` in any source encoding; empty, which is found in every file,
    when it is not ASCII."""
    return identifier.encode("ascii") if identifier.isascii() else b""


def absolute_module(module: str, level: int, target: str | None, *, package: bool = False) -> str | None:
    """The dotted name a ``from`` import refers to, seen from ``module``; ``None`` when it leaves the root.

    ``package`` says that ``module`` is a package's ``__init__``: its relative imports start from itself.
    """
    if level == 0:
        return target
    parts = module.split(".") if module else []
    keep = len(parts) - (level - 1 if package else level)
    if keep < 0 or (keep == 0 and not target):
        return None
    return ".".join([*parts[:keep], *([target] if target else [])])


def module_keys(name: str) -> list[str]:
    """A module's dotted name and each of its dotted suffixes."""
    parts = name.split(".") if name else []
    return [".".join(parts[i:]) for i in range(len(parts))]


def in_repository(qualified: str, modules: frozenset[str]) -> bool:
    """Whether a qualified name (``pkg.mod.func``, ``pkg.mod.Class.method``) is defined in one of the
    repository's ``modules``: some dotted prefix of it names one."""
    parts = qualified.split(".")
    return any(".".join(parts[:n]) in modules for n in range(1, len(parts)))


def dotted_parts(node: ast.expr) -> list[str] | None:
    """The names a chain of ``ast`` names spells (``["settings", "BASE"]`` for ``settings.BASE``), or
    ``None`` for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]
