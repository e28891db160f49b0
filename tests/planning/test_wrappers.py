"""Wrappers whose callers live in other modules: migrated together with every caller, or not at all.

A client class with a method named after the v1 endpoint, and a module function returning a v1 answer,
are migrated where they are defined; the modules that call them have their reads adapted (no more
``["attempts"]``, fields renamed). The program is the tree ``fixtures/trees/wrappers_called_from_other_modules``,
which ``tests/test_trees.py`` runs: migrated, it prints what the original printed, against the fake
360Learning's v1 before and v2 after. A wrapper with one caller that cannot be adapted is left for
review, naming that caller, and nothing of it or its callers changes.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import libcst as cst
from support.trees import TREES

from codemods.engine.options import RunOptions
from codemods.engine.runner import run
from codemods.mapping import V1_SHAPE_KEPT
from codemods.results.findings import RunResult, Status

TREE = TREES / "wrappers_called_from_other_modules" / "before"


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def _by_path(result: RunResult) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for finding in result.findings:
        found.setdefault(finding.path, []).append((finding.status.value, finding.rule))
    return found


def test_wrappers_and_their_callers_are_migrated_together(tmp_path: Path) -> None:
    shutil.copytree(TREE, tmp_path, dirs_exist_ok=True)
    result = run(RunOptions(paths=(tmp_path,), jobs=1))
    assert _by_path(result) == {
        # A public wrapper also says how what it returns changes, for callers outside the tree.
        "lms/client.py": [("rewrite", "return-shape-changed"), ("rewrite", "rewrite")],
        "lms/stats.py": [("rewrite", "return-shape-changed"), ("rewrite", "rewrite")],
        "reports/minutes.py": [("rewrite", "wrapper-caller")],
        # reports/learners.py reads ids, mails and attempt counts, which the regrouped answer keeps.
    }
    migrated = {o.display_path: o.migrated.decode() for o in result.outcomes}
    minutes = migrated["reports/minutes.py"]
    assert 'for attempt in stats:\n        total += attempt["timeSpent"]' in minutes
    assert "learning360_v2" not in minutes  # a caller does not call the helper itself
    # Inside the class, self.get_user_course_stats(...) is followed where the method returns.
    assert 'max(a.get("score", 0) for a in stats)' in migrated["lms/client.py"]
    for text in migrated.values():
        cst.parse_module(text)


def test_a_caller_that_cannot_be_adapted_blocks_its_wrapper(tmp_path: Path) -> None:
    shutil.copytree(TREE, tmp_path, dirs_exist_ok=True)
    raw = """
        import json

        from lms.client import Learning360Client


        def dump(host, course_id, email):
            return json.dumps(Learning360Client(host).get_user_course_stats(course_id, email))
    """
    _tree(tmp_path, {"reports/raw.py": raw})
    result = run(RunOptions(paths=(tmp_path,), jobs=1, keep_v1_shape=False))
    found = {f.path: f for f in result.findings}
    client = found["lms/client.py"]
    assert client.status is Status.NEEDS_REVIEW
    # The caller is named by its function: its line moves when a marker is written above it.
    assert "(reports/raw.py, dump(): " in client.message
    assert "json.dumps" in client.message
    # Neither its callers nor the caller that blocks it change; the other wrapper is still migrated.
    changed = {o.display_path for o in result.changed}
    assert "reports/minutes.py" not in changed
    assert "reports/raw.py" not in changed
    assert found["lms/stats.py"].status is Status.REWRITE
    assert changed == {"lms/client.py", "lms/stats.py"}
    assert "# migrate-360learning: review: get_user_course_stats() returns v1 data" in next(
        o.migrated.decode() for o in result.outcomes if o.display_path == "lms/client.py"
    )
    # By default the blocked wrapper moves to v2 keeping v1's answer shape: no caller needs a change.
    kept = run(RunOptions(paths=(tmp_path,), jobs=1))
    assert {f.path: f.rule for f in kept.findings}["lms/client.py"] == V1_SHAPE_KEPT
    assert {o.display_path for o in kept.changed} == {"lms/client.py", "lms/stats.py"}
    # Written, then run again: nothing changes (the blocked wrapper's message included).
    run(RunOptions(paths=(tmp_path,), write=True, jobs=1, keep_v1_shape=False))
    assert not run(RunOptions(paths=(tmp_path,), write=True, jobs=1, keep_v1_shape=False)).changed


def test_a_single_file_run_reports_a_public_wrapper(tmp_path: Path) -> None:
    shutil.copytree(TREE, tmp_path, dirs_exist_ok=True)
    result = run(RunOptions(paths=(tmp_path / "lms" / "stats.py",), jobs=1, keep_v1_shape=False))
    (finding,) = result.findings
    assert finding.status is Status.NEEDS_REVIEW
    assert "which other modules may call" in finding.message
    (kept,) = run(RunOptions(paths=(tmp_path / "lms" / "stats.py",), jobs=1)).findings
    assert (kept.status, kept.rule) == (Status.REWRITE, V1_SHAPE_KEPT)


SDK_USER = """
    import os

    from acme_sdk import Learning360Client


    def learners(course_id):
        client = Learning360Client(os.environ["LEARNING360_HOST"])
        stats = client.course_stats(course_id)
        return [entry["user"]["mail"] for entry in stats]
