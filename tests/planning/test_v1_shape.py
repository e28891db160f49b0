"""v1's answer shape kept where the data goes where the tool cannot follow it
(``codemods.planning.v1_shape``).

The runnable programs of ``fixtures/v1_shape`` print the same on v2 as on v1 (``tests/test_behaviour.py``);
here: the fallback is used only where the field-rename rewrite stopped at such a place, never instead of
it; a site whose data reaches code of the repository, or whose code reads a field v1's answer had not, is
still reported; ``keep-v1-shape = false`` and ``--no-keep-v1-shape`` turn it off; ``check`` passes once
the sites are applied.
"""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.cases import Case, cases

from codemods.cli.main import cli
from codemods.mapping import NOTE_MARKER, REVIEW_MARKER, V1_FIELDS_WITHOUT_V2, V1_SHAPE_KEPT
from codemods.mapping.rules import RULES
from codemods.reading.index import RepositoryIndex
from codemods.results.findings import Finding, Status
from codemods.runtime import learning360_v2 as helper
from codemods.transform.migrate import TransformOptions, migrate_source

OFF = TransformOptions(keep_v1_shape=False)
CASES = [c for c in cases() if c.directory.parent.name != "lookalikes"]
KEPT = [c for c in CASES if any(f["rule"] == V1_SHAPE_KEPT for f in c.findings)]

HEAD = """\
import json
import os

import pandas as pd
import requests

BASE = "https://app.360learning.com"
AUTH = {"company": "c", "apiKey": os.environ["K"]}
"""
URL = 'f"{BASE}/api/v1/courses/{cid}/stats"'


def migrate(body: str, options: TransformOptions | None = None) -> tuple[str, tuple[Finding, ...]]:
    source = HEAD + textwrap.dedent(body).replace("URL", URL)
    result = migrate_source(source.encode(), display_path="m.py", options=options or TransformOptions())
    return result.source.decode(), result.findings


def test_the_rule_is_a_rewrite() -> None:
    rule = RULES[V1_SHAPE_KEPT]
    assert (rule.id, rule.status) == ("L360005", "rewrite")
    assert "--no-keep-v1-shape" in rule.help


def test_the_fixtures_keep_v1_s_shape_for_each_kind_of_place() -> None:
    kinds = {c.directory.name for c in KEPT if c.directory.parent.name == "v1_shape"}
    assert {"printed_whole", "dumped_to_file", "pandas_dataframe", "pandas_json_normalize"} <= kinds
    assert "public_method_returned" in kinds
    assert all(c.runnable for c in KEPT if c.directory.parent.name == "v1_shape")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_fallback_only_takes_sites_the_rewrite_left(case: Case) -> None:
    """Turned off, every site the fallback migrated is reported instead, and nothing else changes: it is
    never chosen where the field-rename rewrite succeeds."""
    kept = [f for f in case.findings if f["rule"] == V1_SHAPE_KEPT]
    off = migrate_source(case.before, display_path="before.py", options=OFF)
    rows = [dataclasses.asdict(f) for f in off.findings]
    if not kept:
        assert off.source == case.after
        assert [(r["line"], r["rule"]) for r in rows] == [(f["line"], f["rule"]) for f in case.findings]
        return
    reviewed = {(r["line"], r["column"]) for r in rows if r["status"] is Status.NEEDS_REVIEW}
    assert {(f["line"], f["column"]) for f in kept} <= reviewed
    assert all(r["rule"] != V1_SHAPE_KEPT for r in rows)
    for line in off.source.decode().splitlines():
        assert NOTE_MARKER + " kept v1's answer shape" not in line


