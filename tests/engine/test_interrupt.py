"""``apply`` interrupted, in a real process, leaves no file half-written.

A tree of many rewritable files is migrated by ``python -m codemods apply``, interrupted by SIGINT (to
the process, or to its process group as Ctrl-C in a terminal does) or killed by SIGKILL, at a random
moment while it works or just as the first file is written; several times. Every file must then be
byte for byte what it was or what a full ``apply`` makes of it, and the helper module absent or whole.
SIGINT leaves no temporary file and exits with 130 and a message, no traceback; SIGKILL may leave a
temporary file, named to say so and never taken for a source. Either may leave the run's journal. A
second ``apply`` finishes the job, removes what the first left, and says so.
A Ctrl-C that lands once the work is done changes nothing: the run exits as it finished.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.paths import FIXTURES, ROOT

from codemods.cli.interruption import EXIT_INTERRUPTED, INTERRUPTED_APPLY
from codemods.engine.files import TEMPORARY_SUFFIX
from codemods.engine.journal import JOURNAL_NAME

pytestmark = pytest.mark.skipif(
    not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
    reason="needs Linux's /proc to see when the worker processes start",
)

BEFORE = (FIXTURES / "getCourseStats" / "completed_per_user_id" / "before.py").read_bytes()
FILES = [f"m{i:03}.py" for i in range(24)]
HELPER = "learning360_v2.py"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}


def make_tree(root: Path) -> Path:
    root.mkdir(parents=True)
    for name in FILES:
        (root / name).write_bytes(BEFORE)
    return root


def start_apply(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "codemods", "apply", "--quiet", "--jobs", "2", str(root)],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a process group of its own: Ctrl-C's target, and what is cleaned up
    )


def workers_started(process: subprocess.Popen[bytes]) -> bool:
    """Whether the run got as far as its worker processes: its imports are over, its work begun."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    with contextlib.suppress(OSError):
        return bool(children.read_text().split())
    return False


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> bool:
    """Poll ``condition()`` until it holds (True) or the process ends (False)."""
    while process.poll() is None:
        if condition():
            return True
        time.sleep(0.002)
    return False


