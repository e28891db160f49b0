"""Builds the repository index (``codemods.reading.index``): string constants, so that URLs assembled across
modules can be read, credential constants, URL functions and v1 spellings.

Client code keeps the API root in one module and builds the v1 path in another (``from settings import
LMS_API`` then ``f"{LMS_API}/courses/{cid}/stats/{email}"``). Each file is transformed on its own, in a
worker process, so before transforming the engine reads the constants of the whole repository once, with
the fast ``ast`` parser and only in the few files whose bytes may matter, and hands the result to every
transform. Each constant's value is read into pieces: literal text, and the source code of what
cannot be known statically (``os.getenv("HOST", "https://app.360learning.com")`` keeps its source, so
a host is still recognised by its text). Only constants that mention the host or a v1 path word are
kept, with the constants they are built from, so the index stays small enough to send to every worker.

Module-level functions whose code holds the words of a v1 path are kept too, with what they return
read into pieces the same way: a URL function is read where it is defined
(``codemods.reading.url_functions``), and a call of it from another module is reported with the
endpoint its URL names.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, TypeVar

from codemods.engine.index_modules import (
    Assigned,
    Imported,
    ParsedModule,
    Unreadable,
    fragments,
    parse_module,
)
from codemods.engine.index_values import Ref, ValueScope
from codemods.engine.sources import Sources
from codemods.mapping import (
    EVIDENCE_MARKERS,
    HOST_MARKERS,
    V1_API_ROOT,
    V1_CREDENTIAL_HEADERS,
    V1_CREDENTIAL_PARAMS,
)
from codemods.reading.index import CODE, HeldCode, Piece, RepositoryIndex, module_keys
from codemods.reading.prefilter import PATH_WORDS, uses_indexed_constant
from codemods.reading.spelling import HOLE, is_message, spelled
from codemods.reading.words import Words

_Value = TypeVar("_Value")


_API_ROOT: Final = V1_API_ROOT.strip("/")
#: v1 credential names, in lower case: a constant holding them is indexed by its keys.
_CREDENTIAL_KEYS: Final = frozenset({*(k.lower() for k in V1_CREDENTIAL_PARAMS), *V1_CREDENTIAL_HEADERS})
#: A file is parsed only when its bytes hold one of these (any case), or a name the index already keeps.
_MAY_MATTER: Final = tuple(w.lower().encode("ascii") for w in (*HOST_MARKERS, _API_ROOT, "apikey"))
#: A constant is kept when its read into pieces text mentions one of these (any case), or a kept one uses it.
_RELEVANT_WORDS: Final = tuple(sorted({*HOST_MARKERS, _API_ROOT, *PATH_WORDS}))
#: Constant → constant references followed, at most, before the rest becomes code (a guard: values are
#: remembered once read, so only a chain longer than this, read from its far end first, is cut).
_MAX_DEPTH: Final = 32
#: Passes looking for modules that re-export kept constants (``from .settings import LMS_API``).
_MAX_ROUNDS: Final = 4
_NOT_STRINGS: Final = (
    ast.Dict, ast.List, ast.Set, ast.Tuple, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
    ast.Lambda,
)  # fmt: skip


def module_names(files: Sequence[tuple[Path, Path]]) -> list[str]:
    """``module_name`` of each ``(path, root)``, the packages around each root looked up once."""
    around: dict[Path, tuple[str, ...]] = {}
    return [module_name(path, root, around) for path, root in files]


def module_name(path: Path, root: Path, around: dict[Path, tuple[str, ...]] | None = None) -> str:
    """The dotted name of ``path`` found under the PATH ``root``, as code imports it.

    ``pkg/settings.py`` is ``pkg.settings`` and ``pkg/__init__.py`` is ``pkg``; when ``root`` is itself
    inside packages (it holds an ``__init__.py``), their names come first. A file outside ``root`` is
    named by its stem.
    """
    text, base = str(path), str(root)
    if text.startswith(base) and text[len(base) : len(base) + 1] == os.sep:  # the common case, fast
        parts = text[len(base) + 1 :].split(os.sep)
    else:
        try:
            parts = list(path.relative_to(root).parts)
        except ValueError:
            parts = [path.name]
    if not parts:
        return ""
    parts[-1] = parts[-1].rpartition(".")[0] or parts[-1]
    if parts[-1] == "__init__":
        parts.pop()
    if around is None:
        around = {}
    if root not in around:
        around[root] = _packages_around(root)
    return ".".join([*around[root], *parts])


def _packages_around(directory: Path) -> tuple[str, ...]:
    """The names of the packages ``directory`` is part of, outermost first (itself included)."""
    names: list[str] = []
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        names.append(directory.name)
        directory = directory.parent
    return tuple(reversed(names))


def build_index(
    files: Sequence[tuple[Path, str]],
    hosts: Sequence[str] = (),
    readers: Sequence[Path] = (),
    sources: Sources | None = None,
) -> RepositoryIndex:
    """Index the constants of ``files``: ``(absolute path, dotted module name)`` of every file scanned.

    ``hosts``: hosts of 360Learning the configuration names. ``readers``: the other files of the run
    (notebooks), which may read the modules' names too. Unreadable or unparsable files are left out: the
    transform reports them on its own. ``sources``: where the files are read, and their bytes kept for
    the pre-filter.
    """
    return _Builder(files, hosts, readers, sources or Sources()).build()


# --- reading one module --------------------------------------------------------------------------------


# --- building the index --------------------------------------------------------------------------------


class _Builder:
    def __init__(
        self,
        files: Sequence[tuple[Path, str]],
        hosts: Sequence[str],
        readers: Sequence[Path],
        sources: Sources,
    ) -> None:
        self.files = files
        self.sources = sources
        self.readers = readers
        self.hosts = tuple(h.lower().encode("utf-8", "ignore") for h in hosts if h)
        claims: dict[str, set[Path]] = {}
        for path, name in files:
            for key in module_keys(name):
                claims.setdefault(key, set()).add(path)
        #: Module key → the one file that claims it.
        self.by_key = {key: next(iter(paths)) for key, paths in claims.items() if len(paths) == 1}
        self.name_of = {path: name for path, name in files}
        self.parsed: dict[Path, ParsedModule | None] = {}
        self.values: dict[Ref, tuple[Piece, ...] | None] = {}
        self.uses: dict[Ref, set[Ref]] = {}
        self.in_progress: set[Ref] = set()
        #: Modules parsed only for the v1 paths they spell (``RepositoryIndex.spellings``).
        self.spelling_only: set[str] = set()
        self.cuts = 0

    def build(self) -> RepositoryIndex:
        #: Files whose dotted name another file also has are left out: no import can tell them apart.
        files = [(path, name) for path, name in self.files if self.by_key.get(name) == path]
        pending: list[tuple[Path, str]] = []
        evident: set[str] = set()
        for path, name in files:
            data = self.sources.read(path)
            if data is None:
                continue
            text = Words(data.lower())
            spells = self.sources.spells(path, text)
            if _mentions_host_or_api(text):
                pending.append((path, name))
            elif spells:
                # Read for the v1 paths it may spell, not for its constants: it names no host or root.
                pending.append((path, name))
                self.spelling_only.add(name)
            if _evident(text, self.hosts):
                evident.update(module_keys(name))
        kept: dict[str, dict[str, tuple[Piece, ...]]] = {}
        for _ in range(_MAX_ROUNDS):
            for path, _name in pending:
                self._module_at(path)
            kept = self._kept()
            needles = RepositoryIndex(kept).needles()
            if not needles:
                break
            pending = [
                (path, name)
                for path, name in files
                if (path not in self.parsed or name in self.spelling_only) and self._uses_one(path, needles)
            ]
            # A module read for its spellings that uses an indexed constant takes part in URLs too.
            self.spelling_only.difference_update(name for _, name in pending)
            if not pending:
                break
        for path, name in files:
            if name in evident and path not in self.parsed:
                self._module_at(path)  # for the base classes and request functions it may hold
        bases = {
            module.name: module.held_code
            for module in self.parsed.values()
            if module is not None and module.held_code
        }
        pairs = {
            module.name: found
            for module in self.parsed.values()
            if module is not None and (found := _credential_constants(module))
        }
        functions = {
            module.name: {name: self._returned_value(module, name) for name in module.url_functions}
            for module in self.parsed.values()
            if module is not None and module.url_functions
        }
        by_module = {
            module.name: names
            for module in self.parsed.values()
            if module is not None and (names := self._spellings(module))
        }
        constants: dict[str, Mapping[str, tuple[Piece, ...]]] = self._keyed(kept)
        credentials: dict[str, Mapping[str, tuple[str, ...]]] = self._keyed(pairs)
        url_functions: dict[str, Mapping[str, tuple[Piece, ...]]] = self._keyed(functions)
        modules = frozenset(name for _, name in self.files)
        spellings: dict[str, Mapping[str, tuple[str, bool, str]]] = self._keyed(by_module)
        held_code: dict[str, Mapping[str, HeldCode]] = self._keyed(bases)
        unshared: dict[str, frozenset[str]] = self._keyed(self._unshared(pairs))
        return RepositoryIndex(
            constants,
            credentials,
            modules,
            url_functions,
            frozenset(evident),
            spellings,
            held_code,
            unshared,
            held_names=frozenset(
                name for names in bases.values() for name, held in names.items() if held.requests
            ),
        )

    def _unshared(self, pairs: Mapping[str, Mapping[str, tuple[str, ...]]]) -> dict[str, frozenset[str]]:
        """Each module's credentials constants, and the constants they are built from, that no other
        file of the run mentions (see ``RepositoryIndex.unshared_credentials``)."""
        candidates: dict[str, set[str]] = {}
        for module in self.parsed.values():
            if module is None or module.name not in pairs:
                continue
            names = candidates.setdefault(module.name, set(pairs[module.name]))
            for name in pairs[module.name]:
                binding = module.bindings.get(name)
                if isinstance(binding, Assigned):
                    names.update(
                        n.id
                        for n in ast.walk(binding.value)
                        if isinstance(n, ast.Name) and isinstance(module.bindings.get(n.id), Assigned)
                    )
        every = sorted({n for names in candidates.values() for n in names})
        if not every:
            return {}
        pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode("utf-8")) for n in every) + rb")\b")
        mentioned: dict[str, set[str]] = {}  # name → the modules (or other files) whose bytes hold it
        sources = [(path, name) for path, name in self.files] + [(path, str(path)) for path in self.readers]
        for path, name in sources:
            data = self.sources.read(path)
            if data is None:
                return {}  # a file that cannot be read may read anything
            for found in set(pattern.findall(data)):
                mentioned.setdefault(found.decode("utf-8"), set()).add(name)
        return {
            module: frozenset(n for n in names if mentioned.get(n, set()) <= {module})
            for module, names in candidates.items()
        }

    def _spellings(self, module: ParsedModule) -> dict[str, tuple[str, bool, str]]:
        """The module's bindings whose value spells a v1 path (see ``RepositoryIndex.spellings``)."""
        found: dict[str, tuple[str, bool, str]] = {}
        for name, binding in module.bindings.items():
            if not isinstance(binding, Assigned):
                continue
            pieces = self.value(module, name)
            if pieces is not None:
                text = "".join(HOLE if kind == CODE else value for kind, value in pieces)
                shape = None if is_message(text) else spelled(text)
                if shape is not None:
                    found[name] = (shape.endpoint, shape.absolute, "value")
                    continue
            kind = (
                "table" if isinstance(binding.value, (ast.Dict, ast.List, ast.Tuple, ast.Set)) else "runtime"
            )
            for fragment in fragments(binding.value):
                shape = None if is_message(fragment) else spelled(fragment)
                if shape is not None:
                    found[name] = (shape.endpoint, shape.absolute, kind)
                    break
        return found

    def _returned_value(self, module: ParsedModule, name: str) -> tuple[Piece, ...]:
        """What a URL function returns, its parameters left as code; the function as code when it does
        more than return."""
        code, returned = module.url_functions[name]
        if returned is None:
            return ((CODE, code),)
        return self._pieces_of_value(returned, module, None, (module.name, f"{name}()"), 0) or ((CODE, code),)

    def _keyed(self, by_module: Mapping[str, _Value]) -> dict[str, _Value]:
        """Each module's value under every key that names it alone (see ``module_keys``)."""
        out: dict[str, _Value] = {}
        for name, values in by_module.items():
            for key in module_keys(name):
                if key in self.by_key and self.name_of[self.by_key[key]] == name:
                    out[key] = values
        return out

    def _uses_one(self, path: Path, needles: frozenset[tuple[bytes, bytes]]) -> bool:
        """Whether the file names one of ``needles``' constants with its module."""
        data = self.sources.read(path)
        return data is not None and uses_indexed_constant(data, needles, self.sources.known(path))

    def _module_at(self, path: Path) -> ParsedModule | None:
        if path not in self.parsed:
            data = self.sources.read(path)
            self.parsed[path] = None if data is None else parse_module(path, self.name_of[path], data)
        return self.parsed[path]

    def module_named(self, name: str) -> ParsedModule | None:
        path = self.by_key.get(name)
        return None if path is None else self._module_at(path)

    def _kept(self) -> dict[str, dict[str, tuple[Piece, ...]]]:
        """Every constant of the parsed modules that mentions a relevant word, and what it is built from."""
        values: dict[Ref, tuple[Piece, ...] | None] = {}
        relevant: list[Ref] = []
        for module in list(self.parsed.values()):
            if module is None or module.name in self.spelling_only:
                continue
            for name, binding in module.bindings.items():
                if isinstance(binding, (Assigned, Imported)):
                    value = values[(module.name, name)] = self.value(module, name)
                    if value is not None and _mentions_relevant(value):
                        relevant.append((module.name, name))
        kept: dict[str, dict[str, tuple[Piece, ...]]] = {}
        seen: set[Ref] = set()
        while relevant:
            ref = relevant.pop()
            if ref in seen:
                continue
            seen.add(ref)
            if ref not in values:
                holder = self.module_named(ref[0])
                values[ref] = None if holder is None else self.value(holder, ref[1])
            value = values[ref]
            if value is not None:
                kept.setdefault(ref[0], {})[ref[1]] = value
                relevant.extend(self.uses.get(ref, ()))
        return kept

    # --- values ---

    def value(self, module: ParsedModule, name: str, depth: int = 0) -> tuple[Piece, ...] | None:
        """The value of ``name`` in ``module`` as pieces; ``None`` when it is not a single string value."""
        ref = (module.name, name)
        if ref in self.values:
            return self.values[ref]
        binding = module.bindings.get(name)
        if ref in self.in_progress or depth > _MAX_DEPTH:
            self.cuts += 1
            return None
        result: tuple[Piece, ...] | None = None
        cuts = self.cuts
        self.in_progress.add(ref)
        try:
            if isinstance(binding, Assigned) and not isinstance(binding.value, _NOT_STRINGS):
                if not (isinstance(binding.value, ast.Constant) and not isinstance(binding.value.value, str)):
                    result = self._pieces_of_value(binding.value, module, binding.owner, ref, depth)
            elif isinstance(binding, Imported) and binding.attribute is not None:
                result = self._imported(binding.module, binding.attribute, ref, depth)
        finally:
            self.in_progress.discard(ref)
        if self.cuts == cuts:
            self.values[ref] = result
        return result

    def _pieces_of_value(
        self, node: ast.expr, module: ParsedModule, owner: str | None, ref: Ref, depth: int
    ) -> tuple[Piece, ...] | None:
        scope = ValueScope(self, module, owner, ref, depth)
        if isinstance(node, (ast.Name, ast.Attribute)):
            # A bare name that leads to no string constant says nothing of its value's type.
            return scope.reference(node)
        try:
            return scope.pieces_of(node)
        except (Unreadable, RecursionError):
            return ((CODE, ast.unparse(node)),)

    def _imported(self, module_name: str, attribute: str, ref: Ref, depth: int) -> tuple[Piece, ...] | None:
        """``from module_name import attribute``: a constant of that module, if indexed."""
        target = self.module_named(module_name)
        if target is None:
            return None
        value = self.value(target, attribute, depth + 1)
        if value is not None:
            self.uses.setdefault(ref, set()).add((target.name, attribute))
        return value


