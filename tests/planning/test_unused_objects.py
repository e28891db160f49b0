"""An object of a client class of the module made only for calls that were all rewritten
(``codemods.planning.cleanup``): it goes when making it only stores values, so that the migrated code
leaves no unused local (pyflakes' F841); it stays when its constructor may do anything else."""

from __future__ import annotations

import pytest

from codemods.transform.migrate import TransformOptions, migrate_source

SOURCE = """\
import os

import requests

HOST = "https://app.360learning.com"


class Client:
    INIT

    def _courses(self, email):
        return self.session.get(f"{HOST}/api/v1/users/{email}/courses", params=self.auth).json()


def main(address):
    client = Client()
    for course in client._courses(address):
        print(len(course["attempts"]))
"""

STORES = """def __init__(self):
        'A session and the credentials.'
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json"})
        self.auth = {"company": os.environ.get("C"), "apiKey": os.environ.get("K")}"""


def _migrate(init: str) -> tuple[str, list[tuple[str, str]]]:
    source = SOURCE.replace("INIT", init)
    result = migrate_source(source.encode(), display_path="client.py", options=TransformOptions())
    return result.source.decode(), [(f.status.value, f.rule) for f in result.findings]


def test_an_object_whose_making_only_stores_goes_with_the_rewritten_calls() -> None:
    out, findings = _migrate(STORES)
    assert findings and {status for status, _ in findings} == {"rewrite"}
    assert "client = Client()" not in out and "learning360_v2.course_stats_by_course(" in out


@pytest.mark.parametrize(
    "init",
    [
        pytest.param(
            STORES.replace("self.auth = {", "self.token = login()\n        self.auth = {"), id="calls"
        ),
        pytest.param(
            STORES.replace("requests.Session()", "requests.Session()\n        print('ready')"), id="prints"
        ),
        pytest.param(STORES.replace("self.session = ", "session = "), id="local"),
    ],
)
def test_an_object_whose_making_may_do_more_stays(init: str) -> None:
    out, findings = _migrate(init)
    assert findings and {status for status, _ in findings} == {"rewrite"}
    assert "client = Client()" in out
