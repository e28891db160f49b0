"""A request helper inherited from a base class of another module (``codemods.transform.inherited``):
when the module is read holding the base class's code, when it is not, and that nothing of the held
code is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.engine.indexing import build_index, module_name
from codemods.reading.index import RepositoryIndex
from codemods.transform.inherited import SENTINEL, hold
from codemods.transform.migrate import TransformOptions, migrate_source

BASE = '''\
"""The transport."""

import os

import requests

API_ROOT = os.environ.get("LMS", "https://app.360learning.com") + "/api/v1"
AUTH = {"company": os.environ.get("COMPANY", ""), "apiKey": os.environ.get("KEY", "")}


class Transport:
    def __init__(self):
        self.session = requests.Session()

    def get(self, path):
        r = self.session.get(API_ROOT + path, params=AUTH)
        r.raise_for_status()
        return r.json()
'''

CALLER = """\
from lms.transport import Transport


class Stats(Transport):
    def minutes(self, course_id, email):
        stats = self.get(f"/courses/{course_id}/stats/{email}")
        return sum(a["globalTime"] for a in stats["attempts"]) / 60000
"""


def _repository(tmp_path: Path, caller: str, base: str = BASE) -> tuple[RepositoryIndex, Path]:
    (tmp_path / "lms").mkdir()
    (tmp_path / "lms" / "__init__.py").write_text("")
    (tmp_path / "lms" / "transport.py").write_text(base)
    (tmp_path / "lms" / "stats.py").write_text(caller)
    files = [(p, module_name(p, tmp_path)) for p in sorted(tmp_path.rglob("*.py"))]
    return build_index(files), tmp_path / "lms" / "stats.py"


def _migrate(index: RepositoryIndex, source: str) -> tuple[str, list[tuple[str, str]]]:
    result = migrate_source(
        source.encode(),
        display_path="lms/stats.py",
        options=TransformOptions(
            index=index, module="lms.stats", first_party=frozenset({"lms", "learning360_v2"})
        ),
    )
    return result.source.decode(), [(f.status.value, f.rule) for f in result.findings]


def test_the_inherited_helper_is_followed_and_its_host_imported_beside_the_base_class(tmp_path: Path) -> None:
    index, _ = _repository(tmp_path, CALLER)
    out, findings = _migrate(index, CALLER)
    assert findings == [("rewrite", "rewrite")]
    assert out.splitlines()[:2] == ["import learning360_v2", "from lms.transport import API_ROOT, Transport"]
    assert "learning360_v2.list_course_stats(\n            API_ROOT," in out
    assert '"timeSpent"' in out and "globalTime" not in out
    assert SENTINEL not in out and "_migrate360_held_" not in out and "def get(" not in out


def test_a_relative_import_of_the_base_class_gets_the_host_the_same_way(tmp_path: Path) -> None:
    caller = CALLER.replace("from lms.transport import", "from .transport import")
    index, _ = _repository(tmp_path, caller)
    out, findings = _migrate(index, caller)
    assert findings == [("rewrite", "rewrite")]
    assert "from .transport import API_ROOT, Transport" in out


def test_a_module_without_a_trailing_newline_keeps_its_last_line(tmp_path: Path) -> None:
    caller = CALLER.rstrip("\n")
    index, _ = _repository(tmp_path, caller)
    out, _ = _migrate(index, caller)
    assert out.endswith("/ 60000") and SENTINEL not in out


def test_a_name_the_module_binds_otherwise_keeps_it_from_holding_the_base_class(tmp_path: Path) -> None:
    """The caller's own ``AUTH`` would be shadowed by the held code's import: it is read alone, and the
    inherited helper's call is reported as before."""
    caller = CALLER.replace("\n\nclass", '\nAUTH = {"other": 1}\n\n\nclass', 1)
    index, _ = _repository(tmp_path, caller)
    assert hold(caller.encode(), index, "lms.stats") is None
    out, findings = _migrate(index, caller)
    assert findings == [("needs_review", "unfollowed-url")]
    assert "self.get(" in out


