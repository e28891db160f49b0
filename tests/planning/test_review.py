"""Sites the tool leaves for a person: each keeps its code, gets a marker and says why.

Written as pairs, as in the fixtures but inline: the v1 code, and the reason the tool must give. Every
case here is a real way client code uses a v1 answer that the tool cannot adapt without guessing.
"""

from __future__ import annotations

import textwrap

import pytest

from codemods.mapping import REVIEW_MARKER
from codemods.results.findings import Status
from codemods.transform.migrate import TransformOptions, migrate_source

HEAD = (
    'import os\nimport requests\nBASE = "https://app.360learning.com"\n'
    'AUTH = {"company": "c", "apiKey": os.environ["K"]}\n'
)
URL = 'f"{BASE}/api/v1/courses/{cid}/stats/{email}"'


def migrate(body: str, *, keep_v1_shape: bool = True) -> tuple[str, list[tuple[str, str]]]:
    source = HEAD + textwrap.dedent(body).replace("URL", URL)
    options = TransformOptions(keep_v1_shape=keep_v1_shape)
    result = migrate_source(source.encode(), display_path="m.py", options=options)
    return result.source.decode(), [(f.status.value, f.message) for f in result.findings]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                return r.json()["attempts"]
            """,
            "the list of attempts is returned",
            id="attempts-returned",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                save(r)
            """,
            "the response is passed to save()",
            id="response-passed",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                print(r.headers["Date"])
                return len(r.json()["attempts"])
            """,
            "the response's .headers has no v2 equivalent",
            id="response-headers",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                if r.status_code == 404:
                    return []
                return len(r.json()["attempts"])
            """,
            "compared to something other than 200",
            id="status-404",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                if cid:
                    pass
                elif r.ok:
                    print(len(r.json()["attempts"]))
            """,
            "tested in an elif",
            id="status-elif",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                ok = r.ok
                print(ok, len(r.json()["attempts"]))
            """,
            "other than in an if or assert",
            id="status-stored",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                data = r.json()
                print(sorted(data))
            """,
            "the JSON payload is passed to sorted()",
            id="payload-whole",
        ),
        pytest.param(
            """
            def f(cid, email):
                attempts = requests.get(URL, params=AUTH).json()["attempts"]
                for i, (a, b) in enumerate(zip(attempts, attempts)):
                    print(i)
            """,
            "the list of attempts is passed to zip()",
            id="attempts-zipped",
        ),
        pytest.param(
            """
            def f(cid, email):
                attempts = requests.get(URL, params=AUTH).json()["attempts"]
                print(attempts[0])
            """,
            "an attempt is passed to print()",
            id="attempt-printed",
        ),
        pytest.param(
            """
            def f(cid, email):
                attempts = requests.get(URL, params=AUTH).json()["attempts"]
                for a in attempts:
                    key = "globalTime"
                    print(a[key])
            """,
            "an attempt is used in a way the tool cannot adapt",
            id="attempt-dynamic-key",
        ),
        pytest.param(
            """
            def f(cid, email):
                attempts = requests.get(URL, params=AUTH).json()["attempts"]
                attempts.sort(key=itemgetter("globalTime"))
            """,
            "not a one-argument lambda",
            id="sort-itemgetter",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                print(len(r.json()["attempts"]))
                r = requests.get(URL, params=AUTH)
                print(len(r.json()["attempts"]))
                for _ in range(2):
                    print(r.json()["attempts"])
                    r = fetch()
            """,
            "assigned more than once where it is read",
            id="reassigned-in-loop",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH, verify=False)
                print(len(r.json()["attempts"]))
            """,
            "argument verify has no equivalent in the helper",
            id="verify",
        ),
        pytest.param(
            """
            def f(cid, email, **kw):
                r = requests.get(URL, params=AUTH, **kw)
                print(len(r.json()["attempts"]))
            """,
            "the call passes *args or **kwargs",
            id="kwargs",
        ),
        pytest.param(
            """
            def f(cid, email, params):
                r = requests.get(URL, params=params)
                print(len(r.json()["attempts"]))
            """,
            "params cannot be read statically",
            id="params-parameter",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH, headers={"User-Agent": "etl"})
                print(len(r.json()["attempts"]))
            """,
            "header User-Agent is not sent by the helper",
            id="extra-header",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(f"{BASE}/api/v1/courses/{cid!r}/stats/{email}", params=AUTH)
                print(len(r.json()["attempts"]))
            """,
            "conversion or format spec",
            id="unreadable-url",
        ),
        pytest.param(
            """
            def f(session, cid, email):
                s = requests.Session()
                r = s.get(f"/api/v1/courses/{cid}/stats/{email}", params=AUTH)
                print(len(r.json()["attempts"]))
            """,
            "the URL has no host",
            id="relative-url",
        ),
        pytest.param(
            """
            def f(cid, email):
                r, other = requests.get(URL, params=AUTH), None
                print(len(r.json()["attempts"]))
            """,
            "the response is used in a way the tool cannot adapt",
            id="tuple-assignment",
        ),
        pytest.param(
            """
            def f(cids, email):
                by_course = {"all": []}
                for cid in cids:
                    by_course[cid] = requests.get(URL, params=AUTH).json()["attempts"]
                print(by_course)
            """,
            "is stored in by_course, which is not a dict made empty for it",
            id="stored-in-a-dict-with-other-values",
        ),
        pytest.param(
            """
            def f(cids, email):
                by_course = {}
                for cid in cids:
                    by_course[cid] = requests.get(URL, params=AUTH).json()["attempts"]
                by_course["none"] = []
                print(len(by_course["none"]))
            """,
            "by_course holds other values than the list of attempts",
            id="stored-next-to-other-values",
        ),
        pytest.param(
            """
            class Cache:
                def fill(self, cids, email):
                    for cid in cids:
                        self.items[cid] = requests.get(URL, params=AUTH).json()["attempts"]
            """,
            "is stored in an item of something other than a dict variable",
            id="stored-in-an-attribute",
        ),
        pytest.param(
            """
            def f(cids, email):
                by_course = {}
                for cid in cids:
                    by_course[cid] = requests.get(URL, params=AUTH).json()["attempts"]
                return by_course
            """,
            "a dict of lists of attempts is returned",
            id="stored-then-returned",
        ),
        pytest.param(
            """
            def f(cids, email):
                responses = {}
                for cid in cids:
                    responses[cid] = requests.get(URL, params=AUTH)
                print(len(responses))
            """,
            "the response is unpacked, stored in an attribute",
            id="response-stored",
        ),
    ],
)
def test_left_for_review(body: str, reason: str) -> None:
    """The reasons of the default rewrite; some of these sites keep v1's shape unless told not to
    (``tests/planning/test_v1_shape.py``)."""
    output, findings = migrate(body, keep_v1_shape=False)
    assert [status for status, _ in findings] == [Status.NEEDS_REVIEW.value] * len(findings)
    assert any(reason in message for _, message in findings), findings
    assert output.count(REVIEW_MARKER) == len(findings)  # one marker per site
    # The code itself is unchanged: only marker lines were added.
    without_markers = "\n".join(line for line in output.splitlines() if REVIEW_MARKER not in line)
    assert without_markers == (HEAD + textwrap.dedent(body).replace("URL", URL)).rstrip("\n")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                if r.status_code == 200:
                    print(len(r.json()["attempts"]))
                else:
                    print("failed", r.status_code)
            """,
            id="success-if-with-else",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                assert r.ok
                attempts = r.json().get("attempts", [])
                print(sorted(attempts, key=lambda a: a["firstActivity"])[-1]["firstActivity"])
            """,
            id="assert-and-sorted",
        ),
        pytest.param(
            """
            def f(cid, email):
                r = requests.get(URL, params=AUTH)
                if not r.ok: raise RuntimeError(r.status_code)
                else: print([a.get("pathSession") for a in r.json()["attempts"] if "pathSession" in a])
            """,
            id="one-line-suites",
        ),
        pytest.param(
            """
            def f(cids, email):
                by_course = {}
                for cid in cids:
                    by_course[cid] = requests.get(URL, params=AUTH).json()["attempts"]
                for cid, attempts in by_course.items():
                    print(cid, sum(a["globalTime"] for a in attempts), by_course[cid][0]["lastActivity"])
            """,
            id="stored-by-course",
        ),
    ],
)
def test_rewritten(body: str) -> None:
    output, findings = migrate(body)
    assert [status for status, _ in findings] == [Status.REWRITE.value]
    assert REVIEW_MARKER not in output
    assert ".json()" not in output and "status_code" not in output and ".ok" not in output
    assert "globalTime" not in output and '"firstActivity"' not in output and '"pathSession"' not in output
    assert '"lastActivity"' not in output
    compile(output, "m.py", "exec")


def test_marker_is_replaced_not_duplicated() -> None:
    body = """
    def f(cid, email):
        # migrate-360learning: review: a reason from an older version
        r = requests.get(URL, params=AUTH)
        return r
    """
    output, _ = migrate(body)
    assert output.count(REVIEW_MARKER) == 1
    assert "older version" not in output
