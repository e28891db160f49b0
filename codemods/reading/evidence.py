"""Whether a piece of code talks to 360Learning, and to which API root: the evidence, and its reach.

``/api/v1/courses/{id}/stats`` is 360Learning's path, and also the path of other vendors' LMS APIs that
share its shape; ``/courses/{id}/stats`` relative to an API root is v1 only when that root is v1's. The
rewrite and the detector (``codemods.reading.detector``) ask this module the same two questions, so that one
never reports what the other would have migrated, and neither touches another vendor's code.

Evidence is read from the code's string literals (not its docstrings or comments, which say what the code
is about rather than what it calls) and from the names of constants that hold such strings, in this module
or, through the repository index, in another one:

* **360Learning**: a host of 360Learning (text holding ``360learning`` or ``learning360``, as in
  ``LEARNING360_HOST``, or a host the configuration names), a v1 credential header (``X-apiKey``,
  ``X-company-id``), or the v1 credential parameters ``company`` and ``apiKey`` together;
* **another vendor**: a URL with another host (``https://canvas.example.edu``; loopback hosts say
  nothing, since tests and proxies use them for every vendor);
* **a v1 root**: text ending in ``/api/v1``; **a v2 root**: ``/api/v2`` or the ``360-api-version``
  header.

Reach: the nearest scope that has any evidence decides. A place is looked at in its enclosing functions,
innermost first, then its class, then its module: the first of them holding a host or credentials of
360Learning says yes, the first holding only another vendor's host says no. When the module itself holds
neither, the repository decides: a module that imports from a module holding 360Learning's evidence (its
client base class, its settings) is 360Learning's too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import libcst as cst

from codemods.mapping import EVIDENCE_MARKERS, V1_CREDENTIAL_HEADERS, V1_CREDENTIAL_PARAMS
from codemods.reading.index import RepositoryIndex, absolute_module
from codemods.reading.metadata import Metadata, is_bare_string

#: Kinds of evidence a string can carry.
HOST_360: Final = "host-360learning"
CREDENTIAL_HEADER: Final = "credential-header"
API_KEY: Final = "apikey"
COMPANY: Final = "company"
FOREIGN_HOST: Final = "foreign-host"
V1_ROOT: Final = "v1-root"
V2_ROOT: Final = "v2-root"

_URL_HOST: Final = re.compile(r"\bhttps?://([^/\s:?#'\"]+)", re.IGNORECASE)
_LOOPBACK: Final = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]"})
_V2_HEADER: Final = "360-api-version"
#: The v1 credential parameters: together they say 360Learning; each alone is too common a word.
_COMPANY_KEY: Final = "company"
_API_KEY: Final = "apiKey"
assert {_COMPANY_KEY, _API_KEY} == V1_CREDENTIAL_PARAMS


def kinds_of_text(text: str, hosts: tuple[str, ...] = ()) -> frozenset[str]:
    """The evidence one string's text carries (``hosts``: configured hosts, lower case)."""
    lower = text.lower()
    found: set[str] = set()
    if any(marker in lower for marker in EVIDENCE_MARKERS) or any(h in lower for h in hosts):
        found.add(HOST_360)
    else:
        if any(host.lower() not in _LOOPBACK for host in _URL_HOST.findall(text)):
            found.add(FOREIGN_HOST)
    stripped = lower.strip()
    if stripped in V1_CREDENTIAL_HEADERS:
        found.add(CREDENTIAL_HEADER)
    if stripped == _API_KEY.lower() or f"{_API_KEY.lower()}=" in lower:
        found.add(API_KEY)
    if stripped == _COMPANY_KEY or f"{_COMPANY_KEY}=" in lower:
        found.add(COMPANY)
    if lower.rstrip().rstrip("/").endswith("/api/v1"):
        found.add(V1_ROOT)
    if "/api/v2" in lower or stripped == _V2_HEADER:
        found.add(V2_ROOT)
    return frozenset(found)


