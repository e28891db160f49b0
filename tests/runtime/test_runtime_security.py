"""The helper module against a 360Learning, a network or a machine that try to make it leak or lie.

Where its access token and client secret may go (the configured host only, never in clear text across
the network), what it makes of answers it cannot fully understand (an error, never a short list), which
SQLite file it agrees to write (its own only), and which user an email resolves to (never a near miss).
Every case runs against the fake 360Learning; a second fake stands in for a foreign host and shows
whether anything reached it.
"""

from __future__ import annotations

import re
import sqlite3
import stat
import sys
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from fake360 import Fake360, RecordedRequest, Reply, dataset
from fake360.server import MULTI_REL_LINK, SPLIT_LINK, LinkFields, MalformedRecord, Redirect
from support.v2_schema import token_of

from codemods.runtime import learning360_v2 as helper

ADA = dataset.user_id_of(dataset.POWER_USER_EMAIL)
BIG = dataset.BIG_COURSE_ID
STATS = "/api/v2/courses/stats"
USERS = "/api/v2/users"
TOKEN = "/api/v2/oauth2/token"
#: Ada's attempts on the big course: 612 records, two pages of 500.
ADA_ON_BIG = [a.id for a in dataset.ATTEMPTS if a.course_id == BIG and a.user_id == ADA]

#: The helper configured for the fake (see conftest.py).
pytestmark = pytest.mark.usefixtures("v2_environment")


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff waits of a few hundredths of a second."""
    monkeypatch.setattr(helper, "BACKOFF_FIRST", 0.01)
    monkeypatch.setattr(helper, "BACKOFF_MAX", 0.04)


@pytest.fixture
def foreign() -> Iterator[Fake360]:
    """Another host: it answers like 360Learning would, and its log shows what reached it."""
    with Fake360() as server:
        yield server


def ada_on_big(fake: Fake360, **options: Any) -> list[str]:
    return [
        record["_id"] for record in helper.list_course_stats(fake.url, course_id=BIG, user_id=ADA, **options)
    ]


# -- redirects ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_the_same_host_is_followed(fake360: Fake360, status: int) -> None:
    fake360.inject(STATS, Redirect(status=status), skip=1)
    assert ada_on_big(fake360) == ADA_ON_BIG
    second, redirected = fake360.requests_to(STATS)[1:]
    assert second.query == redirected.query
    assert redirected.header("authorization") == second.header("authorization")


def _port_only(fake: Fake360) -> str:
    return fake.url


def _other_name(fake: Fake360) -> str:
    return fake.url.replace("127.0.0.1", "localhost")


@pytest.mark.parametrize("page", [0, 1], ids=["first-page", "second-page"])
@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("host", [_port_only, _other_name], ids=["other-port", "other-name"])
def test_a_redirect_to_another_host_is_refused_before_any_token_goes_there(
    fake360: Fake360, foreign: Fake360, page: int, status: int, host: Any
) -> None:
    foreign.add_hook(lambda request: None)  # it would answer; nothing must ask it
    fake360.inject(STATS, Redirect(host(foreign), status), skip=page)
    with pytest.raises(helper.Learning360Error) as raised:
        ada_on_big(fake360)
    message = str(raised.value)
    assert f"with a redirect ({status}) to {host(foreign)}{STATS}" in message
    assert "not followed, the access token goes to" in message and "fake-v2-token" not in message
    assert foreign.requests == []
    assert len(fake360.requests_to(STATS)) == page + 1


@pytest.mark.parametrize("target", ["same-host", "other-host"])
def test_the_token_request_is_never_redirected(fake360: Fake360, foreign: Fake360, target: str) -> None:
    fake360.inject(TOKEN, Redirect("" if target == "same-host" else foreign.url, 307))
    with pytest.raises(helper.Learning360Error, match=r"redirect \(307\) .* the client secret goes to"):
        helper.list_course_stats(fake360.url, course_id=BIG)
    assert foreign.requests == []
    assert len(fake360.token_requests) == 1
    assert fake360.requests_to(STATS) == []


# -- plain HTTP -----------------------------------------------------------------------------------------


class NoNetwork:
    """Stands in for the helper's opener: records what would be sent, and refuses to connect."""

    def __init__(self) -> None:
        self.sent: list[urllib.request.Request] = []

    def __call__(self) -> NoNetwork:
        return self

    def open(self, request: urllib.request.Request, timeout: float) -> Any:
        self.sent.append(request)
        raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> NoNetwork:
    network = NoNetwork()
    monkeypatch.setattr(helper, "_opener", network)
    return network


