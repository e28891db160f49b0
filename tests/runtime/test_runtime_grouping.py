"""The helper's v1-shaped views, against the fake 360Learning: the nesting they rebuild from flat v2
records is v1's own, with the same groups, order, ids and emails, so that migrated code which groups or
keys by user or course sees only the attempts' field names change.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from fake360 import Fake360, RecordedRequest, Reply, dataset

from codemods import mapping
from codemods.runtime import learning360_v2 as helper

ADA = dataset.user_id_of(dataset.POWER_USER_EMAIL)
GRACE = dataset.user_id_of(dataset.MIXED_CASE_USER_EMAIL)
DELETED = dataset.user_id_of(dataset.DELETED_USER_EMAIL)
BIG = dataset.BIG_COURSE_ID
SMALL = "64b000000000000000000004"
STATS = "/api/v2/courses/stats"
USERS = "/api/v2/users"
COURSES = "/api/v2/courses"
#: Fields a v2 record has and a v1 attempt had not.
V2_ONLY_FIELDS = frozenset({"versionNumber", "lang", "courseId", "userId"})
COURSE_STATS = mapping.ENDPOINTS["getCourseStats"]
COURSES_STATS = mapping.ENDPOINTS["getCoursesStats"]
USER_COURSES = mapping.ENDPOINTS["getUserCourses"]
GTE = "2023-06-01T00:00:00.000Z"
LT = "2024-06-01T00:00:00.000Z"

Answer = list[dict[str, Any]]
View = Callable[..., Answer]


#: The helper configured for the fake (see conftest.py).
pytestmark = pytest.mark.usefixtures("v2_environment")


def view(name: str) -> View:
    """The helper function the mapping names for this v1 endpoint."""
    function: View = getattr(helper, mapping.ENDPOINTS[name].helper)
    return function


def v1_get(fake: Fake360, path: str, **query: str) -> requests.Response:
    params = {"company": dataset.COMPANY_ID, "apiKey": dataset.V1_API_KEY, **query}
    return requests.get(fake.url + path, params=params, timeout=10)


def v1_answer(fake: Fake360, path: str, **query: str) -> Any:
    response = v1_get(fake, path, **query)
    assert response.status_code == 200, response.text
    return response.json()


def comparable(value: Any) -> Any:
    """A v1 or a helper answer with what only one of them can have taken out: v1 attempt fields renamed
    to v2's, and the fields v2 adds to each record dropped."""
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "progress" in value:  # an attempt
        return {
            mapping.ATTEMPT_FIELD_RENAMES.get(key, key): item
            for key, item in value.items()
            if key not in V2_ONLY_FIELDS
        }
    return {key: comparable(item) for key, item in value.items()}


def users_fetches(fake: Fake360) -> int:
    """How many times the user directory was read (its first page starts each read)."""
    return sum("next" not in request.query for request in fake.requests_to(USERS))


