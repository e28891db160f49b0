"""Ctrl-C held back while a process does what must not be cut in the middle, and delivered after.

A ``KeyboardInterrupt`` that lands while worker processes are forked may leave one forked that the pool
does not know of yet: nothing stops it, and the interpreter waits for it at exit, for ever. One that
lands in a fork handler is ignored by Python, and the run goes on as if it had not come. And one that
lands while a module is imported, inside the ``exec`` of a string (``dataclasses`` makes its methods so),
makes Python kill itself with SIGINT at exit, whatever exit status the handler chose. So a Ctrl-C that
comes then is held until the block ends, and raised where the code can answer it.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


@contextlib.contextmanager
def held_interrupts() -> Iterator[None]:
    """Hold SIGINT back in this thread until the block ends (where the platform can)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def release_interrupts() -> None:
    """Let SIGINT through again in a process forked while it was held (a worker)."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
