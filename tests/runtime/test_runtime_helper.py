"""The helper module copied into migrated repositories, run against the fake 360Learning.

It must read every page, send v2's headers, reuse its token and recover from a 401, and resolve emails
through its SQLite user directory with as few requests as the rules allow.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from fake360 import Fake360, RecordedRequest, Reply, dataset

from codemods.runtime import learning360_v2 as helper

ADA = dataset.user_id_of(dataset.POWER_USER_EMAIL)
GRACE = dataset.user_id_of(dataset.MIXED_CASE_USER_EMAIL)
BIG = dataset.BIG_COURSE_ID
STATS = "/api/v2/courses/stats"
USERS = "/api/v2/users"


#: The helper configured for the fake (see conftest.py).
pytestmark = pytest.mark.usefixtures("v2_environment")


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry waits of a few hundredths of a second (a 5xx is tried again before it is reported)."""
    monkeypatch.setattr(helper, "BACKOFF_FIRST", 0.01)
    monkeypatch.setattr(helper, "BACKOFF_MAX", 0.04)


def v1_attempt_ids(fake: Fake360, path: str) -> list[str]:
    params = {"company": dataset.COMPANY_ID, "apiKey": dataset.V1_API_KEY}
    body: Any = requests.get(fake.url + path, params=params, timeout=10).json()
    if isinstance(body, dict):
        return [a["_id"] for a in body["attempts"]]
    return [a["_id"] for course in body for stats in course["stats"] for a in stats["attempts"]]


def users_fetches(fake: Fake360) -> int:
    """How many times the user directory was read (its first page starts each read)."""
    return sum("next" not in request.query for request in fake.requests_to(USERS))


def age_directory(cache: Path, seconds: float) -> None:
    """As if the copy of the directory, and the last refresh an unknown email asked for, were older."""
    with sqlite3.connect(cache) as connection:
        connection.execute(
            "UPDATE learning360_directories"
            " SET refreshed_at = refreshed_at - ?, email_miss_at = email_miss_at - ?",
            (seconds, seconds),
        )
    connection.close()


# -- course statistics ----------------------------------------------------------------------------------


def test_every_page_is_read_in_v1_order(fake360: Fake360) -> None:
    records = helper.list_course_stats(fake360.url, course_id=BIG, user_id=ADA)
    v1 = v1_attempt_ids(fake360, f"/api/v1/courses/{BIG}/stats/{dataset.POWER_USER_EMAIL}")
    assert len(records) == dataset.POWER_USER_ATTEMPTS_ON_BIG_COURSE > 500
    assert [record["_id"] for record in records] == v1
    assert len(fake360.requests_to(STATS)) == 2


