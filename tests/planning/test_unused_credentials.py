"""v1 credentials constants the migration leaves unread (``Cleanup.drop_unused_credentials``): they go
only when nothing else can read them. The tree ``fixtures/trees/unused_credentials`` shows them going,
with what they were built from, and a shared one staying."""

from __future__ import annotations

from pathlib import Path

from codemods.engine.options import RunOptions
from codemods.engine.runner import run

STATS = """\
import os

import requests

BASE = "https://app.360learning.com"
API_KEY = os.environ["LEARNING360_API_KEY"]
AUTH = {"company": "acme", "apiKey": API_KEY}


def minutes(course_id, email):
    r = requests.get(f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params=AUTH, timeout=30)
    return sum(a["globalTime"] for a in r.json()["attempts"]) / 60000
"""


def _migrated(tmp_path: Path, *, other: str | None = None, as_file: bool = False) -> str:
    (tmp_path / "stats.py").write_text(STATS)
    if other is not None:
        (tmp_path / "other.py").write_text(other)
    path = tmp_path / "stats.py" if as_file else tmp_path
    run(RunOptions(paths=(path,), write=True, jobs=1))
    return (tmp_path / "stats.py").read_text()


def test_a_constant_only_the_rewritten_call_read_goes_with_what_it_was_built_from(tmp_path: Path) -> None:
    out = _migrated(tmp_path, other="print('unrelated')\n")
    assert "AUTH" not in out and "API_KEY" not in out and "import os" not in out
    assert "learning360_v2.list_course_stats(" in out


def test_a_constant_another_file_names_stays(tmp_path: Path) -> None:
    out = _migrated(tmp_path, other="from stats import AUTH\n")
    assert 'AUTH = {"company": "acme", "apiKey": API_KEY}' in out
    assert 'API_KEY = os.environ["LEARNING360_API_KEY"]' in out


def test_a_part_another_file_names_stays_while_the_constant_goes(tmp_path: Path) -> None:
    out = _migrated(tmp_path, other="KEY_NAME = 'API_KEY'\n")
    assert "AUTH =" not in out and 'API_KEY = os.environ["LEARNING360_API_KEY"]' in out


def test_a_run_on_a_file_cannot_see_other_readers_and_keeps_it(tmp_path: Path) -> None:
    out = _migrated(tmp_path, as_file=True)
    assert 'AUTH = {"company": "acme", "apiKey": API_KEY}' in out
