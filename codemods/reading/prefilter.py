"""A bytes test that rules out, without parsing, the files that cannot hold a v1 call site.

Most files of a repository never talk to 360Learning; parsing them is the dominant cost of a codemod.
The words this test looks for are computed from ``mapping.ENDPOINTS``, so a new endpoint there widens
the test by itself. A file that spells none of them may still build a v1 URL from constants of another
module; the repository index (``codemods.reading.index``) names those constants, and the test lets
through a file that uses one.

The bytes test is blind to where a word is: a comment, a docstring, a longer name. So a file it lets
through meets a second stage, ``may_contain_site_parsed``, which asks the same questions of the module's
``ast`` tree (the words in its strings, the constants among its identifiers): about a hundredth of what
LibCST's parse and scope analysis of the same file cost.
"""

from __future__ import annotations

import ast
import functools
import re
import warnings
from dataclasses import dataclass
from typing import Final

from codemods.mapping import ENDPOINTS, V1_API_ROOT
from codemods.reading.words import Words

_PLACEHOLDER: Final = re.compile(r"^\{[^}]*\}$")
#: The leading segments every v1 path shares. They are left out of the needles because client code
#: often keeps them in a base URL defined in another module (``BASE = "https://…/api/v1"``).
VERSION_PREFIX: Final = tuple(V1_API_ROOT.strip("/").split("/"))
#: An import from the enclosing package (``from . import BASE``, ``from .. import BASE``) does not spell
#: the package's name; every other import spells the last segment of the module it imports from. The
#: pattern starts with its literal, which the regular expression engine looks for fast; the word
#: boundary before it is checked on each match (``_imports_from_package``).
_PACKAGE_IMPORT: Final = re.compile(rb"from[\s\\]*\.+[\s\\]*import\b")


def _needles() -> tuple[tuple[bytes, ...], ...]:
    groups: set[tuple[bytes, ...]] = set()
    for endpoint in ENDPOINTS.values():
        segments = [s for s in endpoint.v1_path.split("/") if s]
        if tuple(segments[: len(VERSION_PREFIX)]) == VERSION_PREFIX:
            segments = segments[len(VERSION_PREFIX) :]
        words = sorted({s.lower().encode("ascii") for s in segments if not _PLACEHOLDER.match(s)})
        groups.add(tuple(words))
    return tuple(sorted(groups))


#: For each endpoint, the literal path words that all appear in any module naming that endpoint.
_NEEDLE_GROUPS: Final = _needles()
#: Every literal word of the v1 paths, the version prefix left out.
PATH_WORDS: Final = frozenset(word.decode("ascii") for group in _NEEDLE_GROUPS for word in group)


#: What ``uses_indexed_constant`` found of one module, kept to be asked again with other needles: for a
#: constant's name and the pattern of its modules, whether the module names both.
Known = dict[tuple[bytes, bytes], bool]


def uses_indexed_constant(
    data: bytes, needles: frozenset[tuple[bytes, bytes]], known: Known | None = None
) -> bool:
    """Whether ``data`` names an indexed constant and may import the module that holds it.

    ``needles`` are ``(constant name, last segment of its module's name)``, as
    ``RepositoryIndex.needles`` gives them. ``known``: what was found of ``data`` before, for needles
    that share some of these (the repository index asks first, the pre-filter then), and is added to.
    """
    from_package: bool | None = None
    for name, modules in _by_name(needles):
        key = (name, modules.pattern)
        found = known.get(key) if known is not None else None
        if found is None:
            found = name in data
            if found and modules.search(data) is None:
                if from_package is None:
                    from_package = _imports_from_package(data)
                found = from_package
            if known is not None:
                known[key] = found
        if found:
            return True
    return False


def _imports_from_package(data: bytes) -> bool:
    """Whether ``data`` holds ``from . import``, ``from .. import`` and the like, as a word."""
    for found in _PACKAGE_IMPORT.finditer(data):
        before = data[found.start() - 1 : found.start()]
        if not before or not (before.isalnum() or before == b"_"):
            return True
    return False


@functools.lru_cache(maxsize=8)
def _by_name(needles: frozenset[tuple[bytes, bytes]]) -> tuple[tuple[bytes, re.Pattern[bytes]], ...]:
    """Each constant name once, with a pattern that finds any of the modules holding it."""
    grouped: dict[bytes, set[bytes]] = {}
    for name, module in needles:
        grouped.setdefault(name, set()).add(module)
    return tuple(
        (name, re.compile(b"|".join(re.escape(m) for m in sorted(modules))))
        for name, modules in sorted(grouped.items())
    )


