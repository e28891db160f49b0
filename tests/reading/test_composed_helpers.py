"""A request helper over another request helper (``codemods.reading.getters``): a call of the outer one
is the GET the inner one makes, through as many helpers as there are; what cannot be followed through
them is reported, never rewritten."""

from __future__ import annotations

from codemods.transform.migrate import TransformOptions, migrate_source

CLIENT = """\
import requests

BASE = "https://app.360learning.com"


class Client:
    def __init__(self):
        self.session = requests.Session()

    def _send(self, method, url):
        r = self.session.request(method, url, params={"company": "c"}, timeout=30)
        r.raise_for_status()
        return r

    def _request(self, method, path):
        return self._send(method, f"{BASE}/api/v1{path}")

    def get(self, path):
        return self._request("GET", path).json()

    def minutes(self, course_id, email):
        return sum(a["globalTime"] for a in self.get(f"/courses/{course_id}/stats/{email}")["attempts"])
"""


def _migrate(source: str) -> tuple[str, list[tuple[str, str]]]:
    result = migrate_source(source.encode(), display_path="client.py", options=TransformOptions())
    return result.source.decode(), [(f.status.value, f.rule) for f in result.findings]


def test_a_call_through_three_helpers_is_the_get_the_last_one_makes() -> None:
    out, findings = _migrate(CLIENT)
    assert findings == [("rewrite", "rewrite")]
    assert "learning360_v2.list_course_stats(\n            BASE,\n            course_id=course_id," in out
    assert 'a["timeSpent"]' in out


def test_a_helper_that_sends_another_method_is_no_get() -> None:
    source = CLIENT.replace(
        'return self._request("GET", path).json()', 'return self._request("POST", path).json()'
    )
    out, findings = _migrate(source)
    assert findings == [("needs_review", "unfollowed-url")]
    assert "self.get(" in out


def test_a_helper_that_calls_itself_is_none() -> None:
    source = CLIENT.replace('return self._request("GET", path).json()', "return self.get(path)")
    _, findings = _migrate(source)
    assert findings == [("needs_review", "unfollowed-url")]


def test_a_parameter_of_the_outer_helper_that_shapes_the_request_stops_it() -> None:
    source = CLIENT.replace(
        """    def get(self, path):
        return self._request("GET", path).json()""",
        """    def get(self, path, version):
        return self._request("GET", version + path).json()""",
    ).replace(
        'self.get(f"/courses/{course_id}/stats/{email}")',
        'self.get(f"/courses/{course_id}/stats/{email}", "")',
    )
    _, findings = _migrate(source)
    assert [status for status, _ in findings] == ["needs_review"]


HELD_IN_ATTRIBUTE = """\
import os

import requests


class Http:
    def __init__(self):
        self.base_url = "https://app.360learning.com/api/v1"
        self.session = requests.Session()
        self.session.params = {"company": os.environ.get("C")}

    def get(self, path):
        r = self.session.get(self.base_url + path)
        r.raise_for_status()
        return r.json()


class Reports:
    def __init__(self):
        self.http = Http()

    def _minutes(self, course_id, email):
        return sum(a["globalTime"] for a in self.http.get(f"/courses/{course_id}/stats/{email}")["attempts"])
"""


def test_a_helper_of_an_object_kept_in_an_attribute_reads_its_host_on_that_object() -> None:
    out, findings = _migrate(HELD_IN_ATTRIBUTE)
    assert findings == [("rewrite", "rewrite")]
    assert "learning360_v2.list_course_stats(\n            self.http.base_url," in out


def test_an_attribute_set_twice_is_not_followed() -> None:
    source = HELD_IN_ATTRIBUTE.replace(
        "        self.http = Http()\n", "        self.http = Http()\n        self.http = Http()\n"
    )
    out, findings = _migrate(source)
    assert findings == [("needs_review", "unfollowed-url")]
    assert "self.http.get(f" in out
