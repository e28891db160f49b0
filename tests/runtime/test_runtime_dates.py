"""``completed_at_gte`` / ``completed_at_lt`` reach v2 in the one form it takes, and the helper runs on the
Python its documentation names.

Migrated code passes the value v1 code gave ``createdAtAfter`` / ``createdAtBefore``, often a date alone
(``"2024-01-31"``, as 360Learning's guides print it). v2 refuses anything but
``YYYY-MM-DDThh:mm:ss.sssZ`` with milliseconds 0, and so does the fake 360Learning: a value the helper
sent unchanged would be a 400.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fake360 import Fake360, dataset
from support.paths import ROOT

from codemods.runtime import learning360_v2 as helper

STATS = "/api/v2/courses/stats"
BIG = dataset.BIG_COURSE_ID
ADA = dataset.user_id_of(dataset.POWER_USER_EMAIL)

#: The helper configured for the fake (see conftest.py).
pytestmark = pytest.mark.usefixtures("v2_environment")


def sent(fake: Fake360, name: str) -> list[str]:
    """The values the helper sent for the filter ``name`` (``completedAt[gte]``…), request by request."""
    return [value for request in fake.requests_to(STATS) for value in request.query.get(name, [])]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2024-01-31", "2024-01-31T00:00:00.000Z"),
        ("  2024-01-31 ", "2024-01-31T00:00:00.000Z"),
        ("2024-01-31T00:00:00.000Z", "2024-01-31T00:00:00.000Z"),
        ("2024-01-31T10:30:26.789Z", "2024-01-31T10:30:26.000Z"),
        ("2024-01-31T10:30:26Z", "2024-01-31T10:30:26.000Z"),
        ("2024-01-31t10:30:26z", "2024-01-31T10:30:26.000Z"),
        ("2024-01-31T10:30", "2024-01-31T10:30:00.000Z"),
        ("2024-01-31 10:30:26.5", "2024-01-31T10:30:26.000Z"),
        ("2024-01-31T10:30:26,25Z", "2024-01-31T10:30:26.000Z"),
        ("2024-01-31T10:30:26+02:00", "2024-01-31T08:30:26.000Z"),
        ("2024-01-31T01:00:00-0330", "2024-01-31T04:30:00.000Z"),
        ("2024-01-31T10:30:00 +05", "2024-01-31T05:30:00.000Z"),
        ("2024-01-01T00:30:00.999+01:00", "2023-12-31T23:30:00.000Z"),
        ("2024-02-29T23:59:59.999999-00:00", "2024-02-29T23:59:59.000Z"),
        (date(2024, 1, 31), "2024-01-31T00:00:00.000Z"),
        (datetime(2024, 1, 31, 10, 30, 26, 789000), "2024-01-31T10:30:26.000Z"),
        (
            datetime(2024, 1, 31, 22, 30, 26, 789000, tzinfo=timezone(timedelta(hours=-5))),
            "2024-02-01T03:30:26.000Z",
        ),
        (datetime(2024, 1, 31, 10, 30, tzinfo=timezone.utc), "2024-01-31T10:30:00.000Z"),
    ],
)
def test_a_date_or_date_time_is_sent_as_v2_takes_it(fake360: Fake360, given: Any, expected: str) -> None:
    helper.list_course_stats(fake360.url, course_id=BIG, completed_at_gte=given, completed_at_lt=given)
    assert sent(fake360, "completedAt[gte]") == sent(fake360, "completedAt[lt]") == [expected]


@pytest.mark.parametrize(
    "given",
    [
        "yesterday",
        "",
        "31/01/2024",
        "2024-1-31",
        "20240131",
        "2024-02-30",
        "2024-01-31T25:00",
        "2024-01-31T10:60",
        "2024-01-31T10:30:26+24:00",
        "2024-01-31T10:30:26+02:75",
        "2024-01-31Z",
        "2024-01-31T10",
        1706659200,
        1706659200.0,
        True,
        ["2024-01-31"],
    ],
)
def test_a_value_that_is_no_date_is_named_before_any_request(fake360: Fake360, given: Any) -> None:
    for name in ("completed_at_gte", "completed_at_lt"):
        with pytest.raises(
            helper.Learning360Error, match=rf"^{name} must be a date .* not {re.escape(repr(given))}$"
        ):
            helper.list_course_stats(fake360.url, **{name: given})
    for call in (
        lambda: helper.course_stats_by_course(
            fake360.url, user_id=dataset.POWER_USER_EMAIL, completed_at_lt=given
        ),
        lambda: helper.v1_user_course_stats(fake360.url, BIG, ADA, completed_at_gte=given),
        lambda: helper.v1_course_stats(fake360.url, BIG, completed_at_gte=given),
        lambda: helper.v1_user_courses(fake360.url, ADA, completed_at_lt=given),
    ):
        with pytest.raises(helper.Learning360Error, match="must be a date"):
            call()
    assert fake360.requests == []


def test_a_date_alone_selects_what_its_full_form_does(fake360: Fake360) -> None:
    """The v1 value, a date alone, gives the records the full form gives: not a 400."""
    records = helper.list_course_stats(
        fake360.url, completed_at_gte="2023-06-01", completed_at_lt=date(2024, 1, 1)
    )
    gte, lt = "2023-06-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z"
    expected = [a.id for a in dataset.ATTEMPTS if a.completed_at and gte <= a.completed_at < lt]
    assert [record["_id"] for record in records] == expected and expected
    assert (sent(fake360, "completedAt[gte]"), sent(fake360, "completedAt[lt]")) == ([gte], [lt])


def test_the_views_normalise_their_filters_too(fake360: Fake360) -> None:
    by_user = helper.course_stats_by_user(fake360.url, course_id=BIG, completed_at_gte="2024-01-01")
    nested = helper.course_stats_by_course_and_user(fake360.url, completed_at_lt="2024-01-01")
    by_course = helper.v1_user_courses(fake360.url, ADA, completed_at_gte=date(2024, 1, 1))
    assert by_user and nested and by_course
    assert sent(fake360, "completedAt[gte]") == ["2024-01-01T00:00:00.000Z"] * 2
    assert sent(fake360, "completedAt[lt]") == ["2024-01-01T00:00:00.000Z"]


# -- the Python the helper needs ----------------------------------------------------------------------------


def required() -> str:
    return ".".join(map(str, helper.PYTHON_REQUIRED))


def test_the_minimum_python_is_stated_where_users_read_it() -> None:
    phrase = f"Python {required()} or later"
    assert phrase in (helper.__doc__ or "").replace("\n", " ")
    assert phrase in (ROOT / "README.md").read_text(encoding="utf-8")


def interpreter(version: tuple[int, int]) -> str | None:
    """An interpreter of this version on this machine (on the PATH, or installed by pyenv), if any."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(f"python{version[0]}.{version[1]}")]
    candidates += sorted(map(str, pyenv.glob(f"{version[0]}.{version[1]}.*/bin/python")), reverse=True)
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.split() == [str(part) for part in version]:
            return candidate
    return None


