"""The worker processes of a run: each reads, pre-filters and transforms the files it is handed, with
what every transform of the run shares (``TransformSetup``), received once when it starts.

The pre-filter has two stages (``codemods.reading.prefilter``): words in the bytes, then the same
questions asked of the ``ast`` tree of the few files that pass, before LibCST parses what is left.

Only the files that may hold a call site travel back with their bytes. One file's failure, whatever it
is, becomes that file's error; a file that kills its worker is tried again alone. An interrupted run
stops its workers at once: they only read.
"""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Final

from codemods.engine.files import FileError, Snapshot, read_source
from codemods.engine.signals import held_interrupts, release_interrupts
from codemods.reading.index import RepositoryIndex
from codemods.reading.notebooks import NOTEBOOK_SUFFIX
from codemods.reading.precheck import TOO_DEEP
from codemods.reading.prefilter import Known, may_contain_site, may_contain_site_parsed
from codemods.results.findings import FileOutcome
from codemods.results.wrappers import WrapperState

if TYPE_CHECKING:  # imported where a file is transformed: LibCST loads then, in the process doing it
    from codemods.transform.migrate import TransformOptions

#: Below this many files a process pool costs more than it saves.
MIN_FILES_FOR_POOL: Final = 8


#: Files sent to a worker at once: large enough to amortise the round trip, small enough to balance.
MAX_CHUNK: Final = 64


@dataclass(frozen=True)
class Task:
    index: int
    path: str
    display_path: str
    #: The file's dotted module name, for the relative imports of its URLs.
    module: str = ""
    #: The source itself, when it is not read from ``path`` (standard input).
    data: bytes | None = None


@dataclass(frozen=True)
class TransformSetup:
    """What every transform of a run shares; a worker process receives it once, when it starts."""

    #: The dotted name under which rewritten code imports the helper module.
    helper_import: str
    index: RepositoryIndex = field(default_factory=RepositoryIndex)
    #: ``index.needles()``, computed once.
    needles: frozenset[tuple[bytes, bytes]] = frozenset()
    #: See ``RunOptions``.
    hosts: tuple[str, ...] = ()
    wrappers: tuple[tuple[str, str], ...] = ()
    keep_v1_shape: bool = True
    #: The wrappers known so far (``codemods.planning.wrappers``), and whether the pre-filter runs: the files
    #: re-read for wrappers' callers need not mention any v1 path.
    wrapper_state: WrapperState = field(default_factory=WrapperState)
    prefilter: bool = True
    #: The names of the declared wrappers, as bytes: a file that calls one passes the pre-filter.
    wrapper_needles: tuple[bytes, ...] = ()
    #: See ``RunOptions``.
    disabled: frozenset[str] = frozenset()
    #: The repository's style (``codemods.engine.style``).
    line_length: int = 99
    first_party: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        helper_import: str,
        index: RepositoryIndex,
        *,
        hosts: tuple[str, ...] = (),
        wrappers: tuple[tuple[str, str], ...] = (),
        keep_v1_shape: bool = True,
    ) -> TransformSetup:
        declared = tuple(name.rpartition(".")[2].encode() for name, _ in wrappers)
        return cls(
            helper_import,
            index,
            index.needles(),
            hosts,
            wrappers,
            keep_v1_shape,
            wrapper_needles=declared,
        )

    def options(self, module: str) -> TransformOptions:
        """The options of the transform of one file, the module named ``module``."""
        from codemods.transform.migrate import TransformOptions

        return TransformOptions(
            helper_import=self.helper_import,
            index=self.index,
            module=module,
            hosts=self.hosts,
            wrappers=self.wrappers,
            wrapper_state=self.wrapper_state,
            disabled=self.disabled,
            line_length=self.line_length,
            first_party=self.first_party,
            keep_v1_shape=self.keep_v1_shape,
        )


#: The ``TransformSetup`` a worker process last received, with its number (``_Shared.number``).
_worker_setup: tuple[int, TransformSetup] | None = None


def _start_worker() -> None:
    # Ctrl-C signals the whole process group: the parent alone answers it, by stopping the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    release_interrupts()  # held while it was forked
    _end_with_parent()


def _warm() -> None:
    """Load LibCST and the transform, and migrate a sample (``codemods.engine.preload``): the half second
    a worker's first file would otherwise wait for. It runs as the worker's first task, while the parent
    is still building the repository index."""
    import codemods.engine.preload  # noqa: F401


def jobs_for(requested: int | None) -> int:
    """The worker processes of a run that asks for ``requested`` (None: one per core)."""
    return requested if requested is not None else (os.cpu_count() or 1)


#: Workers started before the run that takes them knows its options (``start_early``).
_early: Workers | None = None


