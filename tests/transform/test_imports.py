"""The imports a rewrite leaves unused go exactly as LibCST's own visitors would remove them, and, in a
module with no import at its top level, the helper module's import is added where LibCST's
``AddImportsVisitor`` adds it (where there are imports, it goes where isort puts it:
``tests/cli/test_repository_style.py``)."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from codemods.transform.imports import add_helper_import, remove_unused

_Entry = tuple[str, str | None, str | None]

CASES: list[tuple[str, list[_Entry]]] = [
    ("import requests\nimport os\n\nx = os.sep\n", [("requests", None, None)]),
    ("import requests, os\n\nx = os.sep\n", [("requests", None, None)]),
    ("import requests as rq\n\nrq.get\n", [("requests", None, "rq")]),
    ("import requests\n\n__all__ = ['requests']\n", [("requests", None, None)]),
    ("import requests\n\ndef f(s: 'requests.Session') -> None: ...\n", [("requests", None, None)]),
    ("import requests\n\ndef f():\n    requests = 1\n    return requests\n", [("requests", None, None)]),
    ("from requests import get, post\n\npost('u')\n", [("requests", "get", None)]),
    ("from requests import (\n    get,  # the getter\n    post,\n)\n\npost\n", [("requests", "get", None)]),
    ("from requests import get as g\n", [("requests", "get", "g")]),
    ("import urllib.request\nimport urllib.parse\n\nurllib.parse.quote\n", [("urllib.request", None, None)]),
    ("def f():\n    import json\n    return 1\n", [("json", None, None)]),
    ("from . import requests\n", [("requests", None, None)]),
    ("import requests; import os\n\nos.sep\n", [("requests", None, None)]),
    ("import os\n# the client\nimport requests  # HTTP\n\nos.sep\n", [("requests", None, None)]),
    ("from requests import (  # all we need\n    get,\n)\n", [("requests", "get", None)]),
    (
        "from requests import (\n    get,  # the getter\n    post,  # the poster\n)\n\npost\n",
        [("requests", "post", None)],
    ),
    ("from requests import post, get\n\npost\n", [("requests", "get", None)]),
    ("if True:\n    import requests\nx = 1\n", [("requests", None, None)]),
    ("import requests, json\n\nrequests.get\n", [("json", None, None)]),
    ("import os\n", []),
]


def libcst_removes(source: str, entries: list[_Entry]) -> str:
    context = CodemodContext()
    for module, obj, asname in sorted(entries, key=str):
        RemoveImportsVisitor.remove_unused_import(context, module, obj, asname)
    return RemoveImportsVisitor(context).transform_module(cst.parse_module(source)).code


@pytest.mark.parametrize(("source", "entries"), CASES)
def test_unused_imports_go_as_libcst_removes_them(source: str, entries: list[_Entry]) -> None:
    assert remove_unused(cst.parse_module(source), entries).code == libcst_removes(source, entries)


def libcst_adds(source: str, helper: str) -> str:
    context = CodemodContext()
    package, _, name = helper.rpartition(".")
    if package:
        AddImportsVisitor.add_needed_import(context, package, name)
    else:
        AddImportsVisitor.add_needed_import(context, name)
    return AddImportsVisitor(context).transform_module(cst.parse_module(source)).code


@pytest.mark.parametrize(
    "source",
    [
        "",
        "x = 1\n",
        '"""Doc."""\n\nx = 1\n',
        "# a comment\nx = 1\n",
        '"""Doc."""\nx = 1\n',
        "#!/usr/bin/env python\n# a comment\n\nx = 1\n",
        "\n\nx = 1\n",
        "# c\n\n# d\nx = 1\n",
        "x = 1\n# trailing\n",
        "__strict__ = True\nx = 1\n",
        "@decorator\ndef f():\n    pass\n",
        "if True:\n    import os\n",
        "def f():\n    from pkg import more\n",
    ],
)
@pytest.mark.parametrize("helper", ["learning360_v2", "pkg.learning360_v2"])
def test_the_helper_import_goes_where_libcst_adds_it_in_a_module_without_imports(
    source: str, helper: str
) -> None:
    expected = libcst_adds(source, helper)
    if source.startswith('"""'):
        # LibCST writes it on the docstring's next line; black and ruff's formatter want a blank one.
        expected = expected.replace('"""Doc."""\n', '"""Doc."""\n\n', 1)
    assert add_helper_import(cst.parse_module(source), helper, frozenset()).code == expected


def test_the_helper_import_after_a_docstring_is_formatted_as_black_writes_it() -> None:
    import black

    source = '"""Doc."""\n\n\ndef f():\n    return learning360_v2\n'
    assert black.format_str(source, mode=black.Mode()) == source
    out = add_helper_import(cst.parse_module(source), "learning360_v2", frozenset()).code
    assert out.startswith('"""Doc."""\n\nimport learning360_v2\n')
    assert black.format_str(out, mode=black.Mode()) == out
