"""A fake 360Learning on 127.0.0.1 that answers the v1 course statistics endpoints and their v2 successor.

Tests run real programs, original and migrated, against it: it is a real HTTP server, in a daemon thread
of the test process, serving one dataset (``dataset.py``) through both API versions. v2 is served as the
official OpenAPI subset describes it: OAuth client-credentials tokens, the ``360-api-version`` header,
left-hand-side bracket filters, pages of ``page_size`` records chained by ``Link: <…>; rel="next"``.
Besides course statistics and users, v2 serves the course catalogue (List all courses, paged the same
way, and Retrieve a course, 404 for an unknown id), where migrated code finds course names.

Every request is recorded (``Fake360.requests``) so tests can assert what a client sent. Hooks added with
``Fake360.add_hook`` run before each answer and may replace it.

Faults are injected per path with ``Fake360.inject``: the next requests to that path meet them one each,
in order (429 bursts with or without ``Retry-After``, 5xx, slow answers, dropped connections, malformed
JSON, a ``Link`` that loops back, a page served twice, a redirect to this host or to another, ``Link``
header fields of one's choosing, an item that is not a record). ``link_fields`` sets how every page
writes its next link: in one field, in a second field, or among other links with several relation
types. A second
``Fake360`` stands in for a foreign host: its log shows whether a client sent it anything.
``token_max_uses`` makes every token expire after that many v2 calls: 401 ``invalid_token`` until the
client asks for a new one.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from . import dataset
from .dataset import Attempt

V1_COURSE_STATS = re.compile(r"/api/v1/courses/stats/?")
V1_COURSE_STATS_ONE = re.compile(r"/api/v1/courses/(?P<course>[^/]+)/stats/?")
V1_USER_COURSE_STATS = re.compile(r"/api/v1/courses/(?P<course>[^/]+)/stats/(?P<user>[^/]+)/?")
V1_USER_COURSES = re.compile(r"/api/v1/users/(?P<user>[^/]+)/courses/?")
V2_TOKEN = "/api/v2/oauth2/token"
V2_COURSE_STATS = "/api/v2/courses/stats"
V2_USERS = "/api/v2/users"
V2_COURSES = "/api/v2/courses"
V2_COURSE = re.compile(r"/api/v2/courses/(?P<course>[^/]+)/?")
API_VERSION = "v2.0"

_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
_BRACKET = re.compile(r"(?P<field>\w+)\[(?P<op>\w+)\]")
#: v2 filters: field → operators it accepts.
_COURSE_STATS_FILTERS = {
    "courseId": ("eq", "ne", "in", "nin"),
    "userId": ("eq", "ne", "in", "nin"),
    "completedAt": ("lt", "gte"),
}
_USERS_FILTERS = {"mail": ("eq", "ne", "in", "nin"), "status": ("eq", "ne")}
_COURSES_FILTERS = {"status": ("eq",), "type": ("eq",)}
#: v1 date filters: query parameter → (attempt attribute, True for "on or after", False for "before").
_V1_DATE_FILTERS = {
    "createdAtAfter": ("created_at", True),
    "createdAtBefore": ("created_at", False),
    "firstActivityAtAfter": ("first_activity", True),
    "firstActivityAtBefore": ("first_activity", False),
    "lastActivityAtAfter": ("last_activity", True),
    "lastActivityAtBefore": ("last_activity", False),
}

Filters = dict[str, list[str]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    #: The path as sent, still percent-encoded, without the query.
    path: str
    #: Decoded query parameters (brackets included in the names), each with every value it was given.
    query: dict[str, list[str]]
    #: Header names in lower case.
    headers: dict[str, str]
    #: The JSON body, when there was one.
    body: Any = None
    #: When the request arrived (``time.monotonic()``).
    received_at: float = field(default=0.0, compare=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Reply:
    """An answer: a status, a JSON body and extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    #: Sent as the body instead of ``body``'s JSON: for answers that are not JSON.
    raw: bytes | None = None
    #: No answer at all: the connection is closed ("close") or reset ("reset") once the request is read.
    drop: Literal["close", "reset"] | None = None
    #: Header fields sent after ``headers``, in order: a name may come more than once (``Link``).
    fields: tuple[tuple[str, str], ...] = ()


