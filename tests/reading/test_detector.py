"""The pieces the detector decides with: which texts spell a v1 path, which strings are evidence of
360Learning, and the scan over modules written for the purpose (the fixtures under ``fixtures/unfollowed``,
``fixtures/trees`` and ``fixtures/lookalikes`` show it on whole programs)."""

from __future__ import annotations

import pytest

from codemods.reading.evidence import (
    API_KEY,
    COMPANY,
    CREDENTIAL_HEADER,
    FOREIGN_HOST,
    HOST_360,
    V1_ROOT,
    V2_ROOT,
    kinds_of_text,
    says_360learning,
)
from codemods.reading.spelling import HOLE, spelled
from codemods.results.findings import Status
from codemods.transform.migrate import TransformOptions, migrate_source


@pytest.mark.parametrize(
    ("text", "endpoint", "absolute"),
    [
        ("https://app.360learning.com/api/v1/courses/stats", "getCoursesStats", True),
        (f"{HOLE}/api/v1/courses/{HOLE}/stats", "getCourseStats", True),
        (f"{HOLE}/api/v1/courses/{HOLE}/stats/{HOLE}", "getUserCourseStats", True),
        ("/api/v1/courses/%s/stats/%s?company=c", "getUserCourseStats", True),
        ("/api/v1/users/{email}/courses", "getUserCourses", True),
        ("/courses/{}/stats", "getCourseStats", False),
        (f"{HOLE}/courses/{HOLE}/stats/", "getCourseStats", False),
        (f"/courses/{HOLE}/stats{HOLE}", "getCourseStats", False),
        (" /users/:id/courses", "getUserCourses", False),
        ("courses/stats", "getCoursesStats", False),
    ],
)
def test_texts_that_spell_a_v1_path(text: str, endpoint: str, absolute: bool) -> None:
    found = spelled(text)
    assert found is not None
    assert (found.endpoint, found.absolute) == (endpoint, absolute)


@pytest.mark.parametrize(
    "text",
    [
        "/api/v2/courses/stats",  # v2
        f"{HOLE}/api/v2/courses/stats",
        "/api/v1/courses/1/assignments",  # Canvas
        "/api/v1/courses/1/analytics/users/2/activity",
        "/api/v1/paths/1/stats",  # another 360Learning v1 endpoint
        "/api/v1/users/a@example.com",
        "/lms/courses/1/stats",  # under a root that is no v1 root
        "/api/v1/courses/1/statistics",
        "/api/v1/courses/stats/summary",
    ],
)
def test_texts_that_do_not(text: str) -> None:
    assert spelled(text) is None


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("https://acme.360learning.com", {HOST_360}),
        ("LEARNING360_HOST", {HOST_360}),
        ("https://canvas.example.edu/api/v1", {FOREIGN_HOST, V1_ROOT}),
        ("http://127.0.0.1:8000", set()),
        ("X-apiKey", {CREDENTIAL_HEADER}),
        ("apiKey", {API_KEY}),
        ("?company=c&apiKey=k", {API_KEY, COMPANY}),
        ("360-api-version", {V2_ROOT}),
        ("https://app.360learning.com/api/v2", {HOST_360, V2_ROOT}),
    ],
)
def test_evidence_of_a_string(text: str, kinds: set[str]) -> None:
    assert kinds_of_text(text) == kinds


def test_a_configured_host_is_360learning_s() -> None:
    assert kinds_of_text("https://lms.acme.example", ("lms.acme.example",)) == {HOST_360}


def test_credential_parameters_count_together_only() -> None:
    """``company`` and ``apiKey`` are common words: each alone says nothing, both together say v1."""
    assert not says_360learning({API_KEY})
    assert not says_360learning({COMPANY})
    assert says_360learning({API_KEY, COMPANY})
    assert says_360learning({CREDENTIAL_HEADER})


def _findings(source: str) -> list[tuple[int, str, Status]]:
    result = migrate_source(source.encode(), display_path="m.py", options=TransformOptions())
    return [(f.line, f.rule, f.status) for f in result.findings]


def test_credentials_in_reach_make_a_relative_path_360learning_s() -> None:
    base = (
        'import requests\nAUTH = {{"company": "c", "apiKey": "k"}}\n{}\n'
        'def f(send):\n    return send("/courses/{{}}/stats".format(1))\n'
    )
    assert _findings(base.format("")) == [(5, "unfollowed-url", Status.NEEDS_REVIEW)]
    assert _findings(base.replace('"apiKey": "k"', '"token": "k"').format("")) == []


def test_a_v2_root_in_reach_makes_a_relative_path_v2() -> None:
    source = (
        'HOST = "https://app.360learning.com"\nROOT = HOST + "{}"\n'
        'def f(send):\n    return send(ROOT + "/courses/stats")\n'
    )
    assert _findings(source.format("/api/v1")) == [(4, "unfollowed-url", Status.NEEDS_REVIEW)]
    assert _findings(source.format("/api/v2")) == []


def test_a_url_read_only_by_a_migrated_site_is_accounted_for() -> None:
    source = (
        "import requests\n"
        'URL = "https://app.360learning.com/api/v1/courses/stats"\n'
        "def f():\n"
        '    return len(requests.get(URL, params={"company": "c", "apiKey": "k"}).json())\n'
    )
    assert [rule for _, rule, _ in _findings(source)] == ["rewrite", "hard-coded-api-key"]
    assert (2, "unfollowed-url", Status.NEEDS_REVIEW) in _findings(
        source + "def g(send):\n    return send(URL)\n"
    )
