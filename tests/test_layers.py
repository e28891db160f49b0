"""The package's layers are its folders, and no import runs up a layer: the command line over the
engine, over the transform of one module, over planning, over reading code, over the reports, the
mapping and the results; the runtime helper stands alone. No module imports itself through a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "codemods"
#: From the top: a layer may import the layers below it, and itself.
LAYERS = ("cli", "engine", "transform", "planning", "reading", "reports", "mapping", "results", "runtime")


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("codemods"):
                targets.add(node.module)
                targets.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name.startswith("codemods"))
        found[name] = targets
    return {name: {t for t in targets if t in found} for name, targets in found.items()}


def test_every_module_is_in_a_layer() -> None:
    stray = [m for m in _imports() if _layer(m) not in LAYERS and m not in ("codemods", "codemods.__main__")]
    assert stray == []


def test_no_import_runs_up_a_layer() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in _imports().items()
        if _layer(module) in LAYERS
        for target in sorted(targets)
        if _layer(target) in LAYERS and LAYERS.index(_layer(target)) < LAYERS.index(_layer(module))
    ]
    assert upward == []


def test_the_runtime_helper_imports_nothing_of_the_tool() -> None:
    graph = _imports()
    assert all(not targets for module, targets in graph.items() if _layer(module) == "runtime")


def test_there_is_no_cycle() -> None:
    graph = _imports()
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