def test_the_same_import_in_both_modules_is_no_conflict(tmp_path: Path) -> None:
    caller = "import requests\n" + CALLER
    index, _ = _repository(tmp_path, caller)
    assert hold(caller.encode(), index, "lms.stats") is not None


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: s.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda s: "# -*- coding: latin-1 -*-\n" + s, id="coding-cookie"),
        pytest.param(lambda s: s.replace("class Stats(Transport)", "class Stats(object)"), id="not-derived"),
    ],
)
def test_modules_that_are_not_held(tmp_path: Path, change: object) -> None:
    assert callable(change)
    caller = change(CALLER)
    index, _ = _repository(tmp_path, caller)
    assert hold(caller.encode(), index, "lms.stats") is None


def test_a_base_class_with_v1_sites_of_its_own_is_not_indexed(tmp_path: Path) -> None:
    """Its sites are migrated in its own module: held elsewhere, they would be counted twice."""
    base = (
        BASE
        + '\n    def learners(self, course_id):\n        return self.get(f"/courses/{course_id}/stats")\n'
    )
    index, _ = _repository(tmp_path, CALLER, base)
    assert index.held("lms.transport", "Transport") is None


def test_a_base_class_reading_a_name_of_unknown_origin_is_not_indexed(tmp_path: Path) -> None:
    base = BASE.replace("import requests\n", "import requests\nfrom somewhere import *\n").replace(
        "params=AUTH", "params=STAR_AUTH"
    )
    index, _ = _repository(tmp_path, CALLER, base)
    assert index.held("lms.transport", "Transport") is None


@pytest.mark.parametrize(
    ("spelling", "imported"),
    [
        ("from lms import transport", "from lms.transport import API_ROOT"),
        ("import lms.transport as transport", "from lms.transport import API_ROOT"),
        ("from . import transport", "from .transport import API_ROOT"),
    ],
)
def test_a_base_class_named_through_its_module_is_held_too(
    tmp_path: Path, spelling: str, imported: str
) -> None:
    caller = CALLER.replace("from lms.transport import Transport", spelling).replace(
        "class Stats(Transport)", "class Stats(transport.Transport)"
    )
    index, _ = _repository(tmp_path, caller)
    out, findings = _migrate(index, caller)
    assert findings == [("rewrite", "rewrite")]
    assert imported in out.splitlines()
    assert "learning360_v2.list_course_stats(\n            API_ROOT," in out


FUNCTIONS = '''\
"""The transport, as module functions."""

import os

import requests

API_ROOT = os.environ.get("LMS", "https://app.360learning.com") + "/api/v1"
AUTH = {"company": os.environ.get("COMPANY", ""), "apiKey": os.environ.get("KEY", "")}


def _send(url):
    r = requests.get(url, params=AUTH)
    r.raise_for_status()
    return r.json()


def get(path):
    return _send(API_ROOT + path)


def version():
    return "1"
'''

FUNCTION_CALLER = """\
from lms.transport import get


def minutes(course_id, email):
    stats = get(f"/courses/{course_id}/stats/{email}")
    return sum(a["globalTime"] for a in stats["attempts"]) / 60000
"""


def test_request_functions_are_indexed_with_the_functions_that_call_them(tmp_path: Path) -> None:
    index, _ = _repository(tmp_path, FUNCTION_CALLER, FUNCTIONS)
    held = {name: index.held("lms.transport", name) for name in ("_send", "get", "version")}
    assert held["_send"] is not None and held["_send"].function
    assert held["get"] is not None and held["get"].function and "_send" in held["get"].defined
    # It makes no request: held only beside held code that calls it.
    assert held["version"] is not None and not held["version"].requests
    assert index.held_names == {"_send", "get"}


