"""The migration as a LibCST codemod command (``codemods.cli.libcst_command``), run by LibCST's own runner
as a project that already uses it would:
``python -m libcst.tool codemod cli.libcst_command.MigrateCourseStats`` from a tree whose
``.libcst.codemod.yaml`` names the ``codemods`` package. Every file it writes is the file
``migrate-360learning apply`` writes; only the helper module is ``apply``'s alone. Sites left for review
are LibCST warnings, with their line and reason.

The fixtures are single modules: a wrapper that other modules of a tree may call is adapted with its
callers by ``apply`` only, which reads the whole tree (``tests/planning/test_wrappers.py``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from support.cases import Case
from support.command_line import run, snapshot
from support.paths import FIXTURES

from codemods.mapping import DEFAULT_HELPER_FILE

#: A rewrite with a module constant, a flat loop, another HTTP client, sites for review, accepted sites,
#: and a look-alike that must stay as it is.
CASES = [
    Case(FIXTURES / name)
    for name in (
        "getUserCourseStats/fstring_module_constant",
        "getCourseStats/flat_loop_best_score_per_user",
        "clients/httpx_get",
        "getUserCourseStats/review_unknown_param",
        "getUserCourseStats/ignore_marker",
        "lookalikes/flask_route",
    )
]
CONFIG = '# The codemods of the package under test.\nmodules: ["codemods"]\nformatter: []\n'


def _tree(root: Path) -> Path:
    root.mkdir()
    for case in CASES:
        shutil.copyfile(case.directory / "before.py", root / f"{case.directory.name}.py")
    return root


def test_libcst_runner_writes_what_apply_writes(tmp_path: Path) -> None:
    by_libcst = _tree(tmp_path / "libcst")
    (by_libcst / ".libcst.codemod.yaml").write_text(CONFIG, encoding="utf-8")
    command = ["cli.libcst_command.MigrateCourseStats", "--no-format", "--hide-progress", "-j", "1", "."]
    done = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", *command],
        cwd=by_libcst,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"Transformed {len(CASES)} files successfully" in done.stderr
    assert "Failed to codemod 0 files" in done.stderr

    by_apply = _tree(tmp_path / "apply")
    applied = run("apply", by_apply)
    assert applied.exit_code == 1, applied.output  # sites are left for review
    written = snapshot(by_apply)
    assert written.pop(DEFAULT_HELPER_FILE), "apply writes the helper module"
    assert {**written, ".libcst.codemod.yaml": CONFIG.encode()} == snapshot(by_libcst)
    assert written == {f"{case.directory.name}.py": case.after for case in CASES}

    review = [f for case in CASES for f in case.findings if f["status"] == "needs_review"]
    assert review
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING: ")]
    assert warnings == [f"WARNING: line {f['line']}: {f['endpoint']}: {f['message']}" for f in review]
