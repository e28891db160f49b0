"""Reading URL expressions: every way real code builds a v1 URL, and what cannot be read."""

from __future__ import annotations

import re
import textwrap

import libcst as cst
import pytest

from codemods.mapping.reasons import Review
from codemods.reading.url_match import match_endpoint
from codemods.reading.urls import Text, url_parts
from codemods.transform.migrate import TransformOptions, migrate_source

CONSTANTS = {
    "BASE": '"https://app.360learning.com"',
    "TENANT_BASE": 'f"https://{tenant}.360learning.com"',
    "API": '"https://app.360learning.com/api/v1"',
    "API_FROM_ENV": 'os.environ.get("HOST", "https://app.360learning.com") + "/api/v1/"',
    "COURSE": '"64b000000000000000000001"',
    "TEMPLATE": '"/api/v1/courses/{}/stats/{}"',
    "PERCENT_TEMPLATE": '"/api/v1/courses/%s/stats/%s"',
    "PAIRS": "(cid, email)",
    "HOST_TEMPLATE": 'BASE + "/api/v1/courses/{}/stats/{}"',
    "HOST_PERCENT": 'BASE + "/api/v1/courses/%s/stats/%s"',
}


def resolve(name: cst.Name | cst.Attribute | cst.Call) -> cst.BaseExpression | None:
    """The constants above; nothing else (no function returns a URL here)."""
    source = CONSTANTS.get(name.value) if isinstance(name, cst.Name) else None
    return cst.parse_expression(source) if source else None


def read(source: str) -> tuple[str | None, str, dict[str, str], dict[str, str]] | None:
    match = match_endpoint(url_parts(cst.parse_expression(source), resolve))
    if match is None:
        return None
    code = cst.Module([]).code_for_node
    return (
        code(match.host) if match.host is not None else None,
        match.host_text,
        {k: code(v) for k, v in match.parameters.items()},
        {k: code(v) for k, v in match.query.items()},
    )


IDS = {"courseId": "cid", "userEmail": "email"}


@pytest.mark.parametrize(
    ("source", "host", "parameters", "query"),
    [
        pytest.param('f"{BASE}/api/v1/courses/{cid}/stats/{email}"', "BASE", IDS, {}, id="f-string"),
        pytest.param(
            'BASE + "/api/v1/courses/" + cid + "/stats/" + email', "BASE", IDS, {}, id="concatenation"
        ),
        pytest.param(
            '"{}/api/v1/courses/{}/stats/{}".format(BASE, cid, email)', "BASE", IDS, {}, id="format-auto"
        ),
        pytest.param(
            '"{0}/api/v1/courses/{1}/stats/{2}".format(BASE, cid, email)', "BASE", IDS, {}, id="format-index"
        ),
        pytest.param(
            '"{h}/api/v1/courses/{c}/stats/{e}".format(h=BASE, c=cid, e=email)',
            "BASE",
            IDS,
            {},
            id="format-named",
        ),
        pytest.param('"%s/api/v1/courses/%s/stats/%s" % (BASE, cid, email)', "BASE", IDS, {}, id="percent"),
        pytest.param("HOST_TEMPLATE.format(cid, email)", "BASE", IDS, {}, id="format-template-host"),
        pytest.param("HOST_PERCENT % (cid, email)", "BASE", IDS, {}, id="percent-template-host"),
        pytest.param(
            '"%(h)s/api/v1/courses/%(c)s/stats/%(e)s" % {"h": BASE, "c": cid, "e": email}',
            "BASE",
            IDS,
            {},
            id="percent-dict",
        ),
        pytest.param("BASE + TEMPLATE.format(cid, email)", "BASE", IDS, {}, id="template-constant"),
        pytest.param('"%s" % BASE + PERCENT_TEMPLATE % PAIRS', "BASE", IDS, {}, id="percent-named-tuple"),
        pytest.param('f"{API}/courses/{cid}/stats/{email}"', "API", IDS, {}, id="api-root-constant"),
        pytest.param(
            'f"{API_FROM_ENV}courses/{cid}/stats/{email}"', "API_FROM_ENV", IDS, {}, id="api-root-env"
        ),
        pytest.param(
            'f"{BASE}/api/v1/courses/{COURSE}/stats/{quote(email)}"',
            "BASE",
            {"courseId": "COURSE", "userEmail": "email"},
            {},
            id="constant-course-quoted-email",
        ),
        pytest.param(
            '" https://acme.360learning.com/api/v1/courses/64b000000000000000000001/stats/jane@acme.com"',
            '" https://acme.360learning.com"',
            {"courseId": '"64b000000000000000000001"', "userEmail": '"jane@acme.com"'},
            {},
            id="literal-with-stray-space",
        ),
        pytest.param(
            'f"{BASE}/api/v1/courses/{cid}/stats/{email}?company={c}&apiKey={k}"',
            "BASE",
            IDS,
            {"company": "c", "apiKey": "k"},
            id="credentials-in-query",
        ),
        pytest.param(
            'f"https://{tenant}.360learning.com/api/v1/courses/{cid}/stats/{email}/"',
            'f"https://{tenant}.360learning.com"',
            IDS,
            {},
            id="tenant-host-trailing-slash",
        ),
        pytest.param(
            'f"{TENANT_BASE}/api/v1/courses/course-{cid}/stats/{email}"',
            "TENANT_BASE",
            {"courseId": 'f"course-{cid}"', "userEmail": "email"},
            {},
            id="mixed-segment",
        ),
    ],
)
def test_reads(source: str, host: str, parameters: dict[str, str], query: dict[str, str]) -> None:
    result = read(source)
    assert result is not None
    assert result[0] == host
    assert "360learning" in result[1]
    assert result[2] == parameters
    assert result[3] == query


