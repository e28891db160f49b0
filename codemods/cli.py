"""The ``migrate-360learning`` command line: diff, apply, check and report.

The only module that knows click. It turns options into ``RunOptions``, runs the engine, prints what
the command is for on stdout and a summary on stderr, and maps the result to the exit code. The exit
code depends only on the result, never on colour, pipes, ``--quiet`` or ``--output``:

* ``diff``   0 nothing would change, 1 changes are pending;
* ``apply``  0 every site was migrated, 1 a site needs review or a file failed;
* ``check``  0 no v1 course-statistics usage is left, 1 some is, or a candidate file could not be parsed
  (absence cannot be proven);
* ``report`` 0 the report was produced;
* every command: 2 on a usage error.

Paths discovery could not follow (broken links, unreadable directories) are reported, never a failure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from codemods import __version__, console, engine, report
from codemods.discovery import DiscoveryError
from codemods.findings import RunResult, Status

F = TypeVar("F", bound=Callable[..., Any])

#: Output formats of ``report``; each name maps to a function of the run's result.
REPORT_FORMATS: dict[str, Callable[[RunResult], str]] = {"json": report.report_json}


def _common_options(command: F) -> F:
    decorators = (
        click.argument(
            "paths",
            metavar="PATH...",
            nargs=-1,
            required=True,
            type=click.Path(exists=True, path_type=Path),
        ),
        click.option(
            "--helper-module",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="Where the helper module goes [default: learning360_v2.py at the root of the first PATH].",
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="GLOB",
            help="Leave out files matching GLOB (gitignore syntax); repeatable.",
        ),
        click.option(
            "--include",
            multiple=True,
            metavar="GLOB",
            help="Only look at files matching GLOB (gitignore syntax); repeatable.",
        ),
        click.option(
            "--jobs",
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help="Worker processes [default: one per core].",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print no summary and no progress."),
    )
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _run(
    paths: tuple[Path, ...],
    *,
    helper_module: Path | None,
    exclude: tuple[str, ...],
    include: tuple[str, ...],
    jobs: int | None,
    quiet: bool,
    write: bool,
) -> RunResult:
    options = engine.RunOptions(
        paths=paths,
        include=include,
        exclude=exclude,
        jobs=jobs,
        helper_module=helper_module,
        write=write,
    )
    err = console.stderr_console()
    try:
        with console.progress_bar(err, enabled=not quiet) as progress:
            result = engine.run(options, progress=progress)
    except DiscoveryError as exc:
        raise click.UsageError(str(exc)) from exc
    if not quiet:
        console.print_summary(err, result, applied=write)
    return result


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=report.TOOL_NAME)
def cli() -> None:
    """Migrate Python code from 360Learning API v1 course statistics to the v2 endpoint."""


@cli.command()
@_common_options
def diff(paths: tuple[Path, ...], **options: Any) -> None:
    """Print the patch `apply` would make; write nothing.

    Exit 0 when nothing would change, 1 when changes are pending.
    """
    result = _run(paths, write=False, **options)
    text = report.unified_diff(result)
    if text:
        stdout = sys.stdout.buffer
        sys.stdout.flush()
        console.write_diff(text, console.stdout_console(), stdout)
    click.get_current_context().exit(1 if text else 0)


@cli.command()
@_common_options
def apply(paths: tuple[Path, ...], **options: Any) -> None:
    """Rewrite the files in place and write the helper module.

    Exit 0 when every site found was migrated, 1 when a site needs manual review or a file failed.
    """
    result = _run(paths, write=True, **options)
    click.get_current_context().exit(1 if result.count(Status.NEEDS_REVIEW) or report.failures(result) else 0)


@cli.command()
@_common_options
def check(paths: tuple[Path, ...], **options: Any) -> None:
    """Fail when v1 course-statistics usage is left; write nothing.

    Exit 0 when none is left, 1 when some is, and 1 when a file that may hold a call could not be
    parsed, since its absence cannot be proven.
    """
    result = _run(paths, write=False, **options)
    click.get_current_context().exit(1 if result.findings or report.failures(result) else 0)


@cli.command("report")
@_common_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(REPORT_FORMATS)),
    default="json",
    show_default=True,
    help="Format of the report.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    metavar="FILE",
    help="Write the report to FILE instead of stdout.",
)
def report_command(paths: tuple[Path, ...], output_format: str, output: Path | None, **options: Any) -> None:
    """Write a machine-readable report of every call site found; write nothing else.

    Exit 0 when the report was produced: a report is not a gate (use `check`).
    """
    result = _run(paths, write=False, **options)
    text = REPORT_FORMATS[output_format](result)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.FileError(str(output), exc.strerror or str(exc)) from exc


def main() -> None:
    """The console-script entry point."""
    cli(prog_name=report.TOOL_NAME)