@pytest.mark.parametrize("case", KEPT, ids=lambda c: c.id)
def test_turned_off_the_code_is_left_as_it_was(case: Case) -> None:
    off = migrate_source(case.before, display_path="before.py", options=OFF)
    if all(f["rule"] == V1_SHAPE_KEPT for f in case.findings):
        kept = [line for line in off.source.decode().splitlines() if REVIEW_MARKER not in line]
        assert kept == case.before.decode().splitlines()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        pytest.param(
            """
            def f(cid):
                r = requests.get(URL, params=AUTH)
                r.raise_for_status()
                print(r.json())
            """,
            "print()",
            id="printed",
        ),
        pytest.param(
            """
            def f(cid, out):
                json.dump(requests.get(URL, params=AUTH).json(), out, indent=2)
            """,
            "json.dump()",
            id="dumped",
        ),
        pytest.param(
            """
            def f(cid):
                stats = requests.get(URL, params=AUTH).json()
                return pd.json_normalize(stats, record_path=["attempts"], meta=[["user", "mail"]])
            """,
            "pandas.json_normalize()",
            id="json-normalize",
        ),
        pytest.param(
            """
            import csv
            import sys

            def f(cid):
                stats = requests.get(URL, params=AUTH).json()
                writer = csv.DictWriter(sys.stdout, fieldnames=["_id", "globalTime"], extrasaction="ignore")
                for stat in stats:
                    writer.writerows(stat["attempts"])
            """,
            "writer.writerows()",
            id="library-object",
        ),
        pytest.param(
            """
            def stats_of(cid):
                return requests.get(URL, params=AUTH).json()
            """,
            "returned by stats_of()",
            id="public-function-of-a-single-file",
        ),
        pytest.param(
            """
            def f(cid):
                total = 0
                for stat in requests.get(URL, params=AUTH).json():
                    print(stat["user"]["mail"], stat["attempts"][0])
                    total += sum(a["globalTime"] for a in stat["attempts"])
                return total
            """,
            "print()",
            id="read-and-printed",
        ),
    ],
)
def test_kept_where_the_data_leaves_the_code(body: str, where: str) -> None:
    output, findings = migrate(body)
    (finding,) = findings
    assert (finding.status, finding.rule) == (Status.REWRITE, V1_SHAPE_KEPT)
    assert f"({where})" in finding.message
    assert "learning360_v2.v1_course_stats(BASE, cid)" in output
    assert f"{NOTE_MARKER} kept v1's answer shape" in output
    assert "requests.get" not in output and ".json()" not in output
    # v1's field names stay: the code that reads the answer is left as it is.
    for name in ("globalTime", '"mail"', '"attempts"'):
        assert output.count(name) == (HEAD + textwrap.dedent(body)).count(name)
    _, [reported] = migrate(body, OFF)
    assert reported.status is Status.NEEDS_REVIEW


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(
            """
            def summarise(stats):
                return len(stats)

            def f(cid):
                return summarise(requests.get(URL, params=AUTH).json())
            """,
            "is passed to summarise()",
            id="a-function-of-the-module",
        ),
        pytest.param(
            """
            from reports import render

            def f(cid):
                render(requests.get(URL, params=AUTH).json())
            """,
            "is passed to render()",
            id="a-function-of-another-module-of-the-repository",
        ),
        pytest.param(
            """
            def f(cid):
                stats = requests.get(URL, params=AUTH).json()
                print(stats)
                return [s["user"]["firstName"] for s in stats]
            """,
            "a user has no key 'firstName'",
            id="a-key-v1-did-not-answer",
        ),
        pytest.param(
            """
            def f(cid):
                r = requests.get(URL, params=AUTH)
                print(r.json())
                return r
            """,
            "the response is returned",
            id="the-response-returned",
        ),
        pytest.param(
            """
            def f(cid):
                r = requests.get(URL, params=AUTH)
                print(r.json(), r.headers["Link"])
            """,
            "the response's .headers has no v2 equivalent",
            id="the-response-read-otherwise",
        ),
    ],
)
def test_still_reported(body: str, reason: str) -> None:
    index = RepositoryIndex(modules=frozenset({"reports"}))
    output, findings = migrate(body, TransformOptions(index=index))
    (finding,) = findings
    assert finding.status is Status.NEEDS_REVIEW
    assert reason in finding.message
    assert "learning360_v2" not in output