@pytest.mark.parametrize("absolute", [False, True], ids=["relative-link", "absolute-link"])
def test_relative_and_absolute_links_are_followed(fake360: Fake360, absolute: bool) -> None:
    fake360.absolute_links = absolute
    fake360.page_size = 300
    records = helper.list_course_stats(fake360.url)
    assert [record["_id"] for record in records] == v1_attempt_ids(fake360, "/api/v1/courses/stats")
    assert len(fake360.requests_to(STATS)) == -(-len(dataset.ATTEMPTS) // 300)


def test_filters_are_sent_in_bracket_notation(fake360: Fake360) -> None:
    gte, lt = "2023-06-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z"
    records = helper.list_course_stats(
        f"  {fake360.url}/ ", course_id=BIG, user_id=GRACE, completed_at_gte=gte, completed_at_lt=lt
    )
    expected = [
        a.id
        for a in dataset.ATTEMPTS
        if a.course_id == BIG and a.user_id == GRACE and a.completed_at and gte <= a.completed_at < lt
    ]
    assert [record["_id"] for record in records] == expected and expected
    (request,) = fake360.requests_to(STATS)
    assert request.query == {
        "courseId[eq]": [BIG],
        "userId[eq]": [GRACE],
        "completedAt[gte]": [gte],
        "completedAt[lt]": [lt],
    }


def test_every_call_sends_the_v2_headers_and_one_token_serves_them_all(fake360: Fake360) -> None:
    fake360.page_size = 400
    helper.list_course_stats(fake360.url, course_id=BIG)
    helper.list_course_stats(fake360.url, user_id=ADA)
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    (token_request,) = fake360.token_requests
    assert token_request.body == {
        "grant_type": "client_credentials",
        "client_id": dataset.CLIENT_ID,
        "client_secret": dataset.CLIENT_SECRET,
    }
    gets = [request for request in fake360.requests if request.method == "GET"]
    assert len(gets) == 4 + 2 + 1
    for request in gets:
        assert request.header("authorization") == "Bearer fake-v2-token-0001"
        assert request.header("360-api-version") == "v2.0"
        assert request.header("accept") == "application/json"


def test_company_id_is_sent_when_set(fake360: Fake360, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(helper.ENV_COMPANY_ID, dataset.COMPANY_ID)
    helper.list_course_stats(fake360.url, course_id="64b000000000000000000004")
    assert fake360.token_requests[0].body["company_id"] == dataset.COMPANY_ID


def test_a_lifetime_sent_as_a_string_is_understood(fake360: Fake360) -> None:
    fake360.token_expires_as_string = True
    for _ in range(3):
        helper.list_course_stats(fake360.url, course_id="64b000000000000000000004")
    assert len(fake360.token_requests) == 1


def test_a_401_mid_pagination_gets_a_new_token_and_the_page_again(fake360: Fake360) -> None:
    fake360.page_size = 100
    fake360.token_max_uses = 2
    records = helper.list_course_stats(fake360.url, course_id=BIG, user_id=ADA)
    assert len(records) == dataset.POWER_USER_ATTEMPTS_ON_BIG_COURSE
    assert len({record["_id"] for record in records}) == len(records)
    assert len(fake360.token_requests) == 4  # seven pages, two per token
    assert len(fake360.requests_to(STATS)) == 7 + 3  # three pages asked twice: refused, then answered


def test_a_401_with_a_fresh_token_is_an_error(fake360: Fake360) -> None:
    def refuse(request: RecordedRequest) -> Reply | None:
        return Reply(401, {"error": "invalid_token"}) if request.path == STATS else None

    fake360.add_hook(refuse)
    with pytest.raises(helper.Learning360Error, match="401") as raised:
        helper.list_course_stats(fake360.url, course_id=BIG)
    assert "fake-v2-token" not in str(raised.value)
    assert len(fake360.token_requests) == 2


def test_an_error_names_status_url_and_the_api_text_but_no_secret(fake360: Fake360) -> None:
    def fail(request: RecordedRequest) -> Reply | None:
        if request.path != STATS:
            return None
        return Reply(500, {"error": {"code": "internalError", "message": "database unavailable"}})

    fake360.add_hook(fail)
    with pytest.raises(helper.Learning360Error) as raised:
        helper.list_course_stats(fake360.url, course_id=BIG)
    message = str(raised.value)
    assert "500" in message and f"{fake360.url}{STATS}" in message and "database unavailable" in message
    assert "fake-v2-token" not in message and dataset.CLIENT_SECRET not in message


def test_too_many_requests_is_waited_out(fake360: Fake360) -> None:
    refused: list[RecordedRequest] = []

    def once(request: RecordedRequest) -> Reply | None:
        if request.path != STATS or refused:
            return None
        refused.append(request)
        return Reply(429, {"error": "tooManyRequests"}, {"Retry-After": "0"})

    fake360.add_hook(once)
    assert len(helper.list_course_stats(fake360.url, course_id=BIG, user_id=ADA)) == 612
    assert len(fake360.requests_to(STATS)) == 3


def test_a_next_page_on_another_host_is_not_followed(fake360: Fake360) -> None:
    def elsewhere(request: RecordedRequest) -> Reply | None:
        if request.path != STATS:
            return None
        return Reply(200, [], {"Link": '<http://127.0.0.1:9/api/v2/courses/stats?next=x>; rel="next"'})

    fake360.add_hook(elsewhere)
    with pytest.raises(helper.Learning360Error, match="another host"):
        helper.list_course_stats(fake360.url)


def test_missing_credentials_are_named(fake360: Fake360, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(helper.ENV_CLIENT_SECRET)
    with pytest.raises(helper.Learning360Error, match=helper.ENV_CLIENT_SECRET):
        helper.list_course_stats(fake360.url)
    assert fake360.requests == []


def test_refused_credentials_are_reported_without_the_secret(
    fake360: Fake360, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(helper.ENV_CLIENT_SECRET, "not-the-secret")
    with pytest.raises(helper.Learning360Error) as raised:
        helper.list_course_stats(fake360.url)
    message = str(raised.value)
    assert "401" in message and "invalid_client" in message and helper.ENV_CLIENT_ID in message
    assert "not-the-secret" not in message


# -- user directory -------------------------------------------------------------------------------------


def test_emails_are_resolved_ignoring_case(fake360: Fake360) -> None:
    assert helper.resolve_user_id(fake360.url, "grace.hopper@EXAMPLE.com") == GRACE
    assert helper.resolve_user_id(fake360.url, f" {dataset.POWER_USER_EMAIL.upper()} ") == ADA
    assert users_fetches(fake360) == 1


def test_an_id_passes_through_without_any_request(fake360: Fake360) -> None:
    assert helper.resolve_user_id(fake360.url, ADA) == ADA
    assert fake360.requests == []


def test_the_directory_is_read_on_every_page(fake360: Fake360) -> None:
    fake360.page_size = 7
    assert helper.resolve_user_id(fake360.url, "idle.user@example.com") == dataset.USERS[-1].id
    assert len(fake360.requests_to(USERS)) == -(-len(dataset.USERS) // 7)


def test_an_unknown_email_is_an_error_after_at_most_one_refresh(fake360: Fake360, cache: Path) -> None:
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    age_directory(cache, 2 * helper.MISS_REFRESH_AFTER)
    for _ in range(2):
        with pytest.raises(helper.UserNotFoundError, match=re.escape("nobody@example.com")):
            helper.resolve_user_id(fake360.url, "nobody@example.com")
    assert users_fetches(fake360) == 2


def test_unknown_emails_refresh_the_directory_once_per_time_to_live(
    fake360: Fake360, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(helper.ENV_USER_CACHE_TTL, "3600")
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    age_directory(cache, 2 * helper.MISS_REFRESH_AFTER)
    with pytest.raises(helper.UserNotFoundError):
        helper.resolve_user_id(fake360.url, "nobody@example.com")
    assert users_fetches(fake360) == 2
    age_directory(cache, 2 * helper.MISS_REFRESH_AFTER)  # older than a minute, within the hour
    for email in ("nobody@example.com", "somebody.else@example.com"):
        with pytest.raises(helper.UserNotFoundError):
            helper.resolve_user_id(fake360.url, email)
    assert users_fetches(fake360) == 2
    # Ids are not held back by emails: an id comes from the API's own records.
    with pytest.raises(helper.UserNotFoundError):
        helper.user_mail(fake360.url, "ffffffffffffffffffffffff")
    assert users_fetches(fake360) == 3
    age_directory(cache, 3700)  # the hour is over: the copy is refreshed for its age, and not once more
    with pytest.raises(helper.UserNotFoundError):
        helper.resolve_user_id(fake360.url, "nobody@example.com")
    assert users_fetches(fake360) == 4
    age_directory(cache, 2 * helper.MISS_REFRESH_AFTER)  # a new hour: an unknown email may refresh again
    with pytest.raises(helper.UserNotFoundError):
        helper.resolve_user_id(fake360.url, "nobody@example.com")
    assert users_fetches(fake360) == 5


def test_a_user_missing_from_an_old_copy_is_found_after_a_refresh(fake360: Fake360, cache: Path) -> None:
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    with sqlite3.connect(cache) as connection:
        connection.execute("DELETE FROM learning360_users WHERE user_id = ?", (GRACE,))
    connection.close()
    age_directory(cache, 2 * helper.MISS_REFRESH_AFTER)
    assert helper.resolve_user_id(fake360.url, dataset.MIXED_CASE_USER_EMAIL) == GRACE
    assert users_fetches(fake360) == 2


def test_a_deleted_user_is_not_matched(fake360: Fake360) -> None:
    with pytest.raises(helper.DeletedUserError) as raised:
        helper.resolve_user_id(fake360.url, dataset.DELETED_USER_EMAIL.upper())
    email = dataset.DELETED_USER_EMAIL.upper()
    assert str(raised.value) == f"the 360Learning user with the email {email!r} is deleted on {fake360.url}"
    assert isinstance(raised.value, helper.UserNotFoundError)


def test_a_directory_file_of_an_older_layout_is_rebuilt(fake360: Fake360, cache: Path) -> None:
    """The helper's own file (its application_id) with the tables of another version of the helper."""
    cache.parent.mkdir(parents=True)
    with sqlite3.connect(cache) as connection:
        connection.executescript(
            "CREATE TABLE learning360_directories (host TEXT PRIMARY KEY, refreshed_at REAL NOT NULL);"
            "CREATE TABLE learning360_users (host TEXT, user_id TEXT, mail TEXT, mail_key TEXT, status TEXT);"
            f"INSERT INTO learning360_directories VALUES ('{fake360.url}', 1e12);"
            f"INSERT INTO learning360_users VALUES ('{fake360.url}', '{'e' * 24}', 'old@example.com',"
            " 'old@example.com', 'active');"
            f"PRAGMA application_id = {helper._APPLICATION_ID}; PRAGMA user_version = 1;"
        )
    connection.close()
    assert helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL) == ADA
    with pytest.raises(helper.UserNotFoundError):
        helper.resolve_user_id(fake360.url, "old@example.com")
    assert users_fetches(fake360) == 1


def test_user_mail_looks_ids_up_in_the_same_directory(fake360: Fake360) -> None:
    deleted = dataset.user_id_of(dataset.DELETED_USER_EMAIL)
    assert helper.user_mail(fake360.url, ADA) == dataset.POWER_USER_EMAIL
    assert helper.user_mail(fake360.url, deleted) == dataset.DELETED_USER_EMAIL
    with pytest.raises(helper.UserNotFoundError, match="ffffffffffffffffffffffff"):
        helper.user_mail(fake360.url, "ffffffffffffffffffffffff")
    assert users_fetches(fake360) == 1


def test_another_process_reuses_the_directory(fake360: Fake360, tmp_path: Path) -> None:
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    fake360.clear_log()
    shutil.copy(helper.__file__, tmp_path / "learning360_v2.py")
    program = (
        "import learning360_v2, os, sys\n"
        "print(learning360_v2.resolve_user_id(os.environ['LEARNING360_HOST'], sys.argv[1]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", program, dataset.MIXED_CASE_USER_EMAIL.lower()],
        cwd=tmp_path,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (run.returncode, run.stdout.strip(), run.stderr) == (0, GRACE, "")
    assert fake360.requests == []


def test_an_expired_directory_is_refreshed(
    fake360: Fake360, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(helper.ENV_USER_CACHE_TTL, "600")
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    age_directory(cache, 500)
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    assert users_fetches(fake360) == 1
    age_directory(cache, 200)
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    assert users_fetches(fake360) == 2


def test_a_bad_ttl_is_named(fake360: Fake360, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(helper.ENV_USER_CACHE_TTL, "one day")
    with pytest.raises(helper.Learning360Error, match=helper.ENV_USER_CACHE_TTL):
        helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_the_directory_file_is_private(fake360: Fake360, cache: Path) -> None:
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    with sqlite3.connect(cache) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()


def test_the_default_cache_is_in_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(helper.ENV_USER_CACHE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "linux")
    assert helper.cache_path() == tmp_path / "learning360" / "users.sqlite3"


# -- async ----------------------------------------------------------------------------------------------


def test_async_variants(fake360: Fake360) -> None:
    async def main() -> tuple[list[dict[str, Any]], str, str]:
        user_id = await helper.aresolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
        # Typed here: with Any among its arguments' types, mypy cannot choose among gather's overloads.
        found: tuple[list[dict[str, Any]], str, str] = await asyncio.gather(
            helper.alist_course_stats(fake360.url, course_id=BIG, user_id=user_id),
            helper.auser_mail(fake360.url, GRACE),
            helper.aresolve_user_id(fake360.url, GRACE),
        )
        return found

    records, mail, passed_through = asyncio.run(main())
    assert len(records) == dataset.POWER_USER_ATTEMPTS_ON_BIG_COURSE
    assert (mail, passed_through) == (dataset.MIXED_CASE_USER_EMAIL, GRACE)
    assert len(fake360.token_requests) == 1


def test_host_given_as_the_v1_api_root_is_accepted(fake360: Fake360) -> None:
    """Migrated code keeps its v1 base constant, which may end in /api/v1 and carry spaces."""
    records = helper.list_course_stats(f" {fake360.url}/api/v1/ ", course_id=BIG)
    assert len(records) == len(helper.list_course_stats(fake360.url, course_id=BIG))
    assert not [r for r in fake360.requests if r.path.startswith("/api/v1")]
