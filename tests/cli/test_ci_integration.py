"""The pre-commit hooks and the GitHub Action: their files parse, and what they run works on a real tree.

The hooks' entries are run as pre-commit runs them (the entry, its args, then the staged file names,
from the repository root); the action's shell steps are run with bash as a runner would, in order,
with its variables (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``RUNNER_TEMP``…) pointing at files.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from support.paths import ROOT
from support.sources import SITE

import codemods
from codemods.cli import entry as entry_module
from codemods.cli import main as cli_module
from codemods.reports.json_report import FORMATS, TOOL_NAME

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SOURCE_ROOT = Path(codemods.__file__).resolve().parents[1]

NEUTRAL = "def courses(base):\n    return base + '/api/v1/courses/42/assignments'\n"

#: Keys of a hook in .pre-commit-hooks.yaml (pre-commit's manifest schema).
MANIFEST_KEYS = {
    "id",
    "name",
    "entry",
    "language",
    "files",
    "exclude",
    "types",
    "types_or",
    "exclude_types",
    "always_run",
    "fail_fast",
    "verbose",
    "pass_filenames",
    "require_serial",
    "description",
    "language_version",
    "minimum_pre_commit_version",
    "args",
    "stages",
}


def load_yaml(name: str) -> Any:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def console_script() -> str:
    """The name of the command pyproject.toml installs (and checks that it runs ``cli.entry.main``, which
    starts the command line of ``cli.main``)."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    [(name, target)] = scripts.items()
    assert target == f"{entry_module.__name__}:main"
    return str(name)


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "NO_COLOR", "GITHUB_ACTIONS"}}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_ROOT), clean.get("PYTHONPATH")]))
    return clean


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


PYPROJECT = """\
[tool.migrate-360learning]
exclude = ["app/"]
helper-module = "lib/l360.py"
"""

# -- pre-commit -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hooks() -> dict[str, dict[str, Any]]:
    manifest = load_yaml(".pre-commit-hooks.yaml")
    assert isinstance(manifest, list)
    return {hook["id"]: hook for hook in manifest}


def test_hooks_are_valid_manifest_entries(hooks: dict[str, dict[str, Any]]) -> None:
    assert sorted(hooks) == [f"{TOOL_NAME}-apply", f"{TOOL_NAME}-check"]
    for hook_id, hook in hooks.items():
        assert set(hook) <= MANIFEST_KEYS
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert (hook["language"], hook["types"], hook["pass_filenames"]) == ("python", ["python"], True)
        program, command = shlex.split(hook["entry"])
        assert program == console_script()
        assert hook_id == f"{TOOL_NAME}-{command}"