def attempts_of(answer: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every attempt of a nested answer, in order."""
    found: list[dict[str, Any]] = []
    for group in answer:
        if "stats" in group:
            found.extend(attempts_of(group["stats"]))
        else:
            found.extend(group["attempts"])
    return found


def completed_between(answer: list[dict[str, Any]], gte: str, lt: str) -> list[dict[str, Any]]:
    """The answer with only the attempts completed in [gte, lt), and the groups left empty dropped."""
    kept: list[dict[str, Any]] = []
    for group in answer:
        if "stats" in group:
            stats = completed_between(group["stats"], gte, lt)
            if stats:
                kept.append({**group, "stats": stats})
            continue
        attempts = [a for a in group["attempts"] if "completedAt" in a and gte <= a["completedAt"] < lt]
        if attempts:
            kept.append({**group, "attempts": attempts})
    return kept


# -- the helper answers what v1 answered ----------------------------------------------------------------


@pytest.mark.parametrize("course_id", [BIG, SMALL], ids=["big-course", "small-course"])
def test_course_stats_by_user_is_getCourseStats(fake360: Fake360, course_id: str) -> None:
    v1 = v1_answer(fake360, COURSE_STATS.v1_path.format(courseId=course_id))
    answer = view("getCourseStats")(fake360.url, course_id=course_id)
    assert comparable(answer) == comparable(v1)
    assert [stats["user"] for stats in answer] == [stats["user"] for stats in v1]
    assert len(attempts_of(answer)) == sum(a.course_id == course_id for a in dataset.ATTEMPTS)


def test_course_stats_by_course_and_user_is_getCoursesStats(fake360: Fake360) -> None:
    v1 = v1_answer(fake360, COURSES_STATS.v1_path)
    answer = view("getCoursesStats")(fake360.url)
    assert comparable(answer) == comparable(v1)
    courses = [{"_id": course.id, "name": course.name} for course in dataset.COURSES]
    assert [group["course"] for group in answer] == [group["course"] for group in v1] == courses
    assert [list(group["course"]) for group in answer] == [["_id", "name"]] * len(courses)
    assert len(attempts_of(answer)) == len(dataset.ATTEMPTS)


@pytest.mark.parametrize(
    "email", [dataset.POWER_USER_EMAIL, dataset.MIXED_CASE_USER_EMAIL.lower()], ids=["ada", "grace-lower"]
)
def test_course_stats_by_course_is_getUserCourses(fake360: Fake360, email: str) -> None:
    v1 = v1_answer(fake360, USER_COURSES.v1_path.format(userEmailOrId=email))
    answer = view("getUserCourses")(fake360.url, user_id=email)
    assert comparable(answer) == comparable(v1)
    assert {a["userId"] for a in attempts_of(answer)} == {dataset.user_id_of(email)}
    assert [group["course"] for group in answer] == [group["course"] for group in v1]
    assert all(group["course"]["name"] for group in answer)


def test_the_attempts_are_the_v2_records_themselves(fake360: Fake360) -> None:
    answer = helper.course_stats_by_user(fake360.url, course_id=BIG)
    assert attempts_of(answer) == helper.list_course_stats(fake360.url, course_id=BIG)
    assert {"timeSpent", "firstActivityAt", "courseId", "userId"} <= set(answer[0]["attempts"][0])


def test_a_deleted_user_keeps_its_attempts_and_its_email(fake360: Fake360) -> None:
    v1 = v1_answer(fake360, COURSE_STATS.v1_path.format(courseId=BIG))
    answer = helper.course_stats_by_user(fake360.url, course_id=BIG)
    expected = {"_id": DELETED, "mail": dataset.DELETED_USER_EMAIL}
    assert expected in [stats["user"] for stats in v1]
    assert expected in [stats["user"] for stats in answer]


def test_groups_spanning_pages_stay_whole(fake360: Fake360) -> None:
    fake360.page_size = 37
    answer = helper.course_stats_by_course_and_user(fake360.url)
    assert len(fake360.requests_to(STATS)) == -(-len(dataset.ATTEMPTS) // 37)
    assert comparable(answer) == comparable(v1_answer(fake360, COURSES_STATS.v1_path))


def test_groups_follow_the_first_appearance_of_each_key(fake360: Fake360) -> None:
    """Records of one user that are not next to each other still land in one group, placed where the
    user's first record was."""
    records = [
        {"_id": "a1", "progress": 100, "courseId": BIG, "userId": GRACE},
        {"_id": "a2", "progress": 40, "courseId": SMALL, "userId": ADA},
        {"_id": "a3", "progress": 0, "courseId": BIG, "userId": ADA},
        {"_id": "a4", "progress": 15, "courseId": SMALL, "userId": GRACE},
    ]

    def interleaved(request: RecordedRequest) -> Reply | None:
        return Reply(200, records) if request.path == STATS else None

    fake360.add_hook(interleaved)
    by_user = helper.course_stats_by_user(fake360.url, course_id=BIG)
    assert [(s["user"]["_id"], [a["_id"] for a in s["attempts"]]) for s in by_user] == [
        (GRACE, ["a1", "a4"]),
        (ADA, ["a2", "a3"]),
    ]
    nested = helper.course_stats_by_course_and_user(fake360.url)
    assert [
        (
            group["course"]["_id"],
            [(s["user"]["_id"], [a["_id"] for a in s["attempts"]]) for s in group["stats"]],
        )
        for group in nested
    ] == [(BIG, [(GRACE, ["a1"]), (ADA, ["a3"])]), (SMALL, [(ADA, ["a2"]), (GRACE, ["a4"])])]
    by_course = helper.course_stats_by_course(fake360.url, user_id=ADA)
    assert [(g["course"]["_id"], [a["_id"] for a in g["attempts"]]) for g in by_course] == [
        (BIG, ["a1", "a3"]),
        (SMALL, ["a2", "a4"]),
    ]


def test_a_record_without_its_key_is_an_error(fake360: Fake360) -> None:
    def keyless(request: RecordedRequest) -> Reply | None:
        return Reply(200, [{"_id": "a1", "progress": 0, "userId": ADA}]) if request.path == STATS else None

    fake360.add_hook(keyless)
    with pytest.raises(helper.Learning360Error, match="no courseId: 'a1'"):
        helper.course_stats_by_course(fake360.url, user_id=ADA)


def test_a_course_without_attempts_gives_an_empty_list_and_reads_no_directory(fake360: Fake360) -> None:
    assert helper.course_stats_by_user(fake360.url, course_id="ffffffffffffffffffffffff") == []
    assert users_fetches(fake360) == 0


# -- filters ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "v1_path", "arguments"),
    [
        ("getCourseStats", COURSE_STATS.v1_path.format(courseId=BIG), {"course_id": BIG}),
        ("getCoursesStats", COURSES_STATS.v1_path, {}),
        (
            "getUserCourses",
            USER_COURSES.v1_path.format(userEmailOrId=dataset.POWER_USER_EMAIL),
            {"user_id": dataset.POWER_USER_EMAIL},
        ),
    ],
)
def test_completion_filters_keep_the_nesting(
    fake360: Fake360, name: str, v1_path: str, arguments: dict[str, str]
) -> None:
    """v1's creation-date filters became completion-date filters: the answers can't be equal, but the
    filtered view must be the unfiltered one with only the attempts completed in the range."""
    after, before = mapping.V1_QUERY_FILTERS["createdAtAfter"], mapping.V1_QUERY_FILTERS["createdAtBefore"]
    assert after is not None and before is not None
    keywords = {after: GTE, before: LT}
    filtered = view(name)(fake360.url, **arguments, **keywords)
    everything = view(name)(fake360.url, **arguments)
    assert filtered == completed_between(everything, GTE, LT)
    assert 0 < len(attempts_of(filtered)) < len(attempts_of(everything))
    v1_filtered = v1_answer(fake360, v1_path, createdAtAfter=GTE, createdAtBefore=LT)
    v1_everything = v1_answer(fake360, v1_path)
    assert 0 < len(attempts_of(v1_filtered)) < len(attempts_of(v1_everything))
    helper_ids = {a["_id"] for a in attempts_of(filtered)}
    assert helper_ids <= {a["_id"] for a in attempts_of(v1_everything)}
    assert helper_ids != {a["_id"] for a in attempts_of(v1_filtered)}  # creation is not completion
    (request, *_) = [r for r in fake360.requests_to(STATS) if "completedAt[gte]" in r.query]
    assert (request.query["completedAt[gte]"], request.query["completedAt[lt]"]) == ([GTE], [LT])


