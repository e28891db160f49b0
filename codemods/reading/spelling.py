"""Whether a text spells a v1 course-statistics path: the one pattern the detector and the index share.

The pattern is built from ``mapping.ENDPOINTS``. A path counts absolute (``…/api/v1/courses/{id}/stats``)
or relative to an API root (``/courses/{id}/stats`` at the start of the text or right after an unknown
value, such as ``f"{API}/courses/{cid}/stats"``); a segment is anything between slashes (``{courseId}``,
``%s``, ``:course_id``, an unknown value). A text with spaces inside is a message or a document that
mentions a path, not a URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from codemods.mapping import ENDPOINTS

#: Stands for an expression whose value is unknown in the text that is matched.
HOLE: Final = "\ue000"
_SEGMENT: Final = r"[^/?#\s]+"
#: Longest first, so that ``courses/x/stats/y`` is getUserCourseStats rather than getCourseStats.
_ORDER: Final = ("getUserCourseStats", "getCourseStats", "getCoursesStats", "getUserCourses")


def _shape(path: str) -> str:
    relative = path.removeprefix("/api/v1/")
    return re.sub(r"\\\{\w+\\\}", lambda _: _SEGMENT, re.escape(relative))


_SPELLING: Final = re.compile(
    rf"(?:(?P<absolute>/api/v1/)|(?:^|(?<={HOLE}))\s*/?)"
    rf"(?:{'|'.join(f'(?P<{name}>{_shape(ENDPOINTS[name].v1_path)})' for name in _ORDER)})"
    rf"(?=$|[?#]|/$|/?{HOLE})"
)
assert set(_ORDER) == set(ENDPOINTS), "every endpoint has a spelling"


@dataclass(frozen=True)
class Spelled:
    """A v1 path found in a text: the endpoint, and whether the text carries the ``/api/v1`` root."""

    endpoint: str
    absolute: bool


def is_message(text: str) -> bool:
    """A text with spaces inside is a message or a document that mentions a path, not a URL."""
    return any(c.isspace() for c in text.strip())


def spelled(text: str) -> Spelled | None:
    """The v1 path ``text`` spells (holes written as ``HOLE``), or ``None``."""
    found = _SPELLING.search(text)
    if found is None:
        return None
    endpoint = next(name for name in _ORDER if found.group(name) is not None)
    return Spelled(endpoint, found.group("absolute") is not None)