@pytest.mark.parametrize(
    "host",
    [
        "http://lms.acme.example",
        "http://LMS.acme.example:8080/api/v1",
        "http://10.1.2.3",
        "http://[2001:db8::1]",
    ],
)
@pytest.mark.parametrize(
    "call",
    [
        lambda host: helper.list_course_stats(host, course_id=BIG),
        lambda host: helper.resolve_user_id(host, dataset.POWER_USER_EMAIL),
        lambda host: helper.user_mails(host, [ADA]),
    ],
    ids=["list_course_stats", "resolve_user_id", "user_mails"],
)
def test_plain_http_to_another_machine_is_refused_before_any_connection(
    no_network: NoNetwork, host: str, call: Any
) -> None:
    with pytest.raises(helper.Learning360Error) as raised:
        call(host)
    message = str(raised.value)
    assert message.startswith("refusing plain HTTP to http://") and helper.ENV_ALLOW_HTTP in message
    assert no_network.sent == []


@pytest.mark.parametrize("host", ["file:///etc/passwd", "ftp://lms.acme.example", "https://", "data:,[]"])
def test_a_host_that_is_not_an_http_url_is_refused(no_network: NoNetwork, host: str) -> None:
    with pytest.raises(helper.Learning360Error, match="must be an https:// URL"):
        helper.list_course_stats(host)
    assert no_network.sent == []


def test_plain_http_allowed_by_the_environment_is_warned_about(
    no_network: NoNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(helper.ENV_ALLOW_HTTP, "1")
    with (
        pytest.warns(helper.InsecureTransportWarning, match=r"plain HTTP at http://lms\.acme\.example:80"),
        pytest.raises(helper.Learning360Error, match="cannot reach"),
    ):
        helper.list_course_stats("http://lms.acme.example", course_id=BIG)
    (sent,) = no_network.sent
    assert sent.full_url == "http://lms.acme.example" + TOKEN


def test_plain_http_to_this_machine_is_allowed_without_a_word(fake360: Fake360) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ada_on_big(fake360) == ADA_ON_BIG
        assert len(helper.list_course_stats(fake360.url.replace("127.0.0.1", "localhost"), course_id=BIG))


def test_a_next_link_of_another_scheme_is_refused_before_it_is_asked(fake360: Fake360) -> None:
    """From an http:// base (the fake's) to https:// on the same host and port; an https:// base with an
    http:// link is refused by the same comparison of origins (scheme, host and port)."""

    def upgrade(request: RecordedRequest) -> Reply | None:
        if request.path != STATS:
            return None
        link = fake360.url.replace("http://", "https://") + STATS + "?next=x"
        return Reply(200, [], {"Link": f'<{link}>; rel="next"'})

    fake360.add_hook(upgrade)
    with pytest.raises(helper.Learning360Error, match="next page is on another host or scheme: https://"):
        helper.list_course_stats(fake360.url)
    assert len(fake360.requests_to(STATS)) == 1
    down = '<http://app.360learning.com/api/v2/courses/stats?next=x>; rel="next"'
    with pytest.raises(helper.Learning360Error, match="not followed, the access token goes to https://"):
        helper._next_url("https://app.360learning.com", "https://app.360learning.com" + STATS, [down])


# -- pagination ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(SPLIT_LINK, id="next-in-a-second-field"),
        pytest.param(MULTI_REL_LINK, id="several-links-and-relations-in-one-field"),
        pytest.param(('<{next}>; rel="prev next"',), id="prev-next"),
        pytest.param(("<{next}>;rel=next",), id="token-value"),
        pytest.param(
            ('<{first}>; REL="First" ; anchor="#x"', ' <{next}> ; Rel = "NEXT" ; rel="last"'), id="case"
        ),
    ],
)
@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_every_page_is_read_whatever_the_form_of_the_link(
    fake360: Fake360, fields: tuple[str, ...], absolute: bool
) -> None:
    fake360.page_size = 100
    fake360.absolute_links = absolute
    fake360.link_fields = fields
    assert ada_on_big(fake360) == ADA_ON_BIG
    assert len(fake360.requests_to(STATS)) == 7