# -- the user directory -----------------------------------------------------------------------------------


def test_one_directory_read_serves_the_whole_grouping(fake360: Fake360) -> None:
    fake360.page_size = 7
    answer = helper.course_stats_by_user(fake360.url, course_id=SMALL)
    assert len(answer) > 7 and len(fake360.requests_to(STATS)) > 1
    assert users_fetches(fake360) == 1
    assert len(fake360.requests_to(USERS)) == -(-len(dataset.USERS) // 7)
    fake360.page_size = 500
    fake360.clear_log()
    helper.course_stats_by_user(fake360.url, course_id=BIG)
    helper.course_stats_by_course_and_user(fake360.url)
    assert users_fetches(fake360) == 0


def test_user_mails_reads_many_ids_at_once(fake360: Fake360) -> None:
    ids = [user.id for user in dataset.USERS] * 2
    mails = helper.user_mails(fake360.url, ids)
    assert mails == {user.id: user.mail for user in dataset.USERS}
    assert mails[DELETED] == dataset.DELETED_USER_EMAIL
    assert mails[GRACE] == dataset.MIXED_CASE_USER_EMAIL
    assert users_fetches(fake360) == 1


def test_user_mails_of_no_id_sends_nothing(fake360: Fake360) -> None:
    assert helper.user_mails(fake360.url, []) == {}
    assert fake360.requests == []


def test_unknown_ids_are_named_after_at_most_one_refresh(fake360: Fake360, cache: Path) -> None:
    unknown = ["ffffffffffffffffffffff01", "ffffffffffffffffffffff02"]
    helper.user_mails(fake360.url, [ADA])
    with sqlite3.connect(cache) as connection:
        connection.execute(
            "UPDATE learning360_directories SET refreshed_at = refreshed_at - ?",
            (2 * helper.MISS_REFRESH_AFTER,),
        )
    connection.close()
    with pytest.raises(helper.UserNotFoundError) as raised:
        helper.user_mails(fake360.url, [ADA, *unknown])
    assert all(re.search(user_id, str(raised.value)) for user_id in unknown)
    assert ADA not in str(raised.value)
    assert users_fetches(fake360) == 2


def test_many_ids_are_read_in_chunks_and_the_unknown_ones_counted(fake360: Fake360) -> None:
    unknown = [f"{number:024x}" for number in range(600)]  # sorted before every real id: one chunk and more
    with pytest.raises(helper.UserNotFoundError) as raised:
        helper.user_mails(fake360.url, [*unknown, *(user.id for user in dataset.USERS)])
    message = str(raised.value)
    assert all(user_id in message for user_id in unknown[:10]) and unknown[10] not in message
    assert "and 590 more" in message
    assert not [user.id for user in dataset.USERS if user.id in message]
    assert users_fetches(fake360) == 1


def test_a_user_missing_from_an_old_copy_is_found_by_one_refresh(fake360: Fake360, cache: Path) -> None:
    helper.user_mails(fake360.url, [ADA])
    with sqlite3.connect(cache) as connection:
        connection.execute("DELETE FROM learning360_users WHERE user_id IN (?, ?)", (GRACE, DELETED))
        connection.execute(
            "UPDATE learning360_directories SET refreshed_at = refreshed_at - ?",
            (2 * helper.MISS_REFRESH_AFTER,),
        )
    connection.close()
    answer = helper.course_stats_by_user(fake360.url, course_id=BIG)
    assert {"_id": GRACE, "mail": dataset.MIXED_CASE_USER_EMAIL} in [stats["user"] for stats in answer]
    assert users_fetches(fake360) == 2


def test_an_attempt_of_a_user_the_directory_does_not_list_is_an_error(fake360: Fake360) -> None:
    stranger = "ffffffffffffffffffffff03"

    def orphan(request: RecordedRequest) -> Reply | None:
        if request.path != STATS:
            return None
        return Reply(200, [{"_id": "a1", "progress": 0, "courseId": BIG, "userId": stranger}])

    fake360.add_hook(orphan)
    with pytest.raises(helper.UserNotFoundError, match=stranger):
        helper.course_stats_by_user(fake360.url, course_id=BIG)


# -- the course catalogue ---------------------------------------------------------------------------------


def catalogue_reads(fake: Fake360) -> int:
    """How many times the course catalogue was listed (its first page starts each listing)."""
    return sum("next" not in request.query for request in fake.requests_to(COURSES))


def test_one_catalogue_read_names_every_course(fake360: Fake360) -> None:
    nested = helper.course_stats_by_course_and_user(fake360.url)
    by_course = helper.course_stats_by_course(fake360.url, user_id=ADA)
    assert [group["course"]["name"] for group in nested] == [course.name for course in dataset.COURSES]
    assert {group["course"]["name"] for group in by_course} <= {course.name for course in dataset.COURSES}
    assert catalogue_reads(fake360) == 1
    assert not [r for r in fake360.requests if r.path.startswith(COURSES + "/") and r.path != STATS]


def test_getCourseStats_has_no_course_and_reads_no_catalogue(fake360: Fake360) -> None:
    helper.course_stats_by_user(fake360.url, course_id=BIG)
    assert fake360.requests_to(COURSES) == []


def test_a_course_the_catalogue_does_not_list_is_an_error(fake360: Fake360) -> None:
    unlisted = "ffffffffffffffffffffff04"

    def orphan(request: RecordedRequest) -> Reply | None:
        if request.path != STATS:
            return None
        return Reply(200, [{"_id": "a1", "progress": 0, "courseId": unlisted, "userId": ADA}])

    fake360.add_hook(orphan)
    calls: tuple[Callable[[], object], ...] = (
        lambda: helper.course_stats_by_course_and_user(fake360.url),
        lambda: helper.course_stats_by_course(fake360.url, user_id=ADA),
    )
    for call in calls:
        with pytest.raises(helper.CourseNotFoundError, match=unlisted):
            call()


# -- getUserCourses takes an email or an id ---------------------------------------------------------------


def test_the_user_is_given_as_an_email_or_an_id(fake360: Fake360) -> None:
    by_email = helper.course_stats_by_course(
        fake360.url, user_id=f" {dataset.MIXED_CASE_USER_EMAIL.upper()} "
    )
    assert users_fetches(fake360) == 1
    fake360.clear_log()
    by_id = helper.course_stats_by_course(fake360.url, user_id=GRACE)
    assert fake360.requests_to(USERS) == []
    assert by_email == by_id
    v1_by_id = v1_answer(fake360, USER_COURSES.v1_path.format(userEmailOrId=GRACE))
    assert comparable(by_id) == comparable(v1_by_id)
    (request,) = [r for r in fake360.requests_to(STATS) if "userId[eq]" in r.query]
    assert request.query == {"userId[eq]": [GRACE]}


def test_an_idle_user_has_no_courses(fake360: Fake360) -> None:
    v1 = v1_answer(fake360, USER_COURSES.v1_path.format(userEmailOrId=dataset.IDLE_USER_EMAIL))
    assert helper.course_stats_by_course(fake360.url, user_id=dataset.IDLE_USER_EMAIL) == v1 == []


@pytest.mark.parametrize(
    "email", [dataset.DELETED_USER_EMAIL, "nobody@example.com"], ids=["deleted", "unknown"]
)
def test_a_user_v1_did_not_know_by_email_is_an_error(fake360: Fake360, email: str) -> None:
    assert v1_get(fake360, USER_COURSES.v1_path.format(userEmailOrId=email)).status_code == 404
    with pytest.raises(helper.UserNotFoundError, match=re.escape(email)):
        helper.course_stats_by_course(fake360.url, user_id=email)
    assert fake360.requests_to(STATS) == []


# -- async ------------------------------------------------------------------------------------------------


def test_async_variants_answer_like_the_sync_ones(fake360: Fake360) -> None:
    async def main() -> tuple[Answer, Answer, Answer, Answer]:
        return await asyncio.gather(
            helper.acourse_stats_by_user(fake360.url, course_id=BIG),
            helper.acourse_stats_by_course_and_user(fake360.url, completed_at_gte=GTE, completed_at_lt=LT),
            helper.acourse_stats_by_course(fake360.url, user_id=dataset.POWER_USER_EMAIL),
            helper.acourse_stats_by_course(fake360.url, user_id=GRACE, completed_at_lt=LT),
        )

    by_user, nested, by_email, by_id = asyncio.run(main())
    assert users_fetches(fake360) == 1 and len(fake360.token_requests) == 1
    assert by_user == helper.course_stats_by_user(fake360.url, course_id=BIG)
    assert nested == helper.course_stats_by_course_and_user(
        fake360.url, completed_at_gte=GTE, completed_at_lt=LT
    )
    assert by_email == helper.course_stats_by_course(fake360.url, user_id=ADA)
    assert by_id == helper.course_stats_by_course(fake360.url, user_id=GRACE, completed_at_lt=LT)
    assert by_user and nested and by_email and by_id


def test_async_user_mails(fake360: Fake360) -> None:
    mails = asyncio.run(helper.auser_mails(fake360.url, iter([ADA, DELETED])))
    assert mails == {ADA: dataset.POWER_USER_EMAIL, DELETED: dataset.DELETED_USER_EMAIL}