def may_contain_site(
    data: bytes,
    needles: frozenset[tuple[bytes, bytes]] = frozenset(),
    *,
    spells: bool | None = None,
    known: Known | None = None,
) -> bool:
    """Return False only when ``data`` provably holds no v1 course-statistics call site.

    Soundness: the transformer recognises a call site by the v1 path of its URL, which it must read
    statically, from the module itself or from the constants of the repository index (``needles``
    are theirs, see ``RepositoryIndex.needles``). Whatever way that URL is spelled — a literal, an
    f-string, a ``%`` or ``.format`` template, a concatenation, or module constants — each literal word
    of the path (``courses``, ``stats``, …, placeholders excluded) is written out somewhere in the
    module's text, unless part of the URL comes from a constant of another module. Python source
    encodings are ASCII-compatible, so those words are the same bytes whatever the file's encoding,
    and the comparison ignores case so that no spelling of the path slips through. A module that uses
    another module's constant names it (an attribute of a class by its attribute name) and imports that
    module: the import spells the module's last name segment, or imports from the enclosing package
    (``from . import BASE``).
    A module lacking, for every endpoint, at least one of that endpoint's words, and naming no indexed
    constant together with its module, therefore cannot hold a site the transformer would report, and
    skipping it changes no result.

    ``spells``: whether ``data`` spells a v1 path (``spells_v1_path``), when that is known already;
    ``known``: see ``uses_indexed_constant``.
    """
    if spells is None:
        spells = spells_v1_path(Words(data.lower()))
    return spells or (bool(needles) and uses_indexed_constant(data, needles, known))


def spells_v1_path(words: Words) -> bool:
    """Whether a module's words hold every literal word of some endpoint's v1 path: the part of
    ``may_contain_site`` that does not depend on the repository index."""
    return any(all(word in words for word in group) for group in _NEEDLE_GROUPS)


# --- the second stage: the same test on what the module's syntax tree says, not on its bytes ----------


@dataclass(frozen=True)
class _Written:
    """What the syntax tree of a module spells: the text of its strings, in lower case, and its
    identifiers (names, attributes, the segments of imported modules, imported names)."""

    strings: bytes
    identifiers: frozenset[bytes]
    #: The names imported from the enclosing packages (``from . import BASE``; ``*`` for a star).
    from_package: frozenset[bytes]


def _written(tree: ast.Module) -> _Written:
    strings: list[str] = []
    identifiers: set[str] = set()
    from_package: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                strings.append(node.value)
            elif isinstance(node.value, bytes):
                strings.append(node.value.decode("latin-1"))
        elif isinstance(node, ast.Name):
            identifiers.add(node.id)
        elif isinstance(node, ast.Attribute):
            identifiers.add(node.attr)
        elif isinstance(node, ast.alias):
            identifiers.update(node.name.split("."))
            if node.asname:
                identifiers.add(node.asname)
        elif isinstance(node, ast.ImportFrom):
            identifiers.update((node.module or "").split("."))
            if node.level > 0:
                from_package.update(alias.name for alias in node.names)
    text = "\0".join(strings).lower().encode("utf-8", "surrogatepass")
    return _Written(text, _encoded(identifiers), _encoded(from_package))


def _encoded(names: set[str]) -> frozenset[bytes]:
    return frozenset(name.encode("utf-8", "surrogatepass") for name in names)


def may_contain_site_parsed(
    data: bytes,
    needles: frozenset[tuple[bytes, bytes]] = frozenset(),
    names: tuple[bytes, ...] = (),
) -> bool:
    """Return False only when ``data``, parsed with ``ast``, provably holds no v1 call site: the second
    stage, for the files ``may_contain_site`` lets through, before the far costlier LibCST parse.

    ``may_contain_site`` looks for words anywhere in the bytes, comments and longer names included: a
    large module that mentions ``stats`` and ``courses`` in its comments, or spells the name of a
    constant that some module of the repository defines, gets through it. This test asks the same
    questions of what the syntax tree holds. A URL's literal words are in the module's strings (comments
    build no URL); a constant of another module is used by its name, an identifier, and its module is
    imported, which names the module in an import or reaches it as an attribute, unless the constant
    itself is imported from the enclosing package (``from . import BASE``, or a star); a declared
    wrapper (``names``) is called by its name. A module whose strings lack, for every endpoint, one of
    its words, and whose identifiers name no indexed constant together with its module nor any of
    ``names``, therefore holds no site, exactly as ``may_contain_site`` reasons. A module ``ast``
    cannot parse is let through: the transform reports why.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
    except (SyntaxError, ValueError, UnicodeError, LookupError, RecursionError, MemoryError):
        return True
    written = _written(tree)
    if any(all(word in written.strings for word in group) for group in _NEEDLE_GROUPS):
        return True
    if any(not name or name in written.identifiers for name in names):
        return True
    star = b"*" in written.from_package
    return any(
        (not name or name in written.identifiers)
        and (not module or module in written.identifiers or star or name in written.from_package)
        for name, module in needles
    )