@pytest.mark.parametrize(
    "source",
    [
        pytest.param('f"{BASE}/api/v1/users/{email}"', id="users"),
        pytest.param('f"{BASE}/api/v2/courses/stats"', id="v2"),
        pytest.param('f"{BASE}/api/v1/courses/{cid}/stats/{email}/extra"', id="longer-path"),
        pytest.param("url", id="unknown-name"),
        pytest.param("build_url(cid, email)", id="call"),
        pytest.param('f"{BASE}/myapi/v1/courses/{cid}/stats/{email}"', id="other-prefix"),
    ],
)
def test_not_a_v1_url(source: str) -> None:
    assert read(source) is None


@pytest.mark.parametrize(
    ("source", "endpoint", "parameters", "query"),
    [
        ('f"{BASE}/api/v1/courses/{cid}/stats"', "getCourseStats", {"courseId": "cid"}, {}),
        (
            'BASE + "/api/v1/courses/stats?createdAtAfter=" + day',
            "getCoursesStats",
            {},
            {"createdAtAfter": "day"},
        ),
        ('"%s/api/v1/users/%s/courses" % (BASE, who)', "getUserCourses", {"userEmailOrId": "who"}, {}),
        ('f"{API}/courses/{cid}/stats/{email}"', "getUserCourseStats", IDS, {}),
    ],
)
def test_each_endpoint(source: str, endpoint: str, parameters: dict[str, str], query: dict[str, str]) -> None:
    match = match_endpoint(url_parts(cst.parse_expression(source), resolve))
    assert match is not None and match.endpoint.name == endpoint
    code = cst.Module([]).code_for_node
    assert {k: code(v) for k, v in match.parameters.items()} == parameters
    assert {k: code(v) for k, v in match.query.items()} == query


def test_host_is_none_for_a_relative_path() -> None:
    result = read('f"/api/v1/courses/{cid}/stats/{email}"')
    assert result is not None and result[0] is None


def test_other_vendor_is_read_but_not_360learning() -> None:
    match = match_endpoint(
        url_parts(cst.parse_expression('f"https://canvas.example.edu/api/v1/courses/{c}/stats/{s}"'), resolve)
    )
    assert match is not None and not match.is_360learning


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ('f"{BASE}/api/v1/courses/{cid!r}/stats/{email}"', "conversion or format spec"),
        ('f"{BASE}/api/v1/courses/{cid:>10}/stats/{email}"', "conversion or format spec"),
        ('"{}/api/v1/courses/{}/stats/{}".format(BASE, cid)', "fewer arguments"),
        ('"{9}/api/v1/courses/{1}/stats/{2}".format(BASE, cid, email)', "fewer arguments"),
        ('"{h}/api/v1/courses/{c}/stats/{e}".format(c=cid, e=email)', "cannot be read"),
        ('"{}/api/v1/courses/{}/stats/{}".format(*parts)', "*args"),
        ('"{0.x}/api/v1/courses/{1}/stats/{2}".format(BASE, cid, email)', "cannot be read"),
        ('"%s/api/v1/courses/%r/stats/%s" % (BASE, cid, email)', "%r"),
        ('"%s/api/v1/courses/%s/stats/%s" % (BASE, cid)', "fewer values"),
        ('"%(h)s/api/v1/courses/%(c)s/stats/%(x)s" % {"h": BASE, "c": cid}', "key cannot be read"),
        ('"%s/api/v1/courses/%s/stats/%s" % (BASE, *rest)', "starred"),
        ('"%s/api/v1/courses/%s/stats/%s" % {**d}', "dict that cannot be read"),
        ('b"/api/v1/courses/x/stats/y"', "bytes"),
        ('f"{BASE}/api/v1/courses/{cid}/stats/{email}?{query}"', "query string"),
    ],
)
def test_unreadable(source: str, reason: str) -> None:
    with pytest.raises(Review, match=re.escape(reason)):
        read(source)


def test_fstring_escapes_are_unescaped() -> None:
    parts = url_parts(cst.parse_expression('f"{{x}}\\t{y}"'), resolve)
    assert isinstance(parts[0], Text)
    assert parts[0].value == "{x}\t"


