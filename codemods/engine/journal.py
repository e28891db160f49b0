"""What ``apply`` leaves behind when it is killed, and how the next ``apply`` takes it up.

Before it changes any file, ``apply`` writes a journal, ``.migrate-360learning.journal`` in the directory
of its first PATH (the PATH itself, or a file's directory): JSON that says when the run started and, for
every file it is about to write, its path and the SHA-256 of its bytes before and after. The journal is
removed once every write is done. SIGINT and SIGTERM wait for the file being written and then end the
run, journal kept; SIGKILL or a power cut may also leave a temporary file beside the file being written
(``files.TEMPORARY_SUFFIX``).

The next ``apply`` of that directory reads the journal (how many of the files it lists are written), says
that it takes the migration up, and removes it and every temporary file of the tool that no running write
holds, under the PATHs' directories and the helper module's; the summary lists each. Files are atomic one
by one, so the tree was a mix of migrated and not yet migrated files: the new run migrates the rest.

The journal is not an undo log: roll a migration back with version control, or write the patch first
(``apply --patch FILE``), apply it with ``git apply FILE``, and reverse it with ``git apply -R FILE``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from codemods.engine.files import FileError, remove_stale, stale_temporaries, write_new_atomic

JOURNAL_NAME: Final = ".migrate-360learning.journal"
_FORMAT: Final = 1


@dataclass(frozen=True)
class Planned:
    """A file ``apply`` is about to write."""

    #: Absolute path, and the path shown to the user.
    path: str
    display_path: str
    before: bytes
    after: bytes


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def take_over(root: Path, directories: Iterable[Path]) -> tuple[str, ...]:
    """What this run takes up of an ``apply`` that was killed: a line for the journal it left under
    ``root`` (then removed) and one for each temporary file of the tool in ``directories`` that no
    running write holds (removed). Nothing here raises: a leftover that cannot be removed stays."""
    lines: list[str] = []
    journal = root / JOURNAL_NAME
    if journal.is_file() and not journal.is_symlink():
        lines.append(_interrupted(journal))
        with suppress(OSError):
            journal.unlink()
    for temporary in stale_temporaries(directories):
        if remove_stale(temporary):
            lines.append(f"removed {_display(temporary, root)}, a temporary file an interrupted apply left")
    return tuple(lines)


def _interrupted(journal: Path) -> str:
    """What the journal of an interrupted run says, checked against the files as they are now."""
    try:
        entry: Any = json.loads(journal.read_bytes())
        started = str(entry["started"])
        files = [(str(f["path"]), str(f["before"]), str(f["after"])) for f in entry["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return f"removed the journal of an interrupted apply ({JOURNAL_NAME}), which cannot be read"
    written = changed = 0
    for path, before, after in files:
        try:
            now = _digest(Path(path).read_bytes())
        except OSError:
            now = ""
        written += now == after
        changed += now not in (before, after)
    since = f"; {changed} changed since" if changed else ""
    return (
        f"an apply started {started} was interrupted with {written} of {len(files)} files written{since}:"
        " this run takes the migration up"
    )


@contextmanager
def recording(root: Path, planned: Sequence[Planned], helper: str | None) -> Iterator[None]:
    """The journal of the writes the block makes, kept while it runs and removed when it ends, unless it
    ends with an exception (an interrupt): the next ``apply`` then reads it. Nothing is written when
    nothing is planned; a journal that cannot be written is done without."""
    if not planned and helper is None:
        yield
        return
    data = json.dumps(
        {
            "tool": "migrate-360learning",
            "format": _FORMAT,
            "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "pid": os.getpid(),
            "helper": helper,
            "files": [
                {
                    "path": p.path,
                    "display_path": p.display_path,
                    "before": _digest(p.before),
                    "after": _digest(p.after),
                }
                for p in planned
            ],
        },
        indent=1,
    ).encode()
    journal = root / JOURNAL_NAME
    try:
        write_new_atomic(journal, data)
    except FileError:
        yield
        return
    yield
    with suppress(OSError):
        if journal.read_bytes() == data:  # still this run's
            journal.unlink()