def says_360learning(kinds: Iterable[str]) -> bool:
    have = set(kinds)
    return HOST_360 in have or CREDENTIAL_HEADER in have or {API_KEY, COMPANY} <= have


@dataclass(frozen=True)
class Verdict:
    """What the evidence in reach of a place says: 360Learning's or not, and the API root (``"v1"``,
    ``"v2"`` or ``None`` when nothing says)."""

    is_360learning: bool
    root: str | None


class Evidence:
    """The evidence of one module, gathered in one pass, answered for any node of it."""

    def __init__(
        self,
        meta: Metadata,
        *,
        module: str = "",
        index: RepositoryIndex | None = None,
        hosts: tuple[str, ...] = (),
    ) -> None:
        self.meta = meta
        self.module = module
        self.index = index or RepositoryIndex()
        self.hosts = tuple(h.lower() for h in hosts if h)
        self._owners: dict[cst.CSTNode, set[str]] = {}
        self._imports_360 = False
        self._gather()

    def kinds(self, text: str) -> frozenset[str]:
        return kinds_of_text(text, self.hosts)

    def verdict(self, node: cst.CSTNode) -> Verdict:
        """What the scopes around ``node`` say, nearest first (see the module's docstring)."""
        owners: list[cst.CSTNode] = [
            a for a in self.meta.ancestors(node) if isinstance(a, (cst.FunctionDef, cst.ClassDef))
        ]
        owners.append(self.meta.module)
        is_360: bool | None = None
        root: str | None = None
        for owner in owners:
            kinds = self._owners.get(owner, set())
            if is_360 is None:
                if says_360learning(kinds):
                    is_360 = True
                elif FOREIGN_HOST in kinds:
                    is_360 = False
            if root is None and (V1_ROOT in kinds or V2_ROOT in kinds):
                root = "v2" if V2_ROOT in kinds and V1_ROOT not in kinds else "v1"
        if is_360 is None:
            is_360 = self._imports_360
        return Verdict(is_360, root)

    # --- gathering ---------------------------------------------------------------------------------

    def _gather(self) -> None:
        """Each scope's kinds of evidence, from the nodes that carry some (found in the module's index
        of nodes by type, with no walk of their own), added to every function and class around them."""
        constants = self._constant_kinds()
        meta = self.meta
        hits: list[tuple[cst.CSTNode, frozenset[str]]] = []
        for string in meta.nodes(cst.SimpleString):
            value = _string_value(string)
            kinds = self.kinds(value) if value else frozenset()
            if kinds:
                hits.append((string, kinds))
        for text in meta.nodes(cst.FormattedStringText):
            kinds = self.kinds(text.value)
            if kinds:
                hits.append((text, kinds))
        for arg in meta.nodes(cst.Arg):
            # dict(company=…, apiKey=…)
            if arg.keyword is not None:
                kinds = self.kinds(arg.keyword.value) & {API_KEY, COMPANY}
                if kinds:
                    hits.append((arg, kinds))
        if constants:
            for name in meta.nodes(cst.Name):
                found = constants.get(name.value)
                parent = meta.parent(name) if found else None
                # The attribute's own name is no read of a module constant of that name.
                if found and not (isinstance(parent, cst.Attribute) and parent.attr is name):
                    hits.append((name, found))
            for attribute in meta.nodes(cst.Attribute):
                # ``self.HOST`` in a method is its class's HOST; ``Client.HOST`` names the class.
                receiver = attribute.value
                if not isinstance(receiver, cst.Name):
                    continue
                owner: str | None = receiver.value
                if owner in ("self", "cls"):
                    cls = next((a for a in meta.ancestors(attribute) if isinstance(a, cst.ClassDef)), None)
                    owner = cls.name.value if cls is not None else None
                read = constants.get(f"{owner}.{attribute.attr.value}") if owner else None
                if read:
                    hits.append((attribute, read))
        for node, kinds in hits:
            owners: list[cst.CSTNode] = [meta.module]
            for above in meta.ancestors(node):
                if is_bare_string(above):
                    break  # a docstring or a bare string says what the code is about, not what it calls
                if isinstance(above, (cst.FunctionDef, cst.ClassDef)):
                    owners.append(above)
            else:
                for owner_node in owners:
                    self._owners.setdefault(owner_node, set()).update(kinds)

    def _constant_kinds(self) -> Mapping[str, frozenset[str]]:
        """Names of constants (imported from the repository's modules) whose value carries evidence,
        so that reading ``BASE`` or ``settings.AUTH`` counts where it is read; and whether the module
        imports from a module holding 360Learning's evidence."""
        found: dict[str, frozenset[str]] = dict(self._own_constants())
        imports: list[cst.Import | cst.ImportFrom] = self.meta.nodes(cst.Import, cst.ImportFrom)
        for statement in imports:
            if isinstance(statement, cst.ImportFrom):
                source = cst.Module([]).code_for_node(statement.module) if statement.module else None
                target = absolute_module(self.module, len(statement.relative), source)
                if target is None:
                    continue
                if target in self.index.evident:
                    self._imports_360 = True
                if isinstance(statement.names, cst.ImportStar):
                    continue
                for alias in statement.names:
                    name = alias.evaluated_name
                    bound = alias.evaluated_alias or name
                    kinds = self._indexed_kinds(target, name)
                    if kinds:
                        found[bound] = kinds
                    if f"{target}.{name}" in self.index.evident:
                        self._imports_360 = True
            else:
                for alias in statement.names:
                    if alias.evaluated_name in self.index.evident:
                        self._imports_360 = True
        return found

    def _own_constants(self) -> Iterable[tuple[str, frozenset[str]]]:
        """Constants of this module and of its classes (``NAME = …``, ``Class.NAME``) whose value's
        strings carry evidence."""
        bodies: list[tuple[str, Iterable[cst.BaseStatement | cst.BaseSmallStatement]]] = [
            ("", self.meta.module.body)
        ]
        bodies += [
            (f"{s.name.value}.", s.body.body) for s in self.meta.module.body if isinstance(s, cst.ClassDef)
        ]
        for prefix, body in bodies:
            for statement in body:
                for small in (
                    getattr(statement, "body", ()) if isinstance(statement, cst.SimpleStatementLine) else ()
                ):
                    if isinstance(small, cst.Assign) and len(small.targets) == 1:
                        target, value = small.targets[0].target, small.value
                    elif isinstance(small, cst.AnnAssign) and small.value is not None:
                        target, value = small.target, small.value
                    else:
                        continue
                    if isinstance(target, cst.Name):
                        kinds = frozenset(k for text in _strings(value) for k in self.kinds(text))
                        if kinds:
                            yield prefix + target.value, kinds

    def _indexed_kinds(self, module: str, name: str) -> frozenset[str]:
        kinds: set[str] = set()
        pieces = self.index.lookup(module, name)
        if pieces is not None:
            kinds |= self.kinds("".join(value for _, value in pieces))
        keys = self.index.credential_keys(module, name)
        if keys is not None:
            for key in keys:
                kinds |= self.kinds(key)
        return frozenset(kinds)


def _string_value(node: cst.SimpleString) -> str | None:
    try:
        value = node.evaluated_value
    except (ValueError, SyntaxError):  # pragma: no cover - LibCST parsed the literal
        return None
    return value if isinstance(value, str) else None


def _strings(node: cst.CSTNode) -> list[str]:
    """The text of every string literal inside ``node``."""
    found: list[str] = []

    class Strings(cst.CSTVisitor):
        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            value = _string_value(string)
            if value:
                found.append(value)

        def visit_FormattedStringText(self, text: cst.FormattedStringText) -> None:
            found.append(text.value)

    node.visit(Strings())
    return found
