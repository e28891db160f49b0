"""Course names from the v2 course catalogue, against the fake 360Learning.

v2 course statistics carry a ``courseId`` and no name. The helper keeps a copy of the catalogue
(``GET /api/v2/courses``) in the user directory's SQLite file, in tables of its own, listed whole rather
than asked course by course, and refreshed on the user directory's rules: when older than its time to
live, and once more for an id it does not list unless it is less than a minute old.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from fake360 import Fake360, RecordedRequest, Reply, dataset

from codemods.runtime import learning360_v2 as helper

COURSES = "/api/v2/courses"
USERS = "/api/v2/users"
UNKNOWN = "ffffffffffffffffffffff0c"
NAMES = {course.id: course.name for course in dataset.COURSES}

#: The helper configured for the fake (see conftest.py).
pytestmark = pytest.mark.usefixtures("v2_environment")


def catalogue_reads(fake: Fake360) -> int:
    """How many times the catalogue was listed (its first page starts each listing)."""
    return sum("next" not in request.query for request in fake.requests_to(COURSES))


def retrievals(fake: Fake360) -> list[RecordedRequest]:
    """Requests for one course each (``GET /api/v2/courses/{id}``), which the helper never needs."""
    return [r for r in fake.requests if r.path.startswith(COURSES + "/") and r.path != COURSES + "/stats"]


def age_catalogue(cache: Path, seconds: float) -> None:
    with closing(sqlite3.connect(cache)) as connection, connection:
        connection.execute("UPDATE learning360_catalogues SET refreshed_at = refreshed_at - ?", (seconds,))


def test_every_name_comes_from_one_listing_of_the_catalogue(fake360: Fake360) -> None:
    fake360.page_size = 3
    assert helper.course_names(fake360.url, [course.id for course in dataset.COURSES] * 2) == NAMES
    assert len(fake360.requests_to(COURSES)) == -(-len(dataset.COURSES) // 3)
    for course in dataset.COURSES:
        assert helper.course_name(fake360.url, f" {course.id} ") == course.name
    assert catalogue_reads(fake360) == 1
    assert retrievals(fake360) == [] and fake360.requests_to(USERS) == []


def test_an_archived_course_has_its_name(fake360: Fake360) -> None:
    archived = dataset.course_by_id(dataset.ARCHIVED_COURSE_ID)
    assert archived is not None and archived.status == "archived"
    assert helper.course_name(fake360.url, archived.id) == archived.name


def test_no_id_sends_nothing(fake360: Fake360) -> None:
    assert helper.course_names(fake360.url, []) == {}
    assert fake360.requests == []


def test_an_unknown_id_is_named_after_at_most_one_refresh(fake360: Fake360, cache: Path) -> None:
    helper.course_name(fake360.url, dataset.BIG_COURSE_ID)
    with pytest.raises(helper.CourseNotFoundError, match=UNKNOWN) as raised:
        helper.course_name(fake360.url, UNKNOWN)
    assert isinstance(raised.value, helper.Learning360Error)
    assert catalogue_reads(fake360) == 1  # the copy is less than a minute old: not read again
    age_catalogue(cache, 2 * helper.MISS_REFRESH_AFTER)
    with pytest.raises(helper.CourseNotFoundError) as raised:
        helper.course_names(fake360.url, [dataset.BIG_COURSE_ID, UNKNOWN, "not-an-id"])
    assert str(raised.value) == (
        f"no 360Learning course with a name has the id {UNKNOWN!r}, 'not-an-id' on {fake360.url}"
    )
    assert catalogue_reads(fake360) == 2


def test_a_course_missing_from_an_old_copy_is_found_by_one_refresh(fake360: Fake360, cache: Path) -> None:
    helper.course_name(fake360.url, dataset.BIG_COURSE_ID)
    with closing(sqlite3.connect(cache)) as connection, connection:
        connection.execute(
            "DELETE FROM learning360_courses WHERE course_id = ?", (dataset.ARCHIVED_COURSE_ID,)
        )
    age_catalogue(cache, 2 * helper.MISS_REFRESH_AFTER)
    assert helper.course_names(fake360.url, [dataset.BIG_COURSE_ID, dataset.ARCHIVED_COURSE_ID]) == {
        dataset.BIG_COURSE_ID: NAMES[dataset.BIG_COURSE_ID],
        dataset.ARCHIVED_COURSE_ID: NAMES[dataset.ARCHIVED_COURSE_ID],
    }
    assert catalogue_reads(fake360) == 2


def test_the_catalogue_is_refreshed_on_the_user_directorys_time_to_live(
    fake360: Fake360, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(helper.ENV_USER_CACHE_TTL, "600")
    renamed = {"name": "Security awareness, 2027 edition"}

    helper.course_name(fake360.url, dataset.BIG_COURSE_ID)
    fake360.add_hook(
        lambda request: (
            Reply(200, [{**course.v2(), **renamed} for course in dataset.COURSES[:1]])
            if request.path == COURSES
            else None
        )
    )
    age_catalogue(cache, 500)
    assert helper.course_name(fake360.url, dataset.BIG_COURSE_ID) == NAMES[dataset.BIG_COURSE_ID]
    age_catalogue(cache, 200)
    assert helper.course_name(fake360.url, dataset.BIG_COURSE_ID) == renamed["name"]
    assert catalogue_reads(fake360) == 2


def test_the_catalogue_and_the_user_directory_are_refreshed_apart(fake360: Fake360, cache: Path) -> None:
    ada = dataset.user_id_of(dataset.POWER_USER_EMAIL)
    assert helper.user_mail(fake360.url, ada) == dataset.POWER_USER_EMAIL
    assert catalogue_reads(fake360) == 0
    helper.course_name(fake360.url, dataset.BIG_COURSE_ID)
    helper.user_mail(fake360.url, ada)
    assert len(fake360.requests_to(USERS)) == 1 and catalogue_reads(fake360) == 1
    with closing(sqlite3.connect(cache)) as connection:
        hosts = connection.execute("SELECT host FROM learning360_catalogues").fetchall()
        rows = connection.execute("SELECT COUNT(*) FROM learning360_courses").fetchone()
    assert hosts == [(fake360.url,)] and rows == (len(dataset.COURSES),)


def test_each_host_has_its_own_catalogue(fake360: Fake360) -> None:
    with Fake360() as other:
        other.add_hook(
            lambda request: (
                Reply(200, [{**dataset.COURSES[0].v2(), "name": "Elsewhere"}])
                if request.path == COURSES
                else None
            )
        )
        assert helper.course_name(other.url, dataset.BIG_COURSE_ID) == "Elsewhere"
        assert helper.course_name(fake360.url, dataset.BIG_COURSE_ID) == NAMES[dataset.BIG_COURSE_ID]


def test_a_file_of_the_previous_layout_gains_the_catalogue(fake360: Fake360, cache: Path) -> None:
    """The helper's own file with only the user directory's tables (user_version 3): its tables are made
    again, the catalogue's with them."""
    cache.parent.mkdir(parents=True)
    with closing(sqlite3.connect(cache)) as connection, connection:
        connection.executescript(
            "CREATE TABLE learning360_directories (host TEXT PRIMARY KEY, refreshed_at REAL NOT NULL,"
            " email_miss_at REAL);"
            "CREATE TABLE learning360_users (host TEXT NOT NULL, user_id TEXT NOT NULL, mail TEXT,"
            " mail_key TEXT, status TEXT, PRIMARY KEY (host, user_id));"
            f"PRAGMA application_id = {helper._APPLICATION_ID}; PRAGMA user_version = 3;"
        )
    assert helper.course_name(fake360.url, dataset.BIG_COURSE_ID) == NAMES[dataset.BIG_COURSE_ID]
    with closing(sqlite3.connect(cache)) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (helper._SCHEMA_VERSION,)


def test_a_broken_listing_keeps_the_stored_copy(fake360: Fake360, cache: Path) -> None:
    helper.course_name(fake360.url, dataset.BIG_COURSE_ID)
    age_catalogue(cache, 2 * helper.MISS_REFRESH_AFTER)
    fake360.add_hook(
        lambda request: (
            Reply(404, {"error": {"code": "x", "message": "gone"}}) if request.path == COURSES else None
        )
    )
    with pytest.raises(helper.Learning360Error, match="404"):
        helper.course_name(fake360.url, UNKNOWN)
    with closing(sqlite3.connect(cache)) as connection:
        assert connection.execute("SELECT COUNT(*) FROM learning360_courses").fetchone() == (
            len(dataset.COURSES),
        )


def test_async_variants(fake360: Fake360) -> None:
    async def main() -> tuple[str, dict[str, str]]:
        return await asyncio.gather(
            helper.acourse_name(fake360.url, dataset.BIG_COURSE_ID),
            helper.acourse_names(fake360.url, iter(NAMES)),
        )

    name, names = asyncio.run(main())
    assert (name, names) == (NAMES[dataset.BIG_COURSE_ID], NAMES)
    assert catalogue_reads(fake360) == 1 and len(fake360.token_requests) == 1
