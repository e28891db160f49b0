"""Runs the migration over files: discovery, pre-filter, parallel transform, atomic writes.

The parent process finds the files, indexes the string constants of the few that may matter (so that a
URL built from another module's constants can be read), and hands the paths, in chunks, to worker
processes that read, pre-filter and transform them; each worker receives the index once, when it starts.
Only the files that may hold a call site travel back with their bytes.
One file's failure, whatever it is, becomes that file's error and the run goes on. Results are sorted by
display path, so the number of workers never changes the output. Nothing here prints.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from codemods.engine.discovery import Candidate, Discovery, DiscoveryError, discover, display_base
from codemods.engine.files import FileError, Snapshot, write_atomic
from codemods.engine.helper_module import (
    HELPER_MISSING,
    HelperSourceError,
    dotted_module_name,
    helper_display,
    helper_names_used,
    helper_outcome,
    helper_path,
    helper_source,
    repository_root,
    shipped_names,
    unresolved_import,
)
from codemods.engine.indexing import build_index, module_names
from codemods.engine.journal import Planned, recording, take_over
from codemods.engine.options import RunOptions
from codemods.engine.rounds import settle_wrappers
from codemods.engine.sources import Sources
from codemods.engine.style import Style, repository_style
from codemods.engine.workers import (
    MIN_FILES_FOR_POOL,
    Done,
    Task,
    TransformSetup,
    Workers,
    jobs_for,
    ruled_out,
    transform_all,
)
from codemods.reading.index import RepositoryIndex
from codemods.reading.notebooks import NOTEBOOK_SUFFIX
from codemods.results.findings import FileOutcome, HelperOutcome, RunResult, Status
from codemods.results.wrappers import WrapperState


def _write(done: Done, outcome: FileOutcome) -> FileOutcome:
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


def _write_unless_held(
    done: Done, outcome: FileOutcome, helper: HelperOutcome | None, write: bool
) -> FileOutcome:
    """The file written (with ``write``), unless the helper module its new code needs cannot be had: then
    it stays as it was, and its outcome says why."""
    if helper is not None and helper.error is not None and outcome.changed:
        reason = HELPER_MISSING.format(helper=helper.display_path, reason=helper.error)
        return replace(outcome, error=reason)
    return _write(done, outcome) if write else outcome


def _held_if_unresolved(
    done: Done, helper: Path, module: str, base: Path, repository: Path, known: dict[Path, Path]
) -> Done:
    """A file whose new import of the helper would not resolve from its package is not rewritten, and
    says why: this is settled before anything is written. ``known``: the import roots found so far."""
    outcome = done.outcome
    if outcome is None or not outcome.changed or outcome.path.endswith(NOTEBOOK_SUFFIX):
        return done
    imports = re.compile(rb"^\s*(?:import|from)\s+" + re.escape(module.encode()) + rb"\b", re.MULTILINE)
    stem = module.rpartition(".")[2].encode()
    package = module.rpartition(".")[0].encode()
    from_package = re.compile(
        rb"^\s*from\s+" + re.escape(package) + rb"\s+import\s+[^\n]*\b" + re.escape(stem) + rb"\b",
        re.MULTILINE,
    )
    adds = (imports.search(outcome.migrated) or (package and from_package.search(outcome.migrated))) and not (
        imports.search(outcome.original) or (package and from_package.search(outcome.original))
    )
    if not adds:
        return done
    reason = unresolved_import(Path(outcome.path), helper, module, base, repository, known)
    if reason is None:
        return done
    return replace(done, outcome=replace(outcome, error=reason))


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
    options: RunOptions, done: Sequence[Done], helper: Path | None
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


def _stdin_discovery(path: Path) -> Discovery:
    """The one module of a run on standard input, shown by the name given for it."""
    absolute = Path(os.path.abspath(path))
    base = display_base([absolute.parent])
    display = absolute.relative_to(base).as_posix() if absolute.is_relative_to(base) else path.as_posix()
    return Discovery(files=(Candidate(absolute, display, absolute.parent, True),), excluded=0, base=base)


def run(options: RunOptions, progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Migrate every Python file under ``options.paths``; never raises for one bad file.

    Raises ``DiscoveryError`` when no PATH is given or one does not exist.
    """
    if not options.paths:
        raise DiscoveryError("no PATH given")
    jobs = jobs_for(options.jobs)
    # The workers start before the files are found, when a directory may hold many (or earlier still:
    # ``workers.start_early``), and load LibCST while this process finds the files and builds the
    # index; too few files, and they stop.
    many = options.stdin is None and any(p.is_dir() for p in options.paths)
    with Workers.of(jobs if many else 1) as workers:
        return _run(options, workers, progress)


