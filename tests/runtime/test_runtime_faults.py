"""The helper module against a 360Learning that misbehaves, and with several processes sharing its cache.

The fake injects the faults a real API and network produce: 429 bursts with and without ``Retry-After``,
5xx answers, slow answers, dropped connections, tokens that expire, a ``Link`` that loops, a page served
twice, a body that is not JSON. The helper must wait, try again, renew its token or stop with an error
that says why; it never hands back a partial list, and no error shows a token or the client secret.
Retry waits are shortened through the helper's constants so that no test sleeps long.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from fake360 import Fake360, RecordedRequest, Reply, dataset
from fake360.server import (
    Dropped,
    LinkBack,
    MalformedJson,
    RateLimited,
    RepeatedPage,
    ServerError,
    Slow,
)
from support.v2_schema import check, token_of

from codemods.runtime import learning360_v2 as helper

ADA = dataset.user_id_of(dataset.POWER_USER_EMAIL)
GRACE = dataset.user_id_of(dataset.MIXED_CASE_USER_EMAIL)
BIG = dataset.BIG_COURSE_ID
STATS = "/api/v2/courses/stats"
USERS = "/api/v2/users"
TOKEN = "/api/v2/oauth2/token"
#: Ada's attempts on the big course: 612 records, two pages of 500 (seven of 100).
ADA_ON_BIG = [a.id for a in dataset.ATTEMPTS if a.course_id == BIG and a.user_id == ADA]
#: Every token the fake issues starts with this.
TOKEN_PREFIX = "fake-v2-token-"

#: The helper configured for the fake (see conftest.py).
pytestmark = pytest.mark.usefixtures("v2_environment")


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff waits of a few hundredths of a second, and no setting from the environment."""
    monkeypatch.setattr(helper, "BACKOFF_FIRST", 0.01)
    monkeypatch.setattr(helper, "BACKOFF_MAX", 0.04)
    monkeypatch.setattr(helper, "MAX_RETRY_TIME", 5.0)
    for name in (helper.ENV_TIMEOUT, helper.ENV_MAX_RETRY_TIME):
        monkeypatch.delenv(name, raising=False)


def ada_on_big(fake: Fake360, **options: Any) -> list[str]:
    return [
        record["_id"] for record in helper.list_course_stats(fake.url, course_id=BIG, user_id=ADA, **options)
    ]


def sequence(fake: Fake360) -> list[str]:
    """The requests in order: ``token``, or which page of the course statistics each one asked for,
    numbered by first appearance (``p1`` is the first page: seeing it twice means a restart)."""
    pages: dict[str, int] = {}
    steps = []
    for request in fake.requests:
        if request.path == TOKEN:
            steps.append("token")
        else:
            key = json.dumps(request.query, sort_keys=True)
            steps.append(f"p{pages.setdefault(key, len(pages) + 1)}")
    return steps


def gaps(requests_: list[RecordedRequest]) -> list[float]:
    """Seconds between one request and the next, as the fake received them."""
    return [later.received_at - earlier.received_at for earlier, later in itertools.pairwise(requests_)]


def users_fetches(fake: Fake360) -> int:
    """How many times the user directory was read (its first page starts each read)."""
    return sum("next" not in request.query for request in fake.requests_to(USERS))


def assert_no_secret(error: BaseException) -> None:
    shown = "".join(traceback.format_exception(error)) + repr(error)
    secrets = [TOKEN_PREFIX, dataset.CLIENT_SECRET, os.environ[helper.ENV_CLIENT_SECRET]]
    assert [secret for secret in secrets if secret in shown] == []


# -- the fake's faults ----------------------------------------------------------------------------------


