"""Migrated programs do what the originals did: each runnable fixture runs against the fake's v1 before
migration and against its v2 after, and both print the same thing.

The fake serves both API versions from one dataset, with more than 500 attempts for one learner on one
course, so a migrated program that read only the first v2 page would print something else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fake360 import Fake360
from fixture_cases import Case, cases

from codemods.engine import RunOptions, run

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


def _under(fake: Fake360, prefix: str) -> list[str]:
    return [r.path for r in fake.requests if r.path.startswith(prefix)]


def _run(program: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEARNING360_")}
    clean.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, program.name],
        cwd=program.parent,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_runnable_fixtures_exist() -> None:
    assert len(RUNNABLE) >= 8


@pytest.mark.parametrize("case", RUNNABLE, ids=lambda c: c.id)
def test_migrated_program_prints_the_same(case: Case, fake360: Fake360, tmp_path: Path) -> None:
    v1_dir, v2_dir = tmp_path / "v1", tmp_path / "v2"
    for directory in (v1_dir, v2_dir):
        directory.mkdir()
        shutil.copyfile(case.directory / "before.py", directory / "program.py")

    before = _run(v1_dir / "program.py", fake360.v1_env())
    assert before.returncode == 0, before.stderr
    assert _under(fake360, "/api/v1/"), "the original program must read v1"
    assert not _under(fake360, "/api/v2/")

    result = run(RunOptions(paths=(v2_dir,), write=True, jobs=1))
    assert (v2_dir / "program.py").read_bytes() == case.after
    assert result.helper is not None and result.helper.written
    assert (v2_dir / "learning360_v2.py").exists()

    fake360.clear_log()
    env = fake360.v2_env(tmp_path / "users.sqlite3")
    after = _run(v2_dir / "program.py", env)
    assert after.returncode == 0, after.stderr
    # A createdAt filter became a completedAt filter: the program runs on v2, but it selects by
    # completion date now, as its note and finding say, so its output may differ.
    same_meaning = all(f["rule"] != "filter-meaning-changed" for f in case.findings)
    if same_meaning:
        assert after.stdout == before.stdout
    assert before.stdout.strip(), "the program must print something to compare"
    assert not _under(fake360, "/api/v1/"), "the migrated program must not read v1"
    pages = fake360.requests_to("/api/v2/courses/stats")
    if b"ada.lovelace@example.com" in case.before:
        assert len(pages) >= 2, "more than 500 records: every page must be read"
    if b"resolve_user_id" in case.after:
        assert fake360.requests_to("/api/v2/users"), "the first run fills the user cache"

    fake360.clear_log()
    again = _run(v2_dir / "program.py", env)
    assert again.stdout == after.stdout
    assert not fake360.requests_to("/api/v2/users"), "the second run must use the user cache"