def start_early(jobs: int) -> None:
    """Start ``jobs`` workers now, for a run about to ask for them (``Workers.of``).

    The command line calls it before it loads click, rich and its own modules, once its arguments name a
    directory: the workers load LibCST meanwhile, on the core this process leaves idle, and do not
    inherit modules they never use. A run that asks for another number, or for none, stops them."""
    global _early
    if _early is None and jobs > 1:
        _early = Workers(jobs)
        _early.pool()


def discard_early() -> None:
    """Stop the workers ``start_early`` started, when no run took them."""
    global _early
    early, _early = _early, None
    if early is not None:
        early.stop()


@dataclass(frozen=True)
class _Shared:
    """A ``TransformSetup`` pickled once, sent with every chunk: the workers start before the index it
    holds exists, so it cannot be an initializer's argument. Each worker unpickles it once per number."""

    number: int
    pickled: bytes

    @classmethod
    def of(cls, setup: TransformSetup) -> _Shared:
        return cls(next(_numbers), pickle.dumps(setup, protocol=pickle.HIGHEST_PROTOCOL))

    def setup(self) -> TransformSetup:
        global _worker_setup
        if _worker_setup is None or _worker_setup[0] != self.number:
            _worker_setup = (self.number, pickle.loads(self.pickled))
        return _worker_setup[1]


_numbers: Final = itertools.count(1)


@dataclass(frozen=True)
class Done:
    """A worker's answer for one file: ``outcome`` is None when the pre-filter skipped it."""

    index: int
    outcome: FileOutcome | None
    mtime_ns: int = 0
    size: int = 0
    mode: int = 0


def one_line(text: str) -> str:
    return " ".join(text.split())


def ruled_out(
    data: bytes, setup: TransformSetup, spells: bool | None = None, known: Known | None = None
) -> bool:
    """Whether the pre-filter's first stage, on the bytes, rules the file out: it spells no v1 path,
    names no indexed constant with its module and calls no declared wrapper. ``spells``: whether it
    spells a v1 path, when that is known already (``Sources.spelled``); ``known``: which constants it
    was found to name or not (``Sources.known``)."""
    return (
        setup.prefilter
        and not may_contain_site(data, setup.needles, spells=spells, known=known)
        and not any(name in data for name in setup.wrapper_needles)
    )


def _process(task: Task, setup: TransformSetup) -> Done:
    """Read, pre-filter and transform one file; every failure becomes the outcome's error."""
    try:
        snapshot = read_source(Path(task.path)) if task.data is None else Snapshot(task.data, 0, 0, 0, 0, 0)
    except FileError as e:
        return Done(task.index, FileOutcome(task.path, task.display_path, error=e.reason))
    notebook = task.path.endswith(NOTEBOOK_SUFFIX)
    if ruled_out(snapshot.data, setup) or (
        setup.prefilter
        and not notebook
        and not may_contain_site_parsed(snapshot.data, setup.needles, setup.wrapper_needles)
    ):
        return Done(task.index, None)
    from codemods.transform.migrate import SourceError, migrate_source
    from codemods.transform.notebook import migrate_notebook

    transform = migrate_notebook if notebook else migrate_source
    error: str | None = None
    try:
        result = transform(snapshot.data, display_path=task.display_path, options=setup.options(task.module))
    except SourceError as e:
        error = one_line(str(e)) or "cannot be parsed"
    except UnicodeError as e:
        error = one_line(f"cannot be decoded: {e}")
    except RecursionError:
        error = TOO_DEEP
    except Exception as e:
        error = one_line(f"internal error: {type(e).__name__}: {e}")
    if error is not None:
        outcome = FileOutcome(task.path, task.display_path, original=snapshot.data, error=error)
    else:
        outcome = FileOutcome(
            task.path,
            task.display_path,
            original=snapshot.data,
            migrated=result.source,
            findings=result.findings,
            secrets=result.secrets,
            exports=result.exports,
            uses=result.uses,
        )
    return Done(task.index, outcome, snapshot.mtime_ns, snapshot.size, snapshot.mode)


def _process_chunk(shared: _Shared, tasks: Sequence[Task]) -> list[Done]:
    setup = shared.setup()
    return [_process(task, setup) for task in tasks]


