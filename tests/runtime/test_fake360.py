"""The fake 360Learning answers as the official v2 OpenAPI subset says, and v1 and v2 agree on the data.

Every v2 answer is validated against ``tests/data/v2-openapi-subset.json``; v1 answers are checked for
their documented shapes; and for the same filters, all v2 pages together hold the same attempts, in the
same order, as the v1 answer.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import pytest
import requests
from fake360 import Fake360, Reply, dataset
from support.v2_schema import check, token_of

from codemods.mapping import ATTEMPT_FIELD_RENAMES, V1_ATTEMPT_FIELDS

ADA = dataset.user_id_of(dataset.POWER_USER_EMAIL)
BIG = dataset.BIG_COURSE_ID
V1_AUTH = {"company": dataset.COMPANY_ID, "apiKey": dataset.V1_API_KEY}


def v2_pages(fake: Fake360, path: str, params: Any = None, token: str | None = None) -> list[list[Any]]:
    """Every page of a v2 list, each validated, following the Link header."""
    headers = {"Authorization": f"Bearer {token or token_of(fake)}", "360-api-version": "v2.0"}
    url: str | None = fake.url + path
    pages = []
    while url:
        answer = requests.get(url, params=params, headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        check(answer.json(), path, "get", 200)
        pages.append(answer.json())
        link = answer.headers.get("Link")
        if link is None:
            break
        target, rel = link.split(";")
        assert rel.strip() == 'rel="next"'
        url = urljoin(url, target.strip().strip("<>"))
        params = None
    return pages


def v2_ids(fake: Fake360, params: Any = None) -> list[str]:
    return [record["_id"] for page in v2_pages(fake, "/api/v2/courses/stats", params) for record in page]


def v1_get(fake: Fake360, path: str, **params: str) -> Any:
    answer = requests.get(fake.url + path, params={**V1_AUTH, **params}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def attempt_ids(attempts: list[dict[str, Any]]) -> list[str]:
    return [attempt["_id"] for attempt in attempts]


# -- the dataset ----------------------------------------------------------------------------------------


def test_dataset_has_the_records_tests_rely_on() -> None:
    on_big = [a for a in dataset.ATTEMPTS if a.course_id == BIG]
    assert len(on_big) > 1000
    assert sum(a.user_id == ADA for a in on_big) > 500
    assert dataset.user_by_email(dataset.MIXED_CASE_USER_EMAIL.lower()) is not None
    deleted = dataset.user_by_email(dataset.DELETED_USER_EMAIL)
    assert deleted is not None and deleted.status == "deleted"
    assert 6 <= len(dataset.COURSES) <= 8 and 25 <= len(dataset.USERS) <= 35
    order = {course.id: index for index, course in enumerate(dataset.COURSES)}
    users = {user.id: index for index, user in enumerate(dataset.USERS)}
    keys = [(order[a.course_id], users[a.user_id]) for a in dataset.ATTEMPTS]
    assert keys == sorted(keys)


def test_v2_record_is_the_v1_attempt_renamed_plus_new_fields() -> None:
    for attempt in dataset.ATTEMPTS[:300]:
        renamed = {ATTEMPT_FIELD_RENAMES.get(k, k): v for k, v in attempt.v1().items()}
        new: dict[str, Any] = {"courseId": attempt.course_id, "userId": attempt.user_id}
        new |= {"versionNumber": attempt.version_number, "lang": attempt.lang}
        assert attempt.v2() == renamed | new


# -- v2: token ------------------------------------------------------------------------------------------


def test_token_answers_follow_the_schema(fake360: Fake360) -> None:
    url = fake360.url + "/api/v2/oauth2/token"
    token_of(fake360, company_id=dataset.COMPANY_ID)
    assert fake360.token_requests[-1].body["company_id"] == dataset.COMPANY_ID

    wrong = {"grant_type": "client_credentials", "client_id": dataset.CLIENT_ID, "client_secret": "nope"}
    answer = requests.post(url, json=wrong, timeout=10)
    assert answer.status_code == 401
    check(answer.json(), "/api/v2/oauth2/token", "post", 401)

    answer = requests.post(url, json={**wrong, "grant_type": "password"}, timeout=10)
    assert answer.status_code == 400
    check(answer.json(), "/api/v2/oauth2/token", "post", 400)


def test_token_lifetime_can_be_sent_as_a_string(fake360: Fake360) -> None:
    fake360.token_expires_in = 1200
    fake360.token_expires_as_string = True
    body = {"grant_type": "client_credentials", "client_id": dataset.CLIENT_ID}
    body["client_secret"] = dataset.CLIENT_SECRET
    answer = requests.post(fake360.url + "/api/v2/oauth2/token", json=body, timeout=10).json()
    assert answer["expires_in"] == "1200"


# -- v2: course stats -----------------------------------------------------------------------------------


def test_course_stats_pages_follow_the_schema_and_link_to_the_next(fake360: Fake360) -> None:
    pages = v2_pages(fake360, "/api/v2/courses/stats", {"courseId[eq]": BIG})
    assert [len(page) for page in pages][:-1] == [500] * (len(pages) - 1)
    assert sum(map(len, pages)) == sum(a.course_id == BIG for a in dataset.ATTEMPTS)
    assert len(pages) == 3
    first, *rest = fake360.requests_to("/api/v2/courses/stats")
    assert first.query == {"courseId[eq]": [BIG]}
    assert all(set(request.query) == {"next"} for request in rest)


def test_link_is_relative_by_default_and_absolute_on_request(fake360: Fake360) -> None:
    headers = {"Authorization": f"Bearer {token_of(fake360)}", "360-api-version": "v2.0"}
    url = fake360.url + "/api/v2/courses/stats"
    relative = requests.get(url, headers=headers, timeout=10).headers["Link"]
    assert relative.startswith("</api/v2/courses/stats?next=") and relative.endswith('>; rel="next"')
    fake360.absolute_links = True
    absolute = requests.get(url, headers=headers, timeout=10).headers["Link"]
    assert absolute.startswith(f"<{fake360.url}/api/v2/courses/stats?next=")


def test_last_page_has_no_link(fake360: Fake360) -> None:
    headers = {"Authorization": f"Bearer {token_of(fake360)}", "360-api-version": "v2.0"}
    answer = requests.get(
        fake360.url + "/api/v2/courses/stats",
        params={"courseId[eq]": "64b000000000000000000004"},
        headers=headers,
    )
    assert "Link" not in answer.headers and 0 < len(answer.json()) < 500


@pytest.mark.parametrize(
    ("v1_path", "v1_flatten", "v2_params"),
    [
        pytest.param(
            "/api/v1/courses/stats",
            lambda body: [a for c in body for s in c["stats"] for a in s["attempts"]],
            {},
            id="getCoursesStats",
        ),
        pytest.param(
            f"/api/v1/courses/{BIG}/stats",
            lambda body: [a for s in body for a in s["attempts"]],
            {"courseId[eq]": BIG},
            id="getCourseStats",
        ),
        pytest.param(
            f"/api/v1/courses/{BIG}/stats/{quote(dataset.POWER_USER_EMAIL)}",
            lambda body: body["attempts"],
            {"courseId[eq]": BIG, "userId[eq]": ADA},
            id="getUserCourseStats",
        ),
        pytest.param(
            f"/api/v1/users/{dataset.POWER_USER_EMAIL}/courses",
            lambda body: [a for c in body for a in c["attempts"]],
            {"userId[eq]": ADA},
            id="getUserCourses",
        ),
    ],
)
def test_v2_pages_hold_what_v1_answers_in_the_same_order(
    fake360: Fake360, v1_path: str, v1_flatten: Any, v2_params: dict[str, str]
) -> None:
    v1 = attempt_ids(v1_flatten(v1_get(fake360, v1_path)))
    assert v1 == v2_ids(fake360, v2_params)
    assert len(v1) > 500


def test_interleaved_order_serves_the_same_records_ungrouped(fake360: Fake360) -> None:
    canonical = v2_pages(fake360, "/api/v2/courses/stats", {"courseId[eq]": BIG})
    fake360.v2_order = "interleaved"
    interleaved = v2_pages(fake360, "/api/v2/courses/stats", {"courseId[eq]": BIG})
    flat = [record for page in canonical for record in page]
    mixed = [record for page in interleaved for record in page]
    assert len(interleaved) == len(canonical) >= 3
    assert sorted(mixed, key=lambda r: r["_id"]) == sorted(flat, key=lambda r: r["_id"])
    # Canonical: each learner's attempts in one run. Interleaved: the first page alone already holds a
    # first attempt of every learner, and consecutive records belong to different learners.
    runs = sum(1 for a, b in itertools.pairwise(flat) if a["userId"] != b["userId"]) + 1
    assert runs == len({r["userId"] for r in flat})
    learners = {r["userId"] for r in flat}
    assert {r["userId"] for r in interleaved[0]} == learners
    assert mixed[0]["userId"] != mixed[1]["userId"]


def test_unknown_order_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown v2 order"):
        Fake360(v2_order="random")


def test_power_user_on_big_course_needs_two_pages(fake360: Fake360) -> None:
    pages = v2_pages(fake360, "/api/v2/courses/stats", {"courseId[eq]": BIG, "userId[eq]": ADA})
    assert [len(page) for page in pages] == [500, dataset.POWER_USER_ATTEMPTS_ON_BIG_COURSE - 500]


def test_filters_with_operators(fake360: Fake360) -> None:
    others = [course.id for course in dataset.COURSES[1:3]]
    expected_in = [a.id for a in dataset.ATTEMPTS if a.course_id in others]
    assert v2_ids(fake360, [("courseId[in]", others[0]), ("courseId[in]", others[1])]) == expected_in
    assert v2_ids(fake360, {"courseId[in]": ",".join(others)}) == expected_in
    assert v2_ids(fake360, {"courseId[nin]": BIG, "userId[ne]": ADA}) == [
        a.id for a in dataset.ATTEMPTS if a.course_id != BIG and a.user_id != ADA
    ]
    gte, lt = "2023-06-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z"
    assert v2_ids(fake360, {"completedAt[gte]": gte, "completedAt[lt]": lt}) == [
        a.id for a in dataset.ATTEMPTS if a.completed_at and gte <= a.completed_at < lt
    ]


def test_percent_encoded_brackets_reach_the_filter(fake360: Fake360) -> None:
    headers = {"Authorization": f"Bearer {token_of(fake360)}", "360-api-version": "v2.0"}
    url = f"{fake360.url}/api/v2/courses/stats?courseId%5Beq%5D={BIG}&userId%5Beq%5D={ADA}"
    assert len(requests.get(url, headers=headers, timeout=10).json()) == 500


@pytest.mark.parametrize(
    "params",
    [
        {"courseId[lt]": BIG},
        {"courseId": BIG},
        {"userId[eq]": "ada"},
        {"completedAt[gte]": "yesterday"},
        {"completedAt[gte]": "2024-01-31"},
        {"completedAt[lt]": "2024-01-31T00:00:00Z"},
        {"completedAt[lt]": "2024-01-31T00:00:00.000+00:00"},
        {"completedAt[gte]": "2024-01-31T00:00:00.250Z"},
        {"completedAt[gte]": "2024-01-31 00:00:00.000Z"},
        {"completedAt[gte]": "2024-02-30T00:00:00.000Z"},
    ],
    ids=[
        "operator",
        "no-bracket",
        "not-an-id",
        "not-a-date",
        "date-only",
        "no-milliseconds",
        "offset",
        "milliseconds-not-0",
        "space",
        "no-such-day",
    ],
)
def test_bad_filters_are_refused(fake360: Fake360, params: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {token_of(fake360)}", "360-api-version": "v2.0"}
    answer = requests.get(fake360.url + "/api/v2/courses/stats", params=params, headers=headers, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("/api/v2/courses/stats", "/api/v2/courses/stats"),
        ("/api/v2/users", "/api/v2/users"),
        ("/api/v2/courses", "/api/v2/courses"),
        (f"/api/v2/courses/{BIG}", "/api/v2/courses/{courseId}"),
    ],
)
def test_v2_refuses_missing_or_foreign_credentials(fake360: Fake360, path: str, operation: str) -> None:
    url = fake360.url + path
    for headers in (
        {"360-api-version": "v2.0"},
        {"360-api-version": "v2.0", "Authorization": "Bearer made-up"},
        {"360-api-version": "v2.0", "Authorization": f"Bearer {dataset.V1_BEARER_TOKEN}"},
        {"360-api-version": "v2.0", "X-company-id": dataset.COMPANY_ID, "X-apiKey": dataset.V1_API_KEY},
    ):
        answer = requests.get(url, headers=headers, params=V1_AUTH, timeout=10)
        assert answer.status_code == 401
        check(answer.json(), operation, "get", 401)


@pytest.mark.parametrize("path", ["/api/v2/courses/stats", "/api/v2/courses", f"/api/v2/courses/{BIG}"])
def test_v2_requires_the_version_header(fake360: Fake360, path: str) -> None:
    token = token_of(fake360)
    url = fake360.url + path
    for headers in ({}, {"360-api-version": "v1.0"}):
        answer = requests.get(url, headers={"Authorization": f"Bearer {token}", **headers}, timeout=10)
        assert answer.status_code == 400


def test_revoked_and_worn_out_tokens_are_refused(fake360: Fake360) -> None:
    url = fake360.url + "/api/v2/users"
    token = token_of(fake360)
    headers = {"Authorization": f"Bearer {token}", "360-api-version": "v2.0"}
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    fake360.revoke_tokens()
    assert requests.get(url, headers=headers, timeout=10).status_code == 401
    fake360.token_max_uses = 2
    headers["Authorization"] = f"Bearer {token_of(fake360)}"
    assert [requests.get(url, headers=headers, timeout=10).status_code for _ in range(3)] == [200, 200, 401]


# -- v2: users ------------------------------------------------------------------------------------------


def test_users_pages_follow_the_schema(fake360: Fake360) -> None:
    fake360.page_size = 8
    pages = v2_pages(fake360, "/api/v2/users")
    assert [len(page) for page in pages] == [8, 8, 8, len(dataset.USERS) - 24]
    assert [user["_id"] for page in pages for user in page] == [user.id for user in dataset.USERS]


def test_users_filter_on_mail_ignores_case(fake360: Fake360) -> None:
    pages = v2_pages(fake360, "/api/v2/users", {"mail[eq]": dataset.MIXED_CASE_USER_EMAIL.upper()})
    assert [user["mail"] for page in pages for user in page] == [dataset.MIXED_CASE_USER_EMAIL]


# -- v2: the course catalogue ----------------------------------------------------------------------------


def test_courses_pages_follow_the_schema(fake360: Fake360) -> None:
    fake360.page_size = 3
    pages = v2_pages(fake360, "/api/v2/courses")
    assert [len(page) for page in pages] == [3, 3, len(dataset.COURSES) - 6]
    listed = [course for page in pages for course in page]
    assert [(c["_id"], c["name"]) for c in listed] == [(c.id, c.name) for c in dataset.COURSES]
    assert {c["status"] for c in listed} == {"published", "archived"}
    first, *rest = fake360.requests_to("/api/v2/courses")
    assert first.query == {} and all(set(request.query) == {"next"} for request in rest)


def test_courses_filter_on_status(fake360: Fake360) -> None:
    pages = v2_pages(fake360, "/api/v2/courses", {"status[eq]": "archived"})
    assert [c["_id"] for page in pages for c in page] == [dataset.ARCHIVED_COURSE_ID]


def test_a_course_is_retrieved_by_its_id(fake360: Fake360) -> None:
    headers = {"Authorization": f"Bearer {token_of(fake360)}", "360-api-version": "v2.0"}
    for course in dataset.COURSES:
        answer = requests.get(f"{fake360.url}/api/v2/courses/{course.id}", headers=headers, timeout=10)
        assert answer.status_code == 200
        check(answer.json(), "/api/v2/courses/{courseId}", "get", 200)
        assert (answer.json()["_id"], answer.json()["name"]) == (course.id, course.name)
    unknown = requests.get(f"{fake360.url}/api/v2/courses/{'f' * 24}", headers=headers, timeout=10)
    assert unknown.status_code == 404
    check(unknown.json(), "/api/v2/courses/{courseId}", "get", 404)
    assert unknown.json()["error"]["code"] == "courseNotFound"
    not_an_id = requests.get(f"{fake360.url}/api/v2/courses/security", headers=headers, timeout=10)
    assert not_an_id.status_code == 400


# -- v1 -------------------------------------------------------------------------------------------------


def test_v1_shapes_and_fields(fake360: Fake360) -> None:
    courses = v1_get(fake360, "/api/v1/courses/stats")
    assert [c["course"] for c in courses] == [{"_id": c.id, "name": c.name} for c in dataset.COURSES]
    attempts = [a for c in courses for s in c["stats"] for a in s["attempts"]]
    assert len(attempts) == len(dataset.ATTEMPTS)
    assert all(set(a) <= V1_ATTEMPT_FIELDS for a in attempts)
    assert {"score", "completedAt", "path", "pathSession"} <= {k for a in attempts for k in a}
    assert all(not ("completedAt" in a) ^ (a["progress"] == 100) for a in attempts)
    assert set(courses[0]["stats"][0]["user"]) == {"_id", "mail"}
    per_course = v1_get(fake360, f"/api/v1/courses/{BIG}/stats")
    assert per_course == courses[0]["stats"]
    mine = v1_get(fake360, f"/api/v1/users/{ADA}/courses")
    assert {c["course"]["_id"] for c in mine} <= {c.id for c in dataset.COURSES}
    assert all(set(c) == {"course", "attempts"} for c in mine)


#: The order of the keys in 360Learning's published v1 examples (the getCoursesStats and getCourseStats
#: migration guides): a user's statistics list ``attempts`` before ``user``, and an attempt's fields come
#: in this order, those it does not have left out.
V1_ATTEMPT_KEY_ORDER = (
    "_id",
    "progress",
    "score",
    "completedAt",
    "firstActivity",
    "lastActivity",
    "path",
    "pathSession",
    "globalTime",
)


def test_v1_keys_come_in_the_order_of_the_published_examples(fake360: Fake360) -> None:
    courses = v1_get(fake360, "/api/v1/courses/stats")
    assert all(list(c) == ["course", "stats"] and list(c["course"]) == ["_id", "name"] for c in courses)
    stats = [s for c in courses for s in c["stats"]]
    assert all(list(s) == ["attempts", "user"] and list(s["user"]) == ["_id", "mail"] for s in stats)
    attempts = [a for s in stats for a in s["attempts"]]
    assert all(list(a) == [k for k in V1_ATTEMPT_KEY_ORDER if k in a] for a in attempts)
    assert any(list(a) == list(V1_ATTEMPT_KEY_ORDER) for a in attempts)
    mine = v1_get(fake360, f"/api/v1/users/{ADA}/courses")
    assert all(list(c) == ["course", "attempts"] for c in mine)


def test_v1_accepts_its_three_kinds_of_credentials(fake360: Fake360) -> None:
    url = f"{fake360.url}/api/v1/courses/{BIG}/stats/{dataset.POWER_USER_EMAIL}"
    by_query = requests.get(url, params=V1_AUTH, timeout=10)
    by_headers = requests.get(
        url, headers={"X-company-id": dataset.COMPANY_ID, "X-apiKey": dataset.V1_API_KEY}, timeout=10
    )
    by_bearer = requests.get(url, headers={"Authorization": f"Bearer {dataset.V1_BEARER_TOKEN}"}, timeout=10)
    assert by_query.json() == by_headers.json() == by_bearer.json()
    assert len(by_query.json()["attempts"]) == dataset.POWER_USER_ATTEMPTS_ON_BIG_COURSE
    token = token_of(fake360)
    for refused in ({}, {"Authorization": f"Bearer {token}"}, {"X-company-id": dataset.COMPANY_ID}):
        answer = requests.get(url, headers=refused, timeout=10)
        assert answer.status_code == 401 and "error" in answer.json()


def test_v1_matches_emails_ignoring_case_and_encoding(fake360: Fake360) -> None:
    grace = dataset.user_id_of(dataset.MIXED_CASE_USER_EMAIL)
    expected = [a.id for a in dataset.ATTEMPTS if a.user_id == grace]
    for spelling in ("grace.hopper@example.com", quote(dataset.MIXED_CASE_USER_EMAIL, safe=""), grace):
        body = v1_get(fake360, f"/api/v1/users/{spelling}/courses")
        assert [a["_id"] for c in body for a in c["attempts"]] == expected


@pytest.mark.parametrize("who", ["nobody@example.com", dataset.DELETED_USER_EMAIL])
def test_v1_unknown_or_deleted_user_is_not_found(fake360: Fake360, who: str) -> None:
    answer = requests.get(f"{fake360.url}/api/v1/courses/{BIG}/stats/{who}", params=V1_AUTH, timeout=10)
    assert answer.status_code == 404 and "error" in answer.json()


def test_v1_date_filters(fake360: Fake360) -> None:
    after, before = "2023-09-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"
    body = v1_get(fake360, "/api/v1/courses/stats", createdAtAfter=after, createdAtBefore=before)
    ids = [a["_id"] for c in body for s in c["stats"] for a in s["attempts"]]
    assert ids == [a.id for a in dataset.ATTEMPTS if after <= a.created_at < before]
    body = v1_get(fake360, f"/api/v1/courses/{BIG}/stats", lastActivityAtBefore=before)
    ids = [a["_id"] for s in body for a in s["attempts"]]
    assert ids == [a.id for a in dataset.ATTEMPTS if a.course_id == BIG and a.last_activity < before]


def test_v1_cap_truncates_lists(fake360: Fake360) -> None:
    fake360.v1_cap = 100
    body = v1_get(fake360, "/api/v1/courses/stats")
    assert [a["_id"] for c in body for s in c["stats"] for a in s["attempts"]] == [
        a.id for a in dataset.ATTEMPTS[:100]
    ]


# -- the fake itself ------------------------------------------------------------------------------------


def test_requests_are_recorded_and_hooks_can_answer(fake360: Fake360) -> None:
    fake360.add_hook(lambda request: Reply(429, {"error": "tooManyRequests"}, {"Retry-After": "0"}))
    headers = {"Authorization": "Bearer x", "360-api-version": "v2.0"}
    answer = requests.get(fake360.url + "/api/v2/users?mail%5Beq%5D=a%40b.c", headers=headers, timeout=10)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "0"
    check(answer.json(), "/api/v2/users", "get", 429)
    (recorded,) = fake360.requests
    assert (recorded.method, recorded.path, recorded.query) == (
        "GET",
        "/api/v2/users",
        {"mail[eq]": ["a@b.c"]},
    )
    assert recorded.header("360-API-Version") == "v2.0"
    fake360.clear_log()
    assert fake360.requests == []


def test_environments_point_at_the_fake(fake360: Fake360, tmp_path: Path) -> None:
    assert fake360.v1_env()["LEARNING360_HOST"] == fake360.url
    env = fake360.v2_env(tmp_path / "users.sqlite3", company_id=dataset.COMPANY_ID)
    assert env["LEARNING360_USER_CACHE"] == str(tmp_path / "users.sqlite3")
    assert env["LEARNING360_COMPANY_ID"] == dataset.COMPANY_ID
    assert fake360.url.startswith("http://127.0.0.1:")
