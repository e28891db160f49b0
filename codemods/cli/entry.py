"""The console script's entry point, and ``python -m codemods``'s: it starts the worker processes of a
run over a directory before it loads the command line.

Loading click, rich and the command line's own modules takes this process about a fifth of a second,
while the second core has nothing to do. When the arguments name a directory, the workers that a run
over it starts are started first (``codemods.engine.workers.start_early``): they load LibCST meanwhile,
and they do not inherit the modules of the command line, which they never use. The arguments are only
glanced at here, click reads them; the run takes the workers when it asks for as many
(``Workers.of``), and they are stopped otherwise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Final

from codemods.cli.interruption import EXIT_INTERRUPTED, INTERRUPTED, INTERRUPTED_APPLY

#: The commands that run over files.
_RUNS: Final = frozenset({"diff", "apply", "check", "report"})


def glance(argv: Sequence[str]) -> tuple[bool, int | None]:
    """Whether the arguments after the program's name run a command over a directory, and the
    ``--jobs`` they give (None when they give none). A wrong guess costs only the early workers."""
    if not argv or argv[0] not in _RUNS or "--help" in argv or "-" in argv:
        return False, None
    directory = False
    jobs: int | None = None
    rest = iter(argv[1:])
    for arg in rest:
        if arg == "--jobs" or arg.startswith("--jobs="):
            value = arg.partition("=")[2] if "=" in arg else next(rest, "")
            if not value.isdigit() or int(value) < 1:
                return False, None  # click refuses it
            jobs = int(value)
        elif (arg == "--" or not arg.startswith("-")) and os.path.isdir(arg):
            directory = True
    return directory, jobs


def main() -> None:
    """``migrate-360learning``."""
    from codemods.engine.signals import held_interrupts

    argv = sys.argv[1:]
    try:
        # A Ctrl-C while modules load is raised once they have (``codemods.engine.signals``).
        with held_interrupts():
            from codemods.engine import workers
        try:
            with held_interrupts():
                directory, jobs = glance(argv)
                if directory:
                    workers.start_early(workers.jobs_for(jobs))
                from codemods.cli.main import main as command_line
            command_line()
        finally:
            workers.discard_early()
    except KeyboardInterrupt:
        # A Ctrl-C before the command line runs, which answers one itself once it does.
        sys.stderr.write((INTERRUPTED_APPLY if argv[:1] == ["apply"] else INTERRUPTED) + "\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