# -- faults ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimited:
    """429 ``tooManyRequests``, with ``Retry-After: retry_after`` when given (seconds or an HTTP date)."""

    retry_after: str | None = None


@dataclass(frozen=True)
class ServerError:
    """A 5xx answer carrying a domain error."""

    status: int = 500


@dataclass(frozen=True)
class Slow:
    """The usual answer, ``seconds`` late: long enough, in tests, for the client's timeout to end the call."""

    seconds: float


@dataclass(frozen=True)
class Dropped:
    """No answer: the connection is closed once the request is read, or reset (TCP RST) with ``reset``."""

    reset: bool = False


@dataclass(frozen=True)
class MalformedJson:
    """A 200 whose body stops in the middle of its JSON."""


@dataclass(frozen=True)
class LinkBack:
    """A v2 page as usual, except that its ``Link`` points back to the previous page (the first page's
    points to itself): following the links never ends."""


@dataclass(frozen=True)
class RepeatedPage:
    """A v2 page that holds the previous page's records again (the first page holds its own), with a
    ``Link`` that moves on as usual: the records of this page are never served."""


@dataclass(frozen=True)
class Redirect:
    """A redirect (``status``) to the same path and query on ``to``, an origin such as another fake's
    ``url``; on this very server when ``to`` is empty (a relative ``Location``)."""

    to: str = ""
    status: int = 302


@dataclass(frozen=True)
class LinkFields:
    """A v2 page as usual, whose ``Link`` header fields are ``fields`` instead of the fake's own
    ``link_fields`` (templates: see ``Fake360``), sent even on the last page."""

    fields: tuple[str, ...]


@dataclass(frozen=True)
class MalformedRecord:
    """A v2 page as usual with ``item`` (any JSON value: not an object, an object without ``_id``…)
    inserted at ``position`` among its records."""

    item: Any
    position: int = 0


Fault = (
    RateLimited
    | ServerError
    | Slow
    | Dropped
    | MalformedJson
    | LinkBack
    | RepeatedPage
    | Redirect
    | LinkFields
    | MalformedRecord
)
#: How the fake writes a next link: one ``Link`` field, ``{next}`` standing for the next page's URL and
#: ``{first}`` for the first page's.
PLAIN_LINK = ('<{next}>; rel="next"',)
#: The next link in a second ``Link`` header field, after one for the first page.
SPLIT_LINK = ('<{first}>; rel="first"', '<{next}>; rel="next"')
#: Several links in one field, the next one with several relation types and a quoted parameter that
#: holds a comma and a semicolon.
MULTI_REL_LINK = ('<{first}>; rel=first, <{next}>; title="page after, that is; next"; rel="prefetch next"',)
#: The body of a MalformedJson answer.
MALFORMED_BODY = b'[{"_id": "64c000000000000000000001", "progress": 10'


#: Runs before each answer; returning a Reply sends it instead of the fake's own answer.
Hook = Callable[[RecordedRequest], "Reply | None"]


class _BadRequest(Exception):
    pass


def _error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}})