def run_hook(hook: dict[str, Any], repo: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a hook as pre-commit does: the entry, its args, the file names, from the repository root."""
    _, *arguments = shlex.split(hook["entry"])
    command = [sys.executable, "-m", "codemods", *arguments, *hook.get("args", []), *files]
    return subprocess.run(command, cwd=repo, env=env(), capture_output=True, text=True, timeout=120)


def test_hooks_on_staged_files(hooks: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            # Named files are processed whatever the excludes say; the helper goes where the file says.
            "pyproject.toml": PYPROJECT,
            "lib/__init__.py": "",
            "app/__init__.py": "",
            "app/stats.py": SITE,
            "app/canvas.py": NEUTRAL,
            "other/stats.py": SITE,
        },
    )
    check, apply = hooks[f"{TOOL_NAME}-check"], hooks[f"{TOOL_NAME}-apply"]
    assert run_hook(check, repo, ["app/canvas.py"]).returncode == 0
    failing = run_hook(check, repo, ["app/canvas.py", "app/stats.py"])
    assert failing.returncode == 1
    assert "app/stats.py" in failing.stderr
    applied = run_hook(apply, repo, ["app/canvas.py", "app/stats.py"])
    assert applied.returncode == 0, applied.stderr
    assert "from lib import l360" in (repo / "app/stats.py").read_text(encoding="utf-8")
    assert (repo / "lib/l360.py").is_file()
    assert (repo / "other/stats.py").read_text(encoding="utf-8") == SITE
    assert run_hook(check, repo, ["app/canvas.py", "app/stats.py"]).returncode == 0


# -- the GitHub Action ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    document = load_yaml("action.yml")
    assert isinstance(document, dict)
    return document


def step(action: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [s for s in action["runs"]["steps"] if s["name"] == name]
    assert isinstance(found, dict)
    return found


_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(text: str, values: dict[str, str]) -> str:
    """``${{ name }}`` expressions of the action replaced by their values (plain references only)."""
    return _EXPRESSION.sub(lambda m: values[m.group(1)], text)


#: The major versions of the actions the action uses: the current ones in December 2026
#: (actions/setup-python 7.0.0 came out in July 2026; github/codeql-action's v4 line in October 2025,
#: and its v3 is deprecated in December 2026).
USES = {"actions/setup-python": "v7", "github/codeql-action/upload-sarif": "v4"}
UPLOAD = "Upload SARIF to code scanning"


def test_action_is_a_composite_action_with_its_inputs(action: dict[str, Any]) -> None:
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "args", "python-version", "upload-sarif"}
    steps = action["runs"]["steps"]
    assert all(s.get("shell") == "bash" for s in steps if "run" in s)
    uses = {s["uses"].split("@")[0]: s for s in steps if "uses" in s}
    assert {name: s["uses"].split("@")[1] for name, s in uses.items()} == USES
    upload = uses["github/codeql-action/upload-sarif"]
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"
    assert upload["if"].startswith("always()") and "inputs.upload-sarif == 'true'" in upload["if"]
    assert upload["continue-on-error"] is True
    assert "$GITHUB_ACTION_PATH" in step(action, "Install migrate-360learning")["run"]
    run = step(action, "Check")["run"]
    assert f'"{console_script()}", "check"' in run
    assert not re.search(r"\$(PATHS|ARGS)\b(?!\")", run), "an unquoted expansion would split and glob"
    for name in ("sarif", "markdown"):
        assert f'"{name}:" + os.environ[' in run
        assert name in FORMATS
    assert step(action, "Job summary")["if"].startswith("always()")
    assert step(action, "Fail as check did")["if"] == "always()"


def condition(expression: str, values: dict[str, Any]) -> bool:
    """A step's ``if:``, read as a runner reads the few forms the action uses: ``always()``, ``&&``,
    ``!``, ``==`` and ``!=`` on contexts (an absent one is empty)."""
    python = re.sub(r"\balways\(\)", "True", expression).replace("&&", " and ").replace("||", " or ")
    python = re.sub(r"!(?!=)", " not ", python)
    python = re.sub(r"\b(?:inputs|steps|github)\.[\w.-]+", lambda m: repr(values.get(m.group(), "")), python)
    return bool(eval(python))  # the action's own expressions, with values of the test's choosing


def run_steps(
    action: dict[str, Any],
    workdir: Path,
    runner: Path,
    inputs: dict[str, str],
    *,
    upload_exit: int = 0,
    fork: bool = False,
) -> int:
    """Run the action's steps from Check on, as a runner would, and return the job's result: the exit
    code of the last step that failed and has no ``continue-on-error``, else 0.

    The upload step (an action, not a script) is stood in for by a step that exits ``upload_exit`` when
    its ``if:`` holds; ``fork``: the run is for a pull request from a fork. The command records the
    arguments it gets in ``runner/argv.json``.
    """
    bin_dir = runner / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / console_script()
    record = 'import json, sys; open(sys.argv[1], "w").write(json.dumps(sys.argv[2:]))'
    shim.write_text(
        f'#!/bin/sh\n"{sys.executable}" -c \'{record}\' "{runner / "argv.json"}" "$@"\n'
        f'exec "{sys.executable}" -m codemods "$@"\n',
        encoding="utf-8",
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    output = runner / "output"
    given = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | inputs
    values: dict[str, Any] = {f"inputs.{name}": value for name, value in given.items()}
    values["runner.temp"] = str(runner)
    values["github.event.pull_request.head.repo.fork"] = fork
    code = 0
    steps = action["runs"]["steps"]
    first = steps.index(step(action, "Check"))
    for current in steps[first:]:
        outputs = (
            dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.exists() else {}
        )
        values.update({f"steps.check.outputs.{k}": v for k, v in outputs.items()})
        if "if" in current and not condition(current["if"], values):
            continue
        script = current.get("run", f"exit {upload_exit}")
        step_env = {
            **env(),
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output if current.get("id") == "check" else runner / "other-output"),
            "GITHUB_STEP_SUMMARY": str(runner / "summary.md"),
            "RUNNER_TEMP": str(runner),
            **{k: evaluate(str(v), values) for k, v in current.get("env", {}).items()},
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=workdir,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        (runner / f"step-{steps.index(current)}.out").write_text(done.stdout, encoding="utf-8")
        if done.returncode and not current.get("continue-on-error"):
            code = done.returncode
    return code


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((ROOT / "tests/data/sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.mark.parametrize(
    ("files", "expected"), [({"app/canvas.py": NEUTRAL}, 0), ({"app/stats.py": SITE}, 1)]
)
def test_action_steps_report_and_fail_as_check_does(
    action: dict[str, Any],
    sarif_validator: jsonschema.protocols.Validator,
    tmp_path: Path,
    files: dict[str, str],
    expected: int,
) -> None:
    workspace = write(tmp_path / "workspace", {"app/__init__.py": "", **files})
    runner = tmp_path / "runner"
    runner.mkdir()
    (runner / "summary.md").write_text("# Earlier step\n", encoding="utf-8")
    assert run_steps(action, workspace, runner, {"paths": "app"}) == expected
    outputs = dict(line.split("=", 1) for line in (runner / "output").read_text().splitlines())
    assert outputs["exit-code"] == str(expected)
    sarif = json.loads(Path(outputs["sarif-file"]).read_text(encoding="utf-8"))
    sarif_validator.validate(sarif)
    assert len(sarif["runs"][0]["results"]) == expected
    summary = (runner / "summary.md").read_text(encoding="utf-8")
    markdown = Path(outputs["markdown-file"]).read_text(encoding="utf-8")
    assert summary == "# Earlier step\n" + markdown
    if expected:
        assert "app/stats.py" in markdown
    assert not any(workspace.rglob("learning360_v2.py")), "check writes nothing"


def test_action_passes_extra_args_and_fails_on_usage_errors(action: dict[str, Any], tmp_path: Path) -> None:
    workspace = write(tmp_path / "workspace", {"app/stats.py": SITE})
    runner = tmp_path / "runner"
    runner.mkdir()
    assert run_steps(action, workspace, runner, {"paths": "app", "args": "--exclude stats.py"}) == 0
    runner2 = tmp_path / "runner2"
    runner2.mkdir()
    assert run_steps(action, workspace, runner2, {"paths": "app", "args": "--changed-since nope"}) == 2
    outputs = (runner2 / "output").read_text()
    assert "exit-code=2" in outputs
    assert "sarif-file" not in outputs


def test_a_glob_in_args_reaches_the_tool_unexpanded(action: dict[str, Any], tmp_path: Path) -> None:
    """Expanded by the shell, ``legacy_*.py`` would become ``legacy_a.py legacy_b.py``: the second a PATH
    to check (exit 1); as written, it excludes both (exit 0)."""
    workspace = write(
        tmp_path / "workspace", {"legacy_a.py": SITE, "legacy_b.py": SITE, "my app/canvas.py": NEUTRAL}
    )
    runner = tmp_path / "runner"
    inputs = {"paths": ". 'my app'", "args": "--exclude legacy_*.py --exclude 'legacy b*.py' --exclude a\\ b"}
    assert run_steps(action, workspace, runner, inputs) == 0
    argv = json.loads((runner / "argv.json").read_text(encoding="utf-8"))
    sarif, markdown = str(runner / "migrate-360learning.sarif"), str(runner / "migrate-360learning.md")
    assert argv == [
        "check",
        ".",
        "my app",
        "--report",
        f"sarif:{sarif}",
        "--report",
        f"markdown:{markdown}",
        "--exclude",
        "legacy_*.py",
        "--exclude",
        "legacy b*.py",
        "--exclude",
        "a b",
    ]


def test_inputs_that_are_no_words_are_a_usage_error(action: dict[str, Any], tmp_path: Path) -> None:
    workspace = write(tmp_path / "workspace", {"app/stats.py": SITE})
    runner = tmp_path / "runner"
    assert run_steps(action, workspace, runner, {"paths": "app", "args": "--exclude 'legacy_*.py"}) == 2
    assert "exit-code=2" in (runner / "output").read_text()
    assert not (runner / "argv.json").exists()
    check_index = action["runs"]["steps"].index(step(action, "Check"))
    shown = (runner / f"step-{check_index}.out").read_text(encoding="utf-8")
    assert shown.startswith("::error title=migrate-360learning::the paths or args input cannot be split")


@pytest.mark.parametrize("expected", [0, 1], ids=["check-passes", "check-fails"])
def test_a_failed_upload_does_not_fail_the_job(action: dict[str, Any], tmp_path: Path, expected: int) -> None:
    workspace = write(tmp_path / "workspace", {"app/stats.py": SITE if expected else NEUTRAL})
    runner = tmp_path / "runner"
    assert run_steps(action, workspace, runner, {"paths": "app"}, upload_exit=1) == expected
    upload_index = action["runs"]["steps"].index(step(action, UPLOAD))
    assert (runner / f"step-{upload_index}.out").exists(), "the upload ran, and failed"
    # Without continue-on-error, the same failed upload fails the job: the test sees the difference.
    strict = json.loads(json.dumps(action))
    del step(strict, UPLOAD)["continue-on-error"]
    assert run_steps(strict, workspace, tmp_path / "strict-runner", {"paths": "app"}, upload_exit=1) == 1


@pytest.mark.parametrize(
    ("inputs", "fork"), [({"upload-sarif": "false"}, False), ({}, True)], ids=["off", "fork"]
)
def test_the_upload_is_skipped_when_off_or_on_a_fork(
    action: dict[str, Any], tmp_path: Path, inputs: dict[str, str], fork: bool
) -> None:
    workspace = write(tmp_path / "workspace", {"app/canvas.py": NEUTRAL})
    runner = tmp_path / "runner"
    assert run_steps(action, workspace, runner, {"paths": "app", **inputs}, upload_exit=1, fork=fork) == 0
    upload_index = action["runs"]["steps"].index(step(action, UPLOAD))
    assert not (runner / f"step-{upload_index}.out").exists()


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    return text[start : text.find("\n## ", start + 1)]


def test_readme_examples_use_the_real_hooks_and_inputs(
    hooks: dict[str, dict[str, Any]], action: dict[str, Any]
) -> None:
    section = readme_section("In CI and pre-commit")
    pre_commit, workflow = (block.split("```", 1)[0] for block in section.split("```yaml\n")[1:3])
    named = re.findall(r"id: (\S+)", pre_commit)
    assert named and set(named) <= set(hooks)
    [uses] = [
        s
        for s in yaml.safe_load(workflow)["jobs"]["migrate-360learning"]["steps"]
        if "with" in s and "paths" in s["with"]
    ]
    assert set(uses["with"]) <= set(action["inputs"])
    for name in action["inputs"]:
        assert f"`{name}`" in section
    for name in action["outputs"]:
        assert f"`{name}`" in section


def test_readme_names_only_versions_of_the_tool_that_exist() -> None:
    """The hook's ``rev:`` and the action's ``@ref`` are a tag the repository has, ``main``, or the
    placeholder of a commit SHA that the reader fills in."""
    section = readme_section("In CI and pre-commit")
    refs = re.findall(r"^\s*rev: (\S+)", section, re.MULTILINE)
    refs += re.findall(r"uses: [\w-]+/migrate-360learning@(\S+)", section)
    assert refs
    listed = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, check=False)
    tags = set(listed.stdout.split()) if listed.returncode == 0 else set()
    assert all(ref in {"main", "FULL_COMMIT_SHA"} | tags for ref in refs), refs
    assert "FULL_COMMIT_SHA" in section and "commit SHA" in section


def test_every_option_is_documented() -> None:
    commands = readme_section("Commands")
    for command in cli_module.cli.commands.values():
        for param in command.params:
            for option in param.opts:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}" in commands, f"{command.name} {option}"