def _credential_constants(module: ParsedModule) -> dict[str, tuple[str, ...]]:
    """The module's constants that hold v1 credentials: a dict with string keys, a tuple or list of
    ``(key, value)`` pairs, or ``dict(key=value)``, one of whose keys is a v1 credential."""
    found: dict[str, tuple[str, ...]] = {}
    for name, binding in module.bindings.items():
        if not isinstance(binding, Assigned) or binding.owner is not None:
            continue
        keys = _pair_keys(binding.value)
        if keys is not None and {k.lower() for k in keys} & _CREDENTIAL_KEYS:
            found[name] = keys
    return found


def _pair_keys(node: ast.expr) -> tuple[str, ...] | None:
    if isinstance(node, ast.Dict):
        keys = node.keys
    elif isinstance(node, (ast.Tuple, ast.List)):
        if not all(isinstance(e, (ast.Tuple, ast.List)) and len(e.elts) == 2 for e in node.elts):
            return None
        keys = [e.elts[0] for e in node.elts]  # type: ignore[attr-defined]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        if node.args or any(k.arg is None for k in node.keywords):
            return None
        return tuple(str(k.arg) for k in node.keywords)
    else:
        return None
    if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in keys):
        return None
    return tuple(str(k.value) for k in keys if isinstance(k, ast.Constant))


#: Bytes that hold 360Learning's evidence wherever they appear (``codemods.reading.evidence``).
_EVIDENT: Final = tuple(w.lower().encode("ascii") for w in (*EVIDENCE_MARKERS, *V1_CREDENTIAL_HEADERS))
_CREDENTIAL_PARAMS: Final = tuple(w.lower().encode("ascii") for w in V1_CREDENTIAL_PARAMS)


def _evident(text: Words, hosts: tuple[bytes, ...]) -> bool:
    """Whether a module's words hold 360Learning's evidence: a host or marker, a v1 credential header,
    or both v1 credential parameters."""
    if any(word in text for word in _EVIDENT) or any(host in text.lowered for host in hosts):
        return True
    return all(word in text for word in _CREDENTIAL_PARAMS)


def _mentions_host_or_api(text: Words) -> bool:
    """Whether a module's words name a host or the API root."""
    return any(word in text for word in _MAY_MATTER)


def _mentions_relevant(pieces: tuple[Piece, ...]) -> bool:
    text = "".join(value for _, value in pieces).lower()
    return any(word in text for word in _RELEVANT_WORDS)
