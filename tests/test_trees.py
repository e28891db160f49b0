"""Multi-module fixtures: ``fixtures/trees/<case>/before/`` is a repository as written, ``after/`` what
``apply`` makes of it (absent: nothing changes) and ``findings.json`` the findings of the run, with their
paths. Each case is migrated in a copy, compared file by file, and migrated again to show that a second
run changes nothing and finds only what is left for review."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from codemods.engine.options import RunOptions
from codemods.engine.runner import run
from codemods.results.findings import RunResult, Status

TREES = Path(__file__).resolve().parent.parent / "fixtures" / "trees"
CASES = sorted(p for p in TREES.iterdir() if (p / "before").is_dir())
HELPER = "learning360_v2.py"


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _rows(result: RunResult) -> list[dict[str, Any]]:
    return [
        {"path": f.path, "line": f.line, "endpoint": f.endpoint, "status": f.status.value, "rule": f.rule}
        for f in result.findings
    ]


def test_there_are_trees_of_every_kind() -> None:
    expected = [json.loads((c / "findings.json").read_text()) for c in CASES]
    assert any(rows == [] for rows in expected), "a tree that must stay silent"
    assert any(any(r["rule"] == "unfollowed-url" for r in rows) for rows in expected)
    assert any((c / "after").is_dir() for c in CASES), "a tree that is migrated"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_tree(case: Path, tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(case / "before", tree)
    result = run(RunOptions(paths=(tree,), write=True, jobs=1))
    assert _rows(result) == json.loads((case / "findings.json").read_text())
    assert not result.failed
    expected = _files(case / "after") if (case / "after").is_dir() else _files(case / "before")
    migrated = _files(tree)
    assert migrated.pop(HELPER, None) is not None or not result.count(Status.REWRITE)
    assert migrated == expected

    again = run(RunOptions(paths=(tree,), write=True, jobs=1))
    assert _files(tree) == {
        **expected,
        **({HELPER: (tree / HELPER).read_bytes()} if (tree / HELPER).exists() else {}),
    }
    left = [r for r in _rows(result) if r["status"] != Status.REWRITE.value]
    assert [(r["path"], r["endpoint"], r["rule"]) for r in _rows(again)] == [
        (r["path"], r["endpoint"], r["rule"]) for r in left
    ]
