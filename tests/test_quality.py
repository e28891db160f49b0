"""The package and its tests stay typed (mypy strict), linted and formatted (ruff): checked with the rest
of the suite, by the versions the test extras pin."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

from support.paths import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_mypy_strict_on_the_package_and_the_tests() -> None:
    result = _run("mypy", "--strict", "--no-incremental", "codemods", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_checkers_are_the_versions_the_test_extras_pin() -> None:
    """A verdict of the checks above is the pinned tools' verdict, not that of whatever is installed."""
    test_extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]["test"]
    pins = dict(requirement.split("==") for requirement in test_extras if "==" in requirement)
    assert {"mypy", "ruff"} <= set(pins)
    assert {name: version(name) for name in pins} == pins