def test_links_are_read_as_rfc_8288_writes_them() -> None:
    fields = [
        '<https://h/a?x=1,2>; rel="next"; title="one, two; three", <https://h/b>; rel="prev"',
        "",
        '<https://h/c>; title="say \\"hi\\""; rel=first; rel=next',
    ]
    assert helper._parse_links(fields) == [
        ("https://h/a?x=1,2", {"rel": "next", "title": "one, two; three"}),
        ("https://h/b", {"rel": "prev"}),
        ("https://h/c", {"title": 'say "hi"', "rel": "first"}),  # a second rel does not count
    ]


def test_a_link_without_next_ends_the_list(fake360: Fake360) -> None:
    fake360.page_size = 100
    fake360.inject(STATS, LinkFields(('<{first}>; rel="first"',)), skip=6)  # the last page
    assert ada_on_big(fake360) == ADA_ON_BIG


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(('<{next}; rel="next"',), "no '>' closes the link's target", id="unclosed-target"),
        pytest.param(('{next}; rel="next"',), "'<' expected", id="no-brackets"),
        pytest.param(('<{next}>; rel="next',), "the quoted string is not closed", id="unclosed-quote"),
        pytest.param(('<{next}> rel="next"',), "';' or ',' expected", id="no-semicolon"),
        pytest.param(('<{next}>; rel="next"', '<{first}>; rel="next"'), "names several next pages", id="two"),
    ],
)
def test_a_link_that_cannot_be_understood_is_an_error_never_a_short_list(
    fake360: Fake360, fields: tuple[str, ...], expected: str
) -> None:
    fake360.page_size = 100
    fake360.inject(STATS, LinkFields(fields), skip=2)
    with pytest.raises(helper.Learning360Error) as raised:
        ada_on_big(fake360)
    third = fake360.requests_to(STATS)[2]
    assert f"Link header on GET {fake360.url}{STATS}?next={third.query['next'][0]}" in str(raised.value)
    assert expected in str(raised.value)
    assert len(fake360.requests_to(STATS)) == 3


# -- records ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "shown"),
    [
        pytest.param(42, "42", id="number"),
        pytest.param("64c000000000000000000001", '"64c000000000000000000001"', id="string"),
        pytest.param(None, "null", id="null"),
        pytest.param([{"_id": "x"}], '[{"_id": "x"}]', id="list"),
        pytest.param({"progress": 10}, '{"progress": 10}', id="no-id"),
        pytest.param({"_id": ""}, '{"_id": ""}', id="empty-id"),
        pytest.param({"_id": 7}, '{"_id": 7}', id="id-not-a-string"),
    ],
)
@pytest.mark.parametrize("path", [STATS, USERS])
def test_an_item_that_is_not_a_record_is_an_error_naming_the_url(
    fake360: Fake360, item: Any, shown: str, path: str
) -> None:
    fake360.page_size = 10
    fake360.inject(path, MalformedRecord(item, position=3), skip=1)
    with pytest.raises(helper.Learning360Error) as raised:
        if path == STATS:
            ada_on_big(fake360)
        else:
            helper.resolve_user_id(fake360.url, dataset.IDLE_USER_EMAIL)
    second = fake360.requests_to(path)[1]
    message = str(raised.value)
    assert "page 2 of GET" in message and "holds an item that is not a record" in message
    assert f"item 4 of GET {fake360.url}{path}?next={second.query['next'][0]} is {shown}" in message


