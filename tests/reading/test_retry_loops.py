"""Which loops of a request helper are read as trying the request again (``helper_bodies.request_of``):
only those that wait or log and go round again on a status, then raise once the loop is over. Any
other loop leaves the helper unfollowed, and its calls reported."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from codemods.reading.helper_bodies import request_of

FOLLOWED = {
    "for over a range": """
        for attempt in range(retries):
            r = requests.get(BASE + path, timeout=30)
            if r.status_code == 429:
                time.sleep(2 ** attempt)
                continue
            r.raise_for_status()
            return r.json()
        raise RuntimeError("gave up")
    """,
    "while True, a log, two waiting statuses": """
        while True:
            r = session.get(BASE + path)
            if r.status_code in (429, 503):
                logger.warning("waiting")
                sleep(1)
                continue
            if r.status_code != 200:
                raise ValueError(r.text)
            return r
    """,
    "an annotated response": """
        for attempt in range(3):
            r: requests.Response = requests.get(path)
            if r.status_code == 429:
                continue
            return r.json()
        raise RuntimeError
    """,
    "a docstring and the response returned": '''
        """Retry."""
        for _ in range(3):
            response = requests.get(path)
            if response.status_code >= 500:
                continue
            return response
        raise RuntimeError
    ''',
}

UNFOLLOWED = {
    "a branch that returns": """
        while True:
            r = requests.get(path)
            if r.status_code == 404:
                return None
            if r.status_code == 429:
                continue
            return r.json()
        raise RuntimeError
    """,
    "no raise after the loop": """
        for _ in range(3):
            r = requests.get(path)
            if r.status_code == 429:
                continue
            return r.json()
        return None
    """,
    "a branch that calls something else": """
        for _ in range(3):
            r = requests.get(path)
            if r.status_code == 429:
                metrics.increment("rate_limited")
                continue
            return r.json()
        raise RuntimeError
    """,
    "a test that calls": """
        for _ in range(3):
            r = requests.get(path)
            if should_retry(r.status_code):
                continue
            return r.json()
        raise RuntimeError
    """,
    "a test of the body": """
        for _ in range(3):
            r = requests.get(path)
            if "busy" in r.text:
                continue
            return r.json()
        raise RuntimeError
    """,
    "a loop over pages": """
        for page in pages:
            r = requests.get(path, params={"page": page})
            if r.status_code == 429:
                continue
            return r.json()
        raise RuntimeError
    """,
    "a range that pages": """
        for page in range(1, 10):
            r = requests.get(path, params={"page": page})
            if r.status_code == 429:
                continue
            return r.json()
        raise RuntimeError
    """,
    "a statement after while True that is not a raise": """
        while True:
            r = requests.get(path)
            if r.status_code == 429:
                continue
            return r.json()
        return None
    """,
    "a loop with an else": """
        for _ in range(3):
            r = requests.get(path)
            if r.status_code == 429:
                continue
            return r.json()
        else:
            raise RuntimeError
        raise RuntimeError
    """,
    "no branch that tries again": """
        for _ in range(3):
            r = requests.get(path)
            r.raise_for_status()
            return r.json()
        raise RuntimeError
    """,
}


def _body(code: str) -> list[cst.BaseStatement]:
    function = cst.parse_statement("def get(path):\n" + textwrap.indent(textwrap.dedent(code), "    "))
    assert isinstance(function, cst.FunctionDef) and isinstance(function.body, cst.IndentedBlock)
    return list(function.body.body)


@pytest.mark.parametrize("name", sorted(FOLLOWED))
def test_followed(name: str) -> None:
    found = request_of(_body(FOLLOWED[name]))
    assert found is not None
    request, decoded = found
    assert isinstance(request.func, cst.Attribute) and request.func.attr.value == "get"
    assert decoded == ("json()" in FOLLOWED[name])


@pytest.mark.parametrize("name", sorted(UNFOLLOWED))
def test_unfollowed(name: str) -> None:
    assert request_of(_body(UNFOLLOWED[name])) is None
