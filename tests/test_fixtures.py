"""Every fixture case: exact output, output parses, a second run changes nothing, findings match."""

from __future__ import annotations

import dataclasses

import libcst as cst
import pytest
from support.cases import Case, cases

from codemods.results.findings import Finding, Status
from codemods.transform.migrate import TransformOptions, migrate_source

OPTIONS = TransformOptions()
CASES = cases()
LOOKALIKES = [c for c in CASES if c.directory.parent.name == "lookalikes"]


def _findings(result_findings: tuple[Finding, ...]) -> list[dict[str, object]]:
    out = []
    for finding in result_findings:
        row = dataclasses.asdict(finding)
        row.pop("path")
        if row["cell"] is None:
            row.pop("cell")  # only notebooks have cells
        if not row["deselected"]:
            row.pop("deselected")  # only runs with --select/--ignore leave rules out
        row["status"] = row["status"].value
        out.append(row)
    return out


def test_there_are_fixtures_of_every_kind() -> None:
    assert len(LOOKALIKES) >= 7
    assert any(c.runnable for c in CASES)
    assert any(f["status"] == "needs_review" for c in CASES for f in c.findings)


@pytest.mark.parametrize("case", LOOKALIKES, ids=lambda c: c.id)
def test_lookalike_is_left_alone(case: Case) -> None:
    assert not (case.directory / "after.py").exists()
    result = migrate_source(case.before, display_path="before.py", options=OPTIONS)
    assert result.source == case.before
    assert result.findings == ()


#: A case outside the look-alikes says what the tool must make of it: an after.py, or a findings.json
#: when every site is left as it is (suppressed).
INCOMPLETE = [
    c.id
    for c in CASES
    if c not in LOOKALIKES
    and not (c.directory / "after.py").exists()
    and not (c.directory / "findings.json").exists()
]


def test_every_case_says_what_it_expects() -> None:
    assert INCOMPLETE == []


@pytest.mark.parametrize("case", [c for c in CASES if c not in LOOKALIKES], ids=lambda c: c.id)
def test_fixture(case: Case) -> None:
    result = migrate_source(case.before, display_path="before.py", options=OPTIONS)
    assert result.source == case.after
    assert _findings(result.findings) == case.findings
    assert {f.path for f in result.findings} <= {"before.py"}
    cst.parse_module(result.source)  # the output parses
    # A second run changes nothing, and only the sites left for review or suppressed are found again
    # (their lines moved down by the marker comments above them); a hard-coded key is reported once,
    # with the call that used it.
    again = migrate_source(result.source, display_path="before.py", options=OPTIONS)
    assert again.source == result.source

    def moved(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [(r["endpoint"], r["status"], r["rule"], r["message"]) for r in rows]

    expected_again = [
        f
        for f in case.findings
        if f["status"] in (Status.NEEDS_REVIEW.value, Status.SUPPRESSED.value)
        and f["rule"] != "hard-coded-api-key"
    ]
    assert moved(_findings(again.findings)) == moved(expected_again)
