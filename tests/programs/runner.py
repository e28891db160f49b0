"""Runs generated programs before and after migration and classifies what the tool made of each.

For each program:

1. the original runs against the fake 360Learning's v1; it must exit 0, print something and request a
   v1 course-statistics path, or the generator is wrong (``GeneratorBug``: not a class of the tool);
2. a copy is migrated by the tool in-process (``codemods.engine.runner.run``, ``write=True``), then a
   second run must find nothing to change (when the first wrote nothing, the second would read the same
   tree and is not made); an exception, a file error, migrated code that does not parse or a
   second run that changes something is a **tool error**;
3. unless the tool reported a site for review, the migrated program runs against the fake's v2 twice,
   with the records grouped as v1 groups them (``canonical``) and ``interleaved``, with v2 credentials
   only.

Classes, the first that applies: ``tool_error``; ``silent`` (no site for review, and the migrated program
still requested a v1 course-statistics path, or the tool changed and found nothing); ``reported`` (a
``needs_review`` finding); ``wrong`` (migrated without a word, but a run crashed or printed something
else than v1 did); ``migrated`` (both v2 runs printed what v1 printed).

Speed: a pool of worker processes, one per job, started fresh (``spawn``): their heap holds the tool and
the HTTP clients only, whatever process imported the runner (a test run's is large, and every fork would
copy more of it). Each worker imports the HTTP clients once and warms them up, runs a fake 360Learning of
its own (real HTTP on 127.0.0.1, in a thread) and keeps a user-directory cache file of its own; each
program run is a child made with ``os.fork()`` that sets the environment, ``sys.path`` and the working
directory, sends its output to files, runs ``main.py`` as ``__main__`` and ends with ``os._exit``. The
child imports the program's modules and its ``learning360_v2`` afresh, since the worker never imports
them. A child that outlives its timeout is ended (``signal.alarm``); the worker reads the fake's request
log after each run.
"""

from __future__ import annotations

import contextlib
import gc
import math
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NoReturn, TypeVar

from fake360 import Fake360
from fake360.server import V1_COURSE_STATS, V1_COURSE_STATS_ONE, V1_USER_COURSE_STATS, V1_USER_COURSES

from codemods.engine.options import RunOptions
from codemods.engine.runner import run
from codemods.mapping import DEFAULT_HELPER_FILE, V1_SHAPE_KEPT
from codemods.results.findings import Finding, RunResult, Status
from programs.generator import Program

#: The classes, in order of precedence.
CLASSES: Final = ("tool_error", "silent", "reported", "wrong", "migrated")
#: The two kinds of migrated program (``Outcome.shape``).
V2_SHAPE_CLASS: Final = "v2 shape"
V1_SHAPE_KEPT_CLASS: Final = "v1 shape kept"
SHAPES: Final = (V2_SHAPE_CLASS, V1_SHAPE_KEPT_CLASS)
#: The classes written out for a person to read.
FAILING: Final = ("tool_error", "silent", "wrong")
ORDERS: Final = ("canonical", "interleaved")
#: Seconds one run of a program may take before it is ended.
DEFAULT_TIMEOUT: Final = 30.0
#: Modules the worker imports once, so that children find them loaded: the programs' clients, and the
#: standard library the helper module uses.
PRELOADED: Final = (
    "aiohttp",
    "asyncio",
    "dataclasses",
    "email.utils",
    "hashlib",
    "http.client",
    "httpx",
    "json",
    "requests",
    "sqlite3",
    "typing",
    "urllib.parse",
    "urllib.request",
)
_V1_PATHS: Final = (V1_COURSE_STATS, V1_COURSE_STATS_ONE, V1_USER_COURSE_STATS, V1_USER_COURSES)


def is_v1_course_stats(path: str) -> bool:
    """Whether a request path is one of the four v1 course-statistics endpoints."""
    return any(pattern.fullmatch(path) for pattern in _V1_PATHS)


class GeneratorBug(AssertionError):
    """A generated original did not run on v1 as it must: the generator, not the tool, is wrong."""


@dataclass(frozen=True)
class RunOutput:
    """One run of a program: its exit code, its output, and the paths it requested from the fake."""

    returncode: int
    stdout: str
    stderr: str
    paths: tuple[str, ...]
    seconds: float

    @property
    def requested_v1(self) -> bool:
        return any(is_v1_course_stats(path) for path in self.paths)

    @property
    def timed_out(self) -> bool:
        return self.returncode == -signal.SIGALRM

    def describe(self) -> str:
        """A text for a file of the failures: exit code, requests, then the output and errors."""
        paths = "\n".join(f"  {path}" for path in self.paths) or "  (none)"
        note = " (timed out)" if self.timed_out else ""
        return (
            f"exit code: {self.returncode}{note}\nseconds: {self.seconds:.3f}\nrequests:\n{paths}\n"
            f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )


