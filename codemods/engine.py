"""Runs the migration over files: discovery, pre-filter, parallel transform, atomic writes.

The parent process finds the files, indexes the string constants of the few that may matter (so that a
URL built from another module's constants can be read), and hands the paths, in chunks, to worker
processes that read, pre-filter and transform them; each worker receives the index once, when it starts.
Only the files that may hold a call site travel back with their bytes.
One file's failure, whatever it is, becomes that file's error and the run goes on. Results are sorted by
display path, so the number of workers never changes the output. Nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from codemods.discovery import Candidate, DiscoveryError, discover
from codemods.files import FileError, Snapshot, read_source, write_atomic, write_new_atomic
from codemods.findings import FileOutcome, HelperOutcome, RunResult, Status
from codemods.index import RepositoryIndex, build_index, module_name
from codemods.mapping import DEFAULT_HELPER_FILE
from codemods.prefilter import may_contain_site
from codemods.transform import SourceError, TransformOptions, migrate_source

#: Below this many files a process pool costs more than it saves.
MIN_FILES_FOR_POOL: Final = 8
HELPER_DIFFERS: Final = "exists and differs from the generated helper; not overwritten"
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

    @classmethod
    def of(cls, helper_module: str, index: RepositoryIndex) -> TransformSetup:
        return cls(helper_module, index, index.needles())

    def options(self, module: str) -> TransformOptions:
        """The options of the transform of one file, the module named ``module``."""
        return TransformOptions(helper_module=self.helper_module, index=self.index, module=module)


#: The run's ``TransformSetup`` in a worker process, set by the pool's initializer.
_worker_setup: TransformSetup | None = None


def _start_worker(setup: TransformSetup) -> None:
    global _worker_setup
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
    if not may_contain_site(snapshot.data, setup.needles):
        return _Done(task.index, None)
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
        error = "internal error: nesting too deep to process"
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
        )
    return _Done(task.index, outcome, snapshot.mtime_ns, snapshot.size, snapshot.mode)


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
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(chunks)), initializer=_start_worker, initargs=(setup,)
    ) as pool:
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


def _isolated(task: _Task, setup: TransformSetup) -> _Done:
    """Process one file in a process of its own, so a file that kills its worker harms no other."""
    try:
        with ProcessPoolExecutor(max_workers=1, initializer=_start_worker, initargs=(setup,)) as pool:
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
    first = Path(os.path.abspath(options.paths[0]))
    base = first if options.paths[0].is_dir() else first.parent
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def helper_source() -> bytes:
    """The helper module the tool ships, as bytes."""
    return resources.files("codemods.runtime").joinpath(DEFAULT_HELPER_FILE).read_bytes()


def helper_outcome(path: Path, *, display_path: str, module: str, write: bool) -> HelperOutcome:
    """Compare the helper module at ``path`` with the shipped one; create it when ``write`` and absent.

    An existing file is never replaced: when it differs, the outcome says so in ``error``.
    """

    def outcome(content: bytes, existing: bytes | None, **result: Any) -> HelperOutcome:
        return HelperOutcome(str(path), display_path, content, existing, module, **result)

    try:
        content = helper_source()
    except (OSError, ModuleNotFoundError) as e:
        return outcome(b"", None, error=_one_line(f"the helper module is not installed: {e}"))
    existing: bytes | None = None
    if os.path.lexists(path):
        try:
            existing = read_source(path).data
        except FileError as e:
            return outcome(content, None, error=e.reason)
    if existing is not None:
        if existing != content:
            return outcome(content, existing, error=HELPER_DIFFERS)
        return outcome(content, existing)
    if not write:
        return outcome(content, None)
    try:
        write_new_atomic(path, content)
    except FileError as e:
        return outcome(content, None, error=e.reason)
    return outcome(content, None, written=True)


def _is_helper(candidate: Candidate, helper: Path) -> bool:
    if candidate.path.name != helper.name:
        return False
    return os.path.realpath(candidate.path) == os.path.realpath(helper)


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
    index = build_index([(c.path, name) for c, name in zip(candidates, modules, strict=True)])
    tasks = [
        _Task(i, str(c.path), c.display_path, name)
        for i, (c, name) in enumerate(zip(candidates, modules, strict=True))
    ]
    jobs = options.jobs if options.jobs is not None else (os.cpu_count() or 1)
    done = sorted(
        _transform_all(tasks, TransformSetup.of(module, index), jobs, progress), key=lambda d: d.index
    )
    outcomes: list[FileOutcome] = []
    for d in done:
        if d.outcome is not None:
            outcomes.append(_write(d, d.outcome) if options.write else d.outcome)
    needs_helper = any(f.status is Status.REWRITE for o in outcomes if o.error is None for f in o.findings)
    return RunResult(
        outcomes=tuple(outcomes),
        files_scanned=len(candidates),
        files_excluded=found.excluded,
        files_skipped_by_filter=len(done) - len(outcomes),
        helper=(
            helper_outcome(
                helper_at,
                display_path=_helper_display(helper_at, options),
                module=module,
                write=options.write,
            )
            if needs_helper
            else None
        ),
        errors=found.skipped,
    )
