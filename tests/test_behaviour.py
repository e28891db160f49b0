"""Migrated programs do what the originals did: each runnable fixture runs against the fake's v1 before
migration and against its v2 after, and both print the same thing.

The fake serves both API versions from one dataset, with more than 500 attempts for one learner on one
course, so a migrated program that read only the first v2 page would print something else. Each program
also runs against v2 records served *interleaved* (no grouping by course or user, which v2 does not
promise): the helper's v1-shaped views regroup them, and a loop flattened onto the records gives the
same result in any order (``codemods.planning.flat_loops``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fake360 import Fake360
from support.cases import Case, cases
from support.paths import FIXTURES
from support.running import run_on_v1, run_on_v2, run_program

from codemods.engine.helper_module import helper_source
from codemods.engine.options import RunOptions
from codemods.engine.runner import run
from codemods.mapping import FLAT_SUMMARY

#: Runnable programs the tool migrates whole (a program with a site left for review still calls v1).
RUNNABLE = [
    c
    for c in cases()
    if c.runnable
    and (c.directory / "after.py").exists()
    # A hard-coded key is reported for a person to revoke, and its site is still rewritten.
    and all(f["status"] == "rewrite" or f["rule"] == "hard-coded-api-key" for f in c.findings)
    and c.findings
]


#: Runnable programs whose loops over a nested answer became one loop over the flat records.
FLAT = [c for c in RUNNABLE if any(FLAT_SUMMARY in f["message"] for f in c.findings)]
BIG_COURSE = b"64b000000000000000000001"


def test_runnable_fixtures_exist() -> None:
    assert len(RUNNABLE) >= 8
    endpoints = {f["endpoint"] for c in FLAT for f in c.findings}
    assert {"getCourseStats", "getCoursesStats", "getUserCourses"} <= endpoints


def _more_than_a_page(case: Case) -> bool:
    """Whether the program's v2 answer holds more than 500 records (see ``fake360.dataset``)."""
    endpoints = {f["endpoint"] for f in case.findings}
    return (
        b"ada.lovelace@example.com" in case.before
        or ("getCoursesStats" in endpoints and all(f["rule"] == "rewrite" for f in case.findings))
        or (BIG_COURSE in case.before and "getCourseStats" in endpoints)
    )


@pytest.mark.parametrize("order", ["canonical", "interleaved"])
@pytest.mark.parametrize("case", RUNNABLE, ids=lambda c: c.id)
def test_migrated_program_prints_the_same(case: Case, order: str, fake360: Fake360, tmp_path: Path) -> None:
    v1_dir, v2_dir = tmp_path / "v1", tmp_path / "v2"
    for directory in (v1_dir, v2_dir):
        directory.mkdir()
        shutil.copyfile(case.directory / "before.py", directory / "program.py")

    before = run_on_v1(fake360, v1_dir, "program.py")

    # The file as PATH, as after.py was made: one module, no other file of the repository in sight (a
    # run over the directory also deletes the credentials constants only the rewrite read: see the tree
    # ``unused_credentials``).
    result = run(RunOptions(paths=(v2_dir / "program.py",), write=True, jobs=1))
    assert (v2_dir / "program.py").read_bytes() == case.after
    assert result.helper is not None and result.helper.written
    assert (v2_dir / "learning360_v2.py").exists()

    after = run_on_v2(fake360, v2_dir, "program.py", order=order, cache=tmp_path / "users.sqlite3")
    # A createdAt filter became a completedAt filter: the program runs on v2, but it selects by
    # completion date now, as its note and finding say, so its output may differ.
    same_meaning = all(f["rule"] != "filter-meaning-changed" for f in case.findings)
    if same_meaning:
        assert after.stdout == before
    if _more_than_a_page(case):
        assert after.pages >= 2, "more than 500 records: every page must be read"
    if b"resolve_user_id" in case.after:
        assert after.read_users, "the first run fills the user cache"


def test_flattening_an_order_dependent_loop_would_change_the_output(fake360: Fake360, tmp_path: Path) -> None:
    """Why a loop that appends keeps the v1 nesting: flattened by hand, it lists the rows in v2's order,
    which the interleaved records show; the migration as made prints what v1 printed."""
    case = Case(FIXTURES / "getCourseStats" / "nested_loop_rows_in_order")
    kept = case.after.decode()
    nested = (
        "    for stat in r:\n"
        '        user_id = stat["user"]["_id"]\n'
        '        for attempt in stat["attempts"]:\n'
        "            out.append("
    )
    flat = '    for attempt in r:\n        user_id = attempt["userId"]\n        out.append('
    assert "course_stats_by_user" in kept and nested in kept
    naive = kept.replace("course_stats_by_user", "list_course_stats").replace(nested, flat)
    programs = {}
    for name, text in (("kept", kept), ("naive", naive)):
        directory = tmp_path / name
        directory.mkdir()
        (directory / "program.py").write_text(text, encoding="utf-8")
        (directory / "learning360_v2.py").write_bytes(helper_source())
        programs[name] = directory

    v1 = tmp_path / "v1"
    v1.mkdir()
    shutil.copyfile(case.directory / "before.py", v1 / "program.py")
    expected = run_program(v1, "program.py", fake360.v1_env()).stdout
    fake360.v2_order = "interleaved"
    env = fake360.v2_env(tmp_path / "users.sqlite3")
    assert run_program(programs["kept"], "program.py", env).stdout == expected
    naive_output = run_program(programs["naive"], "program.py", env).stdout
    assert sorted(naive_output.splitlines()) == sorted(expected.splitlines())
    assert naive_output != expected
