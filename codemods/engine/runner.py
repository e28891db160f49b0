"""Runs the migration over files: discovery, pre-filter, parallel transform, atomic writes.

The parent process finds the files, indexes the string constants of the few that may matter (so that a
URL built from another module's constants can be read), and hands the paths, in chunks, to worker
processes that read, pre-filter and transform them; each worker receives the index once, when it starts.
Only the files that may hold a call site travel back with their bytes.
One file's failure, whatever it is, becomes that file's error and the run goes on. Results are sorted by
display path, so the number of workers never changes the output. Nothing here prints.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import os
import re
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from importlib import resources
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Final

from codemods.engine.discovery import Candidate, DiscoveryError, discover
from codemods.engine.files import FileError, Snapshot, read_source, write_atomic, write_new_atomic
from codemods.engine.indexing import build_index, module_name
from codemods.engine.journal import Planned, recording, take_over
from codemods.mapping import (
    DEFAULT_HELPER_FILE,
    NOTEBOOK_CELL,
    NOTEBOOK_REWRITE,
    NOTEBOOK_SITE,
    UNFOLLOWED_MESSAGE,
    UNFOLLOWED_REASONS,
    UNFOLLOWED_URL,
)
from codemods.planning.wrappers import blocked_reason
from codemods.reading.index import RepositoryIndex
from codemods.reading.notebooks import NOTEBOOK_SUFFIX, NotebookError, code_cells, shell_urls
from codemods.reading.precheck import NESTED_TOO_DEEPLY
from codemods.reading.prefilter import may_contain_site
from codemods.results.findings import FileOutcome, Finding, HelperOutcome, RunResult, Status
from codemods.results.wrappers import Export, WrapperState
from codemods.transform.migrate import SourceError, TransformOptions, migrate_source

#: Below this many files a process pool costs more than it saves.
MIN_FILES_FOR_POOL: Final = 8
HELPER_DIFFERS: Final = "exists and differs from the generated helper; not overwritten"
#: Why a file is not rewritten when the helper module its new code imports cannot be had.
HELPER_MISSING: Final = "not rewritten: the helper module {helper} cannot be written ({reason})"
#: Files sent to a worker at once: large enough to amortise the round trip, small enough to balance.
MAX_CHUNK: Final = 64


@dataclass(frozen=True)
class RunOptions:
    paths: tuple[Path, ...]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    #: Worker processes; ``None`` means one per core.
    jobs: int | None = None
    #: Where the helper module goes; ``None``: ``learning360_v2.py`` at the root of the first PATH.
    helper_module: Path | None = None
    #: ``apply`` writes files and the helper module; every other command writes nothing.
    write: bool = False
    # -- settings (``--host``, ``--changed-since``, ``[tool.migrate-360learning]``) --
    #: Hosts of 360Learning besides those the tool knows.
    hosts: tuple[str, ...] = ()
    #: (qualified name of a function or method, the v1 operation it performs).
    wrappers: tuple[tuple[str, str], ...] = ()
    #: (constant of the helper module, e.g. ``ENV_CLIENT_ID``; the environment variable it names).
    helper_env: tuple[tuple[str, str], ...] = ()
    #: When set, only these files (real paths) are transformed; the index still reads every file found.
    transform_only: frozenset[Path] | None = None


@dataclass(frozen=True)
class _Task:
    index: int
    path: str
    display_path: str
    #: The file's dotted module name, for the relative imports of its URLs.
    module: str = ""


@dataclass(frozen=True)
class TransformSetup:
    """What every transform of a run shares; a worker process receives it once, when it starts."""

    #: The dotted name under which rewritten code imports the helper module.
    helper_module: str
    index: RepositoryIndex = field(default_factory=RepositoryIndex)
    #: ``index.needles()``, computed once.
    needles: frozenset[tuple[bytes, bytes]] = frozenset()
    #: See ``RunOptions``.
    hosts: tuple[str, ...] = ()
    wrappers: tuple[tuple[str, str], ...] = ()
    #: The wrappers known so far (``codemods.planning.wrappers``), and whether the pre-filter runs: the files
    #: re-read for wrappers' callers need not mention any v1 path.
    wrapper_state: WrapperState = field(default_factory=WrapperState)
    prefilter: bool = True
    #: The names of the declared wrappers, as bytes: a file that calls one passes the pre-filter.
    wrapper_needles: tuple[bytes, ...] = ()

    @classmethod
    def of(
        cls,
        helper_module: str,
        index: RepositoryIndex,
        *,
        hosts: tuple[str, ...] = (),
        wrappers: tuple[tuple[str, str], ...] = (),
    ) -> TransformSetup:
        declared = tuple(name.rpartition(".")[2].encode() for name, _ in wrappers)
        return cls(helper_module, index, index.needles(), hosts, wrappers, wrapper_needles=declared)

    def options(self, module: str) -> TransformOptions:
        """The options of the transform of one file, the module named ``module``."""
        return TransformOptions(
            helper_module=self.helper_module,
            index=self.index,
            module=module,
            hosts=self.hosts,
            wrappers=self.wrappers,
            wrapper_state=self.wrapper_state,
        )


#: The run's ``TransformSetup`` in a worker process, set by the pool's initializer.
_worker_setup: TransformSetup | None = None


def _start_worker(setup: TransformSetup) -> None:
    global _worker_setup
    # Ctrl-C signals the whole process group: the parent alone answers it, by stopping the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with_parent()
    _worker_setup = setup


@dataclass(frozen=True)
class _Done:
    """A worker's answer for one file: ``outcome`` is None when the pre-filter skipped it."""

    index: int
    outcome: FileOutcome | None
    mtime_ns: int = 0
    size: int = 0
    mode: int = 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _process(task: _Task, setup: TransformSetup) -> _Done:
    """Read, pre-filter and transform one file; every failure becomes the outcome's error."""
    try:
        snapshot = read_source(Path(task.path))
    except FileError as e:
        return _Done(task.index, FileOutcome(task.path, task.display_path, error=e.reason))
    if (
        setup.prefilter
        and not may_contain_site(snapshot.data, setup.needles)
        and not any(name in snapshot.data for name in setup.wrapper_needles)
    ):
        return _Done(task.index, None)
    if task.path.endswith(NOTEBOOK_SUFFIX):
        return _Done(task.index, _notebook(task, setup, snapshot.data))
    error: str | None = None
    try:
        result = migrate_source(
            snapshot.data,
            display_path=task.display_path,
            options=setup.options(task.module),
        )
    except SourceError as e:
        error = _one_line(str(e)) or "cannot be parsed"
    except UnicodeError as e:
        error = _one_line(f"cannot be decoded: {e}")
    except RecursionError:
        error = NESTED_TOO_DEEPLY
    except Exception as e:
        error = _one_line(f"internal error: {type(e).__name__}: {e}")
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
    return _Done(task.index, outcome, snapshot.mtime_ns, snapshot.size, snapshot.mode)