class Fake360:
    """The fake server. Use it as a context manager, or call ``start()`` and ``stop()``.

    Settings, all changeable while it runs: ``page_size`` (v2 records a page), ``absolute_links`` (the
    ``Link`` header carries an absolute URL instead of a relative one), ``token_expires_in`` (seconds)
    and ``token_expires_as_string`` (send it as ``"3600"``), ``token_max_uses`` (a token is revoked after
    that many v2 calls; None: never), ``v1_cap`` (v1 lists return at most that many attempts; None: all),
    ``v2_order`` (``"canonical"``: v2 lists attempts grouped by course and user, as v1 does;
    ``"interleaved"``: the first attempt of every course and user pair, then the second of each, and so
    on: the same records with no grouping, since v2 promises none).
    ``link_fields``: the templates of the ``Link`` header fields of a page that has a next one (one field
    each; ``PLAIN_LINK``, ``SPLIT_LINK``, ``MULTI_REL_LINK``).
    Faults: ``inject``.
    """

    def __init__(
        self,
        *,
        page_size: int = 500,
        absolute_links: bool = False,
        token_expires_in: int = 3600,
        token_expires_as_string: bool = False,
        token_max_uses: int | None = None,
        v1_cap: int | None = None,
        v2_order: str = "canonical",
    ) -> None:
        self.page_size = page_size
        self.absolute_links = absolute_links
        self.token_expires_in = token_expires_in
        self.token_expires_as_string = token_expires_as_string
        self.token_max_uses = token_max_uses
        self.v1_cap = v1_cap
        if v2_order not in ("canonical", "interleaved"):
            raise ValueError(f"unknown v2 order {v2_order!r}")
        self.v2_order = v2_order
        self.link_fields: tuple[str, ...] = PLAIN_LINK
        self._lock = threading.Lock()
        self._log: list[RecordedRequest] = []
        self._hooks: list[Hook] = []
        self._faults: dict[str, list[Fault | None]] = {}  # path → what its next requests meet (None: nothing)
        self._stopping = threading.Event()
        self._tokens: dict[str, list[float]] = {}  # token → [expires at (monotonic), uses]
        self._issued = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self) -> Fake360:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler, fake=self)
        server.daemon_threads = True
        self._server = server
        # A short poll interval makes stop() quick: tests start and stop a server each.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake360", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        self._stopping.set()  # ends the waits of Slow answers
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Fake360:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake 360Learning is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- what tests read and set ------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received since the last ``clear_log()``."""
        with self._lock:
            return list(self._log)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The recorded requests whose path is ``path``."""
        return [request for request in self.requests if request.path == path]

    @property
    def token_requests(self) -> list[RecordedRequest]:
        return self.requests_to(V2_TOKEN)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def add_hook(self, hook: Hook) -> None:
        with self._lock:
            self._hooks.append(hook)

    def clear_hooks(self) -> None:
        with self._lock:
            self._hooks.clear()

    def inject(self, path: str, *faults: Fault, skip: int = 0) -> None:
        """The next requests to ``path`` meet ``faults``, one each, in order, once ``skip`` requests to it
        were answered as usual; queued after the faults injected before on that path."""
        with self._lock:
            self._faults.setdefault(path, []).extend([None] * skip + list(faults))

    def pending_faults(self, path: str) -> int:
        """How many faults injected on ``path`` no request has met yet."""
        with self._lock:
            return sum(fault is not None for fault in self._faults.get(path, []))

    def revoke_tokens(self) -> None:
        """Every v2 token issued so far answers 401 from now on."""
        with self._lock:
            self._tokens.clear()

    def v1_env(self) -> dict[str, str]:
        """The environment of a v1 program run against this fake."""
        return {
            "LEARNING360_HOST": self.url,
            "LEARNING360_COMPANY": dataset.COMPANY_ID,
            "LEARNING360_API_KEY": dataset.V1_API_KEY,
        }

    def v2_env(self, cache_path: str | Path, *, company_id: str | None = None) -> dict[str, str]:
        """The environment of a migrated program run against this fake."""
        env = {
            "LEARNING360_HOST": self.url,
            "LEARNING360_CLIENT_ID": dataset.CLIENT_ID,
            "LEARNING360_CLIENT_SECRET": dataset.CLIENT_SECRET,
            "LEARNING360_USER_CACHE": str(cache_path),
        }
        if company_id is not None:
            env["LEARNING360_COMPANY_ID"] = company_id
        return env

    # -- answering ----------------------------------------------------------------------------------

    def answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._log.append(request)
            hooks = list(self._hooks)
            queue = self._faults.get(request.path)
            fault = queue.pop(0) if queue else None
        if isinstance(fault, RateLimited):
            headers = {} if fault.retry_after is None else {"Retry-After": fault.retry_after}
            return Reply(429, {"error": "tooManyRequests"}, headers)
        if isinstance(fault, ServerError):
            return _error(fault.status, "internalError", "the fake 360Learning failed on purpose")
        if isinstance(fault, Dropped):
            return Reply(0, None, drop="reset" if fault.reset else "close")
        if isinstance(fault, MalformedJson):
            return Reply(200, None, raw=MALFORMED_BODY)
        if isinstance(fault, Redirect):
            query = urlencode(request.query, doseq=True)
            location = f"{fault.to}{request.path}" + (f"?{query}" if query else "")
            return Reply(fault.status, {}, {"Location": location})
        if isinstance(fault, Slow):
            self._stopping.wait(fault.seconds)
        for hook in hooks:
            replaced = hook(request)
            if replaced is not None:
                return replaced
        try:
            return self._route(request, fault)
        except _BadRequest as problem:
            return _error(400, "invalid_request", str(problem))

    def _route(self, request: RecordedRequest, fault: Fault | None = None) -> Reply:
        path = request.path
        if request.method == "POST" and path == V2_TOKEN:
            return self._token(request)
        if request.method != "GET":
            return _error(405, "method_not_allowed", f"{request.method} {path}")
        if path == V2_COURSE_STATS:
            return self._v2_paged(request, _COURSE_STATS_FILTERS, self._course_stats, fault)
        if path == V2_USERS:
            return self._v2_paged(request, _USERS_FILTERS, self._users, fault)
        if path == V2_COURSES:
            return self._v2_paged(request, _COURSES_FILTERS, self._courses, fault)
        if match := V2_COURSE.fullmatch(path):
            return self._course(request, unquote(match["course"]))
        if path.startswith("/api/v1/"):
            return self._v1(request)
        return _error(404, "not_found", f"no route for {path}")

    # -- v2 -------------------------------------------------------------------------------------------

    def _token(self, request: RecordedRequest) -> Reply:
        body = request.body
        if not isinstance(body, dict):
            return Reply(400, {"error": "invalid_request"})
        if body.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        company = body.get("company_id")
        if (
            body.get("client_id") != dataset.CLIENT_ID
            or body.get("client_secret") != dataset.CLIENT_SECRET
            or company not in (None, dataset.COMPANY_ID)
        ):
            return Reply(401, {"error": "invalid_client"})
        with self._lock:
            self._issued += 1
            token = f"fake-v2-token-{self._issued:04d}"
            self._tokens[token] = [time.monotonic() + self.token_expires_in, 0]
        expires: int | str = (
            str(self.token_expires_in) if self.token_expires_as_string else self.token_expires_in
        )
        return Reply(200, {"token_type": "Bearer", "access_token": token, "expires_in": expires})

    def _authorized(self, request: RecordedRequest) -> bool:
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        with self._lock:
            state = self._tokens.get(token.strip())
            if state is None:
                return False
            state[1] += 1
            expired = time.monotonic() >= state[0]
            worn_out = self.token_max_uses is not None and state[1] > self.token_max_uses
            if expired or worn_out:
                del self._tokens[token.strip()]
                return False
        return True

    def _v2_refusal(self, request: RecordedRequest) -> Reply | None:
        """The answer to a v2 request without a valid token or the version header; None for one with both."""
        if not self._authorized(request):
            return Reply(401, {"error": "invalid_token"})
        if request.header("360-api-version") != API_VERSION:
            return _error(400, "invalid_api_version", f"the 360-api-version header must be {API_VERSION}")
        return None

    def _v2_paged(
        self,
        request: RecordedRequest,
        allowed: Mapping[str, tuple[str, ...]],
        select: Callable[[Filters], list[dict[str, Any]]],
        fault: Fault | None = None,
    ) -> Reply:
        refusal = self._v2_refusal(request)
        if refusal is not None:
            return refusal
        filters = _v2_filters({k: v for k, v in request.query.items() if k != "next"}, allowed)
        offset = 0
        if "next" in request.query:
            given = filters
            filters, offset = _read_cursor(request.query["next"])
            if given and given != filters:
                raise _BadRequest("the filters differ from those of the next cursor")
        records = select(filters)
        page_size = self.page_size
        previous = max(offset - page_size, 0)
        following = previous if isinstance(fault, LinkBack) else offset + page_size
        root = self.url if self.absolute_links else ""
        urls = {
            "next": f"{root}{request.path}?{urlencode({'next': _cursor(filters, following)})}",
            "first": f"{root}{request.path}?{urlencode({'next': _cursor(filters, 0)})}",
        }
        templates: tuple[str, ...] = ()
        if isinstance(fault, LinkFields):
            templates = fault.fields
        elif following < len(records):
            templates = self.link_fields
        fields = tuple(("Link", template.format(**urls)) for template in templates)
        served = previous if isinstance(fault, RepeatedPage) else offset
        page = records[served : served + page_size]
        if isinstance(fault, MalformedRecord):
            page.insert(fault.position, fault.item)
        return Reply(200, page, fields=fields)

    def _course_stats(self, filters: Filters) -> list[dict[str, Any]]:
        for name, values in filters.items():
            for value in values:
                if name.startswith(("courseId", "userId")) and not _OBJECT_ID.fullmatch(value):
                    raise _BadRequest(f"{name} expects 24-hex ids, got {value!r}")
                if name.startswith("completedAt"):
                    _date(name, value)
        chosen = [
            attempt
            for attempt in dataset.ATTEMPTS
            if _matches(filters, "courseId", attempt.course_id)
            and _matches(filters, "userId", attempt.user_id)
            and _completed_in(filters, attempt)
        ]
        if self.v2_order == "interleaved":
            rank: dict[tuple[str, str], int] = {}
            keyed = []
            for position, attempt in enumerate(chosen):
                pair = (attempt.course_id, attempt.user_id)
                rank[pair] = rank.get(pair, -1) + 1
                keyed.append((rank[pair], position, attempt))
            chosen = [attempt for *_, attempt in sorted(keyed, key=lambda k: k[:2])]
        return [attempt.v2() for attempt in chosen]

    def _users(self, filters: Filters) -> list[dict[str, Any]]:
        """The users, filtered; ``mail`` ignores the case of ASCII letters only (never ``casefold``, which
        makes ``straße`` and ``strasse`` one address)."""

        def lowered(values: list[str]) -> list[str]:
            return [dataset.ascii_lower(value) for value in values]

        mail_filters = {name: lowered(values) for name, values in filters.items() if name.startswith("mail")}
        return [
            user.v2()
            for user in dataset.USERS
            if _matches(mail_filters, "mail", dataset.ascii_lower(user.mail))
            and _matches(filters, "status", user.status)
        ]

    def _courses(self, filters: Filters) -> list[dict[str, Any]]:
        """The course catalogue, archived courses included, in the dataset's order."""
        return [
            course.v2()
            for course in dataset.COURSES
            if _matches(filters, "status", course.status) and _matches(filters, "type", course.v2()["type"])
        ]

    def _course(self, request: RecordedRequest, course_id: str) -> Reply:
        """Retrieve a course: 404 ``courseNotFound`` for an id no course has."""
        refusal = self._v2_refusal(request)
        if refusal is not None:
            return refusal
        if request.query:
            raise _BadRequest(f"unknown query parameters {', '.join(sorted(request.query))}")
        if not _OBJECT_ID.fullmatch(course_id):
            raise _BadRequest(f"courseId expects a 24-hex id, got {course_id!r}")
        course = dataset.course_by_id(course_id)
        if course is None:
            return _error(404, "courseNotFound", f"no course has the id {course_id}")
        return Reply(200, course.v2())

    # -- v1 -------------------------------------------------------------------------------------------

    def _v1_authorized(self, request: RecordedRequest) -> bool:
        query = {name: values[-1] for name, values in request.query.items()}
        by_query = query.get("company") == dataset.COMPANY_ID and query.get("apiKey") == dataset.V1_API_KEY
        by_headers = (
            request.header("x-company-id") == dataset.COMPANY_ID
            and request.header("x-apikey") == dataset.V1_API_KEY
        )
        by_bearer = request.header("authorization") == f"Bearer {dataset.V1_BEARER_TOKEN}"
        return by_query or by_headers or by_bearer

    def _v1(self, request: RecordedRequest) -> Reply:
        if not self._v1_authorized(request):
            return _error(401, "unauthorized", "missing or invalid v1 credentials")
        keep = _v1_date_filter(request.query)
        path = request.path
        if match := V1_COURSE_STATS.fullmatch(path):
            return Reply(200, self._v1_courses_stats(keep))
        if match := V1_USER_COURSE_STATS.fullmatch(path):
            course = dataset.course_by_id(unquote(match["course"]))
            if course is None:
                return _error(404, "courseNotFound", f"no course {unquote(match['course'])}")
            user = _v1_user(unquote(match["user"]))
            if user is None:
                return _error(404, "userNotFound", f"no user {unquote(match['user'])}")
            chosen = [
                a for a in dataset.ATTEMPTS if a.course_id == course.id and a.user_id == user.id and keep(a)
            ]
            return Reply(200, {"attempts": [a.v1() for a in self._capped(chosen)]})
        if match := V1_COURSE_STATS_ONE.fullmatch(path):
            course = dataset.course_by_id(unquote(match["course"]))
            if course is None:
                return _error(404, "courseNotFound", f"no course {unquote(match['course'])}")
            chosen = [a for a in dataset.ATTEMPTS if a.course_id == course.id and keep(a)]
            return Reply(200, [_v1_user_stats(user, group) for user, group in _by_user(self._capped(chosen))])
        if match := V1_USER_COURSES.fullmatch(path):
            user = _v1_user(unquote(match["user"]))
            if user is None:
                return _error(404, "userNotFound", f"no user {unquote(match['user'])}")
            chosen = [a for a in dataset.ATTEMPTS if a.user_id == user.id and keep(a)]
            return Reply(
                200,
                [
                    {"course": _v1_course(course_id), "attempts": [a.v1() for a in group]}
                    for course_id, group in _grouped(self._capped(chosen), lambda a: a.course_id)
                ],
            )
        return _error(404, "not_found", f"no route for {path}")

    def _v1_courses_stats(self, keep: Callable[[Attempt], bool]) -> list[dict[str, Any]]:
        chosen = self._capped([a for a in dataset.ATTEMPTS if keep(a)])
        return [
            {"course": _v1_course(course_id), "stats": [_v1_user_stats(u, g) for u, g in _by_user(group)]}
            for course_id, group in _grouped(chosen, lambda a: a.course_id)
        ]

    def _capped(self, attempts: list[Attempt]) -> list[Attempt]:
        return attempts if self.v1_cap is None else attempts[: self.v1_cap]


