"""Flat loops (``codemods.planning.flat_loops``): which loop nests over a nested v1 answer become one loop over the
flat v2 records, exactly how, and which keep the helper that rebuilds the v1 nesting, one case per reason.

Each program reads getCourseStats (``stat`` → ``attempt``), getUserCourses (``row`` → ``a``) or
getCoursesStats (``entry`` → ``stat`` → ``attempt``); the loop is all that changes from case to case.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from codemods.mapping import FLAT_HELPER, FLAT_SUMMARY
from codemods.results.findings import Status
from codemods.transform.migrate import TransformOptions, migrate_source

URLS = {
    "getCourseStats": 'f"{BASE}/api/v1/courses/{key}/stats"',
    "getUserCourses": 'f"{BASE}/api/v1/users/{key}/courses"',
    "getCoursesStats": 'BASE + "/api/v1/courses/stats"',
}


def program(loop: str, endpoint: str = "getCourseStats", after: str = "") -> str:
    return (
        "import os\n\nimport requests\n\n"
        'BASE = "https://app.360learning.com"\n'
        'AUTH = {"company": os.environ["COMPANY"], "apiKey": os.environ["KEY"]}\n\n\n'
        "def report(key):\n"
        f"    r = requests.get({URLS[endpoint]}, params=AUTH)\n"
        "    r.raise_for_status()\n"
        "    total = 0\n"
        "    seen = set()\n"
        "    d = {}\n"
        + textwrap.indent(textwrap.dedent(loop), "    ")
        + textwrap.indent(textwrap.dedent(after), "    ")
        + "    return total, seen, d\n"
    )


def migrate(source: str) -> tuple[str, str]:
    """The migrated module and its finding's message (the site must be rewritten)."""
    result = migrate_source(source.encode(), display_path="report.py", options=TransformOptions())
    (finding,) = result.findings
    assert finding.status is Status.REWRITE, finding.message
    migrated = result.source.decode()
    cst.parse_module(migrated)
    again = migrate_source(result.source, display_path="report.py", options=TransformOptions())
    assert again.source == result.source and again.findings == ()
    return migrated, finding.message


def loop_of(migrated: str) -> str:
    """The migrated function's text from the line after ``d = {}`` to the ``return``."""
    body = migrated.split("    d = {}\n", 1)[1].split("    return total", 1)[0]
    return textwrap.dedent(body).lstrip("\n")


