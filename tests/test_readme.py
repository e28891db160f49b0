"""The README says what the mapping holds: its tables of endpoints, field renames, rules and reasons are
the mapping's, and its module map names every module of the package."""

from __future__ import annotations

import re
from pathlib import Path

from codemods.mapping import ATTEMPT_FIELD_RENAMES, ENDPOINTS
from codemods.mapping.reasons import REASONS
from codemods.mapping.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _table_after(marker: str) -> list[list[str]]:
    """The rows of the table that follows an HTML comment, its cells stripped (header rows left out)."""
    lines = README[README.index(marker) :].splitlines()[1:]
    rows: list[list[str]] = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        rows.append([c.strip().replace("\\|", "|") for c in cells])
    return rows


def test_the_rule_table_is_the_mapping_s() -> None:
    rows = _table_after("<!-- rules -->")
    assert rows == [[r.id, f"`{r.name}`", r.status, r.summary] for r in RULES.values()]


def test_the_reason_table_is_the_catalogue() -> None:
    rows = _table_after("<!-- reasons -->")
    assert rows == [[f"`{key}`", f"`{reason.rule}`", reason.template] for key, reason in REASONS.items()]


def test_the_endpoint_table_is_the_mapping_s() -> None:
    section = README[README.index("## The four endpoints") :]
    found = dict(re.findall(r"^\| (\w+) `(/api/v1/[^`]+)` \|", section, flags=re.MULTILINE))
    assert found == {name: endpoint.v1_path for name, endpoint in ENDPOINTS.items()}


def test_the_field_renames_are_the_mapping_s() -> None:
    row = next(line for line in README.splitlines() if line.startswith("| fields |"))
    assert dict(re.findall(r"`(\w+)` → `(\w+)`", row)) == dict(ATTEMPT_FIELD_RENAMES)


def test_the_module_map_names_every_module() -> None:
    block = README[README.index("## Developing") :].split("```")[1]
    by_folder: dict[str, str] = {}
    folder = ""
    for line in block.splitlines():
        head = line.split(" ", 1)[0]
        if head.startswith("codemods/"):
            folder = head
        by_folder[folder] = by_folder.get(folder, "") + line
    missing = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "codemods").glob("*/*.py"))
        if path.name != "__init__.py" or path.parent.name == "mapping"
        if path.name not in by_folder.get(f"codemods/{path.parent.name}/", "")
    ]
    assert missing == []