"""

OWN_CLIENT = {
    "lms.py": """
        import os

        import requests


        class Lms:
            def __init__(self, host):
                self.host = host
                self.auth = {"company": os.environ.get("LEARNING360_COMPANY"), "apiKey": os.environ.get("LEARNING360_API_KEY")}

            def courses(self, user_id):
                return requests.get(f"{self.host}/api/v1/users/{user_id}/courses", params=self.auth).json()
    """,
    "report.py": """
        import os

        from lms import Lms


        def minutes(email):
            lms = Lms(os.environ["LEARNING360_HOST"])
            return {c["course"]["_id"]: sum(a["globalTime"] for a in c["attempts"]) for c in lms.courses(email)}
    """,
}


def test_a_declared_wrapper_outside_the_repository_is_reported_at_each_call(tmp_path: Path) -> None:
    _tree(tmp_path, {"learners.py": SDK_USER})
    declared = (("acme_sdk.Learning360Client.course_stats", "getCourseStats"),)
    result = run(RunOptions(paths=(tmp_path,), jobs=1, wrappers=declared))
    (finding,) = result.findings
    assert (finding.status, finding.rule, finding.line) == (Status.NEEDS_REVIEW, "declared-wrapper", 8)
    assert "course_stats_by_user()" in finding.message
    (outcome,) = result.changed
    assert "# migrate-360learning: review: acme_sdk.Learning360Client.course_stats() is declared" in (
        outcome.migrated.decode()
    )
    # Without the declaration, the file holds no v1 usage the tool can see.
    assert run(RunOptions(paths=(tmp_path,), jobs=1)).findings == ()


def test_a_declared_method_of_the_repository_is_migrated_with_its_callers(tmp_path: Path) -> None:
    _tree(tmp_path, OWN_CLIENT)
    undeclared = run(RunOptions(paths=(tmp_path,), jobs=1, keep_v1_shape=False))
    (finding,) = undeclared.findings
    assert finding.status is Status.NEEDS_REVIEW
    assert "declare it under [tool.migrate-360learning] wrappers" in finding.message
    (kept,) = run(RunOptions(paths=(tmp_path,), jobs=1)).findings
    assert kept.rule == V1_SHAPE_KEPT
    declared = (("lms.Lms.courses", "getUserCourses"),)
    result = run(RunOptions(paths=(tmp_path,), jobs=1, wrappers=declared))
    assert _by_path(result) == {
        "lms.py": [("rewrite", "return-shape-changed"), ("rewrite", "rewrite")],
        "report.py": [("rewrite", "wrapper-caller")],
    }
    report = next(o.migrated.decode() for o in result.outcomes if o.display_path == "report.py")
    assert 'sum(a["timeSpent"] for a in c["attempts"])' in report


PUBLIC_WRAPPERS = """import os
import requests

BASE = os.environ.get("LEARNING360_HOST", "https://app.360learning.com")
AUTH = {"company": os.environ.get("LEARNING360_COMPANY"), "apiKey": os.environ.get("LEARNING360_API_KEY")}


def get_user_course_stats(course_id, email):
    r = requests.get(f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params=AUTH)
    r.raise_for_status()
    return r.json()


def course_stats(course_id):
    return requests.get(f"{BASE}/api/v1/courses/{course_id}/stats", params=AUTH).json()


class Client:
    def get_user_courses(self, email):
        return requests.get(f"{BASE}/api/v1/users/{email}/courses", params=AUTH)
"""


def test_a_public_wrapper_with_no_caller_in_the_tree_says_how_its_result_changes(tmp_path: Path) -> None:
    """Callers outside the PATHs given cannot be seen: the change of what each wrapper returns is a
    finding and a note on its def, never silent; a second run finds nothing more to say."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "stats.py").write_text(PUBLIC_WRAPPERS)
    result = run(RunOptions(paths=(tmp_path,), write=True, jobs=1))
    changed = {f.line: f.message for f in result.findings if f.rule == "return-shape-changed"}
    assert sorted(changed) == [8, 14, 19]
    assert changed[8].startswith(
        'get_user_course_stats() now returns the list of v2 records instead of v1\'s {"attempts": [...]}'
    )
    assert changed[14].startswith("course_stats() now returns a list grouped by user as v1 answered")
    assert changed[19].startswith("get_user_courses() now returns a list grouped by course")
    assert "instead of the HTTP response" in changed[19]
    assert all("timeSpent for globalTime" in m and "adapt any other caller" in m for m in changed.values())
    assert all(f.status is Status.REWRITE for f in result.findings)
    migrated = (tmp_path / "lib" / "stats.py").read_text()
    assert migrated.count("# migrate-360learning: note: ") == 3
    assert "    # migrate-360learning: note: get_user_courses() now returns" in migrated
    again = run(RunOptions(paths=(tmp_path,), write=True, jobs=1))
    assert again.findings == ()
    assert (tmp_path / "lib" / "stats.py").read_text() == migrated