def test_injected_faults_are_met_in_order_and_keep_the_schema(fake360: Fake360) -> None:
    fake360.page_size = 100
    headers = {"Authorization": f"Bearer {token_of(fake360)}", "360-api-version": "v2.0"}
    url = fake360.url + USERS
    future = format_datetime(datetime.now(timezone.utc) + timedelta(hours=1), usegmt=True)
    fake360.inject(USERS, RateLimited(), RateLimited(future), ServerError(503), MalformedJson(), skip=1)
    assert fake360.pending_faults(USERS) == 4
    answers = [requests.get(url, headers=headers, timeout=10) for _ in range(6)]
    assert [answer.status_code for answer in answers] == [200, 429, 429, 503, 200, 200]
    assert "Retry-After" not in answers[1].headers and answers[2].headers["Retry-After"] == future
    for answer in answers[1:3]:
        check(answer.json(), USERS, "get", 429)
    assert answers[3].json()["error"]["code"] == "internalError"
    with pytest.raises(ValueError):
        answers[4].json()
    assert answers[5].json() == answers[0].json()
    assert fake360.pending_faults(USERS) == 0
    fake360.inject(USERS, Dropped(), Dropped(reset=True))
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, headers=headers, timeout=10)


def test_link_back_and_repeated_page_are_valid_pages(fake360: Fake360) -> None:
    fake360.page_size = 10
    headers = {"Authorization": f"Bearer {token_of(fake360)}", "360-api-version": "v2.0"}

    def get(answer: requests.Response | None = None) -> requests.Response:
        """The first page, or the page ``answer`` links to."""
        target = "" if answer is None else answer.headers["Link"].split(">")[0].lstrip("<")
        return requests.get(fake360.url + (target or USERS), headers=headers, timeout=10)

    first = get()
    second = get(first)
    fake360.inject(USERS, LinkBack(), RepeatedPage())
    looping, repeated = get(first), get(first)
    for answer in (looping, repeated):
        check(answer.json(), USERS, "get", 200)
    assert looping.json() == second.json() and get(looping).json() == first.json()
    assert repeated.json() == first.json() and get(repeated).json() == get(second).json()


# -- rate limiting --------------------------------------------------------------------------------------


def test_a_429_burst_waits_as_long_as_retry_after_says(fake360: Fake360) -> None:
    fake360.inject(STATS, RateLimited("0.3"), RateLimited("0.3"), skip=1)
    assert ada_on_big(fake360) == ADA_ON_BIG
    assert sequence(fake360) == ["token", "p1", "p2", "p2", "p2"]
    # The backoff would wait 0.04 s at most: only Retry-After explains these waits.
    assert all(gap >= 0.3 for gap in gaps(fake360.requests_to(STATS))[1:])


def test_an_unreadable_retry_after_falls_back_on_the_backoff(fake360: Fake360) -> None:
    fake360.inject(STATS, RateLimited("after lunch"))
    assert ada_on_big(fake360) == ADA_ON_BIG
    assert sequence(fake360) == ["token", "p1", "p1", "p2"]


def test_a_retry_after_date_in_the_past_means_now(fake360: Fake360) -> None:
    past = format_datetime(datetime.now(timezone.utc) - timedelta(minutes=5), usegmt=True)
    fake360.inject(STATS, RateLimited(past))
    assert ada_on_big(fake360) == ADA_ON_BIG
    assert sequence(fake360) == ["token", "p1", "p1", "p2"]


@pytest.mark.parametrize(
    ("in_an_hour", "asked"),
    [pytest.param(True, r"359\d|3600", id="http-date"), pytest.param(False, "120", id="seconds")],
)
def test_a_retry_after_beyond_the_time_limit_gives_up_at_once(
    fake360: Fake360, in_an_hour: bool, asked: str
) -> None:
    an_hour_later = format_datetime(datetime.now(timezone.utc) + timedelta(hours=1), usegmt=True)
    fake360.inject(STATS, RateLimited(an_hour_later if in_an_hour else "120"))
    with pytest.raises(helper.RetriesExhaustedError) as raised:
        ada_on_big(fake360)
    message = str(raised.value)
    assert re.search(rf"gave up on GET .* after 1 try .*429.*asks to wait ({asked}) s", message), message
    assert helper.ENV_MAX_RETRY_TIME in message
    assert len(fake360.requests_to(STATS)) == 1


