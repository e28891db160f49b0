"""Where the repository's parts are, whichever folder a test module sits in."""

from __future__ import annotations

from pathlib import Path

#: The repository's root (the folder of pyproject.toml).
ROOT = Path(__file__).resolve().parents[2]
#: The package under test.
PACKAGE = ROOT / "codemods"
#: The tests, and the folder the fake 360Learning and the program generator are imported from.
TESTS = ROOT / "tests"
#: Schemas and specifications the tests validate against.
DATA = TESTS / "data"
#: The fixture cases, single modules and trees.
FIXTURES = ROOT / "fixtures"
