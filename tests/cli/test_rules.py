"""Choosing rules through the command line: ``--select``/``--ignore`` by id or name, an ignore marker that
names rules, and ``explain``. Nothing is silent: a site left out is counted as ignored, and ``check``
passes only when every site left on v1 was ignored by a person's choice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.command_line import NEEDS_REVIEW, invoke, output, run
from support.sources import SITE

from codemods.mapping import IGNORE_MARKER
from codemods.mapping.reasons import REASONS
from codemods.mapping.rules import RULES

#: One site to rewrite (``total_time``) and one for review (``stats``: L360102) in one module.
BOTH = NEEDS_REVIEW + SITE.split("\n", 4)[4]


def _tree(root: Path, source: str = BOTH) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "both.py").write_text(source, encoding="utf-8")
    return root


def _statuses(root: Path, *options: str) -> list[tuple[str, str]]:
    report = json.loads(run("report", root, *options).stdout)
    return [(f["status"], f["rule"]) for f in report["findings"]]


def test_the_tree_has_a_site_to_rewrite_and_one_for_review(tmp_path: Path) -> None:
    assert sorted(_statuses(_tree(tmp_path))) == [("needs_review", "L360102"), ("rewrite", "L360001")]


@pytest.mark.parametrize("rule", ["L360102", "l360102", "unsupported-response-use"])
def test_ignore_by_id_or_name_counts_the_site_as_ignored(tmp_path: Path, rule: str) -> None:
    root = _tree(tmp_path)
    checked = run("check", root, "--ignore", rule)
    assert checked.exit_code == 1  # the site to rewrite is still there
    assert "1 ignored (1 by --select/--ignore)." in output(checked)
    assert sorted(_statuses(root, "--ignore", rule)) == [("rewrite", "L360001"), ("suppressed", "L360300")]


def test_check_passes_only_when_every_site_left_was_ignored_on_purpose(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    assert run("check", root, "--ignore", "L360102").exit_code == 1
    assert run("check", root, "--ignore", "rewrite").exit_code == 1
    both = run("check", root, "--ignore", "L360102,rewrite")
    assert both.exit_code == 0
    assert "2 ignored (2 by --select/--ignore)." in output(both)


def test_select_leaves_out_every_other_rule_and_says_so(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    selected = run("check", root, "--select", "L360001")
    assert selected.exit_code == 1
    assert "1 site to migrate" in output(selected)
    assert "1 ignored (1 by --select/--ignore)." in output(selected)
    report = json.loads(run("report", root, "--select", "L360001").stdout)
    ignored = [f for f in report["findings"] if f["status"] == "suppressed"]
    assert [f["message"].split(":")[0] for f in ignored] == ["ignored by --select/--ignore"]
    assert "L360102 unsupported-response-use" in ignored[0]["message"]


def test_an_ignored_rewrite_is_not_written(tmp_path: Path) -> None:
    root = _tree(tmp_path, SITE)
    before = (root / "app" / "both.py").read_bytes()
    applied = run("apply", root, "--ignore", "L360001")
    assert applied.exit_code == 0
    assert (root / "app" / "both.py").read_bytes() == before
    assert "1 ignored (1 by --select/--ignore)." in output(applied)


def test_the_configuration_selects_and_ignores_too(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "pyproject.toml").write_text(
        '[tool.migrate-360learning]\nignore = ["L360102", "rewrite"]\n', encoding="utf-8"
    )
    assert run("check", root).exit_code == 0


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_an_unknown_rule_is_a_usage_error_with_a_suggestion(tmp_path: Path, option: str) -> None:
    result = run("check", _tree(tmp_path), option, "L36O102")
    assert result.exit_code == 2
    assert "unknown rule 'L36O102'" in result.stderr
    assert "did you mean L360102" in output(result)


def test_a_marker_naming_a_rule_accepts_only_that_rule(tmp_path: Path) -> None:
    marked = BOTH.replace("    return process(", f"    {IGNORE_MARKER}L360102]\n    return process(")
    root = _tree(tmp_path, marked)
    assert sorted(_statuses(root)) == [("rewrite", "L360001"), ("suppressed", "L360300")]
    other = _tree(tmp_path / "other", marked.replace("L360102]", "L360104]"))
    assert sorted(_statuses(other)) == [("needs_review", "L360102"), ("rewrite", "L360001")]


def test_a_marker_naming_the_rewrite_rule_keeps_the_site_as_it_is(tmp_path: Path) -> None:
    marked = SITE.replace("    r = requests", f"    {IGNORE_MARKER}L360001]\n    r = requests")
    root = _tree(tmp_path, marked)
    assert _statuses(root) == [("suppressed", "L360300")]
    assert run("check", root).exit_code == 0


def test_a_marker_with_a_free_reason_still_accepts_every_finding(tmp_path: Path) -> None:
    reason = f"    {IGNORE_MARKER}kept on v1 for now]\n"
    marked = BOTH.replace("    return process(", reason + "    return process(")
    assert sorted(_statuses(_tree(tmp_path, marked))) == [("rewrite", "L360001"), ("suppressed", "L360300")]


@pytest.mark.parametrize("name", ["L360104", "filter-without-v2"])
def test_explain_prints_the_rule_s_help_and_reasons(name: str) -> None:
    result = invoke("explain", name)
    assert result.exit_code == 0
    rule = RULES["filter-without-v2"]
    assert result.stdout.startswith(f"{rule.id} {rule.name} (needs_review)\n")
    assert rule.help in result.stdout
    assert REASONS["filter-gone"].template.split("{")[0] in result.stdout
    assert "ignore[L360104]" in result.stdout


def test_explain_without_a_rule_lists_every_rule() -> None:
    listed = invoke("explain").stdout.splitlines()
    assert [line.split()[0] for line in listed] == [rule.id for rule in RULES.values()]


def test_explain_of_an_unknown_rule_suggests_one() -> None:
    result = invoke("explain", "filter-without")
    assert result.exit_code == 2
    assert "did you mean filter-without-v2?" in result.stderr
