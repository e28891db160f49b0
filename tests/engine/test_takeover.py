"""An ``apply`` that was stopped is taken up by the next one, through the real command line.

The stopped run's journal (written before its first change) tells the next one how far it got; the
temporary files a killed run leaves beside the files it was writing are removed, and only those: not
one a running write holds, not a file that merely looks like one. ``tests/engine/test_interrupt.py`` does the
same with real signals on a real process; these cases plant what such a run leaves, or stop it in the
middle of its writes, so that every path is taken every time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.command_line import output, run, snapshot
from support.sources import SITE

from codemods.cli.interruption import EXIT_INTERRUPTED
from codemods.engine import files, runner
from codemods.engine.files import TEMPORARY_SUFFIX
from codemods.engine.journal import JOURNAL_NAME
from codemods.mapping import DEFAULT_HELPER_FILE

NAMES = ("a.py", "b.py", "c.py")
fcntl = pytest.importorskip("fcntl", reason="a running write's lock is an flock")


def tree(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    for name in NAMES:
        (root / "app" / name).write_text(SITE, encoding="utf-8")
    return root


def migrated(tmp_path: Path) -> dict[str, bytes]:
    """What an uninterrupted apply makes of the tree."""
    reference = tree(tmp_path / "reference")
    assert run("apply", reference).exit_code == 0
    return snapshot(reference)


def test_an_apply_stopped_between_two_files_is_taken_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = migrated(tmp_path)
    root = tree(tmp_path / "repo")
    write = files.write_atomic
    calls: list[Path] = []

    def stopped_at_the_second(path: Path, data: bytes, snapshot: files.Snapshot) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C, between two files
        write(path, data, snapshot)

    monkeypatch.setattr(runner, "write_atomic", stopped_at_the_second)
    stopped = run("apply", root)
    assert stopped.exit_code == EXIT_INTERRUPTED
    journal = json.loads((root / JOURNAL_NAME).read_bytes())
    assert [entry["display_path"] for entry in journal["files"]] == [f"app/{name}" for name in NAMES]
    assert journal["helper"] == str(root / DEFAULT_HELPER_FILE)
    assert (root / DEFAULT_HELPER_FILE).is_file()
    assert (root / "app" / "a.py").read_bytes() == expected["app/a.py"]
    assert (root / "app" / "b.py").read_text() == SITE

    monkeypatch.setattr(runner, "write_atomic", write)
    again = run("apply", root)
    assert again.exit_code == 0, output(again)
    said = output(again)
    assert "Taken up from an interrupted apply:" in said
    assert f"an apply started {journal['started']} was interrupted with 1 of 3 files written:" in said
    assert "this run takes the migration up" in said
    assert snapshot(root) == expected  # the journal is gone
    assert "Taken up" not in output(run("apply", root))


def test_a_journal_that_cannot_be_read_is_removed_and_said(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo")
    (root / JOURNAL_NAME).write_text("{ not json")
    result = run("apply", root)
    assert result.exit_code == 0
    assert f"removed the journal of an interrupted apply ({JOURNAL_NAME}), which cannot be read" in output(
        result
    )
    assert not (root / JOURNAL_NAME).exists()


def test_a_file_changed_since_the_journal_is_counted(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo")
    entries = [{"path": str(root / "app" / n), "before": "0" * 64, "after": "1" * 64} for n in NAMES]
    (root / JOURNAL_NAME).write_text(json.dumps({"started": "2025-01-02 03:04:05 UTC", "files": entries}))
    said = output(run("apply", root))
    assert "was interrupted with 0 of 3 files written; 3 changed since: this run takes" in said


def planted(root: Path, name: str) -> Path:
    path = root / "app" / name
    path.write_bytes(b"half a file")
    return path


def test_the_temporary_files_a_killed_apply_left_are_removed_and_said(tmp_path: Path) -> None:
    expected = migrated(tmp_path)
    root = tree(tmp_path / "repo")
    stale = [planted(root, f".{name}.k1ll3d_{i}{TEMPORARY_SUFFIX}") for i, name in enumerate(NAMES)]
    stale.append(planted(root, f".learning360_v2.py.abcdefgh{TEMPORARY_SUFFIX}"))
    result = run("apply", root)
    assert result.exit_code == 0, output(result)
    for path in stale:
        assert f"removed app/{path.name}, a temporary file an interrupted apply left" in output(result)
        assert not path.exists()
    assert snapshot(root) == expected


def test_only_the_tools_own_temporary_files_no_write_holds_are_removed(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo")
    look_alikes = [
        planted(root, f"a.py.abcdefgh{TEMPORARY_SUFFIX}"),  # no leading dot
        planted(root, f".a.py.abc{TEMPORARY_SUFFIX}"),  # not tempfile's eight characters
        planted(root, ".a.py.abcdefgh.tmp"),  # another tool's
        planted(root, f".a.py.ABCDEFGH{TEMPORARY_SUFFIX}"),  # tempfile never uses capitals
    ]
    target = planted(root, "data.bin")
    link = root / "app" / f".b.py.abcdefgh{TEMPORARY_SUFFIX}"
    link.symlink_to(target)
    held = planted(root, f".c.py.12345678{TEMPORARY_SUFFIX}")
    descriptor = os.open(held, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # as a running apply holds the file it is writing
        result = run("apply", root)
    finally:
        os.close(descriptor)
    assert result.exit_code == 0, output(result)
    assert "Taken up" not in output(result)
    assert all(path.read_bytes() == b"half a file" for path in [*look_alikes, target, held])
    assert link.is_symlink()


@pytest.mark.parametrize("command", ["diff", "check", "report"])
def test_commands_that_write_nothing_remove_nothing(tmp_path: Path, command: str) -> None:
    root = tree(tmp_path / "repo")
    stale = planted(root, f".a.py.abcdefgh{TEMPORARY_SUFFIX}")
    (root / JOURNAL_NAME).write_text("{}")
    run(command, root)
    assert stale.exists() and (root / JOURNAL_NAME).exists()
