"""The v1 → v2 mapping of 360Learning's course statistics, as data.

Everything the tool knows about the two API versions lives here: the v1 paths and the v2 filters they
become, the field renames of an attempt, the v1 credentials, the hosts, the names of the helper functions
the rewritten code calls, and the rule ids and messages of findings. The transformers, the reports and
the documentation read this module; none of them spells an endpoint, a field or a message of its own.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

#: The single v2 endpoint the four v1 endpoints are merged into.
V2_COURSE_STATS_PATH: Final = "/api/v2/courses/stats"


class ShapeKind(str, enum.Enum):
    """What a value that comes from a v1 call is, as the code that reads it sees it."""

    #: The HTTP response, and its decoded JSON payload (with the v1 envelope, when the endpoint has one).
    RESPONSE = "response"
    PAYLOAD = "payload"
    #: A list (of ``item``); a dict whose values are ``item`` (answers stored by key).
    LIST = "list"
    MAPPING = "mapping"
    #: A dict with ``fields``; a key of ``gone`` is a v1 field no v2 answer carries (its dotted name).
    RECORD = "record"
    #: A v1 attempt, whose fields are renamed.
    ATTEMPT = "attempt"
    #: A tuple one of whose ``items`` is followed (``return r.json(), n``; ``(cid, r.json())``).
    TUPLE = "tuple"
    #: A plain value nobody needs to follow.
    VALUE = "value"


@dataclass(frozen=True, eq=False)
class Shape:
    """The shape of a v1 answer, or of a piece of it (see ``ShapeKind``)."""

    kind: ShapeKind
    #: How findings name a value of this shape ("the list of attempts").
    label: str = "a value"
    item: Shape | None = None
    fields: Mapping[str, Shape] = field(default_factory=dict)
    gone: Mapping[str, str] = field(default_factory=dict)
    #: A tuple's items, by position (``VALUE`` where nothing is followed).
    items: tuple[Shape, ...] = ()


VALUE: Final = Shape(ShapeKind.VALUE)
#: The fields of v1's answers that no v2 answer has at all ("user.firstName"), so that neither the field
#: renames nor the helper's v1-shaped answers can give them back: a site whose code reads one is reported
#: (reason ``field-without-v2``). None of the fields 360Learning documents for v1 is among them: the
#: attempt's fields are renamed, ``user.mail`` comes from the user directory and ``course.name`` from the
#: course catalogue. The same set as the helper module's ``V1_FIELDS_WITHOUT_V2_SOURCE``.
V1_FIELDS_WITHOUT_V2: Final[frozenset[str]] = frozenset()


def _gone(record: str) -> Mapping[str, str]:
    """The keys of a v1 record (``user``, ``course``) that ``V1_FIELDS_WITHOUT_V2`` names."""
    prefix = record + "."
    return MappingProxyType(
        {f.removeprefix(prefix): f for f in sorted(V1_FIELDS_WITHOUT_V2) if f.startswith(prefix)}
    )


ATTEMPT: Final = Shape(ShapeKind.ATTEMPT, "an attempt")
ATTEMPTS: Final = Shape(ShapeKind.LIST, "the list of attempts", item=ATTEMPT)
#: A user as v1 embedded it: v2 records carry only ``userId``; the helper adds ``mail`` back from the
#: user directory.
USER: Final = Shape(
    ShapeKind.RECORD, "a user", fields=MappingProxyType({"_id": VALUE, "mail": VALUE}), gone=_gone("user")
)
#: A course as v1 embedded it: v2 records carry only ``courseId``; the helper adds ``name`` back from the
#: course catalogue (``GET /api/v2/courses``, cached beside the user directory).
COURSE: Final = Shape(
    ShapeKind.RECORD, "a course", fields=MappingProxyType({"_id": VALUE, "name": VALUE}), gone=_gone("course")
)
USER_STATS: Final = Shape(
    ShapeKind.RECORD, "a user's statistics", fields=MappingProxyType({"user": USER, "attempts": ATTEMPTS})
)


#: The HTTP response of a v1 call, and its JSON payload, before they become the endpoint's answer.
RESPONSE: Final = Shape(ShapeKind.RESPONSE, "the response")
PAYLOAD: Final = Shape(ShapeKind.PAYLOAD, "the JSON payload")

#: The key of the v1 getUserCourseStats envelope, gone in v2 (the answer is the list itself).
ATTEMPTS_KEY: Final = "attempts"


@dataclass(frozen=True)
class Endpoint:
    """One v1 course-statistics endpoint and what it becomes in v2."""

    #: The endpoint name used by 360Learning's documentation, our findings, fixtures and docs.
    name: str
    #: The v1 path, with ``{placeholders}`` for its parameters.
    v1_path: str
    #: v1 path parameter → keyword argument of the helper function (see ``V2_FILTERS``).
    filters: Mapping[str, str]
    #: v1 path parameters that hold a user's email (or, for getUserCourses, an email or an id).
    user_parameters: frozenset[str]
    #: The helper function that answers in the v1 shape (with v2 records as attempts).
    helper: str
    #: The shape of what the helper returns, which is the v1 answer's shape with v2 records inside.
    response: Shape
    #: The helper function that answers exactly what v1 answered, v1's field names included, with the
    #: path's parameters as positional arguments: for data that goes where the tool cannot follow it.
    v1_helper: str = ""
    #: The key of a v1 envelope that v2 no longer has (``{"attempts": [...]}`` is now the list itself).
    envelope: str | None = None
    #: How the v2 answer is presented to the reviewer.
    summary: str = ""


ENDPOINTS: Final[Mapping[str, Endpoint]] = MappingProxyType(
    {
        "getUserCourseStats": Endpoint(
            name="getUserCourseStats",
            v1_path="/api/v1/courses/{courseId}/stats/{userEmail}",
            filters=MappingProxyType({"courseId": "course_id", "userEmail": "user_id"}),
            user_parameters=frozenset({"userEmail"}),
            helper="list_course_stats",
            v1_helper="v1_user_course_stats",
            response=ATTEMPTS,
            envelope=ATTEMPTS_KEY,
            summary="the answer is the list of attempts itself",
        ),
        "getCourseStats": Endpoint(
            name="getCourseStats",
            v1_path="/api/v1/courses/{courseId}/stats",
            filters=MappingProxyType({"courseId": "course_id"}),
            user_parameters=frozenset(),
            helper="course_stats_by_user",
            v1_helper="v1_course_stats",
            response=Shape(ShapeKind.LIST, "the list of users' statistics", item=USER_STATS),
            summary="grouped by user as v1 answered",
        ),
        "getCoursesStats": Endpoint(
            name="getCoursesStats",
            v1_path="/api/v1/courses/stats",
            filters=MappingProxyType({}),
            user_parameters=frozenset(),
            helper="course_stats_by_course_and_user",
            v1_helper="v1_courses_stats",
            response=Shape(
                ShapeKind.LIST,
                "the list of courses' statistics",
                item=Shape(
                    ShapeKind.RECORD,
                    "a course's statistics",
                    fields=MappingProxyType(
                        {
                            "course": COURSE,
                            "stats": Shape(ShapeKind.LIST, "the list of users' statistics", item=USER_STATS),
                        }
                    ),
                ),
            ),
            summary="grouped by course and user as v1 answered",
        ),
        "getUserCourses": Endpoint(
            name="getUserCourses",
            v1_path="/api/v1/users/{userEmailOrId}/courses",
            filters=MappingProxyType({"userEmailOrId": "user_id"}),
            user_parameters=frozenset({"userEmailOrId"}),
            helper="course_stats_by_course",
            v1_helper="v1_user_courses",
            response=Shape(
                ShapeKind.LIST,
                "the list of the learner's courses",
                item=Shape(
                    ShapeKind.RECORD,
                    "a course and its attempts",
                    fields=MappingProxyType({"course": COURSE, "attempts": ATTEMPTS}),
                ),
            ),
            summary="grouped by course as v1 answered",
        ),
    }
)

#: v1 query filters of the list endpoints → the helper's keyword argument, or ``None`` when v2 has none.
V1_QUERY_FILTERS: Final[Mapping[str, str | None]] = MappingProxyType(
    {
        "createdAtAfter": "completed_at_gte",
        "createdAtBefore": "completed_at_lt",
        "firstActivityAtAfter": None,
        "firstActivityAtBefore": None,
        "lastActivityAtAfter": None,
        "lastActivityAtBefore": None,
    }
)
#: Why a v1 filter that v2 translates changes meaning (said in the finding and in a comment on the line);
#: ``{filters}`` lists them as "createdAtAfter → completedAt[gte]".
CREATED_BECOMES_COMPLETED: Final = "{filters}: v2 filters on the completion date, not the creation date"

#: Keyword argument of the helper's ``list_course_stats`` → the v2 filter it sends.
V2_FILTERS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "course_id": "courseId[eq]",
        "user_id": "userId[eq]",
        "completed_at_gte": "completedAt[gte]",
        "completed_at_lt": "completedAt[lt]",
    }
)

#: The name each v1 attempt field has in a v2 record. Fields not listed keep their name.
ATTEMPT_FIELD_RENAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "globalTime": "timeSpent",
        "firstActivity": "firstActivityAt",
        "lastActivity": "lastActivityAt",
        "path": "pathId",
        "pathSession": "pathSessionId",
    }
)

#: Attempt fields whose v1 value is a number (milliseconds, percent, points): sums of them do not depend
#: on the order the attempts are read in.
NUMERIC_ATTEMPT_FIELDS: Final = frozenset({"globalTime", "progress", "score"})

#: The record a v1 answer nested attempts under (``course`` of getCoursesStats and getUserCourses,
#: ``user`` of getCourseStats and getCoursesStats) → the field of a flat v2 record that holds its ``_id``.
FLAT_RECORD_IDS: Final[Mapping[str, str]] = MappingProxyType({"course": "courseId", "user": "userId"})
#: The helper function that answers the flat v2 records themselves, for the flat-loop strategy.
FLAT_HELPER: Final = "list_course_stats"
#: How a rewrite that turned nested loops into one loop over the records is presented to the reviewer.
FLAT_SUMMARY: Final = "its nested loops are now one loop over the flat records"

#: Every field a v1 attempt can carry.
V1_ATTEMPT_FIELDS: Final = frozenset({"_id", "progress", "score", "completedAt", *ATTEMPT_FIELD_RENAMES})

#: v1 credentials sent as query parameters.
V1_CREDENTIAL_PARAMS: Final = frozenset({"company", "apiKey"})
#: v1 credentials sent as headers (compared case-insensitively, so stored lower-case).
V1_CREDENTIAL_HEADERS: Final = frozenset({"x-company-id", "x-apikey"})
#: Credential names whose literal value is a secret (compared in lower case): reports never print it.
V1_SECRET_NAMES: Final = frozenset({"apikey", "x-apikey"})
#: Headers of a v1 call that the helper replaces by its own (compared lower-case).
V1_REPLACED_HEADERS: Final = frozenset({"authorization", "accept", "content-type"})
#: The keyword arguments of an HTTP call that carry credentials, query parameters and headers.
PARAMS_ARGUMENT: Final = "params"
HEADERS_ARGUMENT: Final = "headers"
#: Keyword arguments of an HTTP call passed on to the helper as they are.
PASSED_THROUGH_ARGUMENTS: Final = frozenset({"timeout"})

#: The root of every v1 path, and of every v2 one.
V1_API_ROOT: Final = "/api/v1"
V2_API_ROOT: Final = "/api/v2"
#: A 360Learning id (a user's, a course's): 24 hexadecimal digits; a literal id needs no resolving.
OBJECT_ID: Final = re.compile(r"[0-9a-fA-F]{24}")
#: The helper's awaitable variant of a function has this prefix (``alist_course_stats``).
HELPER_ASYNC_PREFIX: Final = "a"

#: A host expression whose text contains one of these belongs to 360Learning.
HOST_MARKERS: Final = ("360learning",)
#: Text that says 360Learning wherever it appears in code: a host, or a name such as ``LEARNING360_HOST``
#: (``codemods.reading.evidence``).
EVIDENCE_MARKERS: Final = (*HOST_MARKERS, "learning360")

#: The helper function that turns an email into a user id (an id passes through at run time).
HELPER_RESOLVE_FUNCTION: Final = "resolve_user_id"
#: The helper module's file name when none is given.
DEFAULT_HELPER_FILE: Final = "learning360_v2.py"

#: The text that starts every marker comment the tool writes.
MARKER_PREFIX: Final = "# migrate-360learning:"
REVIEW_MARKER: Final = MARKER_PREFIX + " review:"
NOTE_MARKER: Final = MARKER_PREFIX + " note:"
#: ``# migrate-360learning: ignore[<reason>]`` on a site's statement: a person accepted it as it is.
IGNORE_MARKER: Final = MARKER_PREFIX + " ignore["


#: The rules findings of a migrated site, of a key written in the code and of an accepted site have.
REWRITE: Final = "rewrite"
FILTER_MEANING_CHANGED: Final = "filter-meaning-changed"
HARD_CODED_API_KEY: Final = "hard-coded-api-key"
SUPPRESSED: Final = "suppressed"

#: The rule of a place that spells a v1 path whose value the tool could not follow to a call
#: (``codemods.reading.detector``), its message, and the reasons it gives.
UNFOLLOWED_URL: Final = "unfollowed-url"
UNFOLLOWED_MESSAGE: Final = "a v1 {endpoint} URL{origin} the tool could not follow to a call: {reason}"
UNFOLLOWED_REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "table": "it is looked up in a table",
        "named_table": "it is looked up in the table {name}",
        "runtime": "it is chosen at run time",
        "function": "it is passed to {callee}(), which the tool does not understand",
        "decorated": (
            "it is passed to {callee}(), whose decorator @{decorator} the rewritten call would leave out"
        ),
        "looped": (
            "it is passed to {callee}(), which makes its request in a loop the tool does not read as"
            " waiting and trying again"
        ),
        "http_unread": "it reaches {callee}(), whose URL the tool could not read",
        "function_value": "{name}(), which returns it, is used other than by a call",
        "stored": "it is stored in {target}",
        "unpacked": "it is unpacked into several names",
        "yielded": "it is yielded by a generator",
        "other": "it is used in a way the tool cannot follow",
        "shell": "it is in a shell command or a cell magic of the notebook",
    }
)

#: The rule of a migrated function or method whose return value changes shape, for callers the tool
#: cannot see (outside the PATHs given), and how it tells the change.
RETURN_SHAPE_CHANGED: Final = "return-shape-changed"
RETURN_SHAPE_MESSAGE: Final = (
    "{name}() now returns {now} instead of {before}, with v2 field names ({renames}): callers in the "
    "files given are adapted; adapt any other caller the same way"
)
#: What a wrapper returned, by the first step of its shape path (``codemods.planning.wrappers``).
RETURNED_BEFORE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "response": "the HTTP response",
        "payload": "v1's JSON answer",
        "answer": "that part of v1's answer",
    }
)

#: A site found in a notebook's code cell: notebooks are reported, not rewritten
#: (``codemods.reading.notebooks``).
NOTEBOOK_SITE: Final = "cell {cell}, line {line}: {message} (a notebook is reported, not rewritten)"
NOTEBOOK_REWRITE: Final = "a v1 call the tool would rewrite, by hand here: {message}"
NOTEBOOK_CELL: Final = "notebook-cell"

#: The rule of a site whose transport moved to v2 while its answer keeps v1's shape (the helper's
#: ``v1_…`` functions), because the data goes where the tool cannot follow it
#: (``codemods.planning.v1_shape``), and what its finding and its note say; ``{where}`` lists the places.
V1_SHAPE_KEPT: Final = "v1-shape-kept"
V1_SHAPE_SUMMARY: Final = "answered as v1 answered, v1's field names included"
V1_SHAPE_MESSAGE: Final = (
    "kept v1's answer shape: the payload goes where the tool cannot follow it ({where}); adapt that code "
    "to v2 field names later"
)

#: The rule of a caller of a migrated wrapper whose reads were adapted.
WRAPPER_CALLER: Final = "wrapper-caller"
#: The rule of a call of a wrapper declared in the configuration and defined outside the repository.
DECLARED_WRAPPER: Final = "declared-wrapper"
