"""Jupyter notebooks: every v1 course-statistics use in a code cell is reported with its cell and line,
and the notebook stays byte for byte as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
from click.testing import CliRunner
from support.paths import FIXTURES, PACKAGE

from codemods.cli.main import cli
from codemods.engine.options import RunOptions
from codemods.engine.runner import run
from codemods.reading.notebooks import NotebookError, code_cells
from codemods.results.findings import Status

NOTEBOOK = FIXTURES / "notebooks" / "course_report.ipynb"
SCHEMA = PACKAGE / "schemas" / "report-v1.schema.json"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "nb" / NOTEBOOK.name
    target.parent.mkdir()
    shutil.copyfile(NOTEBOOK, target)
    return target


def test_every_v1_use_of_a_notebook_is_reported_with_its_cell_and_line(tmp_path: Path) -> None:
    notebook = _copy(tmp_path)
    result = run(RunOptions(paths=(notebook.parent,), write=True, jobs=1))
    rows = [(f.cell, f.endpoint, f.status, f.rule) for f in result.findings]
    assert rows == [
        (3, "getCourseStats", Status.NEEDS_REVIEW, "notebook-cell"),  # names from cell 2, read together
        (4, "getUserCourses", Status.NEEDS_REVIEW, "unfollowed-url"),
        (5, "getCoursesStats", Status.NEEDS_REVIEW, "unfollowed-url"),  # a %%bash cell's curl
    ]
    messages = [f.message for f in result.findings]
    assert messages[0].startswith("cell 3, line 1: a v1 call the tool would rewrite")
    assert messages[1].startswith("cell 4, line 1: a v1 getUserCourses URL")
    assert messages[2].startswith("cell 5, line 2: ")
    # Each line is the notebook file's line that holds the cell's line, for annotations.
    lines = NOTEBOOK.read_text(encoding="utf-8").splitlines()
    assert "/api/v1/courses/64b000000000000000000001/stats" in lines[result.findings[0].line - 1]
    assert "PATHS" in lines[result.findings[1].line - 1]
    assert "curl" in lines[result.findings[2].line - 1]
    # Nothing is written: not the notebook, not the helper.
    assert notebook.read_bytes() == NOTEBOOK.read_bytes()
    assert result.helper is None
    assert not result.changed


def test_check_fails_on_a_notebook_and_the_report_names_the_cell(tmp_path: Path) -> None:
    notebook = _copy(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["check", str(notebook.parent)]).exit_code == 1
    assert runner.invoke(cli, ["apply", str(notebook.parent)]).exit_code == 1
    assert notebook.read_bytes() == NOTEBOOK.read_bytes()
    report = runner.invoke(cli, ["report", str(notebook.parent), "--format", "json"])
    document = json.loads(report.stdout)
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    assert [f["cell"] for f in document["findings"]] == [3, 4, 5]


def test_markdown_cells_outputs_and_other_vendors_are_not_reported(tmp_path: Path) -> None:
    notebook = _copy(tmp_path)
    result = run(RunOptions(paths=(notebook.parent,), jobs=1))
    assert 1 not in {f.cell for f in result.findings}  # the markdown cell's mention
    assert 6 not in {f.cell for f in result.findings}  # Canvas
    assert all("1499" not in f.message for f in result.findings)


def test_ipython_lines_keep_the_cell_s_line_numbers() -> None:
    cells = code_cells(NOTEBOOK.read_bytes())
    assert [c.number for c in cells] == [2, 3, 4, 6]  # cell 5 is %%bash: not Python
    assert cells[0].source.splitlines()[0] == b""  # %matplotlib inline
    assert cells[1].source.splitlines()[2] == b""  # !echo fetched
    assert cells[1].source.splitlines()[3].startswith(b"sum(")


def test_a_file_that_is_no_notebook_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [ "courses stats"')
    result = run(RunOptions(paths=(tmp_path,), jobs=1))
    assert [(o.display_path, o.error is not None) for o in result.outcomes] == [("broken.ipynb", True)]
    try:
        code_cells(b"[]")
    except NotebookError as error:
        assert "no list of cells" in str(error)
    else:  # pragma: no cover - the assertion above is the test
        raise AssertionError("a JSON list is no notebook")
