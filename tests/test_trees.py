"""Multi-module fixtures (``fixtures/trees/<case>/``, read by ``support.trees``): ``before/`` is a repository
as written, ``after/`` what ``apply`` makes of it, ``case.toml`` what the case must show. Each case is
migrated in a copy, compared file by file with ``after/``, and migrated again to show that a second run
changes nothing and finds only what is left for review. A tree that runs is run against the fake
360Learning: ``before/`` on v1, ``after/`` on v2 (its records grouped as v1 grouped them, then
interleaved), and both print the same, over as many v2 pages as its ``case.toml`` says."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fake360 import Fake360
from support.running import run_on_v1, run_on_v2
from support.trees import TREES, CaseFileError, Tree, load, trees

from codemods.engine.helper_module import helper_source
from codemods.engine.options import RunOptions
from codemods.engine.runner import run
from codemods.results.findings import RunResult, Status

CASES = trees()
RUNNABLE = [c for c in CASES if c.runs]
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
    assert len(CASES) == len([p for p in TREES.iterdir() if p.is_dir()]), "every tree has a before/"
    assert any(c.findings == [] for c in CASES), "a tree that must stay silent"
    assert any(any(r["rule"] == "unfollowed-url" for r in c.findings) for c in CASES)
    assert any(c.migrated for c in CASES), "a tree that is migrated"
    assert any(c.pages >= 2 for c in RUNNABLE), "a tree that runs, over more than one v2 page"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('runs = false\nfindings = "findings.json"\nentry = "main.py"\n', "only with runs = true"),
        ('runs = true\nfindings = "findings.json"\nentry = "main.py"\n', "pages must be"),
        ('runs = true\nfindings = "findings.json"\nentry = "nowhere.py"\npages = 2\n', "entry must name"),
        ('runs = "yes"\nfindings = "findings.json"\n', "runs must be true or false"),
        ("runs = false\n", "findings must name"),
        ('runs = false\nfindings = "findings.json"\npage = 2\n', "unknown keys ['page']"),
        ('runs = true\nfindings = "findings.json"\nentry = "main.py"\npages = 2\n', "needs an after/"),
        ("runs = [", "case.toml"),
    ],
)
def test_a_case_file_that_does_not_say_what_it_must_is_refused(
    text: str, complaint: str, tmp_path: Path
) -> None:
    (tmp_path / "before").mkdir()
    (tmp_path / "before" / "main.py").write_text("print(1)\n")
    (tmp_path / "findings.json").write_text("[]\n")
    (tmp_path / "case.toml").write_text(text)
    with pytest.raises(CaseFileError) as refused:
        load(tmp_path)
    assert complaint in str(refused.value)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_tree(case: Tree, tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(case.before, tree)
    result = run(RunOptions(paths=(tree,), write=True, jobs=1, keep_v1_shape=case.keep_v1_shape))
    assert _rows(result) == case.findings
    assert not result.failed
    expected = _files(case.after)
    migrated = _files(tree)
    helper = migrated.pop(HELPER, None)
    assert helper is not None or not result.count(Status.REWRITE)
    assert helper is None or helper == helper_source(), "the helper a tree that runs is run with"
    assert migrated == expected

    again = run(RunOptions(paths=(tree,), write=True, jobs=1, keep_v1_shape=case.keep_v1_shape))
    assert not again.changed
    assert _files(tree) == {
        **expected,
        **({HELPER: (tree / HELPER).read_bytes()} if (tree / HELPER).exists() else {}),
    }
    left = [r for r in _rows(result) if r["status"] != Status.REWRITE.value]
    assert [(r["path"], r["endpoint"], r["rule"]) for r in _rows(again)] == [
        (r["path"], r["endpoint"], r["rule"]) for r in left
    ]


@pytest.mark.parametrize("order", ["canonical", "interleaved"])
@pytest.mark.parametrize("case", RUNNABLE, ids=lambda c: c.name)
def test_a_tree_that_runs_prints_the_same_after_migration(
    case: Tree, order: str, fake360: Fake360, tmp_path: Path
) -> None:
    v1_dir, v2_dir = tmp_path / "v1", tmp_path / "v2"
    shutil.copytree(case.before, v1_dir)
    shutil.copytree(case.after, v2_dir)
    (v2_dir / HELPER).write_bytes(helper_source())

    before = run_on_v1(fake360, v1_dir, case.entry)
    after = run_on_v2(fake360, v2_dir, case.entry, order=order, cache=tmp_path / "users.sqlite3")
    assert after.stdout == before
    assert after.pages >= case.pages, f"the run must read at least {case.pages} v2 pages"
