"""The helper's ``v1_…`` functions answer exactly what v1 answered, built from v2 records.

For code whose data the tool cannot follow (printed or dumped whole, handed to pandas, returned to
unknown callers), the transport moves to v2 and the answer keeps v1's shape. The proof: for every
endpoint, over the whole dataset of the fake 360Learning, the helper's answer dumped by ``json.dumps``
is, byte for byte, the body v1 sends (the fake writes ``json.dumps`` of its answer).

How v1 orders its answers, and how the helper rebuilds that order:

- v1 lists attempts in one order, course by course (the catalogue's order), learner by learner within
  a course (the user directory's order), then the learner's attempts one after the other; its nesting
  takes courses and learners in the order of their first attempt in that list. Keys come in the order
  of 360Learning's published v1 examples (``course`` then ``stats``, ``attempts`` then ``user``, an
  attempt's ``globalTime`` last).
- v2 promises no grouping. The fake serves the same records either in v1's order (``canonical``) or
  round-robin over the (course, learner) pairs (``interleaved``: every pair's first attempt, then every
  pair's second…), which keeps each pair's attempts in their order and lists each course's and each
  learner's first attempt in v1's order.
- The helper groups the records by first appearance (a dict keeps insertion order) and keeps the
  records' own order inside a group, so both orders give v1's nesting, and it writes every object's keys
  in v1's order (``V1_ATTEMPT_FIELDS`` for an attempt).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import pytest
import requests
from fake360 import Fake360, dataset
from support.paths import ROOT

from codemods.runtime import learning360_v2 as helper

BIG = dataset.BIG_COURSE_ID
STATS = "/api/v2/courses/stats"
COURSES = "/api/v2/courses"
USERS = "/api/v2/users"
UNKNOWN_COURSE = "ffffffffffffffffffffff0d"
UNKNOWN_USER = "ffffffffffffffffffffff0e"
V1_AUTH = {"company": dataset.COMPANY_ID, "apiKey": dataset.V1_API_KEY}

#: The helper configured for the fake (see conftest.py).
pytestmark = pytest.mark.usefixtures("v2_environment")


@pytest.fixture(params=["canonical", "interleaved"])
def fake(fake360: Fake360, request: pytest.FixtureRequest) -> Fake360:
    """The fake 360Learning serving its v2 records in one of its two orders."""
    fake360.v2_order = request.param
    return fake360


def v1(fake: Fake360, path: str) -> requests.Response:
    return requests.get(fake.url + path, params=V1_AUTH, timeout=30)


def same_bytes(answer: Any, response: requests.Response) -> None:
    """The helper's answer is, dumped, what v1 sent: its body itself, and its decoded JSON dumped again."""
    assert response.status_code == 200, response.text
    dumped = json.dumps(answer)
    assert dumped == json.dumps(response.json())
    assert dumped.encode() == response.content


def test_the_fake_serves_the_two_orders(fake: Fake360) -> None:
    """The comparison below means something only if the two orders differ."""
    records = helper.list_course_stats(fake.url, course_id=BIG)
    pairs = [(record["courseId"], record["userId"]) for record in records]
    assert (pairs == sorted(pairs)) == (fake.v2_order == "canonical")


