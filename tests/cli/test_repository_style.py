"""Migrated code passes the repository's own linters, checked with the real ruff: the helper's import goes
where isort or ruff put a first-party module (``I001`` does not fire on migrated files whose imports were
sorted), a helper call is split at the repository's ruff or black line length, and no migration adds a
pyflakes warning (an import or a local left unused)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.command_line import output, run
from support.paths import FIXTURES
from support.sources import SITE

RUFF_CONFIG = "[tool.ruff]\nline-length = 100\n"


def _unsorted(root: Path) -> set[str]:
    """The files ruff's import rules (``I``) complain about."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--select",
            "I",
            "--no-cache",
            "--output-format",
            "concise",
            ".",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return {line.split(":")[0] for line in done.stdout.splitlines() if ":" in line}


def test_the_demo_repository_stays_sorted(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo_repo", root)
    (root / "pyproject.toml").write_text(RUFF_CONFIG, encoding="utf-8")
    assert _unsorted(root) == set()
    result = run("apply", root)
    assert "Changed" in output(result)
    assert _unsorted(root) == set()


def test_every_fixture_sorted_before_is_sorted_after(tmp_path: Path) -> None:
    for before in sorted(FIXTURES.glob("*/*/before.py")):
        name = f"{before.parent.parent.name}_{before.parent.name}.py".replace("-", "_")
        shutil.copyfile(before, tmp_path / name)
    (tmp_path / "pyproject.toml").write_text(RUFF_CONFIG, encoding="utf-8")
    unsorted = _unsorted(tmp_path)
    run("apply", tmp_path)
    assert _unsorted(tmp_path) <= unsorted


@pytest.mark.parametrize(
    ("imports", "expected"),
    [
        pytest.param(
            "import os\n\nimport requests\n", "import os\n\nimport learning360_v2\n", id="after-stdlib"
        ),
        pytest.param(
            "import os\n\nimport requests\nimport yaml\n",
            "import os\n\nimport yaml\n\nimport learning360_v2\n",
            id="after-third-party",
        ),
        pytest.param(
            "import os\n\nimport requests\n\nimport zlocal\nfrom app import models\n",
            "import os\n\nimport learning360_v2\nimport zlocal\nfrom app import models\n",
            id="into-first-party",
        ),
        pytest.param(
            "import os\n\nimport requests\n\nfrom . import models\n",
            "import os\n\nimport learning360_v2\n\nfrom . import models\n",
            id="before-relative",
        ),
    ],
)
def test_the_import_goes_in_its_section(tmp_path: Path, imports: str, expected: str) -> None:
    (tmp_path / "pyproject.toml").write_text(RUFF_CONFIG, encoding="utf-8")
    (tmp_path / "zlocal.py").write_text("", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("models = None\n", encoding="utf-8")
    uses = "".join(
        f"print({line.split()[-1]})\n" for line in imports.splitlines() if line and "requests" not in line
    )
    # Sorted as ruff wants it before the migration, a blank line after the imports included.
    source = SITE.replace("import os\nimport requests\n", imports + "\n") + uses
    (tmp_path / "stats.py").write_text(source, encoding="utf-8")
    assert _unsorted(tmp_path) == set()
    assert run("apply", tmp_path).exit_code == 0
    migrated = (tmp_path / "stats.py").read_text(encoding="utf-8")
    assert migrated.startswith(expected)
    assert _unsorted(tmp_path) == set()


LONG_CALL = SITE.replace("course_id, email)", "course_identifier, learner_email)").replace(
    "{course_id}/stats/{email}", "{course_identifier}/stats/{learner_email}"
)


@pytest.mark.parametrize(
    ("config", "split"),
    [
        pytest.param("", True, id="none: 99"),
        pytest.param("[tool.ruff]\nline-length = 140\n", False, id="ruff"),
        pytest.param("[tool.black]\nline-length = 140\n", False, id="black"),
        pytest.param(
            "[tool.ruff]\nline-length = 140\n[tool.black]\nline-length = 60\n", False, id="ruff-first"
        ),
        pytest.param("[tool.ruff]\n", True, id="ruff-default-88"),
    ],
)
def test_the_helper_call_is_split_at_the_repository_line_length(
    tmp_path: Path, config: str, split: bool
) -> None:
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    (tmp_path / "stats.py").write_text(LONG_CALL, encoding="utf-8")
    assert run("apply", tmp_path).exit_code == 0
    migrated = (tmp_path / "stats.py").read_text(encoding="utf-8")
    call = next(line for line in migrated.splitlines() if "list_course_stats(" in line)
    assert call.endswith("(") == split, migrated


def _pyflakes(root: Path) -> set[tuple[str, str]]:
    """(file, code and message) of each warning of ruff's pyflakes rules (``F``), lines left out."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--select",
            "F",
            "--no-cache",
            "--output-format",
            "json",
            ".",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        (Path(w["filename"]).relative_to(root).as_posix(), f"{w['code']} {w['message']}")
        for w in json.loads(done.stdout or "[]")
    }


def test_no_migration_of_a_fixture_adds_a_pyflakes_warning(tmp_path: Path) -> None:
    """An import or a local the rewrite leaves unused (F401, F841), or a name it reads that nothing
    binds (F821), would fail the linters of the repository it migrates."""
    for side in ("before", "after"):
        for before in sorted(FIXTURES.glob("*/*/before.py")):
            after = before.with_name("after.py")
            source = after if side == "after" and after.exists() else before
            name = f"{before.parent.parent.name}_{before.parent.name}.py"
            (tmp_path / side / "modules").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, tmp_path / side / "modules" / name)
        for tree in sorted((FIXTURES / "trees").iterdir()):
            source = tree / side if side == "before" or (tree / "after").is_dir() else tree / "before"
            if source.is_dir():
                shutil.copytree(source, tmp_path / side / "trees" / tree.name)
    (tmp_path / "before" / "pyproject.toml").write_text(RUFF_CONFIG, encoding="utf-8")
    (tmp_path / "after" / "pyproject.toml").write_text(RUFF_CONFIG, encoding="utf-8")
    assert _pyflakes(tmp_path / "after") - _pyflakes(tmp_path / "before") == set()