@dataclass(frozen=True)
class Outcome:
    """What the tool made of one program, and the evidence."""

    index: int
    #: One of ``CLASSES``, or ``generator_bug``.
    klass: str
    #: Why, in one line.
    reason: str
    v1: RunOutput
    #: (order, run) of the migrated program on v2; empty when it was not run.
    v2: tuple[tuple[str, RunOutput], ...] = ()
    findings: tuple[Finding, ...] = ()
    #: The migrated files (path, text), the helper module left out; empty when migration failed.
    after: tuple[tuple[str, str], ...] = ()
    #: Seconds spent migrating (both runs of the tool).
    tool_seconds: float = 0.0

    @property
    def review_rules(self) -> tuple[str, ...]:
        return tuple(sorted({f.rule for f in self.findings if f.status is Status.NEEDS_REVIEW}))

    @property
    def shape(self) -> str:
        """Of a migrated program, how: ``"v1 shape kept"`` when a site kept v1's answer shape (rule
        ``v1-shape-kept``: its data goes where the tool cannot follow it), else ``"v2 shape"``."""
        return V1_SHAPE_KEPT_CLASS if any(f.rule == V1_SHAPE_KEPT for f in self.findings) else V2_SHAPE_CLASS


# --- a child per run ------------------------------------------------------------------------------------


def _child(directory: Path, env: dict[str, str], out: int, err: int, timeout: float) -> NoReturn:
    """Runs ``main.py`` of ``directory`` as ``__main__`` in this forked process, then exits."""
    code = 70
    try:
        # The garbage collector would walk, and so copy page by page, the whole heap inherited from the
        # worker (LibCST, the tool…); frozen, only what the program makes is ever collected.
        gc.freeze()
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(max(1, math.ceil(timeout)))
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 (ends with the process)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        os.chdir(directory)
        os.environ.clear()
        os.environ.update(env)
        sys.path.insert(0, str(directory))
        sys.argv = [str(directory / "main.py")]
        sys.dont_write_bytecode = True
        # The program's own modules are imported afresh: the worker never imports them.
        for path in directory.glob("*.py"):
            if path.stem in sys.modules:
                raise RuntimeError(f"module {path.stem} is already imported in the worker")
        import runpy

        try:
            runpy.run_path("main.py", run_name="__main__")
            code = 0
        except SystemExit as stop:
            if stop.code is None or isinstance(stop.code, int):
                code = stop.code or 0
            else:
                print(stop.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()
            sys.stderr.flush()
    finally:
        os._exit(code)


def warm_up(url: str) -> None:
    """One request with every client, so that what they import on first use (httpx's async backends,
    aiohttp's connector…) is already imported in the children: a third of a run's time otherwise."""
    import asyncio
    import urllib.error
    import urllib.request

    import aiohttp
    import httpx
    import requests

    async def both() -> None:
        async with httpx.AsyncClient() as client:
            await client.get(url)
        async with aiohttp.ClientSession() as session, session.get(url) as resp:
            await resp.read()

    requests.get(url, timeout=5)
    with requests.Session() as session:
        session.get(url, timeout=5)
    with httpx.Client() as client:
        client.get(url)
    httpx.get(url)
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=5).close()
    asyncio.run(both())