def test_without_retry_after_the_waits_double(fake360: Fake360, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helper, "BACKOFF_FIRST", 0.02)
    monkeypatch.setattr(helper, "BACKOFF_MAX", 0.08)
    fake360.inject(STATS, *[RateLimited()] * 4)
    assert ada_on_big(fake360) == ADA_ON_BIG
    waits = gaps(fake360.requests_to(STATS))[:4]
    # Each wait is at least half its ceiling: 0.02, 0.04, then the cap 0.08, 0.08.
    assert [wait >= least for wait, least in zip(waits, [0.01, 0.02, 0.04, 0.04], strict=True)] == [True] * 4


def test_the_backoff_is_capped_and_jittered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helper, "BACKOFF_FIRST", 0.5)
    monkeypatch.setattr(helper, "BACKOFF_MAX", 10.0)
    for retries, ceiling in enumerate([0.5, 1, 2, 4, 8, 10, 10, 10]):
        waits = [helper._backoff(retries) for _ in range(200)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 100  # random: clients that failed together come back apart


def test_endless_429s_give_up_within_the_time_limit(
    fake360: Fake360, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(helper.ENV_MAX_RETRY_TIME, "0.3")
    monkeypatch.setattr(helper, "RATE_LIMIT_RETRIES", 1000)
    fake360.inject(STATS, *[RateLimited()] * 200)
    with pytest.raises(helper.RetriesExhaustedError) as raised:
        ada_on_big(fake360)
    message = str(raised.value)
    assert "gave up on GET" in message and "429: tooManyRequests" in message
    assert f"the 0.3 s a request may take ({helper.ENV_MAX_RETRY_TIME})" in message
    assert 2 <= len(fake360.requests_to(STATS)) < 200 and fake360.pending_faults(STATS) > 0


def test_429_retries_are_counted(fake360: Fake360, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helper, "RATE_LIMIT_RETRIES", 2)
    fake360.inject(STATS, *[RateLimited("0")] * 5)
    with pytest.raises(helper.RetriesExhaustedError, match=r"after 3 tries .*429"):
        ada_on_big(fake360)
    assert len(fake360.requests_to(STATS)) == 3


def test_the_token_request_is_rate_limited_too(fake360: Fake360) -> None:
    fake360.inject(TOKEN, RateLimited("0"), ServerError(502))
    assert ada_on_big(fake360) == ADA_ON_BIG
    assert sequence(fake360) == ["token"] * 3 + ["p1", "p2"]


# -- 5xx, dropped connections, timeouts -----------------------------------------------------------------


def test_server_errors_are_tried_again(fake360: Fake360) -> None:
    fake360.inject(STATS, ServerError(500), ServerError(503), skip=1)
    assert ada_on_big(fake360) == ADA_ON_BIG
    assert sequence(fake360) == ["token", "p1", "p2", "p2", "p2"]


def test_server_errors_past_the_retries_are_an_error(
    fake360: Fake360, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(helper, "TRANSIENT_RETRIES", 2)
    fake360.inject(STATS, *[ServerError(502)] * 5)
    with pytest.raises(helper.RetriesExhaustedError) as raised:
        ada_on_big(fake360)
    assert re.search(
        r"gave up on GET .*/api/v2/courses/stats\?.* after 3 tries .*: 360Learning answered 502",
        str(raised.value),
    )
    assert len(fake360.requests_to(STATS)) == 3


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_dropped_connection_is_tried_again(fake360: Fake360, reset: bool) -> None:
    fake360.inject(STATS, Dropped(reset=reset), Dropped(reset=reset), skip=1)
    assert ada_on_big(fake360) == ADA_ON_BIG
    assert sequence(fake360) == ["token", "p1", "p2", "p2", "p2"]


def test_a_connection_dropped_every_time_is_an_error(
    fake360: Fake360, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(helper, "TRANSIENT_RETRIES", 1)
    fake360.inject(STATS, Dropped(), Dropped())
    with pytest.raises(helper.RetriesExhaustedError, match=r"after 2 tries .*connection was dropped"):
        ada_on_big(fake360)


def test_a_slow_answer_times_out_and_is_asked_again(fake360: Fake360) -> None:
    fake360.inject(STATS, Slow(2.0), skip=1)
    assert ada_on_big(fake360, timeout=0.2) == ADA_ON_BIG
    assert sequence(fake360) == ["token", "p1", "p2", "p2"]


def test_the_longer_half_of_a_connect_read_pair_is_the_timeout(fake360: Fake360) -> None:
    """Migrated code passes on the ``timeout=`` it gave requests, which may be a (connect, read) pair."""
    fake360.inject(STATS, Slow(0.2))
    assert ada_on_big(fake360, timeout=(0.05, 1.0)) == ADA_ON_BIG
    assert sequence(fake360) == ["token", "p1", "p2"]


@pytest.mark.parametrize(
    ("path", "call"),
    [
        pytest.param(TOKEN, lambda url: helper.list_course_stats(url, course_id=BIG), id="token"),
        pytest.param(STATS, lambda url: helper.list_course_stats(url, course_id=BIG), id="course-stats"),
        pytest.param(USERS, lambda url: helper.resolve_user_id(url, dataset.POWER_USER_EMAIL), id="users"),
    ],
)
def test_every_call_has_the_timeout_from_the_environment(
    fake360: Fake360, monkeypatch: pytest.MonkeyPatch, path: str, call: Callable[[str], object]
) -> None:
    monkeypatch.setenv(helper.ENV_TIMEOUT, "0.2")
    monkeypatch.setattr(helper, "TRANSIENT_RETRIES", 1)
    fake360.inject(path, Slow(2.0), Slow(2.0))
    with pytest.raises(helper.RetriesExhaustedError) as raised:
        call(fake360.url)
    message = str(raised.value)
    assert f"{fake360.url}{path}" in message and "did not answer within 0.2 s" in message
    assert len(fake360.requests_to(path)) == 2


@pytest.mark.parametrize("timeout", [0, -1.0, float("nan")])
def test_a_bad_timeout_argument_is_an_error(fake360: Fake360, timeout: float) -> None:
    with pytest.raises(helper.Learning360Error, match="a timeout must be a positive number of seconds"):
        helper.list_course_stats(fake360.url, timeout=timeout)
    assert fake360.requests == []


@pytest.mark.parametrize("value", ["soon", "0", "-1"])
def test_a_bad_timeout_in_the_environment_is_named(
    fake360: Fake360, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(helper.ENV_TIMEOUT, value)
    with pytest.raises(helper.Learning360Error, match=helper.ENV_TIMEOUT):
        helper.list_course_stats(fake360.url)
    assert fake360.requests == []


def test_a_refused_connection_is_not_tried_again() -> None:
    with socket.socket() as closed:  # bound, so no one else takes the port, but not listening
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        with pytest.raises(helper.Learning360Error, match="cannot reach 360Learning") as raised:
            helper.list_course_stats(url)
    assert not isinstance(raised.value, helper.RetriesExhaustedError)


# -- tokens that expire ---------------------------------------------------------------------------------


def test_an_expired_token_mid_pagination_resumes_at_the_same_page(fake360: Fake360) -> None:
    fake360.page_size = 100
    fake360.token_max_uses = 3
    assert ada_on_big(fake360) == ADA_ON_BIG
    # p4 and p7 were refused (each token serves three pages): each is asked again after a new token,
    # and the first page is never asked again.
    assert sequence(fake360) == [
        "token",
        "p1",
        "p2",
        "p3",
        "p4",
        "token",
        "p4",
        "p5",
        "p6",
        "p7",
        "token",
        "p7",
    ]


def test_a_401_right_after_a_new_token_is_an_error(fake360: Fake360) -> None:
    fake360.page_size = 100
    fake360.token_max_uses = 0
    with pytest.raises(helper.Learning360Error, match=r"401 to GET .* with a new token") as raised:
        ada_on_big(fake360)
    assert sequence(fake360) == ["token", "p1", "token", "p1"]
    assert_no_secret(raised.value)


# -- lists that are not what they claim -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("skip", "expected", "pages_read"),
    [
        pytest.param(2, r"loop: page 3 links back to .*next=", 3, id="to-the-previous-page"),
        # The first page's own URL has the filters, the link a cursor: the records tell them apart.
        pytest.param(0, r"page 2 of GET .* repeats the record '\w+' of page 1", 2, id="to-the-first-page"),
    ],
)
def test_a_link_that_loops_is_an_error(fake360: Fake360, skip: int, expected: str, pages_read: int) -> None:
    fake360.page_size = 100
    fake360.inject(STATS, LinkBack(), skip=skip)
    with pytest.raises(helper.Learning360Error, match=expected):
        ada_on_big(fake360)
    assert len(fake360.requests_to(STATS)) == pages_read


def test_a_repeated_page_is_an_error(fake360: Fake360) -> None:
    fake360.page_size = 100
    fake360.inject(STATS, RepeatedPage(), skip=3)
    with pytest.raises(helper.Learning360Error, match=r"page 4 of GET .* repeats the record '\w+' of page 3"):
        ada_on_big(fake360)


def test_a_broken_directory_read_stores_nothing(fake360: Fake360, cache: Path) -> None:
    fake360.page_size = 7
    fake360.inject(USERS, RepeatedPage(), skip=2)
    with pytest.raises(helper.Learning360Error, match="repeats the record"):
        helper.resolve_user_id(fake360.url, dataset.IDLE_USER_EMAIL)
    with sqlite3.connect(cache) as connection:
        assert connection.execute("SELECT COUNT(*) FROM learning360_users").fetchone() == (0,)
        assert connection.execute("SELECT COUNT(*) FROM learning360_directories").fetchone() == (0,)
    connection.close()
    assert helper.resolve_user_id(fake360.url, dataset.IDLE_USER_EMAIL) == dataset.USERS[-1].id
    assert users_fetches(fake360) == 2


def test_a_body_that_is_not_json_is_an_error_naming_the_url(fake360: Fake360) -> None:
    fake360.inject(STATS, MalformedJson(), skip=1)
    with pytest.raises(helper.Learning360Error) as raised:
        ada_on_big(fake360)
    second_page = fake360.requests_to(STATS)[1]
    assert str(raised.value) == (
        f"360Learning answered GET {fake360.url}{STATS}?next={second_page.query['next'][0]}"
        " with a body that is not JSON"
    )
    assert_no_secret(raised.value)


# -- no secret in any error -----------------------------------------------------------------------------


def echo_credentials(request: RecordedRequest) -> Reply | None:
    """An API that says too much: its errors repeat the credentials they were sent."""
    said = f"{request.header('authorization')} {json.dumps(request.body)}"
    if request.path == TOKEN and "nope" in said:
        return Reply(400, {"error": {"code": "invalid_request", "message": said}})
    if request.path == STATS:
        return Reply(500, {"error": {"code": "internalError", "message": f"{said} {dataset.CLIENT_SECRET}"}})
    return None


def _wrong_secret_echoed(fake: Fake360) -> None:
    fake.add_hook(echo_credentials)
    os.environ[helper.ENV_CLIENT_SECRET] = "nope"


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(lambda fake: fake.add_hook(echo_credentials), id="5xx-echoing-token-and-secret"),
        pytest.param(_wrong_secret_echoed, id="token-refused-echoing-the-secret"),
        pytest.param(lambda fake: fake.inject(STATS, MalformedJson()), id="malformed"),
        pytest.param(lambda fake: fake.inject(STATS, LinkBack()), id="loop"),
        pytest.param(lambda fake: setattr(fake, "token_max_uses", 0), id="401-twice"),
        pytest.param(lambda fake: fake.inject(STATS, *[Slow(2.0)] * 2), id="timeouts"),
        pytest.param(lambda fake: fake.inject(STATS, *[RateLimited("0")] * 20), id="429s"),
    ],
)
def test_no_error_shows_a_token_or_the_secret(
    fake360: Fake360, monkeypatch: pytest.MonkeyPatch, setup: Callable[[Fake360], object]
) -> None:
    monkeypatch.setattr(helper, "TRANSIENT_RETRIES", 1)
    monkeypatch.setattr(helper, "RATE_LIMIT_RETRIES", 3)
    monkeypatch.setenv(helper.ENV_CLIENT_SECRET, dataset.CLIENT_SECRET)  # restored if a setup changes it
    helper.list_course_stats(fake360.url, course_id="64b000000000000000000004")  # a token to leak
    fake360.page_size = 100
    setup(fake360)
    helper.clear_token_cache()
    with pytest.raises(helper.Learning360Error) as raised:
        helper.list_course_stats(fake360.url, course_id=BIG, timeout=0.2)
    assert_no_secret(raised.value)
    assert fake360.url in str(raised.value)


# -- async ------------------------------------------------------------------------------------------------


def test_async_calls_ride_out_the_same_faults(fake360: Fake360) -> None:
    fake360.page_size = 100
    fake360.inject(STATS, RateLimited("0"), ServerError(500), Dropped(), RateLimited(), skip=2)
    fake360.inject(USERS, RateLimited(), Dropped(reset=True))

    async def main() -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, str]:
        # Typed here: with Any among its arguments' types, mypy cannot choose among gather's overloads.
        found: tuple[list[dict[str, Any]], list[dict[str, Any]], str, str] = await asyncio.gather(
            helper.alist_course_stats(fake360.url, course_id=BIG, user_id=ADA),
            helper.acourse_stats_by_user(fake360.url, course_id="64b000000000000000000004"),
            helper.aresolve_user_id(fake360.url, dataset.MIXED_CASE_USER_EMAIL.upper()),
            helper.auser_mail(fake360.url, ADA),
        )
        return found

    records, by_user, grace, mail = asyncio.run(main())
    assert [record["_id"] for record in records] == ADA_ON_BIG
    assert by_user == helper.course_stats_by_user(fake360.url, course_id="64b000000000000000000004")
    assert (grace, mail) == (GRACE, dataset.POWER_USER_EMAIL)
    assert fake360.pending_faults(STATS) == fake360.pending_faults(USERS) == 0


def test_async_resumes_at_the_same_page_after_an_expired_token(fake360: Fake360) -> None:
    fake360.page_size = 100
    fake360.token_max_uses = 3
    records = asyncio.run(helper.alist_course_stats(fake360.url, course_id=BIG, user_id=ADA))
    assert [record["_id"] for record in records] == ADA_ON_BIG
    assert sequence(fake360) == [
        "token",
        "p1",
        "p2",
        "p3",
        "p4",
        "token",
        "p4",
        "p5",
        "p6",
        "p7",
        "token",
        "p7",
    ]


def _loop(fake: Fake360) -> None:
    fake.inject(STATS, LinkBack(), skip=2)


def _malformed(fake: Fake360) -> None:
    fake.inject(STATS, MalformedJson(), skip=1)


def _expired(fake: Fake360) -> None:
    fake.token_max_uses = 0


def _slow(fake: Fake360) -> None:
    fake.inject(STATS, *[Slow(2.0)] * 2, skip=1)


def _rate_limited(fake: Fake360) -> None:
    fake.inject(STATS, *[RateLimited("30")] * 2)


@pytest.mark.parametrize(
    ("setup", "error", "expected"),
    [
        pytest.param(_loop, helper.Learning360Error, "loop", id="loop"),
        pytest.param(_malformed, helper.Learning360Error, "not JSON", id="malformed"),
        pytest.param(_expired, helper.Learning360Error, "with a new token", id="401-twice"),
        pytest.param(_slow, helper.RetriesExhaustedError, "did not answer within 0.2 s", id="timeouts"),
        pytest.param(_rate_limited, helper.RetriesExhaustedError, "asks to wait 30 s", id="429"),
    ],
)
def test_async_calls_stop_with_the_same_errors(
    fake360: Fake360,
    monkeypatch: pytest.MonkeyPatch,
    setup: Callable[[Fake360], None],
    error: type[helper.Learning360Error],
    expected: str,
) -> None:
    monkeypatch.setattr(helper, "TRANSIENT_RETRIES", 1)
    monkeypatch.setenv(helper.ENV_MAX_RETRY_TIME, "1")
    fake360.page_size = 100
    setup(fake360)
    calls: list[Callable[[], Coroutine[Any, Any, object]]] = [
        lambda: helper.alist_course_stats(fake360.url, course_id=BIG, user_id=ADA, timeout=0.2),
        lambda: helper.acourse_stats_by_course(fake360.url, user_id=ADA, timeout=0.2),
    ]
    for call in calls:
        with pytest.raises(error, match=expected) as raised:
            asyncio.run(call())
        assert_no_secret(raised.value)
        fake360.clear_log()
        setup(fake360)


# -- the user directory, shared by processes --------------------------------------------------------------

#: Resolves emails and ids many times with a time to live of 0: every lookup refreshes the directory,
#: so the processes refresh it at the same time as others read and write it.
_WORKER = """
import json, os, sys
import learning360_v2 as helper

host = os.environ["LEARNING360_HOST"]
expected = json.loads(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
for _ in range(3):
    for mail, user_id in expected["emails"].items():
        assert helper.resolve_user_id(host, mail.upper()) == user_id, mail
    try:
        helper.resolve_user_id(host, expected["deleted"])
    except helper.DeletedUserError:
        pass
    else:
        raise AssertionError("a deleted user was matched")
    assert helper.user_mails(host, expected["mails"]) == expected["mails"]
print("done", flush=True)
"""


def test_processes_refreshing_the_directory_at_once_agree(
    fake360: Fake360, cache: Path, tmp_path: Path
) -> None:
    fake360.page_size = 10
    shutil.copy(helper.__file__, tmp_path / "learning360_v2.py")
    expected = {
        "emails": {
            email: dataset.user_id_of(email) for email in (dataset.POWER_USER_EMAIL, dataset.IDLE_USER_EMAIL)
        },
        "deleted": dataset.DELETED_USER_EMAIL,
        "mails": {user.id: user.mail for user in dataset.USERS},
    }
    env = {**os.environ, helper.ENV_USER_CACHE_TTL: "0"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, json.dumps(expected)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for worker in workers:  # every process is up before any starts: they all begin together
            assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outcomes = [(*worker.communicate(timeout=120), worker.returncode) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert outcomes == [("done\n", "", 0)] * 4
    assert users_fetches(fake360) == 4 * 3 * 4  # each lookup of each round of each process refreshed
    with sqlite3.connect(cache) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = connection.execute(
            "SELECT host, user_id, mail, status FROM learning360_users ORDER BY user_id"
        ).fetchall()
        directories = connection.execute("SELECT host FROM learning360_directories").fetchall()
    connection.close()
    assert rows == sorted((fake360.url, user.id, user.mail, user.status) for user in dataset.USERS)
    assert directories == [(fake360.url,)]
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_a_copy_another_process_stored_meanwhile_is_kept(
    fake360: Fake360, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two refreshes at once: the copy whose read of the API began last wins, whichever commits last."""
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    monkeypatch.setenv(helper.ENV_USER_CACHE_TTL, "0")
    renamed = "grace.renamed@example.com"

    def another_process_refreshes(request: RecordedRequest) -> Reply | None:
        if request.path == USERS and "next" not in request.query:  # this read began before the other
            with sqlite3.connect(cache) as other:
                other.execute(
                    "UPDATE learning360_users SET mail = ?, mail_key = ? WHERE user_id = ?",
                    (renamed, renamed, GRACE),
                )
                other.execute("UPDATE learning360_directories SET refreshed_at = ?", (time.time(),))
            other.close()
        return None

    fake360.add_hook(another_process_refreshes)
    assert helper.resolve_user_id(fake360.url, renamed) == GRACE
    assert helper.user_mail(fake360.url, GRACE) == renamed  # its own, older read was not stored over it


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_the_directory_files_are_private_whatever_the_umask(
    fake360: Fake360, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = os.umask(0)
    try:
        helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
        monkeypatch.setenv(helper.ENV_USER_CACHE_TTL, "0")
        with sqlite3.connect(cache) as reader:  # open: the write-ahead log stays beside the file
            reader.execute("SELECT COUNT(*) FROM learning360_users").fetchone()
            helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
            companions = [cache.with_name(cache.name + suffix) for suffix in ("-wal", "-shm")]
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in [cache, *companions]}
        reader.close()
    finally:
        os.umask(previous)
    assert modes == {path.name: 0o600 for path in [cache, *companions]}
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    assert users_fetches(fake360) == 2
