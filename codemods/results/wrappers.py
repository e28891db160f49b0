"""What the transform of one module says of the repository's wrappers, and what it is told of them.

A wrapper is a function or method returning v1 data; the module defining it *exports* it, every module
calling it records each call (``Use``), and the engine hands every transform the wrappers known so far
(``WrapperState``). Frozen and picklable: they cross process boundaries (``codemods.planning.wrappers``
says how they are used).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Export:
    """A function or method of the repository whose return value is v1 course-statistics data."""

    #: ``pkg.client.get_stats`` or, for a method, ``pkg.client.Client.get_user_course_stats``.
    qualified_name: str
    #: The v1 endpoint whose answer it returns (a key of ``mapping.ENDPOINTS``).
    endpoint: str
    #: Where the returned value sits in the endpoint's answer (see ``shape_path``).
    shape: tuple[str, ...]
    #: A method is called on instances: its callers are found by its name, which must say what it does.
    method: bool
    #: Where it is defined, for the messages of findings.
    path: str
    line: int
    #: For a function whose *parameter* receives v1 data from a call of another module (a value passed
    #: in, not returned): the parameter, as ``#<position>`` or its keyword name. Empty for a wrapper.
    parameter: str = ""

    @property
    def key(self) -> str:
        """What blocks it and what its uses name: the qualified name, and the parameter if any."""
        return f"{self.qualified_name}({self.parameter})" if self.parameter else self.qualified_name

    @property
    def name(self) -> str:
        """The function's own name (the last part of the qualified name)."""
        return self.qualified_name.rpartition(".")[2]

    @property
    def owner(self) -> str:
        """The module, or the module and class, that defines it."""
        return self.qualified_name.rpartition(".")[0]


@dataclass(frozen=True)
class Use:
    """A call of an exported wrapper (or another reference to it) found in a module."""

    qualified_name: str
    path: str
    line: int
    #: Why the caller's code cannot be adapted; ``None`` when it was.
    problem: str | None = None
    #: The function the call is in (``report()``, ``Report.run()``), or the module's top level: how a
    #: finding names the caller, since its line moves when a marker is written above it.
    scope: str = ""


@dataclass(frozen=True)
class WrapperState:
    """What the transform of one module knows of the repository's wrappers."""

    #: Exported wrappers are followed into other modules only when the engine drives the rounds over the
    #: whole tree; a transform on its own reports a value returned by a public function instead.
    enabled: bool = False
    exports: tuple[Export, ...] = ()
    #: ``Export.key`` → why the wrapper is not migrated (a caller that cannot be adapted), or why a value
    #: cannot be passed into the function's parameter.
    blocked: Mapping[str, str] = field(default_factory=dict)
    #: Qualified names of functions and methods declared as wrappers in the configuration.
    declared: frozenset[str] = frozenset()

    def by_qualified_name(self) -> dict[str, Export]:
        return {e.qualified_name: e for e in self.exports if not e.method and not e.parameter}

    def passed_into(self) -> tuple[Export, ...]:
        """The functions whose parameter receives v1 data from a call of another module."""
        return tuple(e for e in self.exports if e.parameter)

    def methods_by_name(self) -> dict[str, list[Export]]:
        found: dict[str, list[Export]] = {}
        for export in self.exports:
            if export.method and not export.parameter:
                found.setdefault(export.name, []).append(export)
        return found