def test_an_awaited_answer_keeps_its_parentheses() -> None:
    """``(await self.request(…))["attempts"]`` keeps its envelope in v1's shape, and so the parentheses
    that make the subscript apply to the awaited answer rather than to the coroutine."""
    source = textwrap.dedent(
        """
        import os

        import aiohttp

        BASE = "https://app.360learning.com"
        AUTH = {"company": os.environ["C"], "apiKey": os.environ["K"]}


        class Learning360:
            def __init__(self):
                self.session = aiohttp.ClientSession()

            async def request(self, method, path):
                async with self.session.request(method, BASE + "/api/v1" + path, params=AUTH) as resp:
                    resp.raise_for_status()
                    return await resp.json()

            async def attempts_of(self, course_id, email):
                data = (await self.request("GET", "/courses/" + course_id + "/stats/" + email))["attempts"]
                return [attempt for attempt in data]
        """
    )
    result = migrate_source(source.encode(), display_path="m.py", options=TransformOptions())
    assert [f.rule for f in result.findings] == [V1_SHAPE_KEPT]
    awaited = b'(await learning360_v2.av1_user_course_stats(BASE, course_id, email))["attempts"]'
    assert awaited in result.source


def test_a_site_reviewed_before_loses_its_old_marker() -> None:
    body = """
        def f(cid):
            # migrate-360learning: review: the JSON payload is passed to print(), which the tool cannot adapt
            print(requests.get(URL, params=AUTH).json())
        """
    output, (finding,) = migrate(body)
    assert finding.rule == V1_SHAPE_KEPT
    assert REVIEW_MARKER not in output
    assert output.count(NOTE_MARKER) == 1
    again = migrate_source(output.encode(), display_path="m.py", options=TransformOptions())
    assert again.source.decode() == output and again.findings == ()


def test_the_fields_without_v2_are_the_helper_s() -> None:
    assert V1_FIELDS_WITHOUT_V2 == helper.V1_FIELDS_WITHOUT_V2_SOURCE


SITE = """\
import os

import requests

BASE = "https://app.360learning.com"
AUTH = {"company": os.environ.get("C"), "apiKey": os.environ.get("K")}


def show(course_id, email):
    print(requests.get(f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params=AUTH).json())
"""


def _tree(root: Path, pyproject: str | None = None) -> Path:
    (root / "app.py").write_text(SITE, encoding="utf-8")
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return root


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_check_counts_a_kept_site_as_migrated(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    code, output = _invoke("check", str(root))
    assert code == 1 and "1 site to migrate" in output and "review" not in output
    code, _ = _invoke("apply", str(root), "-q")
    assert code == 0
    assert "v1_user_course_stats(BASE, course_id, email)" in (root / "app.py").read_text(encoding="utf-8")
    assert _invoke("check", str(root))[0] == 0


@pytest.mark.parametrize(
    ("pyproject", "flags", "kept"),
    [
        pytest.param(None, (), True, id="default"),
        pytest.param(None, ("--no-keep-v1-shape",), False, id="flag-off"),
        pytest.param("[tool.migrate-360learning]\nkeep-v1-shape = false\n", (), False, id="config-off"),
        pytest.param(
            "[tool.migrate-360learning]\nkeep-v1-shape = false\n", ("--keep-v1-shape",), True, id="flag-wins"
        ),
        pytest.param("[tool.migrate-360learning]\nkeep-v1-shape = true\n", (), True, id="config-on"),
    ],
)
def test_the_configuration_and_the_flag_turn_it_off(
    tmp_path: Path, pyproject: str | None, flags: tuple[str, ...], kept: bool
) -> None:
    root = _tree(tmp_path, pyproject)
    code, output = _invoke("report", str(root), "--format", "json", *flags)
    assert code == 0
    assert (f'"rule_name": "{V1_SHAPE_KEPT}"' in output) is kept
    assert ('"status": "needs_review"' in output) is not kept


def test_a_value_that_is_not_a_boolean_is_a_usage_error(tmp_path: Path) -> None:
    root = _tree(tmp_path, '[tool.migrate-360learning]\nkeep-v1-shape = "no"\n')
    code, output = _invoke("check", str(root))
    assert code == 2 and "keep-v1-shape must be true or false" in output