def test_a_huge_item_is_shown_cut(fake360: Fake360) -> None:
    fake360.inject(STATS, MalformedRecord("x" * 5000))
    with pytest.raises(helper.Learning360Error, match=r'is "x{99}…$'):
        ada_on_big(fake360)


# -- the user directory file -------------------------------------------------------------------------------

#: The SQLite file of an application that shares a machine with the helper.
APP_SCHEMA = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT NOT NULL);"
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL);"
)
#: The tables the helper made before it marked its file (user_version 2).
UNMARKED_SCHEMA = (
    "CREATE TABLE directories (host TEXT PRIMARY KEY, refreshed_at REAL NOT NULL, email_miss_at REAL);"
    "CREATE TABLE users (host TEXT NOT NULL, user_id TEXT NOT NULL, mail TEXT, mail_key TEXT, status TEXT,"
    " PRIMARY KEY (host, user_id));"
    "CREATE INDEX users_by_mail ON users (host, mail_key);"
)


def application_database(path: Path, *, schema: str = APP_SCHEMA, pragmas: str = "") -> Path:
    """A database of 100 users (and whatever else ``schema`` makes), readable by all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    insert = (
        "INSERT INTO users (host, user_id, mail) VALUES ('app', ?, ?)"
        if "host TEXT" in schema
        else "INSERT INTO users (id, mail) VALUES (?, ?)"
    )
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(schema + pragmas)
        connection.executemany(insert, [(i, f"u{i}@app.example") for i in range(100)])
        connection.commit()
    path.chmod(0o644)
    return path


def contents(path: Path) -> tuple[bytes, int, str, list[str]]:
    """What an application would notice: the bytes, the mode, the journal mode, the files beside it."""
    with closing(sqlite3.connect(path)) as connection:
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
    beside = sorted(p.name for p in path.parent.iterdir() if p.name != path.name)
    return path.read_bytes(), stat.S_IMODE(path.stat().st_mode), journal, beside


def count_rows(path: Path, table: str = "users") -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def lookups(fake: Fake360) -> list[Any]:
    return [
        lambda: helper.resolve_user_id(fake.url, dataset.POWER_USER_EMAIL),
        lambda: helper.user_mail(fake.url, ADA),
        lambda: helper.user_mails(fake.url, [ADA]),
        lambda: helper.course_stats_by_user(fake.url, course_id="64b000000000000000000004"),
        lambda: helper.course_name(fake.url, "64b000000000000000000004"),
        lambda: helper.course_names(fake.url, ["64b000000000000000000004"]),
    ]


@pytest.mark.parametrize(
    ("schema", "pragmas", "why"),
    [
        pytest.param(APP_SCHEMA, "", r"did not make \(tables: orders, users\)", id="application"),
        pytest.param(APP_SCHEMA, "PRAGMA journal_mode=WAL;", "did not make", id="application-in-wal-mode"),
        pytest.param(
            APP_SCHEMA,
            "PRAGMA application_id = 1234;",
            r"another application \(application_id 0x4d2\)",
            id="marked",
        ),
        pytest.param(UNMARKED_SCHEMA, "", "did not make", id="same-tables-not-version-2"),
        pytest.param(
            UNMARKED_SCHEMA + "CREATE TABLE orders (id INTEGER);",
            "PRAGMA user_version = 2;",
            r"tables: directories, orders, users",
            id="same-tables-and-one-more",
        ),
    ],
)
@pytest.mark.parametrize("through", ["path", "symlink"])
def test_another_applications_database_is_never_touched(
    fake360: Fake360,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    schema: str,
    pragmas: str,
    why: str,
    through: str,
) -> None:
    database = application_database(tmp_path / "app" / "app.sqlite3", schema=schema, pragmas=pragmas)
    before = contents(database)
    if through == "symlink":
        (tmp_path / "cache").mkdir()
        (tmp_path / "cache" / "users.sqlite3").symlink_to(database)
        why = "is a symbolic link, which the helper does not follow"
    monkeypatch.setenv(
        helper.ENV_USER_CACHE,
        str(tmp_path / ("app/app.sqlite3" if through == "path" else "cache/users.sqlite3")),
    )
    for lookup in lookups(fake360):
        with pytest.raises(helper.UserCacheError, match=why) as raised:
            lookup()
        assert helper.ENV_USER_CACHE in str(raised.value)
    assert contents(database) == before
    assert count_rows(database) == 100
    assert fake360.requests_to(USERS) == []
    assert fake360.requests_to("/api/v2/courses") == []


def test_a_symlink_to_an_empty_file_is_not_followed(
    fake360: Fake360, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere" / "empty"
    target.parent.mkdir()
    target.touch(mode=0o644)
    link = tmp_path / "cache" / "users.sqlite3"
    link.parent.mkdir()
    link.symlink_to(target)
    dangling = tmp_path / "cache" / "dangling.sqlite3"
    dangling.symlink_to(tmp_path / "elsewhere" / "missing")
    for path in (link, dangling):
        monkeypatch.setenv(helper.ENV_USER_CACHE, str(path))
        with pytest.raises(helper.UserCacheError, match="is a symbolic link"):
            helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    assert target.read_bytes() == b"" and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["empty"]


@pytest.mark.parametrize("kind", ["directory", "text", "parent-is-a-file"])
def test_a_path_that_cannot_be_a_cache_is_refused_as_learning360_error(
    fake360: Fake360, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "cache"
    if kind == "directory":
        path.mkdir()
    elif kind == "text":
        path.write_text("name,mail\nada,ada@example.com\n" * 50)
    else:
        path.write_text("a file")
        path = path / "users.sqlite3"
    before = sorted((p.name, p.read_bytes() if p.is_file() else b"") for p in tmp_path.rglob("*"))
    monkeypatch.setenv(helper.ENV_USER_CACHE, str(path))
    with pytest.raises(helper.UserCacheError, match=re.escape(str(path))) as raised:
        helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    expected = {
        "directory": "is not a regular file",
        "text": r"is damaged or no SQLite database, and its header is not the helper's \(file is not a",
        "parent-is-a-file": rf"cannot be used: File exists \({re.escape(str(path.parent))}\)",
    }[kind]
    assert re.search(expected, str(raised.value)), raised.value
    assert sorted((p.name, p.read_bytes() if p.is_file() else b"") for p in tmp_path.rglob("*")) == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_new_or_empty_cache_is_made_private_and_an_old_one_tightened(fake360: Fake360, cache: Path) -> None:
    cache.parent.mkdir(parents=True)
    cache.touch(mode=0o644)  # empty: the helper's to use
    assert helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL) == ADA
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    with closing(sqlite3.connect(cache)) as connection:
        assert connection.execute("PRAGMA application_id").fetchone() == (helper._APPLICATION_ID,)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        # As an older helper left it: readable by all, its write-ahead log too.
        cache.chmod(0o644)
        connection.execute("SELECT COUNT(*) FROM learning360_users").fetchone()
        wal = cache.with_name(cache.name + "-wal")
        wal.chmod(0o644)
        assert helper.user_mail(fake360.url, ADA) == dataset.POWER_USER_EMAIL
        assert stat.S_IMODE(cache.stat().st_mode) == stat.S_IMODE(wal.stat().st_mode) == 0o600


def test_the_file_an_earlier_helper_wrote_is_adopted(fake360: Fake360, cache: Path) -> None:
    cache.parent.mkdir(parents=True)
    with closing(sqlite3.connect(cache)) as connection:
        connection.executescript(
            UNMARKED_SCHEMA + f"INSERT INTO directories VALUES ('{fake360.url}', 1e12, NULL);"
            f"INSERT INTO users VALUES ('{fake360.url}', '{'e' * 24}', 'old@example.com', 'old@example.com',"
            " 'active'); PRAGMA user_version = 2; PRAGMA journal_mode=WAL;"
        )
    assert helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL) == ADA
    with closing(sqlite3.connect(cache)) as connection:
        assert connection.execute("PRAGMA application_id").fetchone() == (helper._APPLICATION_ID,)
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        assert tables.fetchall() == [
            ("learning360_catalogues",),
            ("learning360_courses",),
            ("learning360_directories",),
            ("learning360_users",),
        ]
    assert len(fake360.requests_to(USERS)) == 1


@pytest.mark.parametrize("damage", ["pages", "truncated", "wal-and-pages"])
def test_a_damaged_cache_of_its_own_is_built_again_with_a_warning(
    fake360: Fake360, cache: Path, damage: str
) -> None:
    fake360.page_size = 7
    assert helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL) == ADA
    data = cache.read_bytes()
    assert len(data) > 8192
    if damage == "truncated":
        cache.write_bytes(data[:4196])
    else:
        cache.write_bytes(data[:4096] + b"\x55" * (len(data) - 4096))
    if damage == "wal-and-pages":
        cache.with_name(cache.name + "-wal").write_bytes(b"\x00" * 100)
    with pytest.warns(
        helper.UserCacheWarning, match=r"was damaged \(.*\): it is built again from 360Learning"
    ):
        assert helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL) == ADA
    assert helper.user_mail(fake360.url, ADA) == dataset.POWER_USER_EMAIL
    with closing(sqlite3.connect(cache)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT COUNT(*) FROM learning360_users").fetchone() == (
            len(dataset.USERS),
        )
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert sum("next" not in request.query for request in fake360.requests_to(USERS)) == 2


# -- every failure is a Learning360Error -----------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        # Timeouts of the wrong type, as untyped code may pass them.
        pytest.param(lambda url: helper.list_course_stats(url, timeout=cast(Any, "soon")), id="timeout-text"),
        pytest.param(
            lambda url: helper.list_course_stats(url, timeout=cast(Any, object())), id="timeout-object"
        ),
        pytest.param(lambda url: helper.list_course_stats(url + "/\x00x"), id="control-character"),
        pytest.param(
            lambda url: helper.list_course_stats(url, course_id="a b\r\nX-Injected: 1"), id="header"
        ),
        pytest.param(lambda url: helper.list_course_stats("https://[::1"), id="broken-brackets"),
        pytest.param(lambda url: helper.list_course_stats("http://127.0.0.1:99999"), id="port-out-of-range"),
    ],
)
def test_bad_arguments_are_learning360_errors(fake360: Fake360, call: Any) -> None:
    with pytest.raises(helper.Learning360Error):
        call(fake360.url)
    assert fake360.requests_to(STATS) == [] or all("X-Injected" not in r.headers for r in fake360.requests)


# -- emails ----------------------------------------------------------------------------------------------


def _user(hex_pair: str, mail: str, status: str = "active") -> dataset.User:
    return dataset.User(hex_pair * 12, mail, status, "Test", "User", "en")


STRASSE = _user("a1", "strasse@example.com")
STRASSE_SZ = _user("a2", "straße@example.com")
KELVIN = _user("a3", "\u212aate@example.com")  # KELVIN SIGN, which casefold() makes a "k"
PAT_CAPITAL = _user("a4", "Pat@example.com")
PAT = _user("a5", "pat@example.com")
SAM_DELETED = _user("a6", "sam@example.com", "deleted")
SAM = _user("a7", "Sam@Example.com")
LOOK_ALIKES = [STRASSE, STRASSE_SZ, KELVIN, PAT_CAPITAL, PAT, SAM_DELETED, SAM]


@pytest.fixture
def look_alikes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake's users, and users whose emails look alike."""
    monkeypatch.setattr(dataset, "USERS", (*dataset.USERS, *LOOK_ALIKES))