def run_helper(python: str, directory: Path, program: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``program`` run by ``python`` beside a copy of the helper, in this environment plus ``env``."""
    shutil.copy(helper.__file__, directory / "learning360_v2.py")
    env = {**{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}, **env}
    return subprocess.run(
        [python, "-I", "-c", f"import sys; sys.path.insert(0, {str(directory)!r}); {program}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_helper_runs_on_its_minimum_python(fake360: Fake360, tmp_path: Path) -> None:
    python = interpreter(helper.PYTHON_REQUIRED)
    if python is None:
        if sys.version_info[:2] != helper.PYTHON_REQUIRED:
            pytest.skip(f"no Python {required()} on this machine")
        python = sys.executable
    program = (
        "import os, learning360_v2 as h; "
        "host, course = os.environ['LEARNING360_HOST'], os.environ['COURSE']; "
        "print(len(h.list_course_stats(host, course_id=course, completed_at_gte='2023-06-01')),"
        " h.course_name(host, course))"
    )
    done = run_helper(python, tmp_path, program, COURSE=BIG)
    expected = sum(
        1 for a in dataset.ATTEMPTS if a.course_id == BIG and (a.completed_at or "") >= "2023-06-01"
    )
    course = dataset.course_by_id(BIG)
    assert (done.returncode, done.stderr) == (0, "") and course is not None
    assert done.stdout == f"{expected} {course.name}\n"


def test_an_older_python_is_told_what_the_helper_needs(tmp_path: Path) -> None:
    older = (helper.PYTHON_REQUIRED[0], helper.PYTHON_REQUIRED[1] - 1)
    python = interpreter(older)
    if python is None:
        pytest.skip(f"no Python {older[0]}.{older[1]} on this machine")
    done = run_helper(python, tmp_path, "import learning360_v2")
    assert done.returncode == 1
    assert (
        f"ImportError: the 360Learning helper module learning360_v2 needs Python {required()} or later"
        in (done.stderr)
    )