def live_in_group(group: int) -> list[int]:
    """The processes of a process group that still run (a zombie has ended; only its parent can reap it)."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == group and fields[0] != "Z":
                live.append(int(stat.parent.name))
    return live


def ended(group: int, patience: float = 30.0) -> bool:
    """Whether every process of the group ends, soon (one that closed its files may still be exiting)."""
    give_up = time.monotonic() + patience
    while live_in_group(group):
        if time.monotonic() > give_up:
            return False
        time.sleep(0.05)
    return True


@contextlib.contextmanager
def reaped(process: subprocess.Popen[bytes]) -> Iterator[None]:
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # workers a killed parent left behind, if any
        process.communicate()


@dataclass(frozen=True)
class Reference:
    """What a full, uninterrupted ``apply`` makes of the tree."""

    migrated: dict[str, bytes]
    helper: bytes
    #: Seconds from the workers' start to the end of the run, to pick interruption times within it.
    working: float


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    root = make_tree(tmp_path_factory.mktemp("reference") / "repo")
    process = start_apply(root)
    with reaped(process):
        assert wait_until(lambda: workers_started(process), process)
        started = time.monotonic()
        _, err = process.communicate(timeout=600)
        working = time.monotonic() - started
    assert process.returncode == 0, err.decode()
    migrated = {name: (root / name).read_bytes() for name in FILES}
    assert all(data != BEFORE and b"learning360_v2" in data for data in migrated.values())
    assert sorted(p.name for p in root.iterdir()) == sorted([*FILES, HELPER])
    return Reference(migrated, (root / HELPER).read_bytes(), working)


@dataclass(frozen=True)
class Trial:
    signal: signal.Signals
    #: "random": after a random delay once the workers started; "first write": as the first file changes.
    moment: str
    #: True: the whole process group, as Ctrl-C in a terminal; False: the main process only.
    group: bool = False
    seed: int = 0

    @property
    def id(self) -> str:
        target = "group" if self.group else "process"
        return f"{self.signal.name}-{target}-{self.moment.replace(' ', '-')}-{self.seed}"


TRIALS = [
    Trial(signal.SIGINT, "random", seed=1),
    Trial(signal.SIGINT, "random", group=True, seed=2),
    Trial(signal.SIGINT, "first write", group=True),
    *(Trial(signal.SIGKILL, "random", seed=seed) for seed in (3, 4)),
    Trial(signal.SIGKILL, "first write"),
]


@pytest.mark.parametrize("trial", TRIALS, ids=lambda t: t.id)
def test_an_interrupted_apply_leaves_every_file_old_or_new(
    trial: Trial, reference: Reference, tmp_path: Path
) -> None:
    root = make_tree(tmp_path / "repo")
    first = root / FILES[0]  # files are written in the order of their paths
    process = start_apply(root)
    with reaped(process):
        assert wait_until(lambda: workers_started(process), process)
        if trial.moment == "random":
            time.sleep(random.Random(trial.seed).uniform(0.05, 0.8) * reference.working)
            interrupted = process.poll() is None
        else:
            interrupted = wait_until(lambda: first.read_bytes() != BEFORE, process)
        if interrupted:
            if trial.group:
                os.killpg(process.pid, trial.signal)
            else:
                process.send_signal(trial.signal)
        # Returns once every process holding the run's stderr has let go of it, workers included: a
        # worker whose parent was killed ends on its own.
        _, stderr = process.communicate(timeout=120)
        assert ended(process.pid)
    err = stderr.decode()

    # Every file wholly old or wholly new; the helper absent or whole.
    states = {name: (root / name).read_bytes() for name in FILES}
    for name, data in states.items():
        assert data in (BEFORE, reference.migrated[name]), name
    if (root / HELPER).exists():
        assert (root / HELPER).read_bytes() == reference.helper
    # Migrated code never imports a helper module that is not there: it is written before them.
    if any(states[name] != BEFORE for name in FILES):
        assert (root / HELPER).exists()
    left = sorted(p.name for p in root.iterdir() if p.name not in (*FILES, HELPER))

    if process.returncode == 0:  # the run ended before the signal reached it: it finished the job
        assert all(states[name] == reference.migrated[name] for name in FILES)
    elif trial.signal is signal.SIGINT:
        assert process.returncode == EXIT_INTERRUPTED, err
        assert err.strip() == INTERRUPTED_APPLY
        assert set(left) <= {JOURNAL_NAME}, left
    else:
        assert process.returncode == -signal.SIGKILL
        temporary = [name for name in left if name != JOURNAL_NAME]
        assert all(name.startswith(".") and name.endswith(TEMPORARY_SUFFIX) for name in temporary), left
    if trial.moment == "first write" and interrupted:
        assert states[FILES[0]] == reference.migrated[FILES[0]]
        assert JOURNAL_NAME in left  # written before the first file

    # A second apply finishes the job, removes what the first left, says so, and takes nothing for a source.
    again = subprocess.run(
        [sys.executable, "-m", "codemods", "apply", str(root)],
        env=ENV,
        capture_output=True,
        timeout=600,
    )
    said = " ".join(again.stderr.decode().split())
    assert again.returncode == 0, said
    assert {name: (root / name).read_bytes() for name in FILES} == reference.migrated
    assert sorted(p.name for p in root.iterdir()) == sorted([*FILES, HELPER])
    if JOURNAL_NAME in left:
        written = sum(states[name] == reference.migrated[name] for name in FILES)
        assert f"was interrupted with {written} of " in said, said
        assert "this run takes the migration up" in said
    for name in left:
        if name != JOURNAL_NAME:
            assert f"removed {name}, a temporary file an interrupted apply left" in said, said


LATE_CTRL_C = """
import os, signal, sys
from codemods.cli import main as cli
from codemods.cli import console

summary = console.print_summary


def ctrl_c_then_summary(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C once the work is done, as the summary is printed
    return summary(*args, **kwargs)


console.print_summary = ctrl_c_then_summary
sys.argv = ["migrate-360learning", "apply", sys.argv[1]]
cli.main()
"""


def test_ctrl_c_after_the_work_is_done_changes_nothing(tmp_path: Path) -> None:
    """A Ctrl-C that lands once the files are written neither kills the exit (Python would die of it
    silently, exit status -2, when it lands while shutting down) nor turns a finished run into an
    aborted one: the summary is printed and the exit code says how the run went."""
    root = make_tree(tmp_path / "repo")
    done = subprocess.run(
        [sys.executable, "-c", LATE_CTRL_C, str(root)], env=ENV, capture_output=True, timeout=120, check=False
    )
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert "Aborted" not in err and "Interrupted" not in err and "Traceback" not in err
    assert "Migrated" in err or "migrated" in err, err
    assert all((root / name).read_bytes() != BEFORE for name in FILES)