# -- helpers of the v2 answers ----------------------------------------------------------------------


def _v2_filters(query: dict[str, list[str]], allowed: Mapping[str, tuple[str, ...]]) -> Filters:
    filters: Filters = {}
    for name, values in query.items():
        match = _BRACKET.fullmatch(name)
        if match is None or match["op"] not in allowed.get(match["field"], ()):
            raise _BadRequest(f"unknown filter {name}")
        if match["op"] in ("in", "nin"):
            filters[name] = [part for value in values for part in value.split(",") if part]
        elif len(values) != 1:
            raise _BadRequest(f"{name} takes one value")
        else:
            filters[name] = list(values)
    return filters


def _matches(filters: Filters, field_name: str, value: str) -> bool:
    tests: tuple[tuple[str, Callable[[list[str]], bool]], ...] = (
        ("eq", lambda values: value in values),
        ("in", lambda values: value in values),
        ("ne", lambda values: value not in values),
        ("nin", lambda values: value not in values),
    )
    for op, test in tests:
        values = filters.get(f"{field_name}[{op}]")
        if values is not None and not test(values):
            return False
    return True


#: The only form v2's date filters take (its OpenAPI document: "Expected value format is a date
#: (YYYY-MM-DDThh:mm:ss.sssZ). The milliseconds are always set to 0."): a date alone, an offset, a missing
#: or non-zero millisecond part are refused, whatever the guides' tables say.
_V2_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z")