def _notebook(task: _Task, setup: TransformSetup, data: bytes) -> FileOutcome:
    """A notebook's code cells, transformed as the one module they make when run in order (cells share
    their names); each cell alone when they do not parse together. Every site found is reported for
    review with its cell and line, and the notebook stays as it is (``codemods.reading.notebooks``)."""
    try:
        cells = code_cells(data)
    except NotebookError as e:
        return FileOutcome(task.path, task.display_path, original=data, error=str(e))
    options = setup.options(task.module)
    findings: list[Finding] = []
    secrets: set[str] = set()
    for group in (cells, *([cell] for cell in cells)):
        starts, source, line = [], b"", 1
        for cell in group:
            starts.append(line)
            text = cell.source if cell.source.endswith(b"\n") or not cell.source else cell.source + b"\n"
            source += text
            line += text.count(b"\n")
        try:
            result = migrate_source(source, display_path=task.display_path, options=options)
        except (SourceError, UnicodeError, RecursionError):
            continue  # not Python as the tool reads it (IPython's own syntax): nothing to report
        secrets.update(result.secrets)
        for finding in result.findings:
            at = max(i for i, start in enumerate(starts) if start <= finding.line)
            cell, cell_line = group[at], finding.line - starts[at] + 1
            status = Status.SUPPRESSED if finding.status is Status.SUPPRESSED else Status.NEEDS_REVIEW
            message, rule = finding.message, finding.rule
            if finding.status is Status.REWRITE:
                message, rule = NOTEBOOK_REWRITE.format(message=message), NOTEBOOK_CELL
            if status is Status.NEEDS_REVIEW:
                message = NOTEBOOK_SITE.format(cell=cell.number, line=cell_line, message=message)
            findings.append(
                replace(
                    finding,
                    line=cell.file_line(cell_line),
                    status=status,
                    rule=rule,
                    message=message,
                    cell=cell.number,
                )
            )
        if group is cells:
            break
    for url in shell_urls(data, setup.hosts):
        reason = UNFOLLOWED_REASONS["shell"]
        message = UNFOLLOWED_MESSAGE.format(endpoint=url.endpoint, origin="", reason=reason)
        findings.append(
            Finding(
                task.display_path,
                url.file_line,
                url.column,
                url.endpoint,
                Status.NEEDS_REVIEW,
                UNFOLLOWED_URL,
                NOTEBOOK_SITE.format(cell=url.cell, line=url.line, message=message),
                cell=url.cell,
            )
        )
    findings.sort(key=lambda f: (f.line, f.column))
    return FileOutcome(
        task.path,
        task.display_path,
        original=data,
        migrated=data,
        findings=tuple(findings),
        secrets=tuple(sorted(secrets)),
    )


