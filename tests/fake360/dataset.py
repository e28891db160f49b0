"""The one deterministic dataset the fake 360Learning serves, through API v1 and API v2 alike.

Courses, users and course attempts are generated from a fixed seed, so every run, every process and every
test sees the same records. Attempts are kept in one canonical order (course, then user, then attempt):
every v1 and v2 answer lists them in that order, so a program that prints attempts one after the other
prints the same lines whichever API version it reads them from.

The constants at the top are the facts test programs hard-code: credentials, and the ids and emails of
records with a notable property (more than 500 attempts, a mixed-case email, a deleted user).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

COMPANY_ID = "5f0c1a2b3c4d5e6f7a8b9c0d"
V1_API_KEY = "v1-fake-api-key-0001"
V1_BEARER_TOKEN = "v1-fake-bearer"
CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret"

#: A course with about 1,500 attempts: three v2 pages.
BIG_COURSE_ID = "64b000000000000000000001"
#: A user with 612 attempts on BIG_COURSE_ID alone: getUserCourseStats for the pair needs two v2 pages.
POWER_USER_EMAIL = "ada.lovelace@example.com"
POWER_USER_ATTEMPTS_ON_BIG_COURSE = 612
#: Stored with this spelling; every lookup by email ignores the case of ASCII letters.
MIXED_CASE_USER_EMAIL = "Grace.Hopper@Example.COM"
#: A user whose status is "deleted" (still listed by /api/v2/users, attempts still counted).
DELETED_USER_EMAIL = "charles.babbage@example.com"
#: An active user who has never attempted any course.
IDLE_USER_EMAIL = "idle.user@example.com"
#: An archived course: the catalogue still lists it, and v1 still answers its statistics.
ARCHIVED_COURSE_ID = "64b000000000000000000006"
#: The group every course was made in, and the author of every course (a user of the dataset).
GROUP_ID = "63f000000000000000000001"
AUTHOR_ID = "65a000000000000000000001"

_SEED = 360
_LANGS = ("en", "fr", "de", "es", "it", "nl")
_EPOCH = datetime(2023, 1, 2, 8, 0, 0, tzinfo=timezone.utc)

_COURSE_NAMES = (
    "Security awareness essentials",
    "Onboarding: your first week",
    "Data privacy and GDPR",
    "Giving and receiving feedback",
    "Sales discovery calls",
    "First aid at work",
    "Writing clear documentation",
)

_TRANSLATED_NAMES = {
    "Security awareness essentials": {"fr": "Les bases de la sécurité", "de": "Grundlagen der Sicherheit"},
    "First aid at work": {"fr": "Premiers secours au travail"},
}

_PEOPLE = (
    ("Ada", "Lovelace", POWER_USER_EMAIL, "active"),
    ("Grace", "Hopper", MIXED_CASE_USER_EMAIL, "active"),
    ("Charles", "Babbage", DELETED_USER_EMAIL, "deleted"),
    ("Alan", "Turing", "alan.turing@example.com", "active"),
    ("Katherine", "Johnson", "katherine.johnson@example.com", "active"),
    ("Edsger", "Dijkstra", "edsger.dijkstra@example.com", "active"),
    ("Barbara", "Liskov", "barbara.liskov@example.com", "active"),
    ("Donald", "Knuth", "donald.knuth@example.com", "active"),
    ("Margaret", "Hamilton", "margaret.hamilton@example.com", "active"),
    ("John", "Backus", "john.backus@example.com", "active"),
    ("Frances", "Allen", "frances.allen@example.com", "active"),
    ("Tim", "Berners-Lee", "tim.berners-lee@example.com", "active"),
    ("Radia", "Perlman", "radia.perlman@example.com", "active"),
    ("Ken", "Thompson", "ken.thompson@example.com", "active"),
    ("Hedy", "Lamarr", "hedy.lamarr@example.com", "invited"),
    ("Dennis", "Ritchie", "dennis.ritchie@example.com", "active"),
    ("Shafi", "Goldwasser", "shafi.goldwasser@example.com", "active"),
    ("Niklaus", "Wirth", "niklaus.wirth@example.com", "active"),
    ("Sophie", "Wilson", "sophie.wilson@example.com", "active"),
    ("Leslie", "Lamport", "leslie.lamport@example.com", "active"),
    ("Adele", "Goldberg", "adele.goldberg@example.com", "active"),
    ("Guido", "van Rossum", "guido.vanrossum@example.com", "active"),
    ("Annie", "Easley", "annie.easley@example.com", "active"),
    ("Bjarne", "Stroustrup", "bjarne.stroustrup@example.com", "active"),
    ("Jean", "Sammet", "jean.sammet@example.com", "active"),
    ("Claude", "Shannon", "claude.shannon@example.com", "active"),
    ("Mary", "Keller", "mary.keller@example.com", "active"),
    ("Vint", "Cerf", "vint.cerf@example.com", "active"),
    ("Evelyn", "Boyd", "evelyn.boyd@example.com", "invited"),
    ("Idle", "User", IDLE_USER_EMAIL, "active"),
)


@dataclass(frozen=True)
class Course:
    id: str
    name: str
    status: str = "published"
    #: The names of its translations, by language.
    translated_names: tuple[tuple[str, str], ...] = ()

    def v2(self) -> dict[str, Any]:
        """The course as the v2 course catalogue shows it (a CourseDTO); v1 embeds only ``_id`` and
        ``name`` in course statistics."""
        number = int(self.id, 16) % 1000
        created = _EPOCH - timedelta(days=40 * number)
        return {
            "_id": self.id,
            "name": self.name,
            "sourceLang": "en",
            "defaultLang": "en",
            "authorId": AUTHOR_ID,
            "groupId": GROUP_ID,
            "coAuthorIds": [],
            "createdAt": iso(created),
            "modifiedAt": iso(created + timedelta(days=3)),
            "status": self.status,
            "type": "native",
            "translations": [
                {"lang": lang, "published": True, "translatorIds": [], "translatedFields": {"name": name}}
                for lang, name in self.translated_names
            ],
            "currentVersionNumber": 1 + number % 3,
        }


@dataclass(frozen=True)
class User:
    id: str
    mail: str
    status: str
    first_name: str
    last_name: str
    lang: str

    def v1_summary(self) -> dict[str, Any]:
        """The user object v1 embeds in course statistics."""
        return {"_id": self.id, "mail": self.mail}

    def v2(self) -> dict[str, Any]:
        """The user as /api/v2/users lists it (a UserDTO)."""
        return {
            "_id": self.id,
            "mail": self.mail,
            "status": self.status,
            "lang": self.lang,
            "firstName": self.first_name,
            "lastName": self.last_name,
        }


@dataclass(frozen=True)
class Attempt:
    """One course attempt. ``course_id``, ``user_id``, ``created_at``, ``version_number`` and ``lang``
    are internal to v1: it never shows them on an attempt."""

    id: str
    course_id: str
    user_id: str
    progress: int
    score: int | None
    completed_at: str | None
    first_activity: str
    last_activity: str
    global_time: int
    path: str | None
    path_session: str | None
    created_at: str
    version_number: int
    lang: str

    def v1(self) -> dict[str, Any]:
        """The attempt as v1 shows it: only v1's own fields, in the order of 360Learning's published v1
        examples (the getCoursesStats and getCourseStats migration guides: ``globalTime`` last, after
        ``path`` and ``pathSession``; the getUserCourseStats guide's shorter example alone has
        ``globalTime`` before ``lastActivity``)."""
        record: dict[str, Any] = {"_id": self.id, "progress": self.progress}
        if self.score is not None:
            record["score"] = self.score
        if self.completed_at is not None:
            record["completedAt"] = self.completed_at
        record["firstActivity"] = self.first_activity
        record["lastActivity"] = self.last_activity
        if self.path is not None:
            record["path"] = self.path
        if self.path_session is not None:
            record["pathSession"] = self.path_session
        record["globalTime"] = self.global_time
        return record

    def v2(self) -> dict[str, Any]:
        """The attempt as a flat v2 record (a CourseStatDTO)."""
        record: dict[str, Any] = {
            "_id": self.id,
            "versionNumber": self.version_number,
            "lang": self.lang,
            "firstActivityAt": self.first_activity,
            "lastActivityAt": self.last_activity,
            "timeSpent": self.global_time,
            "progress": self.progress,
        }
        if self.score is not None:
            record["score"] = self.score
        if self.completed_at is not None:
            record["completedAt"] = self.completed_at
        if self.path is not None:
            record["pathId"] = self.path
        if self.path_session is not None:
            record["pathSessionId"] = self.path_session
        record["courseId"] = self.course_id
        record["userId"] = self.user_id
        return record


def iso(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss.sssZ``, the date format of both API versions."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Reads an ISO date or date-time; a value without a zone is taken as UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _hex_id(rng: random.Random, prefix: str) -> str:
    return prefix + f"{rng.getrandbits(4 * (24 - len(prefix))):0{24 - len(prefix)}x}"


def _attempt(rng: random.Random, course: Course, user: User, path_ids: list[str]) -> Attempt:
    created = _EPOCH + timedelta(seconds=rng.randrange(0, 700 * 86400), milliseconds=rng.randrange(1000))
    first = created + timedelta(seconds=rng.randrange(0, 3 * 86400), milliseconds=rng.randrange(1000))
    last = first + timedelta(seconds=rng.randrange(60, 20 * 86400), milliseconds=rng.randrange(1000))
    progress = rng.choice((100, 100, 100, 0, 15, 40, 55, 80, 95))
    completed = progress == 100
    score = rng.randrange(0, 101) if progress > 0 and rng.random() < 0.7 else None
    in_path = rng.random() < 0.25
    return Attempt(
        id=_hex_id(rng, "66c"),
        course_id=course.id,
        user_id=user.id,
        progress=progress,
        score=score,
        completed_at=iso(last) if completed else None,
        first_activity=iso(first),
        last_activity=iso(last),
        global_time=rng.randrange(30_000, 5_400_000),
        path=rng.choice(path_ids) if in_path else None,
        path_session=_hex_id(rng, "67d") if in_path else None,
        created_at=iso(created),
        version_number=rng.randrange(1, 4),
        lang=rng.choice(_LANGS[:4]),
    )


def _build() -> tuple[tuple[Course, ...], tuple[User, ...], tuple[Attempt, ...]]:
    rng = random.Random(_SEED)
    courses = tuple(
        Course(
            id=f"64b{index + 1:021x}",
            name=name,
            status="archived" if f"64b{index + 1:021x}" == ARCHIVED_COURSE_ID else "published",
            translated_names=tuple(_TRANSLATED_NAMES.get(name, {}).items()),
        )
        for index, name in enumerate(_COURSE_NAMES)
    )
    users = tuple(
        User(
            id=f"65a{index + 1:021x}",
            mail=mail,
            status=status,
            first_name=first,
            last_name=last,
            lang=_LANGS[index % len(_LANGS)],
        )
        for index, (first, last, mail, status) in enumerate(_PEOPLE)
    )
    path_ids = [_hex_id(rng, "68e") for _ in range(4)]
    attempts: list[Attempt] = []
    for course in courses:
        for user in users:
            if user.mail == IDLE_USER_EMAIL:
                continue
            if course.id == BIG_COURSE_ID and user.mail == POWER_USER_EMAIL:
                count = POWER_USER_ATTEMPTS_ON_BIG_COURSE
            elif course.id == BIG_COURSE_ID:
                count = rng.randrange(20, 45)
            else:
                count = rng.choice((0, 0, 1, 1, 1, 2, 3))
            attempts.extend(_attempt(rng, course, user, path_ids) for _ in range(count))
    if len({attempt.id for attempt in attempts}) != len(attempts):
        raise AssertionError("attempt ids must be unique")
    return courses, users, tuple(attempts)


COURSES, USERS, ATTEMPTS = _build()
"""Every course, every user, and every attempt in canonical order (course, then user, then attempt)."""

_COURSES_BY_ID = {course.id: course for course in COURSES}
_USERS_BY_ID = {user.id: user for user in USERS}


def ascii_lower(text: str) -> str:
    """``text`` with ASCII capitals in lower case, nothing else changed (``casefold`` would make ``ß``
    and ``ss``, or the Kelvin sign and ``k``, one)."""
    return text.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))


_USERS_BY_MAIL = {ascii_lower(user.mail): user for user in USERS}


def course_by_id(course_id: str) -> Course | None:
    return _COURSES_BY_ID.get(course_id)


def user_by_id(user_id: str) -> User | None:
    return _USERS_BY_ID.get(user_id)


def user_by_email(email: str) -> User | None:
    """The user with this email, whatever the case of its ASCII letters."""
    return _USERS_BY_MAIL.get(ascii_lower(email.strip()))


def user_id_of(email: str) -> str:
    """The id of a user of the dataset, for tests; raises KeyError for an unknown email."""
    user = user_by_email(email)
    if user is None:
        raise KeyError(email)
    return user.id