def _date(name: str, text: str) -> datetime:
    problem = f"{name} expects a date-time YYYY-MM-DDThh:mm:ss.sssZ with milliseconds 0, got {text!r}"
    if not _V2_DATE.fullmatch(text):
        raise _BadRequest(problem)
    try:
        return dataset.parse_iso(text)
    except ValueError:
        raise _BadRequest(problem) from None


def _completed_in(filters: Filters, attempt: Attempt) -> bool:
    gte, lt = filters.get("completedAt[gte]"), filters.get("completedAt[lt]")
    if gte is None and lt is None:
        return True
    if attempt.completed_at is None:
        return False
    completed = dataset.parse_iso(attempt.completed_at)
    return (gte is None or completed >= _date("completedAt[gte]", gte[0])) and (
        lt is None or completed < _date("completedAt[lt]", lt[0])
    )


def _cursor(filters: Filters, offset: int) -> str:
    raw = json.dumps({"f": filters, "o": offset}, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(values: list[str]) -> tuple[Filters, int]:
    try:
        text = values[-1]
        state = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return {str(k): [str(v) for v in vs] for k, vs in state["f"].items()}, int(state["o"])
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        raise _BadRequest("invalid next cursor") from None


# -- helpers of the v1 answers ----------------------------------------------------------------------


def _v1_user(email_or_id: str) -> dataset.User | None:
    user = dataset.user_by_id(email_or_id) or dataset.user_by_email(email_or_id)
    return None if user is None or user.status == "deleted" else user


def _v1_course(course_id: str) -> dict[str, Any]:
    course = dataset.course_by_id(course_id)
    assert course is not None
    return {"_id": course.id, "name": course.name}


def _v1_user_stats(user_id: str, attempts: list[Attempt]) -> dict[str, Any]:
    """A user's statistics in getCourseStats and getCoursesStats: ``attempts`` before ``user``, as in
    360Learning's published v1 examples."""
    user = dataset.user_by_id(user_id)
    assert user is not None
    return {"attempts": [a.v1() for a in attempts], "user": user.v1_summary()}


def _grouped(
    attempts: Iterable[Attempt], key: Callable[[Attempt], str]
) -> Iterator[tuple[str, list[Attempt]]]:
    """Consecutive runs of attempts sharing a key: the canonical order keeps each group in one run."""
    current: str | None = None
    group: list[Attempt] = []
    for attempt in attempts:
        if key(attempt) != current and group:
            yield current or "", group
            group = []
        current = key(attempt)
        group.append(attempt)
    if group:
        yield current or "", group


def _by_user(attempts: Iterable[Attempt]) -> Iterator[tuple[str, list[Attempt]]]:
    return _grouped(attempts, lambda a: a.user_id)


def _v1_date_filter(query: dict[str, list[str]]) -> Callable[[Attempt], bool]:
    bounds: list[tuple[str, bool, datetime]] = []
    for name, (attribute, after) in _V1_DATE_FILTERS.items():
        if name in query:
            try:
                bounds.append((attribute, after, dataset.parse_iso(query[name][-1])))
            except ValueError:
                raise _BadRequest(f"{name}: not a date: {query[name][-1]!r}") from None

    def keep(attempt: Attempt) -> bool:
        for attribute, after, bound in bounds:
            moment = dataset.parse_iso(getattr(attempt, attribute))
            if (moment < bound) if after else (moment >= bound):
                return False
        return True

    return keep


# -- HTTP ---------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """An HTTP server that knows the fake it serves."""

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *, fake: Fake360
    ) -> None:
        super().__init__(address, handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Fake360/1.0"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        assert isinstance(self.server, _Server)
        fake = self.server.fake
        target = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        request = RecordedRequest(
            method=method,
            path=target.path,
            query=parse_qs(target.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            received_at=time.monotonic(),
        )
        try:
            reply = fake.answer(request)
        except Exception as problem:  # a bug of the fake: show it to the client instead of hanging
            reply = _error(500, "fake_server_error", repr(problem))
        if reply.drop is not None:
            self._drop(reset=reply.drop == "reset")
            return
        payload = json.dumps(reply.body).encode() if reply.raw is None else reply.raw
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in [*reply.headers.items(), *reply.fields]:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a Slow answer past its timeout)

    def _drop(self, *, reset: bool) -> None:
        """Ends the connection without a word; with ``reset``, by a TCP reset (linger 0, then close)."""
        self.close_connection = True
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        pass