def test_a_host_declared_in_the_configuration_is_360learnings() -> None:
    source = (
        b"import requests\n\n\ndef _stats(session, cid, email):\n"
        b'    return session.get(f"https://lms.acme.internal/api/v1/courses/{cid}/stats/{email}").json()["attempts"]\n'
    )
    assert migrate_source(source, display_path="x.py", options=TransformOptions()).findings == ()
    options = TransformOptions(hosts=("LMS.acme.internal",))
    (finding,) = migrate_source(source, display_path="x.py", options=options).findings
    assert finding.status.value == "rewrite"


URL_FUNCTION_HEAD = (
    "import os\n\nimport requests\n\n"
    'BASE = "https://app.360learning.com"\n'
    'AUTH = {"company": os.environ["COMPANY"], "apiKey": os.environ["KEY"]}\n\n\n'
)


def migrate_with(function: str, call: str) -> tuple[str, list[tuple[str, str, str]]]:
    source = (
        URL_FUNCTION_HEAD
        + textwrap.dedent(function)
        + "\n\ndef minutes(cid, email):\n"
        + f"    r = requests.get({call}, params=AUTH)\n"
        + '    return sum(a["globalTime"] for a in r.json()["attempts"])\n'
    )
    result = migrate_source(source.encode(), display_path="m.py", options=TransformOptions())
    return result.source.decode(), [(f.status.value, f.endpoint, f.message) for f in result.findings]


@pytest.mark.parametrize(
    ("function", "call", "expected"),
    [
        pytest.param(
            """
            def stats_url(course_id, email):
                return f"{BASE}/api/v1/courses/{course_id}/stats/{email}"
            """,
            "stats_url(cid, email)",
            "list_course_stats(BASE, course_id=cid, user_id=learning360_v2.resolve_user_id(BASE, email))",
            id="positional",
        ),
        pytest.param(
            """
            def stats_url(email, course_id="64b000000000000000000009", *, host=BASE):
                '''The statistics of one learner.'''
                return host + "/api/v1/courses/" + course_id + "/stats/" + email
            """,
            'stats_url(host=BASE + "/", email=email)',
            'list_course_stats(f"{BASE}/", course_id="64b000000000000000000009", '
            'user_id=learning360_v2.resolve_user_id(f"{BASE}/", email))',
            id="keywords-and-defaults",
        ),
        pytest.param(
            """
            def root():
                return BASE + "/api/v1"
            """,
            'root() + f"/courses/{cid}/stats/{email}"',
            "list_course_stats(root(), course_id=cid, user_id=learning360_v2.resolve_user_id(root(), email))",
            id="function-returning-the-api-root",
        ),
    ],
)
def test_url_made_by_a_function(function: str, call: str, expected: str) -> None:
    output, findings = migrate_with(function, call)
    assert [(status, endpoint) for status, endpoint, _ in findings] == [("rewrite", "getUserCourseStats")]

    # Compared without the layout: the call is laid out one argument per line, with a trailing comma.
    def bare(code: str) -> str:
        return "".join(code.split()).replace(",)", ")")

    assert bare(f"r = learning360_v2.{expected}") in bare(output)
    assert 'a["timeSpent"]' in output


@pytest.mark.parametrize(
    ("function", "call", "reason"),
    [
        pytest.param(
            """
            def stats_url(course_id, email):
                path = f"/api/v1/courses/{course_id}/stats/{email}"
                return BASE + path
            """,
            "stats_url(cid, email)",
            "the URL comes from stats_url(), whose body is more than a return statement",
            id="body-with-a-local",
        ),
        pytest.param(
            """
            def stats_url(course_id, email):
                return f"{BASE}/api/v1/courses/{course_id}/stats/{email}"
            """,
            "stats_url(*ids)",
            "the URL comes from stats_url(), whose parameters cannot be matched to the call",
            id="starred-call",
        ),
        pytest.param(
            """
            def stats_url(*parts):
                return BASE + "/api/v1/courses/%s/stats/%s" % parts
            """,
            "stats_url(cid, email)",
            "the URL comes from stats_url(), whose parameters cannot be matched to the call",
            id="starred-parameters",
        ),
    ],
)
def test_url_function_that_cannot_be_read_is_reported(function: str, call: str, reason: str) -> None:
    output, findings = migrate_with(function, call)
    assert findings == [("needs_review", "getUserCourseStats", reason)]
    assert "requests.get(" in output


@pytest.mark.parametrize(
    "function",
    [
        pytest.param(
            """
            def stats_url(course_id, email):
                return stats_url(course_id, email)
            """,
            id="recursive",
        ),
        pytest.param(
            """
            def stats_url(course_id, email):
                return f"https://canvas.example.edu/api/v1/courses/{course_id}/analytics/{email}"
            """,
            id="another-vendor",
        ),
        pytest.param(
            """
            @functools.cache
            def stats_url(course_id, email):
                return f"https://canvas.example.edu/api/v1/courses/{course_id}/stats/{email}"
            """,
            id="decorated-and-another-vendor",
        ),
    ],
)
def test_url_function_that_is_no_v1_site_is_left_alone(function: str) -> None:
    output, findings = migrate_with(function, "stats_url(cid, email)")
    assert findings == []
    assert "requests.get(" in output