FLATTENED = [
    pytest.param(
        "getCourseStats",
        """
        for stat in r.json():
            user_id = stat["user"]["_id"]
            for attempt in stat["attempts"]:
                d[user_id] = d.get(user_id, 0) + attempt["globalTime"]
        """,
        """
        for attempt in r:
            user_id = attempt["userId"]
            d[user_id] = d.get(user_id, 0) + attempt["timeSpent"]
        """,
        id="id-assignment-moves-into-the-loop",
    ),
    pytest.param(
        "getCourseStats",
        """
        for stat in r.json():
            for attempt in stat['attempts']:
                d[stat['user']['_id']] = max(d.get(stat['user']['_id'], 0), attempt['score'])
        """,
        """
        for attempt in r:
            d[attempt['userId']] = max(d.get(attempt['userId'], 0), attempt['score'])
        """,
        id="inline-id-reads-keep-their-quotes",
    ),
    pytest.param(
        "getUserCourses",
        """
        for row in r.json():
            for a in row["attempts"]: total += a["globalTime"]
        """,
        """
        for a in r: total += a["timeSpent"]
        """,
        id="one-line-body",
    ),
    pytest.param(
        "getUserCourses",
        """
        for row in r.json():
            course_id = row["course"]["_id"]
            for a in row["attempts"]: seen.add(course_id)
        """,
        """
        for a in r:
            course_id = a["courseId"]
            seen.add(course_id)
        """,
        id="one-line-body-after-an-id",
    ),
    pytest.param(
        "getCoursesStats",
        """
        for entry in r.json():
            course_id = entry["course"]["_id"]
            # every learner of the course
            for stat in entry["stats"]:
                user_id = stat["user"]["_id"]
                # and each attempt
                for attempt in stat["attempts"]:
                    minutes = attempt["globalTime"] / 60000
                    if not attempt.get("completedAt"):
                        continue
                    elif "score" in attempt and attempt["score"] >= 50:
                        d.setdefault(course_id, set()).add(user_id)
                    else:
                        total -= minutes
                    total += minutes * 2
        """,
        """
        for attempt in r:
            course_id = attempt["courseId"]
            user_id = attempt["userId"]
            # every learner of the course
            # and each attempt
            minutes = attempt["timeSpent"] / 60000
            if not attempt.get("completedAt"):
                continue
            elif "score" in attempt and attempt["score"] >= 50:
                d.setdefault(course_id, set()).add(user_id)
            else:
                total -= minutes
            total += minutes * 2
        """,
        id="three-levels-comments-branches-temporaries",
    ),
    pytest.param(
        "getCourseStats",
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                d[attempt["_id"]] = d.get(attempt["_id"], 0) - attempt.get("score", 0)
                total = min(total, attempt["progress"])
        """,
        """
        for attempt in r:
            d[attempt["_id"]] = d.get(attempt["_id"], 0) - attempt.get("score", 0)
            total = min(total, attempt["progress"])
        """,
        id="subtraction-and-running-minimum",
    ),
]


@pytest.mark.parametrize(("endpoint", "before", "after"), FLATTENED)
def test_loop_nest_becomes_one_loop(endpoint: str, before: str, after: str) -> None:
    migrated, message = migrate(program(before, endpoint))
    assert loop_of(migrated) == textwrap.dedent(after).lstrip("\n")
    assert f"learning360_v2.{FLAT_HELPER}(" in migrated
    assert FLAT_SUMMARY in message


#: Nests that keep the helper that rebuilds the v1 nesting, and why.
KEPT = [
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                total += attempt["globalTime"]
        else:
            total = -1
        """,
        "",
        id="loop-else",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                if "score" in attempt:
                    break
                total += 1
        """,
        "",
        id="break-ends-only-the-inner-loop",
    ),
    pytest.param(
        """
        rows = []
        for stat in r.json():
            for attempt in stat["attempts"]:
                rows.append(attempt["progress"])
        """,
        "",
        id="append-depends-on-the-order",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                print(attempt["progress"])
        """,
        "",
        id="print-depends-on-the-order",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                d[stat["user"]["_id"]] = attempt["progress"]
        """,
        "",
        id="last-write-wins-depends-on-the-order",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                total = attempt["progress"]
        """,
        "",
        id="last-value-depends-on-the-order",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                total += attempt["completedAt"]
        """,
        "",
        id="adding-strings-depends-on-the-order",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                d[stat["user"]["_id"]] = d.get(stat["user"]["_id"], "") + attempt["completedAt"]
        """,
        "",
        id="accumulating-strings-depends-on-the-order",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                d.setdefault(stat["user"]["mail"], set()).add(attempt["_id"])
        """,
        "",
        id="reads-the-mail-only-the-nesting-carries",
    ),
    pytest.param(
        """
        for stat in r.json():
            user_id = stat["user"]["_id"]
            for attempt in stat["attempts"]:
                total += 1
        """,
        "d[user_id] = total\n",
        id="id-read-after-the-loop",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                total += 1
            seen.add(stat["user"]["_id"])
        """,
        "",
        id="statement-after-the-inner-loop",
    ),
    pytest.param(
        """
        data = r.json()
        total = len(data)
        for stat in data:
            for attempt in stat["attempts"]:
                total += 1
        """,
        "",
        id="answer-also-counted",
    ),
    pytest.param(
        """
        last = 0
        for stat in r.json():
            for attempt in stat["attempts"]:
                if last:
                    total += 1
                last = attempt["progress"]
        """,
        "",
        id="temporary-read-before-it-is-set",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                d[attempt["_id"]] = d.get(attempt["_id"], 0) + len(seen.pop())
        """,
        "",
        id="side-effect-in-the-sum",
    ),
    pytest.param(
        """
        for stat in sorted(r.json(), key=lambda s: s["user"]["_id"]):
            for attempt in stat["attempts"]:
                total += 1
        """,
        "",
        id="sorted-answer",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"][:1]:
                total += 1
        """,
        "",
        id="only-the-first-attempt",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                for _ in range(2):
                    total += attempt["progress"]
        """,
        "",
        id="loop-in-the-body",
    ),
    pytest.param(
        """
        for stat in r.json():
            key = stat["user"]["_id"]
            for attempt in stat["attempts"]:
                seen.add(key)
        """,
        "",
        id="id-name-is-also-a-parameter",
    ),
    pytest.param(
        """
        stat = None
        for stat in r.json():
            for attempt in stat["attempts"]:
                total += 1
        """,
        "",
        id="loop-variable-reused",
    ),
    pytest.param(
        """
        for stat in r.json():
            for attempt in stat["attempts"]:
                total += 1
        seen.add(attempt["_id"])
        """,
        "",
        id="attempt-read-after-the-loop",
    ),
]


@pytest.mark.parametrize(("loop", "after"), KEPT)
def test_loop_nest_keeps_the_nesting(loop: str, after: str) -> None:
    source = program(loop, "getCourseStats", after)
    result = migrate_source(source.encode(), display_path="report.py", options=TransformOptions())
    migrated = result.source.decode()
    assert [f.status for f in result.findings] == [Status.REWRITE], [f.message for f in result.findings]
    assert "learning360_v2.course_stats_by_user(" in migrated
    assert FLAT_HELPER not in migrated
    assert FLAT_SUMMARY not in result.findings[0].message
    # The nest is as it was, its attempt fields renamed.
    assert "for attempt in stat[" in migrated


def test_async_with_nest_calls_the_awaitable_flat_helper() -> None:
    source = textwrap.dedent(
        """\
        import os

        import aiohttp

        BASE = "https://app.360learning.com"
        AUTH = {"company": os.environ["COMPANY"], "apiKey": os.environ["KEY"]}


        async def minutes(course_id):
            total = 0
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{BASE}/api/v1/courses/{course_id}/stats", params=AUTH) as resp:
                    for stat in await resp.json():
                        for attempt in stat["attempts"]:
                            total += attempt["globalTime"]
            return total
        """
    )
    migrated, message = migrate(source)
    # The session, read by nothing else, goes with the rewritten call.
    assert "    resp = await learning360_v2.alist_course_stats(BASE, course_id=course_id)\n" in migrated
    assert '    for attempt in resp:\n        total += attempt["timeSpent"]\n' in migrated
    assert "aiohttp" not in migrated
    assert FLAT_SUMMARY in message


COMPREHENSIONS_FLATTENED = [
    pytest.param(
        'sum(a["globalTime"] for s in r.json() for a in s["attempts"] if "score" in a)',
        'sum(a["timeSpent"] for a in r if "score" in a)',
        id="sum-of-numbers",
    ),
    pytest.param(
        '{s["user"]["_id"] for s in r.json() for a in s["attempts"] if a.get("completedAt")}',
        '{a["userId"] for a in r if a.get("completedAt")}',
        id="set",
    ),
    pytest.param(
        'len([a for s in r.json() for a in s["attempts"]])',
        "len([a for a in r])",
        id="len-of-a-list",
    ),
    pytest.param(
        'max((a["lastActivity"] for s in r.json() for a in s["attempts"]), default=None)',
        'max((a["lastActivityAt"] for a in r), default=None)',
        id="max-with-a-default",
    ),
    pytest.param(
        'any(a["progress"] == 100 for s in r.json() for a in s["attempts"])',
        'any(a["progress"] == 100 for a in r)',
        id="any",
    ),
]


@pytest.mark.parametrize(("before", "after"), COMPREHENSIONS_FLATTENED)
def test_comprehension_becomes_one_clause(before: str, after: str) -> None:
    migrated, message = migrate(program(f"total = {before}\n"))
    assert loop_of(migrated) == f"total = {after}\n"
    assert FLAT_SUMMARY in message


COMPREHENSIONS_KEPT = [
    pytest.param(
        'seen = [a["progress"] for s in r.json() for a in s["attempts"]]', id="list-keeps-the-order"
    ),
    pytest.param('total = sum([a["progress"]] for s in r.json() for a in s["attempts"])', id="sum-of-lists"),
    pytest.param(
        'total = sum(a["progress"] for s in r.json() if s["attempts"] for a in s["attempts"])',
        id="filter-on-an-outer-clause",
    ),
    pytest.param(
        'd = {s["user"]["_id"]: a["progress"] for s in r.json() for a in s["attempts"]}',
        id="dict-keeps-the-last-value",
    ),
    pytest.param(
        'total = max((a["progress"] for s in r.json() for a in s["attempts"]), key=abs)',
        id="max-with-a-key",
    ),
    pytest.param(
        'total = sum(seen.pop() for s in r.json() for a in s["attempts"])',
        id="side-effect-in-the-element",
    ),
]


@pytest.mark.parametrize("line", COMPREHENSIONS_KEPT)
def test_comprehension_keeps_the_nesting(line: str) -> None:
    result = migrate_source(
        program(line + "\n").encode(), display_path="report.py", options=TransformOptions()
    )
    assert [f.status for f in result.findings] == [Status.REWRITE], [f.message for f in result.findings]
    assert "learning360_v2.course_stats_by_user(" in result.source.decode()
    assert 'in s["attempts"]' in result.source.decode()


def test_three_clause_comprehension_fields_are_renamed() -> None:
    """LibCST does not link the reads of a comprehension's inner ``for`` targets to them; they are read
    all the same, so an attempt's fields are renamed however deep its clause."""
    line = 'seen = [(s["user"]["_id"], a["globalTime"]) for e in r.json() for s in e["stats"] for a in s["attempts"]]'
    migrated, message = migrate(program(line + "\n", "getCoursesStats"))
    assert 'a["timeSpent"]' in migrated and "globalTime" not in migrated
    assert "course_stats_by_course_and_user" in migrated and FLAT_SUMMARY not in message


def test_comprehension_clauses_binding_one_name_are_left_for_review() -> None:
    line = 'seen = [a["progress"] for a in r.json() for a in a["attempts"]]'
    result = migrate_source(
        program(line + "\n").encode(), display_path="report.py", options=TransformOptions()
    )
    assert [f.status for f in result.findings] == [Status.NEEDS_REVIEW]
    assert "two clauses" in result.findings[0].message


def test_loop_over_answers_stored_by_course_becomes_one_loop() -> None:
    """An N+1 loop keeps each course's answer in a dict; the one loop over each answer is flattened."""
    source = textwrap.dedent(
        """\
        import os

        import requests

        BASE = "https://app.360learning.com"
        AUTH = {"company": os.environ["COMPANY"], "apiKey": os.environ["KEY"]}


        def minutes(courses):
            answers = {}
            for key in courses:
                answers[key] = requests.get(f"{BASE}/api/v1/courses/{key}/stats", params=AUTH).json()
            totals = {}
            for key in answers:
                for stat in answers[key]:
                    for attempt in stat["attempts"]:
                        totals[key] = totals.get(key, 0) + attempt["globalTime"]
            return totals
        """
    )
    migrated, message = migrate(source)
    assert "answers[key] = learning360_v2.list_course_stats(BASE, course_id=key)\n" in migrated
    assert (
        "        for attempt in answers[key]:\n"
        '            totals[key] = totals.get(key, 0) + attempt["timeSpent"]\n'
    ) in migrated
    assert FLAT_SUMMARY in message
