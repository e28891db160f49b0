"""What a person sees: the end-of-run summary, the coloured diff and the progress bar.

Rich decides whether a stream is a terminal (and honours ``NO_COLOR``, ``FORCE_COLOR`` and ``TERM``):
colour and progress only on a terminal, plain text when piped. Nothing here decides an exit code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.text import Text

from codemods.findings import RunResult, Status
from codemods.report import failures, helper_pending

#: Runs over more candidate files than this show a progress bar (on a terminal).
PROGRESS_THRESHOLD = 200

_DIFF_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def stderr_console() -> Console:
    """The console of the summary and the progress bar."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def colours(console: Console) -> bool:
    """True when the console is a terminal that shows colour."""
    return console.is_terminal and console.color_system is not None and not console.no_color


def write_diff(text: str, console: Console, binary: IO[bytes]) -> None:
    """Print a diff: coloured on a colour terminal, else as the exact bytes ``git apply`` expects."""
    if not colours(console):
        binary.write(text.encode("utf-8", "surrogateescape"))
        binary.flush()
        return
    for line in text.splitlines():
        style = next((s for prefix, s in _DIFF_STYLES if line.startswith(prefix)), "")
        console.print(Text(line.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), style))


class ProgressReporter:
    """The engine's ``progress(done, total)`` callback: a bar for long runs on a terminal, else nothing."""

    def __init__(self, console: Console, threshold: int = PROGRESS_THRESHOLD) -> None:
        self._console = console
        self._threshold = threshold
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self._progress is None:
            if total <= self._threshold or not self._console.is_terminal:
                return
            self._progress = Progress(
                TextColumn("Migrating"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=self._console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("files", total=total)
        assert self._task is not None
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextmanager
def progress_bar(console: Console, enabled: bool = True) -> Iterator[ProgressReporter | None]:
    """A progress callback for the engine (``None`` when disabled), closed on the way out."""
    if not enabled:
        yield None
        return
    reporter = ProgressReporter(console)
    try:
        yield reporter
    finally:
        reporter.close()


def _plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + 's'}"


def summary_lines(result: RunResult, *, applied: bool) -> list[Text]:
    """The end-of-run summary, one ``Text`` per line; ``applied`` when files were written."""
    lines: list[Text] = []
    scanned = _plural(result.files_scanned, "Python file")
    lines.append(
        Text(
            f"Scanned {scanned}: {result.files_excluded} excluded, "
            f"{result.files_skipped_by_filter} skipped by the pre-filter."
        )
    )
    failed = failures(result)
    rewrite = sum(
        1 for o in result.outcomes if o.error is None for f in o.findings if f.status is Status.REWRITE
    )
    review = [f for f in result.findings if f.status is Status.NEEDS_REVIEW]
    if not result.findings and not failed:
        lines.append(Text(f"No v1 course-statistics call found in {scanned}.", "green"))
        _listing(lines, "Not followed:", "yellow", result.errors)
        return lines

    changed = _plural(len(result.changed), "file")
    if applied:
        lines.append(Text(f"Changed {changed}; {_plural(rewrite, 'site')} migrated.", "green"))
    else:
        lines.append(Text(f"Would change {changed}; {_plural(rewrite, 'site')} to migrate."))
    helper = result.helper
    if applied and helper is not None and helper.written:
        lines.append(Text(f"Wrote the helper module {helper.display_path}."))
    elif not applied and (pending := helper_pending(result)) is not None:
        verb = "create" if pending.existing is None else "update"
        lines.append(Text(f"Would {verb} the helper module {pending.display_path}."))

    if review:
        need = "needs" if len(review) == 1 else "need"
        lines.append(Text(f"{_plural(len(review), 'site')} {need} manual review:", "yellow"))
        for finding in review:
            line = Text("  ")
            line.append(f"{finding.path}:{finding.line}:{finding.column}", "bold")
            line.append(f" {finding.endpoint}: {finding.message}")
            lines.append(line)
    _listing(lines, f"{_plural(len(failed), 'file')} could not be processed:", "red", failed)
    _listing(lines, "Not followed:", "yellow", result.errors)
    return lines


def _listing(lines: list[Text], title: str, style: str, entries: Sequence[tuple[str, str]]) -> None:
    if not entries:
        return
    lines.append(Text(title, style))
    for path, reason in entries:
        line = Text("  ")
        line.append(path, "bold")
        line.append(f": {reason}")
        lines.append(line)


def print_summary(console: Console, result: RunResult, *, applied: bool) -> None:
    for line in summary_lines(result, applied=applied):
        console.print(line)
