"""Running a client program against the fake 360Learning, as its user would: in a process of its own, from
its folder, with only the fake's variables set. The original runs against v1, the migrated one against v2
(twice: a second run must take its user directory from the cache), and each run is checked for the API
version it read."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from fake360 import Fake360


def run_program(directory: Path, entry: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python ENTRY`` in ``directory``, with none of the test process's 360Learning variables nor its
    PYTHONPATH: the program imports only what its own folder holds."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEARNING360_")}
    clean.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, entry],
        cwd=directory,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def paths_read(fake: Fake360, prefix: str) -> list[str]:
    """The paths of the requests the fake received under ``prefix``."""
    return [r.path for r in fake.requests if r.path.startswith(prefix)]


def run_on_v1(fake: Fake360, directory: Path, entry: str) -> str:
    """What the original program prints, reading v1 only."""
    fake.clear_log()
    before = run_program(directory, entry, fake.v1_env())
    assert before.returncode == 0, before.stderr
    assert paths_read(fake, "/api/v1/"), "the original program must read v1"
    assert not paths_read(fake, "/api/v2/")
    assert before.stdout.strip(), "the program must print something to compare"
    return before.stdout


@dataclass(frozen=True)
class V2Run:
    #: What the migrated program printed (the same on its first and second run).
    stdout: str
    #: How many pages of v2 course statistics its first run read.
    pages: int
    #: Whether its first run read the v2 user directory.
    read_users: bool


def run_on_v2(fake: Fake360, directory: Path, entry: str, *, order: str, cache: Path) -> V2Run:
    """The migrated program run twice against v2, its records served in ``order``: it reads no v1, prints
    the same both times, and its second run takes the user directory from the cache."""
    fake.clear_log()
    fake.v2_order = order
    env = fake.v2_env(cache)
    after = run_program(directory, entry, env)
    assert after.returncode == 0, after.stderr
    assert not paths_read(fake, "/api/v1/"), "the migrated program must not read v1"
    found = V2Run(
        stdout=after.stdout,
        pages=len(fake.requests_to("/api/v2/courses/stats")),
        read_users=bool(fake.requests_to("/api/v2/users")),
    )

    fake.clear_log()
    again = run_program(directory, entry, env)
    assert again.returncode == 0, again.stderr
    assert again.stdout == after.stdout
    assert not fake.requests_to("/api/v2/users"), "the second run must use the user cache"
    return found
