"""A request helper's parameter given whole to its GET as a keyword argument (``timeout=timeout``,
``codemods.reading.getters``): the call's value or the parameter's default goes to the rewritten call;
a parameter that shapes the request any other way keeps the helper from being followed."""

from __future__ import annotations

import pytest

from codemods.transform.migrate import TransformOptions, migrate_source

HELPER = """\
import os

import requests

BASE = "https://app.360learning.com/api/v1"


def get_json(path, timeout=20):
    r = requests.get(BASE + path, params={"company": os.environ["C"]}, timeout=timeout)
    r.raise_for_status()
    return r.json()


def minutes(course_id, email):
    return sum(a["globalTime"] for a in get_json(f"/courses/{course_id}/stats/{email}"CALL)["attempts"])
"""


def _migrate(source: str) -> tuple[str, list[tuple[str, str]]]:
    result = migrate_source(source.encode(), display_path="client.py", options=TransformOptions())
    return result.source.decode(), [(f.status.value, f.rule) for f in result.findings]


@pytest.mark.parametrize(
    ("call", "given"),
    [("", "timeout=20"), (", timeout=75", "timeout=75"), (", 75", "timeout=75"), (", timeout=None", None)],
)
def test_the_call_value_or_the_default_reaches_the_rewritten_call(call: str, given: str | None) -> None:
    out, findings = _migrate(HELPER.replace("CALL", call))
    assert findings == [("rewrite", "rewrite")]
    assert "learning360_v2.list_course_stats(" in out
    if given is None:
        assert "timeout=" not in out.split("def minutes")[1]  # as if the GET were given none
    else:
        assert f"        {given},\n" in out.split("def minutes")[1]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(("timeout=20):", "timeout=LIMITS[0]):"), id="default-not-a-name"),
        pytest.param(("timeout=timeout)", "timeout=timeout * 2)"), id="computed"),
        pytest.param(("timeout=timeout)", "timeout=timeout, stream=timeout)"), id="given-twice"),
    ],
)
def test_a_parameter_that_shapes_the_request_otherwise_is_not_followed(change: tuple[str, str]) -> None:
    source = HELPER.replace("CALL", "").replace(*change).replace("BASE = ", "LIMITS = (5,)\nBASE = ")
    out, findings = _migrate(source)
    assert findings == [("needs_review", "unfollowed-url")]
    assert "get_json(f" in out


@pytest.mark.parametrize(
    ("constant", "followed"),
    [
        pytest.param("TIMEOUT = 45\n", True, id="assigned-a-literal-once"),
        pytest.param("TIMEOUT = int(os.environ['T'])\n", False, id="computed"),
        pytest.param(
            "TIMEOUT = 45\n\n\ndef slower():\n    global TIMEOUT\n    TIMEOUT = 90\n", False, id="rebound"
        ),
    ],
)
def test_a_module_constant_default_is_read_as_its_literal(constant: str, followed: bool) -> None:
    source = HELPER.replace("CALL", "").replace("timeout=20):", "timeout=TIMEOUT):")
    out, findings = _migrate(source.replace("BASE = ", constant + "BASE = "))
    if followed:
        assert findings == [("rewrite", "rewrite")]
        assert "        timeout=45,\n" in out.split("def minutes")[1]
    else:
        assert findings == [("needs_review", "unfollowed-url")]
        assert "learning360_v2" not in out


@pytest.mark.parametrize(
    ("call", "status"),
    [
        pytest.param(", timeout=LIMIT * 3", "rewrite", id="pure-expression"),
        pytest.param(", timeout=limits[0]", "rewrite", id="subscript"),
        pytest.param(", timeout=pick()", "needs_review", id="a-call-runs-code"),
    ],
)
def test_what_the_caller_passes_moves_with_it_when_it_has_no_effect(call: str, status: str) -> None:
    source = HELPER.replace("CALL", call).replace("BASE = ", "LIMIT = 30\nlimits = [30]\nBASE = ")
    out, findings = _migrate(source)
    assert findings == [(status, "rewrite" if status == "rewrite" else "unsupported-argument")]
    if status == "rewrite":
        assert f"        {call.lstrip(', ')},\n" in out.split("def minutes")[1]