def transform_all(
    tasks: list[Task],
    setup: TransformSetup,
    workers: Workers,
    progress: Callable[[int, int], None] | None,
    waiting: Callable[[], None] | None = None,
) -> list[Done]:
    """Process ``tasks`` in the run's ``workers``, or in this process when it started none.
    ``waiting``: what this process does while the workers work, once they have every task (at once
    when there are no workers)."""
    total = len(tasks)
    done: list[Done] = []
    if not workers.started or not tasks:
        if waiting is not None:
            waiting()
        for task in tasks:
            done.append(_process(task, setup))
            if progress is not None:
                progress(len(done), total)
        return done
    shared = _Shared.of(setup)
    chunk = max(1, min(MAX_CHUNK, total // (workers.jobs * 4)))
    chunks = [tasks[i : i + chunk] for i in range(0, total, chunk)]
    pool = workers.pool()
    futures: dict[Future[list[Done]], list[Task]] = {
        pool.submit(_process_chunk, shared, part): part for part in chunks
    }
    if waiting is not None:
        waiting()
    failed: list[Task] = []
    for future in as_completed(futures):
        try:
            done.extend(future.result())
        except Exception:
            # A worker died (killed, out of memory, crashed) and took the pool down with it.
            failed.extend(futures[future])
            continue
        if progress is not None:
            progress(len(done), total)
    for task in sorted(failed, key=lambda t: t.index):
        done.append(_isolated(task, shared))
        if progress is not None:
            progress(len(done), total)
    return done


class Workers:
    """The worker processes of a run. They start before the repository index is built and load LibCST
    while it is (``_warm``); every transform of the run, the wrapper rounds' included, is handed to them.

    ``jobs`` at most 1 starts none. A pool a dying worker broke is replaced by a fresh one. Leaving the
    block by an exception (Ctrl-C's ``KeyboardInterrupt`` above all) stops the workers at once, and so
    does leaving it while one is still warming up: they only read.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._executor: ProcessPoolExecutor | None = None
        self._warming: list[Future[None]] = []

    @classmethod
    def of(cls, jobs: int) -> Workers:
        """The workers of a run: those ``start_early`` started, when they are ``jobs``; else new ones."""
        global _early
        early = _early
        if early is not None and early.jobs == jobs:
            _early = None
            return early
        discard_early()
        return cls(jobs)

    @property
    def started(self) -> bool:
        return self._executor is not None

    def __enter__(self) -> Workers:
        if self.jobs > 1:
            self.pool()
        return self

    def pool(self) -> ProcessPoolExecutor:
        """The live pool, started (and warming up) at the first call or after one broke."""
        if self._executor is not None and getattr(self._executor, "_broken", False):
            _stop(self._executor)
            self._executor = None
        if self._executor is None:
            with held_interrupts():
                self._executor = ProcessPoolExecutor(max_workers=self.jobs, initializer=_start_worker)
                self._warming = [self._executor.submit(_warm) for _ in range(self.jobs)]
        return self._executor

    def stop(self) -> None:
        """Stop the workers at once, whatever they are doing; none start again."""
        if self._executor is not None:
            _stop(self._executor)
            self._executor = None
        self.jobs = 1

    def close(self) -> None:
        """Let the workers go: waited for when idle, stopped when one is still warming up."""
        if self._executor is None:
            return
        if not all(f.done() for f in self._warming):
            self.stop()
            return
        self._executor.shutdown(wait=True)
        self._executor = None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self.stop()
        else:
            self.close()


# --- interruption: the workers only read, so an interrupted run stops them at once --------------------
#: How often a worker checks that the run that started it is still there.
_PARENT_CHECK_SECONDS: Final = 1.0
#: How long an interrupted run waits for its pool's manager thread to finish closing.
_MANAGER_JOIN_SECONDS: Final = 5.0


def _end_with_parent() -> None:
    """End this worker process once its parent is gone (killed by SIGKILL, say), which nothing else does:
    a worker waits for work from its parent forever."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the work not started and stop the workers rather than wait for them."""
    # Python 3.14 has ``terminate_workers``; before, the pool's processes are only in ``_processes``.
    processes: dict[int, BaseProcess] = dict(getattr(pool, "_processes", None) or {})
    # ``shutdown(wait=False)`` forgets the pool's manager thread; one still closing its pipes when the
    # interpreter exits makes Python print an "Exception ignored" traceback after our message.
    manager: threading.Thread | None = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes.values():
        process.terminate()
    if manager is not None:
        manager.join(timeout=_MANAGER_JOIN_SECONDS)


def _isolated(task: Task, shared: _Shared) -> Done:
    """Process one file in a process of its own, so a file that kills its worker harms no other."""
    pool = ProcessPoolExecutor(max_workers=1, initializer=_start_worker)
    try:
        with held_interrupts():
            started = pool.submit(_process_chunk, shared, [task])
        return started.result()[0]
    except Exception as e:
        reason = one_line(f"internal error: the worker process failed: {type(e).__name__}: {e}")
        return Done(task.index, FileOutcome(task.path, task.display_path, error=reason))
    except BaseException:
        _stop(pool)
        raise
    finally:
        pool.shutdown(wait=True)
