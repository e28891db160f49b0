"""The entry point starts a run's workers before it loads the command line, when its arguments name a
directory; the run takes them when it asks for as many, and they are stopped otherwise. A Ctrl-C before
the command line is loaded still ends the run with its message and exit status."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codemods.cli.entry import glance
from codemods.cli.interruption import EXIT_INTERRUPTED, INTERRUPTED, INTERRUPTED_APPLY
from codemods.engine import workers
from codemods.engine.workers import Workers, discard_early, start_early

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}


def test_glance_sees_a_directory_and_the_jobs(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("x = 1\n")
    there = str(tmp_path)
    assert glance(["diff", there]) == (True, None)
    assert glance(["check", "--jobs", "3", there]) == (True, 3)
    assert glance(["apply", "--jobs=4", "--quiet", there]) == (True, 4)
    assert glance(["report", "--", there]) == (True, None)
    # Files named one by one (a pre-commit hook's), standard input, help and other commands: no workers.
    assert glance(["check", str(module)]) == (False, None)
    assert glance(["diff", "-", "--stdin-filename", "m.py"]) == (False, None)
    assert glance(["diff", "--help", there]) == (False, None)
    assert glance(["explain", there]) == (False, None)
    assert glance([]) == (False, None)
    # A --jobs that click refuses: it says so, and no worker starts.
    assert glance(["diff", "--jobs", "0", there]) == (False, None)
    assert glance(["diff", "--jobs", "many", there]) == (False, None)


def test_a_run_takes_the_early_workers_when_it_asks_for_as_many() -> None:
    start_early(2)
    early = workers._early
    assert early is not None and early.started
    try:
        assert Workers.of(2) is early
        assert workers._early is None
    finally:
        early.stop()


def test_early_workers_of_another_number_are_stopped() -> None:
    start_early(2)
    early = workers._early
    assert early is not None
    taken = Workers.of(3)
    assert taken is not early and taken.jobs == 3 and not taken.started
    assert not early.started and early.jobs == 1
    start_early(2)
    left = workers._early
    assert left is not None
    discard_early()
    assert workers._early is None and not left.started


PROBE = """
import sys
from codemods.engine import workers
workers.start_early(2)
import click  # the command line's, loaded after the workers started
pool = workers._early.pool()
print(pool.submit(eval, "'click' in __import__('sys').modules").result())
workers.discard_early()
"""


def test_early_workers_do_not_carry_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


SLOW_IMPORT = """
import sys, time, runpy
import codemods.engine.workers as workers
started = workers.start_early


def start_then_wait(jobs):
    started(jobs)
    print("started", flush=True)
    time.sleep(1)  # stands for the command line's loading, during which a Ctrl-C comes


workers.start_early = start_then_wait
sys.argv = ["migrate-360learning", *sys.argv[1:]]
from codemods.cli.entry import main
main()
"""


@pytest.mark.parametrize("command", ["apply", "diff"])
def test_a_ctrl_c_while_the_command_line_loads_ends_the_run_once_it_has(tmp_path: Path, command: str) -> None:
    """Held while the modules load (a Ctrl-C inside an import would make Python kill itself with SIGINT
    at exit, whatever the status), then answered: the message, exit 130, and no run."""
    (tmp_path / "m.py").write_text("x = 1\n")
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_IMPORT, command, "--jobs", "2", str(tmp_path)],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"started\n"
        time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == EXIT_INTERRUPTED
    assert err.decode().strip() == (INTERRUPTED_APPLY if command == "apply" else INTERRUPTED)
    assert not (tmp_path / "learning360_v2.py").exists()


HELD = """
import os, signal, time
from codemods.engine.signals import held_interrupts
reached = False
try:
    with held_interrupts():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        reached = True  # not interrupted inside the block
    print("not raised")
except KeyboardInterrupt:
    print("raised after" if reached else "raised inside")
"""


def test_a_held_ctrl_c_is_raised_when_the_block_ends() -> None:
    done = subprocess.run([sys.executable, "-c", HELD], env=ENV, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "raised after", done.stderr
