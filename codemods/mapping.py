"""The v1 → v2 mapping of 360Learning's course statistics, as data.

Everything the tool knows about the two API versions lives here: the v1 paths and the v2 filters they
become, the field renames of an attempt, the v1 credentials, the hosts, the names of the helper functions
the rewritten code calls, and the rule ids and messages of findings. The transformers, the reports and
the documentation read this module; none of them spells an endpoint, a field or a message of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

#: The single v2 endpoint the four v1 endpoints are merged into.
V2_COURSE_STATS_PATH: Final = "/api/v2/courses/stats"


@dataclass(frozen=True)
class Endpoint:
    """One v1 course-statistics endpoint and what it becomes in v2."""

    #: The operation name used by 360Learning's documentation, our findings, fixtures and docs.
    name: str
    #: The v1 path, with ``{placeholders}`` for its parameters.
    v1_path: str
    #: v1 path parameter → keyword argument of the helper's ``list_course_stats`` (see ``V2_FILTERS``).
    filters: Mapping[str, str]
    #: v1 path parameters that hold a user's email (or, for getUserCourses, an email or an id).
    user_parameters: frozenset[str]
    #: The shape of the v1 answer: ``attempts`` ({"attempts": [...]}), or a nested list.
    response: str


ENDPOINTS: Final[Mapping[str, Endpoint]] = MappingProxyType(
    {
        "getUserCourseStats": Endpoint(
            name="getUserCourseStats",
            v1_path="/api/v1/courses/{courseId}/stats/{userEmail}",
            filters=MappingProxyType({"courseId": "course_id", "userEmail": "user_id"}),
            user_parameters=frozenset({"userEmail"}),
            response="attempts",
        ),
    }
)

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

#: Every field a v1 attempt can carry.
V1_ATTEMPT_FIELDS: Final = frozenset({"_id", "progress", "score", "completedAt", *ATTEMPT_FIELD_RENAMES})

#: The key of the v1 getUserCourseStats envelope, gone in v2 (the answer is the list itself).
ATTEMPTS_KEY: Final = "attempts"

#: v1 credentials sent as query parameters.
V1_CREDENTIAL_PARAMS: Final = frozenset({"company", "apiKey"})
#: v1 credentials sent as headers (compared case-insensitively, so stored lower-case).
V1_CREDENTIAL_HEADERS: Final = frozenset({"x-company-id", "x-apikey"})
#: Headers of a v1 call that the helper replaces by its own (compared lower-case).
V1_REPLACED_HEADERS: Final = frozenset({"authorization", "accept", "content-type"})
#: The keyword arguments of an HTTP call that carry credentials, query parameters and headers.
PARAMS_ARGUMENT: Final = "params"
HEADERS_ARGUMENT: Final = "headers"
#: Keyword arguments of an HTTP call passed on to the helper as they are.
PASSED_THROUGH_ARGUMENTS: Final = frozenset({"timeout"})

#: A host expression whose text contains one of these belongs to 360Learning.
HOST_MARKERS: Final = ("360learning",)

#: The functions of the generated helper module that rewritten code calls.
HELPER_LIST_FUNCTION: Final = "list_course_stats"
HELPER_RESOLVE_FUNCTION: Final = "resolve_user_id"
#: The helper module's file name when none is given.
DEFAULT_HELPER_FILE: Final = "learning360_v2.py"

#: The text that starts every marker comment the tool writes.
MARKER_PREFIX: Final = "# migrate-360learning:"
REVIEW_MARKER: Final = MARKER_PREFIX + " review:"


@dataclass(frozen=True)
class Rule:
    """A kind of change or of problem, with a stable id for reports and CI."""

    id: str
    summary: str


RULES: Final[Mapping[str, Rule]] = MappingProxyType(
    {
        "rewrite": Rule("L360001", "v1 course-statistics call rewritten to the paginated v2 endpoint"),
        "unsupported-url": Rule("L360100", "the URL could not be read statically"),
        "unsupported-argument": Rule("L360101", "an argument of the call has no v2 equivalent"),
        "unsupported-response-use": Rule("L360102", "the response is used in a way the tool cannot adapt"),
        "unsupported-credentials": Rule("L360103", "the query parameters or headers could not be read"),
    }
)
