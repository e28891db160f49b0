"""HTTP clients made only for the rewritten calls go with them; any other client stays as it was.

A ``requests.Session()``, ``httpx.Client()`` or ``aiohttp.ClientSession()`` made in a function and read
only by calls the tool rewrote is dead code after the migration: ``with … as client:`` gives way to its
body, ``client = …`` goes, and the client's import goes when nothing else uses it. A client-wide
``timeout=`` that is a plain number moves to the helper call.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from codemods.results.findings import Status
from codemods.transform.migrate import TransformOptions, migrate_source

HEAD = (
    "import os\n\nimport httpx\nimport requests\n\n"
    'BASE = "https://app.360learning.com"\n'
    'AUTH = {"company": os.environ["COMPANY"], "apiKey": os.environ["KEY"]}\n\n\n'
)


def migrate(body: str) -> tuple[str, list[Status]]:
    source = HEAD + textwrap.dedent(body).lstrip()
    result = migrate_source(source.encode(), display_path="m.py", options=TransformOptions())
    migrated = result.source.decode()
    cst.parse_module(migrated)
    again = migrate_source(result.source, display_path="m.py", options=TransformOptions())
    assert again.source == result.source
    return migrated, [f.status for f in result.findings]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            """
            def count(cid, email):
                with requests.Session() as session:
                    r = session.get(f"{BASE}/api/v1/courses/{cid}/stats/{email}", params=AUTH)
                    return len(r.json()["attempts"])
            """,
            """
            def count(cid, email):
                r = learning360_v2.list_course_stats(
                    BASE,
                    course_id=cid,
                    user_id=learning360_v2.resolve_user_id(BASE, email),
                )
                return len(r)
            """,
            id="with-session",
        ),
        pytest.param(
            """
            def count(cid, email):
                client = httpx.Client(timeout=12.5)
                r = client.get(f"{BASE}/api/v1/courses/{cid}/stats/{email}", params=AUTH)
                return len(r.json()["attempts"])
            """,
            """
            def count(cid, email):
                r = learning360_v2.list_course_stats(
                    BASE,
                    course_id=cid,
                    user_id=learning360_v2.resolve_user_id(BASE, email),
                    timeout=12.5,
                )
                return len(r)
            """,
            id="assigned-client-and-its-timeout",
        ),
    ],
)
def test_client_made_for_rewritten_calls_goes(body: str, expected: str) -> None:
    migrated, statuses = migrate(body)
    assert statuses == [Status.REWRITE]
    assert migrated.endswith(textwrap.dedent(expected).lstrip())
    # The client's module is no longer imported; the other one, never used, is not the tool's business.
    assert ("import requests" in migrated) != ("import httpx" in migrated)


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        pytest.param(
            """
            def count(cid, email):
                with requests.Session() as session:
                    r = session.get(f"{BASE}/api/v1/courses/{cid}/stats/{email}", params=AUTH)
                    session.get("https://status.example.com/ping")
                    return len(r.json()["attempts"])
            """,
            "with requests.Session() as session:",
            id="client-also-used-for-another-call",
        ),
        pytest.param(
            """
            session = requests.Session()


            def count(cid, email):
                r = session.get(f"{BASE}/api/v1/courses/{cid}/stats/{email}", params=AUTH)
                return len(r.json()["attempts"])
            """,
            "session = requests.Session()",
            id="module-level-client",
        ),
        pytest.param(
            """
            def count(cid, email):
                client = httpx.Client(auth=make_auth())
                r = client.get(f"{BASE}/api/v1/courses/{cid}/stats/{email}", params=AUTH)
                return len(r.json()["attempts"])
            """,
            "client = httpx.Client(auth=make_auth())",
            id="constructor-computes-its-arguments",
        ),
        pytest.param(
            """
            def count(cid, email):
                with requests.Session() as session:
                    r = session.get(f"{BASE}/api/v1/courses/{cid}/stats/{email}", params=AUTH)
                    return r.text
            """,
            "with requests.Session() as session:",
            id="site-left-for-review",
        ),
        pytest.param(
            """
            def count(cid, email):
                with httpx.Client(timeout=httpx.Timeout(5.0)) as client:
                    r = client.get(f"{BASE}/api/v1/courses/{cid}/stats/{email}", params=AUTH)
                    print(client.headers)
                    return len(r.json()["attempts"])
            """,
            "with httpx.Client(timeout=httpx.Timeout(5.0)) as client:",
            id="client-read-after-the-call",
        ),
    ],
)
def test_other_clients_stay(body: str, kept: str) -> None:
    migrated, _ = migrate(body)
    assert kept in migrated


def test_a_client_timeout_that_is_not_a_number_is_not_moved() -> None:
    migrated, statuses = migrate(
        """
        def count(cid, email):
            with httpx.Client(timeout=httpx.Timeout(5.0)) as client:
                r = client.get(f"{BASE}/api/v1/courses/{cid}/stats/{email}", params=AUTH)
                return len(r.json()["attempts"])
        """
    )
    assert statuses == [Status.REWRITE]
    assert "timeout=" not in migrated.split("list_course_stats(", 1)[1]
    # The constructor computes its argument: the client stays, unused.
    assert "with httpx.Client(timeout=httpx.Timeout(5.0)) as client:" in migrated