@pytest.mark.usefixtures("look_alikes")
@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("strasse@example.com", STRASSE.id),
        ("straße@example.com", STRASSE_SZ.id),
        ("STRASSE@Example.com", STRASSE.id),
        ("STRAßE@EXAMPLE.COM", STRASSE_SZ.id),
        ("kate@example.com", helper.UserNotFoundError),
        ("KATE@example.com", helper.UserNotFoundError),
        ("\u212aATE@EXAMPLE.COM", KELVIN.id),
        ("pat@example.com", PAT.id),
        ("Pat@example.com", PAT_CAPITAL.id),
        ("PAT@example.com", helper.AmbiguousEmailError),
        ("sam@example.com", helper.DeletedUserError),  # exactly the deleted user's
        ("SAM@EXAMPLE.COM", SAM.id),  # the deleted user is no candidate beside an active one
        (dataset.MIXED_CASE_USER_EMAIL.lower(), dataset.user_id_of(dataset.MIXED_CASE_USER_EMAIL)),
        (dataset.MIXED_CASE_USER_EMAIL, dataset.user_id_of(dataset.MIXED_CASE_USER_EMAIL)),
    ],
)
def test_an_email_resolves_to_its_own_user_or_to_an_error(
    fake360: Fake360, email: str, expected: str | type[Exception]
) -> None:
    if isinstance(expected, str):
        assert helper.resolve_user_id(fake360.url, email) == expected
    else:
        with pytest.raises(expected):
            helper.resolve_user_id(fake360.url, email)


