"""LibCST's introspection of visitor classes, done once per class and process instead of once per visitor.

Each time LibCST makes a matcher-decoratable visitor (``AddImportsVisitor``, ``RemoveImportsVisitor`` and
the gatherers they run), it walks ``dir()`` of the new object three times looking for decorated methods;
each time it resolves metadata, it walks every provider's members looking for ``visit_*`` methods. On a
small module that introspection costs more than parsing and analysing it: about two thirds of the CPU of
a one-site file of a dozen lines.

What it finds depends only on the class: the methods a class defines and the decorators on them. So
``install`` wraps those LibCST functions with a cache by class: the names of the ``visit_``/``leave_``
methods of a batchable visitor, and, for a matcher-decoratable one, whether any method carries a
matcher decorator at all. A class that has one is introspected as before, on each instance, so a visitor
with decorators behaves exactly as LibCST made it behave; one without gets the empty tables at once.

``install`` is idempotent and is called when this module is imported, and again by
``codemods.transform.imports`` once it has imported LibCST's matchers; a LibCST without these functions
is left as it is (the cache is a speed-up, never a condition).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any, Final

import libcst as cst
from libcst import _batched_visitor

#: The LibCST functions that introspect a matcher-decoratable visitor, by name.
_MATCHER_GATHERERS: Final = (
    "_gather_constructed_visit_funcs",
    "_gather_constructed_leave_funcs",
    "_gather_matchers",
)
#: Set on a wrapped function, so that ``install`` wraps nothing twice.
_WRAPPED: Final = "_migrate_360learning_cached"


def _cached_gatherer(gather: Callable[[object], dict[Any, Any]]) -> Callable[[object], dict[Any, Any]]:
    """``gather`` answering ``{}`` at once for a class whose first instance had nothing to find."""
    empty: set[type] = set()

    def cached(obj: object) -> dict[Any, Any]:
        cls = type(obj)
        if cls in empty:
            return {}
        found = gather(obj)
        if not found:
            empty.add(cls)
        return found

    setattr(cached, _WRAPPED, True)
    return cached


_visitor_names: dict[type, tuple[str, ...]] = {}


def _get_visitors(self: cst.BatchableCSTVisitor) -> Mapping[str, Callable[..., Any]]:
    """``BatchableCSTVisitor.get_visitors``, with the names of the methods found once per class."""
    cls = type(self)
    names = _visitor_names.get(cls)
    if names is None:
        names = tuple(_original_get_visitors(self))
        _visitor_names[cls] = names
    return {name: getattr(self, name) for name in names}


_original_get_visitors: Callable[[cst.BatchableCSTVisitor], Mapping[str, Callable[..., Any]]] = (
    cst.BatchableCSTVisitor.get_visitors
)


_MODULE_ONLY: Final = frozenset({"visit_Module", "leave_Module"})


def _batched_on_visit(self: Any, node: cst.CSTNode) -> bool:
    """``_BatchedCSTVisitor.on_visit``, not descending below a module when every visitor of the batch
    works from ``visit_Module`` or ``leave_Module`` alone (they run visitors of their own there)."""
    descend = _original_batched_on_visit(self, node)
    if (
        isinstance(node, cst.Module)
        and self.before_visit is None
        and self.after_leave is None
        and _MODULE_ONLY.issuperset(self.visitor_methods)
    ):
        return False
    return bool(descend)


_batched_visitor_class: Any = getattr(_batched_visitor, "_BatchedCSTVisitor", None)
_original_batched_on_visit: Callable[[Any, cst.CSTNode], bool] = (
    _batched_visitor_class.on_visit if _batched_visitor_class is not None else _batched_on_visit
)


def install() -> None:
    """Put the caches in place (once; later calls change nothing). The matchers' functions are wrapped
    only once LibCST's matchers are imported: importing them costs half a second, which a run that
    changes no import never pays."""
    matcher_visitors = sys.modules.get("libcst.matchers._visitors")
    for name in _MATCHER_GATHERERS if matcher_visitors is not None else ():
        gather = getattr(matcher_visitors, name, None)
        if callable(gather) and not getattr(gather, _WRAPPED, False):
            setattr(matcher_visitors, name, _cached_gatherer(gather))
    batchable = getattr(_batched_visitor, "BatchableCSTVisitor", None)
    if batchable is not None and batchable.get_visitors is _original_get_visitors:
        setattr(batchable, "get_visitors", _get_visitors)  # noqa: B010 (mypy refuses a method assigned)
    if _batched_visitor_class is not None and _batched_visitor_class.on_visit is _original_batched_on_visit:
        setattr(_batched_visitor_class, "on_visit", _batched_on_visit)  # noqa: B010


install()