def test_getCoursesStats(fake: Fake360) -> None:
    fake.page_size = 500
    same_bytes(helper.v1_courses_stats(fake.url), v1(fake, "/api/v1/courses/stats"))
    assert len(fake.requests_to(STATS)) == -(-len(dataset.ATTEMPTS) // 500) >= 4


@pytest.mark.parametrize("course", dataset.COURSES, ids=lambda course: course.id[-2:])
def test_getCourseStats_of_every_course(fake: Fake360, course: dataset.Course) -> None:
    same_bytes(helper.v1_course_stats(fake.url, course.id), v1(fake, f"/api/v1/courses/{course.id}/stats"))
    if course.id == BIG:  # about 1,500 attempts: three v2 pages
        assert len(fake.requests_to(STATS)) == 3


def test_getUserCourses_of_every_user_by_email_and_by_id(fake: Fake360) -> None:
    for user in dataset.USERS:
        for given in (user.mail, user.id):
            response = v1(fake, f"/api/v1/users/{quote(given)}/courses")
            if user.status == "deleted":
                assert response.status_code == 404
                with pytest.raises(helper.DeletedUserError, match=given):
                    helper.v1_user_courses(fake.url, given)
                continue
            same_bytes(helper.v1_user_courses(fake.url, given), response)


def test_getUserCourseStats_of_every_course_and_user(fake: Fake360) -> None:
    compared = 0
    for course in dataset.COURSES:
        for user in dataset.USERS:
            response = v1(fake, f"/api/v1/courses/{course.id}/stats/{quote(user.mail)}")
            if user.status == "deleted":
                assert response.status_code == 404
                with pytest.raises(helper.DeletedUserError):
                    helper.v1_user_course_stats(fake.url, course.id, user.mail)
                continue
            same_bytes(helper.v1_user_course_stats(fake.url, course.id, user.mail), response)
            compared += 1
    assert compared == len(dataset.COURSES) * (len(dataset.USERS) - 1)
    # One read of the directory and of the catalogue served them all.
    assert sum("next" not in r.query for r in fake.requests_to(USERS)) == 1
    assert sum("next" not in r.query for r in fake.requests_to(COURSES)) == 1


def test_the_power_user_on_the_big_course_spans_two_pages(fake: Fake360) -> None:
    email = dataset.POWER_USER_EMAIL
    answer = helper.v1_user_course_stats(fake.url, BIG, email.upper())
    same_bytes(answer, v1(fake, f"/api/v1/courses/{BIG}/stats/{email}"))
    assert len(answer["attempts"]) == dataset.POWER_USER_ATTEMPTS_ON_BIG_COURSE
    assert len(fake.requests_to(STATS)) == 2


# -- what v1 answered 404 for --------------------------------------------------------------------------


def test_an_unknown_course_is_an_error_as_v1_answered_404(fake360: Fake360) -> None:
    for path, call in (
        (
            f"/api/v1/courses/{UNKNOWN_COURSE}/stats",
            lambda: helper.v1_course_stats(fake360.url, UNKNOWN_COURSE),
        ),
        (
            f"/api/v1/courses/{UNKNOWN_COURSE}/stats/{dataset.POWER_USER_EMAIL}",
            lambda: helper.v1_user_course_stats(fake360.url, UNKNOWN_COURSE, dataset.POWER_USER_EMAIL),
        ),
    ):
        assert v1(fake360, path).status_code == 404
        with pytest.raises(helper.CourseNotFoundError, match=UNKNOWN_COURSE):
            call()
    assert fake360.requests_to(STATS) == []


@pytest.mark.parametrize("who", [UNKNOWN_USER, "nobody@example.com"], ids=["id", "email"])
def test_an_unknown_user_is_an_error_as_v1_answered_404(fake360: Fake360, who: str) -> None:
    assert v1(fake360, f"/api/v1/users/{who}/courses").status_code == 404
    assert v1(fake360, f"/api/v1/courses/{BIG}/stats/{who}").status_code == 404
    with pytest.raises(helper.UserNotFoundError, match=who):
        helper.v1_user_courses(fake360.url, who)
    with pytest.raises(helper.UserNotFoundError, match=who):
        helper.v1_user_course_stats(fake360.url, BIG, who)
    assert fake360.requests_to(STATS) == []


def test_an_idle_user_has_no_courses_and_a_course_without_attempts_no_stats(fake360: Fake360) -> None:
    idle = dataset.IDLE_USER_EMAIL
    same_bytes(helper.v1_user_courses(fake360.url, idle), v1(fake360, f"/api/v1/users/{idle}/courses"))
    same_bytes(
        helper.v1_user_course_stats(fake360.url, BIG, idle),
        v1(fake360, f"/api/v1/courses/{BIG}/stats/{idle}"),
    )


# -- the shape itself --------------------------------------------------------------------------------------


def test_attempts_have_v1_names_and_nothing_of_v2(fake360: Fake360) -> None:
    answer = helper.v1_courses_stats(fake360.url)
    attempts = [a for group in answer for stats in group["stats"] for a in stats["attempts"]]
    v1_names = [v1_name for v1_name, _ in helper.V1_ATTEMPT_FIELDS]
    assert {key for attempt in attempts for key in attempt} == set(v1_names)
    assert all(list(attempt) == [k for k in v1_names if k in attempt] for attempt in attempts)


def test_a_field_v2_sends_as_null_is_left_out_as_v1_did() -> None:
    record = {"_id": "a1", "progress": 0, "score": None, "firstActivityAt": "x", "timeSpent": 3, "lang": "en"}
    assert helper._v1_attempt(record) == {"_id": "a1", "progress": 0, "firstActivity": "x", "globalTime": 3}


def test_completion_filters_keep_the_shape(fake360: Fake360) -> None:
    gte, lt = "2023-06-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z"
    everything = helper.v1_courses_stats(fake360.url)
    filtered = helper.v1_courses_stats(fake360.url, completed_at_gte=gte, completed_at_lt=lt)
    kept = [
        {"course": group["course"], "stats": stats}
        for group in everything
        if (
            stats := [
                {"attempts": attempts, "user": entry["user"]}
                for entry in group["stats"]
                if (attempts := [a for a in entry["attempts"] if gte <= a.get("completedAt", "") < lt])
            ]
        )
    ]
    assert filtered == kept and len(filtered) > 0


def test_the_fields_without_a_v2_source_are_named_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "V1_FIELDS_WITHOUT_V2_SOURCE" in readme
    assert all(f"`{name}`" in readme for name in helper.V1_FIELDS_WITHOUT_V2_SOURCE)
    assert all(f"`{name}`" in readme for name in helper.V1_FIELDS_FROM_OTHER_LISTS)


def test_async_variants_answer_like_the_sync_ones(fake360: Fake360) -> None:
    Records = list[dict[str, Any]]

    async def main() -> tuple[dict[str, Records], Records, Records, Records]:
        # Typed here: with Any among its arguments' types, mypy cannot choose among gather's overloads.
        found: tuple[dict[str, Records], Records, Records, Records] = await asyncio.gather(
            helper.av1_user_course_stats(fake360.url, BIG, dataset.MIXED_CASE_USER_EMAIL),
            helper.av1_course_stats(fake360.url, BIG),
            helper.av1_courses_stats(fake360.url),
            helper.av1_user_courses(fake360.url, dataset.POWER_USER_EMAIL),
        )
        return found

    one, per_course, every, per_user = asyncio.run(main())
    assert one == helper.v1_user_course_stats(fake360.url, BIG, dataset.MIXED_CASE_USER_EMAIL)
    assert per_course == helper.v1_course_stats(fake360.url, BIG)
    assert every == helper.v1_courses_stats(fake360.url)
    assert per_user == helper.v1_user_courses(fake360.url, dataset.POWER_USER_EMAIL)
    assert len(fake360.token_requests) == 1