def _run(options: RunOptions, workers: Workers, progress: Callable[[int, int], None] | None) -> RunResult:
    found = (
        _stdin_discovery(options.stdin[0])
        if options.stdin is not None
        else discover(
            options.paths, include=options.include, exclude=options.exclude, anchored=options.anchored
        )
    )
    helper_at = helper_path(options)
    module = dotted_module_name(helper_at)
    first = options.stdin[0] if options.stdin is not None else options.paths[0]
    style = repository_style(first, repository_root(first) or _run_root(options), helper_at)
    candidates = [c for c in found.files if not _is_helper(c, helper_at)]
    modules = module_names([(c.path, c.root) for c in candidates])
    sources = Sources()
    if len(candidates) < MIN_FILES_FOR_POOL:
        workers.stop()
    index = build_index(
        [
            (c.path, name)
            for c, name in zip(candidates, modules, strict=True)
            if not c.path.name.endswith(NOTEBOOK_SUFFIX) and options.stdin is None
        ],
        options.hosts,
        readers=[c.path for c in candidates if c.path.name.endswith(NOTEBOOK_SUFFIX)],
        sources=sources,
    )
    chosen = _transformed(candidates, options.transform_only)
    data = options.stdin[1] if options.stdin is not None else None
    tasks = [Task(i, str(candidates[i].path), candidates[i].display_path, modules[i], data) for i in chosen]
    setup = _setup(options, module, index, style)
    skipped, rest = _prefiltered(tasks, [candidates[i].path for i in chosen], setup, sources)
    if progress is not None and skipped:
        progress(len(skipped), len(tasks))
    # The shipped helper is read and its code hashed (a parse of all of it) while the workers run,
    # once they have all their work: sooner, the two would share this process. Without workers it is
    # not: the two would take turns, and two threads building ``ast`` trees at once can make Python
    # 3.11's fail ("AST constructor recursion depth mismatch").
    warming = threading.Thread(target=_warm_helper, args=(options.helper_env,), daemon=True)
    beside = warming.start if workers.started and rest else None
    done = skipped + transform_all(rest, setup, workers, _after(progress, len(skipped)), beside)
    if beside is not None:
        warming.join()
    every_file = [Task(i, str(c.path), c.display_path, modules[i], data) for i, c in enumerate(candidates)]
    done = sorted(settle_wrappers(done, every_file, setup, workers), key=lambda d: d.index)
    workers.close()
    if os.path.isdir(helper_at.parent):  # else the helper's own error says why nothing is rewritten
        repository = repository_root(options.paths[0]) or _run_root(options)
        roots: dict[Path, Path] = {}
        done = [_held_if_unresolved(d, helper_at, module, found.base, repository, roots) for d in done]
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
                display_path=helper_display(helper_at, found.base),
                module=module,
                write=options.write,
                env=options.helper_env,
                needs=helper_names_used(done, module),
                upgrade=options.upgrade_helper,
            )
            if needs_helper or (options.upgrade_helper and os.path.lexists(helper_at))
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


def _setup(options: RunOptions, module: str, index: RepositoryIndex, style: Style) -> TransformSetup:
    """What every transform of the run shares."""
    setup = TransformSetup.of(
        module, index, hosts=options.hosts, wrappers=options.wrappers, keep_v1_shape=options.keep_v1_shape
    )
    # Wrappers are followed into their callers only over whole directories, where the callers are.
    return replace(
        setup,
        wrapper_state=WrapperState(
            enabled=all(p.is_dir() for p in options.paths),
            declared=frozenset(name for name, _ in options.wrappers),
        ),
        disabled=options.disabled,
        line_length=style.line_length,
        first_party=style.first_party,
    )


def _prefiltered(
    tasks: Sequence[Task], paths: Sequence[Path], setup: TransformSetup, sources: Sources
) -> tuple[list[Done], list[Task]]:
    """The tasks whose bytes, read for the index, the pre-filter rules out, done here; and the others,
    for the workers. ``paths``: each task's path."""
    skipped: list[Done] = []
    rest: list[Task] = []
    for task, path in zip(tasks, paths, strict=True):
        kept = sources.kept(path) if task.data is None else None
        if kept is not None and ruled_out(kept, setup, sources.spelled(path), sources.known(path)):
            skipped.append(Done(task.index, None))
        else:
            rest.append(task)
    return skipped, rest


def _after(progress: Callable[[int, int], None] | None, done: int) -> Callable[[int, int], None] | None:
    """``progress`` told of ``done`` more files, done already."""
    if progress is None:
        return None
    return lambda n, total: progress(done + n, done + total)


def _warm_helper(env: Sequence[tuple[str, str]]) -> None:
    """Make the shipped helper's source once (it is cached); a failure is met again where it matters."""
    with contextlib.suppress(OSError, ModuleNotFoundError, HelperSourceError):
        helper_source(env)
        shipped_names()