@pytest.mark.usefixtures("look_alikes")
def test_an_ambiguous_email_names_every_candidate(fake360: Fake360, cache: Path) -> None:
    helper.resolve_user_id(fake360.url, dataset.POWER_USER_EMAIL)
    with closing(sqlite3.connect(cache)) as connection, connection:  # older than a minute: may refresh
        connection.execute("UPDATE learning360_directories SET refreshed_at = refreshed_at - 120")
    with pytest.raises(helper.AmbiguousEmailError) as raised:
        helper.resolve_user_id(fake360.url, " PAT@example.com ")
    assert str(raised.value) == (
        f"the email 'PAT@example.com' matches several 360Learning users on {fake360.url}:"
        f" {PAT_CAPITAL.id!r} ('Pat@example.com'), {PAT.id!r} ('pat@example.com'); their emails differ"
        " only by case: give the id, or the email exactly as 360Learning has it"
    )
    assert sum("next" not in request.query for request in fake360.requests_to(USERS)) == 2


@pytest.mark.usefixtures("look_alikes")
@pytest.mark.parametrize(
    ("mail", "expected"),
    [
        ("STRASSE@example.com", [STRASSE.id]),
        ("straße@example.com", [STRASSE_SZ.id]),
        ("kate@example.com", []),
        ("PAT@example.com", [PAT_CAPITAL.id, PAT.id]),
        (dataset.MIXED_CASE_USER_EMAIL.lower(), [dataset.user_id_of(dataset.MIXED_CASE_USER_EMAIL)]),
    ],
)
def test_the_fakes_mail_filter_ignores_ascii_case_only(
    fake360: Fake360, mail: str, expected: list[str]
) -> None:
    answer = requests.get(
        fake360.url + USERS,
        params={"mail[eq]": mail},
        headers={"Authorization": f"Bearer {token_of(fake360)}", "360-api-version": "v2.0"},
        timeout=10,
    )
    assert [user["_id"] for user in answer.json()] == expected