def _process_chunk(tasks: Sequence[_Task]) -> list[_Done]:
    assert _worker_setup is not None, "the pool's initializer sets up every worker"
    return [_process(task, _worker_setup) for task in tasks]


def _process_alone(task: _Task) -> _Done:
    return _process_chunk([task])[0]


def _transform_all(
    tasks: list[_Task],
    setup: TransformSetup,
    jobs: int,
    progress: Callable[[int, int], None] | None,
) -> list[_Done]:
    total = len(tasks)
    done: list[_Done] = []
    if jobs <= 1 or total < MIN_FILES_FOR_POOL:
        for task in tasks:
            done.append(_process(task, setup))
            if progress is not None:
                progress(len(done), total)
        return done
    chunk = max(1, min(MAX_CHUNK, total // (jobs * 4)))
    chunks = [tasks[i : i + chunk] for i in range(0, total, chunk)]
    with _pool(min(jobs, len(chunks)), setup) as pool:
        futures: dict[Future[list[_Done]], list[_Task]] = {
            pool.submit(_process_chunk, part): part for part in chunks
        }
        failed: list[_Task] = []
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
        done.append(_isolated(task, setup))
        if progress is not None:
            progress(len(done), total)
    return done


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


@contextlib.contextmanager
def _pool(workers: int, setup: TransformSetup) -> Iterator[ProcessPoolExecutor]:
    """A process pool of ``workers``; when the block is left by an exception (Ctrl-C's
    ``KeyboardInterrupt`` above all), the work not started is cancelled and the workers are stopped
    rather than waited for."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(setup,))
    try:
        yield pool
    except BaseException:
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
        raise
    finally:
        pool.shutdown(wait=True)


# --- end of interruption ----------------------------------------------------------------------------


def _isolated(task: _Task, setup: TransformSetup) -> _Done:
    """Process one file in a process of its own, so a file that kills its worker harms no other."""
    try:
        with _pool(1, setup) as pool:
            return pool.submit(_process_alone, task).result()
    except Exception as e:
        reason = _one_line(f"internal error: the worker process failed: {type(e).__name__}: {e}")
        return _Done(task.index, FileOutcome(task.path, task.display_path, error=reason))


def _write(done: _Done, outcome: FileOutcome) -> FileOutcome:
    if not outcome.changed:
        return outcome
    expected = Snapshot(outcome.original, done.mtime_ns, done.size, done.mode, 0, 0)
    try:
        write_atomic(Path(outcome.path), outcome.migrated, expected)
    except FileError as e:
        return FileOutcome(
            outcome.path,
            outcome.display_path,
            original=outcome.original,
            migrated=outcome.migrated,
            findings=outcome.findings,
            secrets=outcome.secrets,
            error=e.reason,
        )
    return FileOutcome(
        outcome.path,
        outcome.display_path,
        original=outcome.original,
        migrated=outcome.migrated,
        findings=outcome.findings,
        secrets=outcome.secrets,
        written=True,
    )


def helper_path(options: RunOptions) -> Path:
    """Where the helper module goes: as given, or beside the code of the first PATH."""
    if options.helper_module is not None:
        return Path(os.path.abspath(options.helper_module))
    first = options.paths[0]
    base = first if first.is_dir() else first.parent
    return Path(os.path.abspath(base / DEFAULT_HELPER_FILE))


def dotted_module_name(path: Path) -> str:
    """The name rewritten code imports ``path`` by: its stem, under every enclosing package."""
    parts = [path.stem]
    directory = Path(os.path.abspath(path)).parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.append(directory.name)
        directory = directory.parent
    return ".".join(reversed(parts))


def _helper_display(path: Path, options: RunOptions) -> str:
    """Relative to the first PATH when it is a directory, else to the working directory, as the paths
    of files named on the command line are: so that a patch applies from where the command ran."""
    first = Path(os.path.abspath(options.paths[0]))
    base = first if options.paths[0].is_dir() else Path.cwd()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


class HelperSourceError(Exception):
    """The shipped helper module cannot be given the configured environment variable names."""


#: ``ENV_CLIENT_ID``…: the helper's constants that name an environment variable, and such a name.
_ENV_CONSTANT = re.compile(r"ENV_[A-Z_]+", re.ASCII)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


def with_env_names(source: bytes, env: Sequence[tuple[str, str]]) -> bytes:
    """``source`` with each ``CONSTANT = "NAME"`` line of ``env`` naming the given variable instead.

    Raises ``HelperSourceError`` when a name is not a valid variable name or the line is not there.
    """
    for constant, name in env:
        if not _ENV_CONSTANT.fullmatch(constant) or not _ENV_NAME.fullmatch(name):
            raise HelperSourceError(f"cannot set {constant} to {name!r}: not an environment variable name")
        line = re.compile(rb"^" + constant.encode() + rb' = "([A-Za-z0-9_]*)"$', re.MULTILINE)
        found = line.findall(source)
        if len(found) != 1:
            raise HelperSourceError(f'the helper module has no line {constant} = "…" to set to {name}')
        source = line.sub(f'{constant} = "{name}"'.encode(), source)
        # The module's documentation names the variable as ``NAME``: it follows.
        source = source.replace(b"``" + found[0] + b"``", f"``{name}``".encode())
    return source


def helper_source(env: Sequence[tuple[str, str]] = ()) -> bytes:
    """The helper module the tool ships, as bytes, reading the environment variables ``env`` names."""
    return with_env_names(resources.files("codemods.runtime").joinpath(DEFAULT_HELPER_FILE).read_bytes(), env)


def helper_outcome(
    path: Path,
    *,
    display_path: str,
    module: str,
    write: bool,
    env: Sequence[tuple[str, str]] = (),
    needs: Iterable[str] = (),
) -> HelperOutcome:
    """Compare the helper module at ``path`` with the shipped one; create it when ``write`` and absent.

    ``env``: (constant, environment variable) pairs the generated helper reads (see ``with_env_names``).
    ``needs``: the helper's names the rewritten code uses. An existing file is never replaced: when it
    differs, the outcome says so in ``error`` — ``HELPER_DIFFERS`` when it defines every name of
    ``needs`` (an edited helper), another reason when it does not (an unrelated module of that name).
    When the helper is absent, a directory that does not exist (or, with ``write``, that is not
    writable) is the outcome's error too.
    """

    def outcome(content: bytes, existing: bytes | None, **result: Any) -> HelperOutcome:
        return HelperOutcome(str(path), display_path, content, existing, module, **result)

    try:
        content = helper_source(env)
    except (OSError, ModuleNotFoundError) as e:
        return outcome(b"", None, error=_one_line(f"the helper module is not installed: {e}"))
    except HelperSourceError as e:
        return outcome(b"", None, error=str(e))
    existing: bytes | None = None
    if os.path.lexists(path):
        try:
            existing = read_source(path).data
        except FileError as e:
            return outcome(content, None, error=e.reason)
    if existing is not None:
        if existing != content:
            return outcome(content, existing, error=_differing_helper(existing, needs))
        return outcome(content, existing)
    problem = _helper_directory_problem(path, write)
    if problem is not None:
        return outcome(content, None, error=problem)
    if not write:
        return outcome(content, None)
    try:
        write_new_atomic(path, content)
    except FileError as e:
        return outcome(content, None, error=e.reason)
    return outcome(content, None, written=True)


# --- the helper module is settled before any file is written ---------------------------------------------


def _differing_helper(existing: bytes, needs: Iterable[str]) -> str:
    """``HELPER_DIFFERS`` when ``existing`` defines every name of ``needs`` (a helper someone edited),
    else why it is no helper module for the rewritten code."""
    try:
        defined = _module_names(ast.parse(existing))
    except (SyntaxError, ValueError):
        return "exists and is not the helper module (it cannot be parsed); not overwritten"
    missing = sorted(set(needs) - defined) if defined is not None else []
    if missing:
        return f"exists and is not the helper module (it defines no {', '.join(missing)}); not overwritten"
    return HELPER_DIFFERS


def _module_names(tree: ast.Module) -> set[str] | None:
    """The names a module defines at its top level; ``None`` when a star import may define any."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(alias.name == "*" for alias in node.names):
                return None
            names |= {(alias.asname or alias.name).partition(".")[0] for alias in node.names}
    return names


def _helper_directory_problem(path: Path, write: bool) -> str | None:
    """Why a helper module cannot be created at ``path``, or None: its directory must exist and, for a
    write, be writable (by the mode bits too, which a superuser ignores, as for the files rewritten)."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        return "its directory does not exist; not written"
    if write and (
        not os.stat(directory).st_mode & _WRITE_BITS or not os.access(directory, os.W_OK | os.X_OK)
    ):
        return "its directory is not writable; not written"
    return None


_WRITE_BITS: Final = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def helper_names_used(done: Iterable[_Done], module: str) -> frozenset[str]:
    """The names of the shipped helper that the rewritten files call it by (``learning360_v2.name``)."""
    stem = re.escape(module.rpartition(".")[2].encode())
    used = re.compile(rb"(?<![\w.])" + stem + rb"\s*\.\s*([A-Za-z_]\w*)")
    found = {
        name.decode()
        for d in done
        if d.outcome is not None and d.outcome.changed
        for name in used.findall(d.outcome.migrated)
    }
    return frozenset(found & _shipped_names())


@functools.lru_cache(maxsize=1)
def _shipped_names() -> frozenset[str]:
    names = _module_names(ast.parse(helper_source()))
    return frozenset(name for name in names or () if not name.startswith("_"))


def _write_unless_held(
    done: _Done, outcome: FileOutcome, helper: HelperOutcome | None, write: bool
) -> FileOutcome:
    """The file written (with ``write``), unless the helper module its new code needs cannot be had: then
    it stays as it was, and its outcome says why."""
    if helper is not None and helper.error not in (None, HELPER_DIFFERS) and outcome.changed:
        reason = HELPER_MISSING.format(helper=helper.display_path, reason=helper.error)
        return replace(outcome, error=reason)
    return _write(done, outcome) if write else outcome


# --- an interrupted apply is taken up by the next (see ``codemods.engine.journal``) ---------------------


def _run_root(options: RunOptions) -> Path:
    """Where the journal of a run goes: its first PATH, or that file's directory."""
    first = Path(os.path.abspath(options.paths[0]))
    return first if first.is_dir() else first.parent


def _take_over(options: RunOptions, candidates: Sequence[Candidate], helper: Path) -> tuple[str, ...]:
    """What an earlier, interrupted ``apply`` left that this one takes up (its journal, the temporary
    files beside the files it was writing), removed; one line each."""
    directories = {Path(os.path.realpath(c.path)).parent for c in candidates}
    return take_over(_run_root(options), [_run_root(options), *sorted(directories), helper.parent])


def _journal(
    options: RunOptions, done: Sequence[_Done], helper: Path | None
) -> contextlib.AbstractContextManager[None]:
    """The journal of the writes of an ``apply``: what it is about to change, kept until it is done."""
    if not options.write:
        return contextlib.nullcontext()
    planned = [
        Planned(d.outcome.path, d.outcome.display_path, d.outcome.original, d.outcome.migrated)
        for d in done
        if d.outcome is not None and d.outcome.changed
    ]
    created = str(helper) if helper is not None and not os.path.lexists(helper) else None
    return recording(_run_root(options), planned, created)


def _is_helper(candidate: Candidate, helper: Path) -> bool:
    if candidate.path.name != helper.name:
        return False
    return os.path.realpath(candidate.path) == os.path.realpath(helper)


def _transformed(candidates: Sequence[Candidate], only: frozenset[Path] | None) -> list[int]:
    """The positions of the candidates to transform: all, or those whose real path is in ``only``."""
    return [i for i, c in enumerate(candidates) if only is None or Path(os.path.realpath(c.path)) in only]


#: Rounds of wrapper resolution before the engine stops (each round only re-reads the files involved).
MAX_WRAPPER_ROUNDS: Final = 6


def _exports(done: Iterable[_Done]) -> tuple[Export, ...]:
    found = {e for d in done if d.outcome is not None and d.outcome.error is None for e in d.outcome.exports}
    return tuple(sorted(found, key=lambda e: e.qualified_name))


def _mentions(task: _Task, done: _Done | None, names: Sequence[bytes]) -> bool:
    data = done.outcome.original if done is not None and done.outcome is not None else None
    if data is None:
        try:
            data = Path(task.path).read_bytes()
        except OSError:
            return False
    return any(name in data for name in names)


def _settle_wrappers(done: list[_Done], tasks: list[_Task], setup: TransformSetup, jobs: int) -> list[_Done]:
    """Migrate the wrappers the first pass exported together with their callers, in rounds.

    Each round re-transforms the files that mention an exported wrapper, knowing every export and the
    wrappers blocked so far; a wrapper with a caller that cannot be adapted is blocked, and the rounds go
    on until the exports and the blocked wrappers no longer change (see ``codemods.planning.wrappers``).
    """
    by_index = {d.index: d for d in done}
    blocked: dict[str, str] = {}
    involved: set[int] = set()
    exports = _exports(by_index.values())
    for _ in range(MAX_WRAPPER_ROUNDS):
        if not exports:
            break
        names = sorted({e.name.encode() for e in exports})
        involved |= {
            t.index for t in tasks if t.index not in involved and _mentions(t, by_index.get(t.index), names)
        }
        state = WrapperState(True, exports, dict(blocked), setup.wrapper_state.declared)
        again = [t for t in tasks if t.index in involved]
        for d in _transform_all(again, replace(setup, wrapper_state=state, prefilter=False), jobs, None):
            by_index[d.index] = d
        now = _exports(by_index.values())
        by_name = {e.qualified_name: e for e in now}
        newly = {
            use.qualified_name: blocked_reason(by_name[use.qualified_name], use)
            for d in sorted(by_index.values(), key=lambda d: d.index)
            if d.outcome is not None and d.outcome.error is None
            for use in d.outcome.uses
            if use.problem is not None and use.qualified_name in by_name and use.qualified_name not in blocked
        }
        if not newly and now == exports:
            break
        blocked.update(newly)
        exports = now
    return list(by_index.values())


def run(options: RunOptions, progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Migrate every Python file under ``options.paths``; never raises for one bad file.

    Raises ``DiscoveryError`` when no PATH is given or one does not exist.
    """
    if not options.paths:
        raise DiscoveryError("no PATH given")
    found = discover(options.paths, include=options.include, exclude=options.exclude)
    helper_at = helper_path(options)
    module = dotted_module_name(helper_at)
    candidates = [c for c in found.files if not _is_helper(c, helper_at)]
    modules = [module_name(c.path, c.root) for c in candidates]
    index = build_index(
        [
            (c.path, name)
            for c, name in zip(candidates, modules, strict=True)
            if not c.path.name.endswith(NOTEBOOK_SUFFIX)
        ],
        options.hosts,
    )
    chosen = _transformed(candidates, options.transform_only)
    tasks = [_Task(i, str(candidates[i].path), candidates[i].display_path, modules[i]) for i in chosen]
    jobs = options.jobs if options.jobs is not None else (os.cpu_count() or 1)
    setup = TransformSetup.of(module, index, hosts=options.hosts, wrappers=options.wrappers)
    # Wrappers are followed into their callers only over whole directories, where the callers are.
    setup = replace(
        setup,
        wrapper_state=WrapperState(
            enabled=all(p.is_dir() for p in options.paths),
            declared=frozenset(name for name, _ in options.wrappers),
        ),
    )
    done = _transform_all(tasks, setup, jobs, progress)
    every_file = [_Task(i, str(c.path), c.display_path, modules[i]) for i, c in enumerate(candidates)]
    done = sorted(_settle_wrappers(done, every_file, setup, jobs), key=lambda d: d.index)
    # The helper module is written before the files that import it: a run stopped in between leaves a
    # helper nothing uses yet, never migrated code importing a helper that does not exist.
    needs_helper = any(
        f.status is Status.REWRITE
        for d in done
        if d.outcome is not None and d.outcome.error is None
        for f in d.outcome.findings
    )
    recovered = _take_over(options, candidates, helper_at) if options.write else ()
    with _journal(options, done, helper_at if needs_helper else None):
        helper = (
            helper_outcome(
                helper_at,
                display_path=_helper_display(helper_at, options),
                module=module,
                write=options.write,
                env=options.helper_env,
                needs=helper_names_used(done, module),
            )
            if needs_helper
            else None
        )
        outcomes: list[FileOutcome] = []
        for d in done:
            if d.outcome is not None:
                outcomes.append(_write_unless_held(d, d.outcome, helper, options.write))
    return RunResult(
        outcomes=tuple(outcomes),
        files_scanned=len(tasks),
        # Files not changed since --changed-since's revision count as excluded.
        files_excluded=found.excluded + len(candidates) - len(tasks),
        files_skipped_by_filter=sum(1 for d in done if d.outcome is None),
        helper=helper,
        errors=found.skipped,
        recovered=recovered,
    )