def base_environment(scratch: Path, certificates: Path) -> dict[str, str]:
    """The environment every run starts from, whatever the machine's: no proxy, no LEARNING360_*
    variable but those a run is given, and an empty certificate directory. Programs talk plain HTTP to
    127.0.0.1, so no trust root is ever consulted, and httpx would otherwise parse a whole CA bundle
    (``SSL_CERT_FILE``, certifi) for every client it makes: 50 ms a run."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(scratch),
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "SSL_CERT_DIR": str(certificates),
    }


class _Worker:
    """One worker process's fake 360Learning, user cache and scratch directory."""

    def __init__(self, scratch: Path, timeout: float) -> None:
        import importlib

        for name in PRELOADED:
            importlib.import_module(name)
        self.timeout = timeout
        self.scratch = scratch / f"worker-{os.getpid()}"
        self.scratch.mkdir(parents=True)
        self.cache = self.scratch / "users.sqlite3"
        certificates = self.scratch / "no-certificates"
        certificates.mkdir()
        self.base_env = base_environment(self.scratch, certificates)
        self.fake = Fake360().start()
        warm_up(self.fake.url + "/warm-up")
        self.fake.clear_log()

    def execute(self, directory: Path, env: dict[str, str]) -> RunOutput:
        """Runs the program of ``directory`` in a forked child, in the base environment plus ``env``."""
        env = {**self.base_env, **env}
        self.fake.clear_log()
        with tempfile.TemporaryFile(dir=self.scratch) as out, tempfile.TemporaryFile(dir=self.scratch) as err:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            start = time.monotonic()
            pid = os.fork()
            if pid == 0:
                _child(directory, env, out.fileno(), err.fileno(), self.timeout)
            _, status = os.waitpid(pid, 0)
            seconds = time.monotonic() - start
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode("utf-8", "replace")
            stderr = err.read().decode("utf-8", "replace")
        paths = tuple(request.path for request in self.fake.requests)
        return RunOutput(os.waitstatus_to_exitcode(status), stdout, stderr, paths, seconds)

    def original(self, program: Program) -> RunOutput:
        """The original's run against v1."""
        directory = self.scratch / program.name
        try:
            write_tree(directory, program.files)
            return self.execute(directory, self.fake.v1_env())
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def classify(self, program: Program) -> Outcome:
        work = self.scratch / program.name
        before, after = work / "before", work / "after"
        try:
            for directory in (before, after):
                write_tree(directory, program.files)
            return self._classify(program, before, after)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _classify(self, program: Program, before: Path, after: Path) -> Outcome:
        v1 = self.execute(before, self.fake.v1_env())
        if v1.returncode != 0 or not v1.stdout.strip() or not v1.requested_v1:
            return Outcome(program.index, "generator_bug", "the original does not run on v1 as it must", v1)
        start = time.monotonic()
        problem, first = _migrate(after)
        tool_seconds = time.monotonic() - start
        findings = first.findings if first is not None else ()
        migrated = read_tree(after)
        if problem is not None:
            return Outcome(program.index, "tool_error", problem, v1, (), findings, migrated, tool_seconds)
        assert first is not None
        review = [f for f in findings if f.status is Status.NEEDS_REVIEW]
        if not review and not first.changed and not findings:
            reason = "the tool changed nothing and found nothing"
            return Outcome(program.index, "silent", reason, v1, (), findings, migrated, tool_seconds)
        if review:
            reason = "; ".join(sorted({f"{f.rule}: {f.message}" for f in review}))
            return Outcome(program.index, "reported", reason, v1, (), findings, migrated, tool_seconds)
        runs: list[tuple[str, RunOutput]] = []
        for order in ORDERS:
            self.fake.v2_order = order
            runs.append((order, self.execute(after, self.fake.v2_env(self.cache))))
        self.fake.v2_order = "canonical"
        v1_left = [order for order, output in runs if output.requested_v1]
        if v1_left:
            path = next(p for _, o in runs for p in o.paths if is_v1_course_stats(p))
            reason = f"the migrated program still requests {path} ({', '.join(v1_left)})"
            return Outcome(program.index, "silent", reason, v1, tuple(runs), findings, migrated, tool_seconds)
        differing = [
            f"{order}: {'exit code ' + str(output.returncode) if output.returncode else 'another output'}"
            for order, output in runs
            if output.returncode != 0 or output.stdout != v1.stdout
        ]
        if differing:
            return Outcome(
                program.index,
                "wrong",
                "; ".join(differing),
                v1,
                tuple(runs),
                findings,
                migrated,
                tool_seconds,
            )
        return Outcome(
            program.index,
            "migrated",
            "both v2 runs print what v1 printed",
            v1,
            tuple(runs),
            findings,
            migrated,
            tool_seconds,
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _migrate(directory: Path) -> tuple[str | None, RunResult | None]:
    """Migrates ``directory`` in place, then checks the result parses and a second run changes nothing.
    Returns the problem (None when there is none) and the first run's result."""
    try:
        first = run(RunOptions(paths=(directory,), write=True, jobs=1))
    except Exception as e:
        return _one_line(f"the tool raised {type(e).__name__}: {e}"), None
    problems = [f"{o.display_path}: {o.error}" for o in first.failed]
    problems += [f"{path}: {reason}" for path, reason in first.errors]
    if first.helper is not None and first.helper.error is not None:
        problems.append(f"helper module: {first.helper.error}")
    if problems:
        return _one_line("a file could not be processed: " + "; ".join(problems)), first
    for path in sorted(directory.glob("*.py")):
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError as e:
            return _one_line(f"migrated {path.name} does not parse: {e}"), first
    if not first.changed and (first.helper is None or not first.helper.written):
        # Nothing was written: a second run would read the very tree the first one read.
        return None, first
    try:
        second = run(RunOptions(paths=(directory,), write=False, jobs=1))
    except Exception as e:
        return _one_line(f"the second run raised {type(e).__name__}: {e}"), first
    changed = [o.display_path for o in second.changed]
    if second.helper is not None and second.helper.needed_change:
        changed.append(DEFAULT_HELPER_FILE)
    if changed or second.failed:
        what = ", ".join(changed) or "; ".join(f"{o.display_path}: {o.error}" for o in second.failed)
        return _one_line(f"a second run is not idempotent: {what}"), first
    return None, first


def write_tree(directory: Path, files: Iterable[tuple[str, str]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files:
        (directory / name).write_text(text, encoding="utf-8")


def read_tree(directory: Path) -> tuple[tuple[str, str], ...]:
    """The program's Python files (the helper module the tool writes left out)."""
    return tuple(
        (path.name, path.read_text(encoding="utf-8", errors="replace"))
        for path in sorted(directory.glob("*.py"))
        if path.name != DEFAULT_HELPER_FILE
    )


# --- the pool ----------------------------------------------------------------------------------------------

_worker: _Worker | None = None


def _start_worker(scratch: str, timeout: float) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent answers Ctrl-C by ending the pool
    # A test run's coverage may start in subprocesses too: traced, every child would be slower, and a
    # worker's measurements are never saved (the pool ends its workers).
    sys.settrace(None)
    threading.settrace(None)
    _worker = _Worker(Path(scratch), timeout)


def _classify(program: Program) -> Outcome:
    assert _worker is not None, "the pool's initializer starts every worker"
    return _worker.classify(program)


def _run_original(program: Program) -> tuple[int, RunOutput]:
    assert _worker is not None, "the pool's initializer starts every worker"
    return program.index, _worker.original(program)


Result = TypeVar("Result")


def _pooled(
    work: Callable[[Program], Result],
    programs: Sequence[Program],
    jobs: int,
    timeout: float,
    progress: Callable[[int, int], None] | None,
) -> list[Result]:
    context = multiprocessing.get_context("spawn")
    results: list[Result] = []
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="generated-programs-"))
        pool = stack.enter_context(context.Pool(jobs, initializer=_start_worker, initargs=(scratch, timeout)))
        for result in pool.imap_unordered(work, programs, chunksize=1):
            results.append(result)
            if progress is not None:
                progress(len(results), len(programs))
    return results


def run_programs(
    programs: Sequence[Program],
    *,
    jobs: int = 2,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """Classifies every program on ``jobs`` worker processes; outcomes in the programs' order.

    Outcomes of class ``generator_bug`` are returned like the others: ``check_originals`` raises on them.
    """
    outcomes = _pooled(_classify, programs, jobs, timeout, progress)
    return sorted(outcomes, key=lambda o: o.index)


def run_originals(
    programs: Sequence[Program], *, jobs: int = 2, timeout: float = DEFAULT_TIMEOUT
) -> list[RunOutput]:
    """Runs every original against the fake's v1 only, without migrating it; in the programs' order."""
    runs = _pooled(_run_original, programs, jobs, timeout, None)
    return [output for _, output in sorted(runs, key=lambda run: run[0])]


class CpuClock:
    """CPU seconds of this process and of its descendants that ended and were waited for: the workers
    of ``run_programs`` and the children they forked, once the pool is closed."""

    def __init__(self) -> None:
        self._start = self._now()

    @staticmethod
    def _now() -> float:
        mine, children = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime

    def seconds(self) -> float:
        return self._now() - self._start


def check_originals(programs: Sequence[Program], outcomes: Sequence[Outcome]) -> None:
    """Raises ``GeneratorBug`` when an original did not run on v1 as it must."""
    by_index = {p.index: p for p in programs}
    bugs = [o for o in outcomes if o.klass == "generator_bug"]
    if bugs:
        lines = [
            f"{by_index[o.index].name}: exit code {o.v1.returncode}, requests {list(o.v1.paths)[:3]}, "
            f"stderr: {(o.v1.stderr.strip().splitlines() or [''])[-1]}"
            for o in bugs[:10]
        ]
        raise GeneratorBug(f"{len(bugs)} generated originals do not run on v1:\n" + "\n".join(lines))