@pytest.mark.parametrize(
    ("spelling", "call", "imported"),
    [
        ("from lms.transport import get", "get(", "from lms.transport import API_ROOT"),
        ("from .transport import get as fetch", "fetch(", "from .transport import API_ROOT"),
        ("from lms import transport", "transport.get(", "from lms.transport import API_ROOT"),
        ("from . import transport", "transport.get(", "from .transport import API_ROOT"),
        ("import lms.transport", "lms.transport.get(", "from lms.transport import API_ROOT"),
    ],
)
def test_a_request_function_of_another_module_is_followed_through_the_one_it_calls(
    tmp_path: Path, spelling: str, call: str, imported: str
) -> None:
    caller = FUNCTION_CALLER.replace("from lms.transport import get", spelling).replace("get(", call)
    index, _ = _repository(tmp_path, caller, FUNCTIONS)
    out, findings = _migrate(index, caller)
    assert findings == [("rewrite", "rewrite")]
    # The function's import went with its only call; the host's came, in its own section when relative.
    head = out.split("\n\n\ndef ")[0].split("\n")
    assert head == ["import learning360_v2", *([""] if imported.startswith("from .") else []), imported]
    assert "learning360_v2.list_course_stats(\n        API_ROOT," in out
    assert '"timeSpent"' in out and "globalTime" not in out
    assert SENTINEL not in out and "_migrate360_held_" not in out and "def _send(" not in out


def test_a_decorated_request_function_is_held_but_not_followed(tmp_path: Path) -> None:
    """A decorator may change what the call does (a cache, a retry): the call stays reported."""
    functions = FUNCTIONS.replace("def get(path)", "@functools.cache\ndef get(path)").replace(
        "import os\n", "import functools\nimport os\n"
    )
    index, _ = _repository(tmp_path, FUNCTION_CALLER, functions)
    out, findings = _migrate(index, FUNCTION_CALLER)
    assert findings == [("needs_review", "unfollowed-url")]
    assert 'stats = get(f"/courses/' in out and "learning360_v2" not in out


def test_a_module_binding_a_name_the_function_reads_is_read_alone(tmp_path: Path) -> None:
    caller = FUNCTION_CALLER.replace("\n\ndef", '\nAUTH = {"other": 1}\n\n\ndef', 1)
    index, _ = _repository(tmp_path, caller, FUNCTIONS)
    assert hold(caller.encode(), index, "lms.stats") is None
    _, findings = _migrate(index, caller)
    assert findings == [("needs_review", "unfollowed-url")]


def test_a_small_function_the_request_function_calls_is_held_under_its_own_name(tmp_path: Path) -> None:
    """``headers=auth_headers()``: the credentials are read from what it returns, as in one module."""
    functions = FUNCTIONS.replace("params=AUTH", "headers=auth_headers()") + (
        '\n\ndef auth_headers():\n    return {"X-company-id": "c", "X-apiKey": "k"}\n'
    )
    index, _ = _repository(tmp_path, FUNCTION_CALLER, functions)
    held = hold(FUNCTION_CALLER.encode(), index, "lms.stats")
    assert held is not None
    code = held.source.decode()
    assert "\ndef auth_headers():" in code and "import auth_headers" not in code
    out, findings = _migrate(index, FUNCTION_CALLER)
    assert findings == [("rewrite", "rewrite")]
    assert "auth_headers" not in out and "def " + "_send" not in out


def test_a_client_class_of_another_module_made_by_the_module_is_read_with_it(tmp_path: Path) -> None:
    """``api = Transport()`` then ``api.get(…)``: the class's request helper is followed, as for a class
    the module derives from."""
    caller = """\
from lms.transport import Transport


def minutes(course_id, email):
    api = Transport()
    stats = api.get(f"/courses/{course_id}/stats/{email}")
    return sum(a["globalTime"] for a in stats["attempts"]) / 60000
"""
    index, _ = _repository(tmp_path, caller)
    out, findings = _migrate(index, caller)
    assert findings == [("rewrite", "rewrite")]
    assert "learning360_v2.list_course_stats(\n        API_ROOT," in out
    # Making a Transport only stores a session: the object, and its class's import, go with the calls.
    assert "api = Transport()" not in out and "from lms.transport import API_ROOT" in out.splitlines()
    assert SENTINEL not in out and "_migrate360_held_" not in out
