"""What a person sees: the end-of-run summary, the coloured diff and the progress bar.

Rich decides whether a stream is a terminal, following its conventions: ``FORCE_COLOR`` (not empty)
makes any stream one, ``TTY_COMPATIBLE``/``TTY_INTERACTIVE`` override the detection, ``TERM=dumb`` has
no colour. Colour only on a terminal, and the progress bar only on an interactive one; plain text when
piped. ``NO_COLOR`` (not empty, as no-color.org asks) gives plain text everywhere, bold included.
Nothing here decides an exit code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.text import Text

from codemods.reports.json_report import failures, helper_pending
from codemods.results.findings import Finding, RunResult, Status

#: Runs over more candidate files than this show a progress bar (on a terminal).
PROGRESS_THRESHOLD = 200

_DIFF_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def _plain() -> bool:
    return os.environ.get("NO_COLOR", "") != ""


def stderr_console() -> Console:
    """The console of the summary and the progress bar."""
    return Console(stderr=True, highlight=False, soft_wrap=True, color_system=None if _plain() else "auto")


def stdout_console() -> Console:
    return Console(highlight=False, soft_wrap=True, color_system=None if _plain() else "auto")


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
    """The engine's ``progress(done, total)`` callback: a bar for long runs on an interactive terminal,
    else nothing."""

    def __init__(self, console: Console, threshold: int = PROGRESS_THRESHOLD) -> None:
        self._console = console
        self._threshold = threshold
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self._progress is None:
            if total <= self._threshold or not self._console.is_interactive:
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


def summary_lines(result: RunResult, *, applied: bool, sites: bool = False) -> list[Text]:
    """The end-of-run summary, one ``Text`` per line; ``applied`` when files were written; ``sites``: list
    every site to migrate (``check``, where no diff shows them)."""
    lines: list[Text] = []
    scanned = _plural(result.files_scanned, "Python file")
    lines.append(
        Text(
            f"Scanned {scanned}: {result.files_excluded} excluded, "
            f"{result.files_skipped_by_filter} skipped by the pre-filter."
        )
    )
    if result.recovered:
        lines.append(Text("Taken up from an interrupted apply:", "yellow"))
        lines.extend(Text(f"  {line}") for line in result.recovered)
    failed = failures(result)
    rewrite = [
        f for o in result.outcomes if o.error is None for f in o.findings if f.status is Status.REWRITE
    ]
    review = [f for f in result.findings if f.status is Status.NEEDS_REVIEW]
    accepted = _ignored_line(result)
    if not rewrite and not review and not failed:
        found = "found" if accepted is None else "left to migrate"
        lines.append(Text(f"No v1 course-statistics call {found} in {scanned}.", "green"))
        if accepted is not None:
            lines.append(accepted)
        lines.extend(_helper_lines(result, applied))
        _listing(lines, "Not followed:", "yellow", result.errors)
        return lines

    changed = _plural(len(result.changed), "file")
    if applied:
        lines.append(Text(f"Changed {changed}; {_plural(len(rewrite), 'site')} migrated.", "green"))
    else:
        lines.append(
            Text(
                f"Would change {changed}; {_plural(len(rewrite), 'site')} to migrate"
                + (":" if sites and rewrite else ".")
            )
        )
        if sites:
            _sites(lines, rewrite, reasons=False)
    lines.extend(_helper_lines(result, applied))
    if review:
        need = "needs" if len(review) == 1 else "need"
        lines.append(Text(f"{_plural(len(review), 'site')} {need} manual review:", "yellow"))
        _sites(lines, review, reasons=True)
    if accepted is not None:
        lines.append(accepted)
    _listing(lines, f"{_plural(len(failed), 'file')} could not be processed:", "red", failed)
    _listing(lines, "Not followed:", "yellow", result.errors)
    return lines


def _helper_lines(result: RunResult, applied: bool) -> list[Text]:
    """What became of the helper module: written, replaced, to write, or kept as the repository has it."""
    lines: list[Text] = []
    helper = result.helper
    if applied and helper is not None and helper.written:
        verb = "Replaced" if helper.upgrade else "Wrote"
        lines.append(Text(f"{verb} the helper module {helper.display_path}."))
    elif not applied and (pending := helper_pending(result)) is not None:
        verb = "create" if pending.existing is None else "replace"
        lines.append(Text(f"Would {verb} the helper module {pending.display_path}."))
    if helper is not None and helper.note is not None:
        lines.append(Text(f"The helper module {helper.display_path} is {helper.note}.", "yellow"))
    return lines


def _ignored_line(result: RunResult) -> Text | None:
    """How many sites were left as they are on purpose: accepted with an ignore marker, or of a rule the
    run leaves out (``--select``/``--ignore``); never silent."""
    suppressed = [f for f in result.findings if f.status is Status.SUPPRESSED]
    if not suppressed:
        return None
    deselected = sum(1 for f in suppressed if f.deselected)
    marked = len(suppressed) - deselected
    if not deselected:
        return Text(f"{_plural(marked, 'site')} accepted as it is (ignore marker).")
    parts = [f"{marked} by an ignore marker"] if marked else []
    parts.append(f"{deselected} by --select/--ignore")
    return Text(f"{len(suppressed)} ignored ({', '.join(parts)}).", "yellow")


def _sites(lines: list[Text], findings: Sequence[Finding], *, reasons: bool) -> None:
    for finding in findings:
        line = Text("  ")
        line.append(f"{finding.path}:{finding.line}:{finding.column}", "bold")
        line.append(f" {finding.endpoint}" + (f": {finding.message}" if reasons else ""))
        lines.append(line)


def _listing(lines: list[Text], title: str, style: str, entries: Sequence[tuple[str, str]]) -> None:
    if not entries:
        return
    lines.append(Text(title, style))
    for path, reason in entries:
        line = Text("  ")
        line.append(path, "bold")
        line.append(f": {reason}")
        lines.append(line)


def error_lines(result: RunResult) -> list[Text]:
    """The files that could not be processed: all ``--quiet`` prints."""
    lines: list[Text] = []
    failed = failures(result)
    _listing(lines, f"{_plural(len(failed), 'file')} could not be processed:", "red", failed)
    return lines


def outstanding_lines(result: RunResult) -> list[Text]:
    """One line per file that still holds v1 usage nobody accepted: what a failing ``check --quiet``
    prints, so that a gate never fails in silence."""
    lines: list[Text] = []
    for outcome in result.outcomes:
        if outcome.error is not None:
            continue
        rewrite = sum(1 for f in outcome.findings if f.status is Status.REWRITE)
        review = sum(1 for f in outcome.findings if f.status is Status.NEEDS_REVIEW)
        if not rewrite and not review:
            continue
        parts = [f"{rewrite} to migrate"] if rewrite else []
        parts += [f"{review} to review"] if review else []
        line = Text()
        line.append(outcome.display_path, "bold")
        line.append(f": {_plural(rewrite + review, 'v1 site')} left ({', '.join(parts)})")
        lines.append(line)
    return lines


def written_lines(written: Sequence[tuple[str, Path]]) -> list[Text]:
    """One line per file a command wrote besides the code: (what, where), e.g. ("the patch", path)."""
    return [Text(f"Wrote {what} to {path}.") for what, path in written]


def print_lines(console: Console, lines: Sequence[Text]) -> None:
    for line in lines:
        console.print(line)


def print_summary(console: Console, result: RunResult, *, applied: bool, sites: bool = False) -> None:
    print_lines(console, summary_lines(result, applied=applied, sites=sites))
