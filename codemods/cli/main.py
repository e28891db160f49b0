"""The ``migrate-360learning`` command line: diff, apply, check and report.

The only module that knows click. It reads the settings (``[tool.migrate-360learning]``, then the
flags), turns them into ``RunOptions``, runs the engine, prints what the command is for on stdout (or
into ``--output``/``--patch``), writes every ``--report FORMAT:FILE``, a summary on stderr, and maps
the result to the exit code. The exit code depends only on the result, never on the formats, on
``--report``, ``--output`` or ``--patch``, on colour, pipes or ``--quiet``:

* ``diff``   0 nothing would change, 1 changes are pending;
* ``apply``  0 every site was migrated (or accepted), 1 a site needs review or a file failed;
* ``check``  0 no v1 course-statistics usage is left (sites accepted with an ignore marker are not
  usage left), 1 some is, or a candidate file could not be parsed (absence cannot be proven);
* ``report`` 0 the report was produced;
* every command: 2 on a usage error (a bad option, a bad configuration, an unknown git revision), and 1
  when a file it was asked to write (a report, the diff, the patch) cannot be written;
* every command: 130 when interrupted (SIGINT, Ctrl-C) while it works, with no traceback.

Paths discovery could not follow (broken links, unreadable directories) are reported, never a failure.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from codemods import __version__
from codemods.cli import console
from codemods.engine import changes, config, runner
from codemods.engine.discovery import DiscoveryError
from codemods.engine.options import RunOptions
from codemods.reports import json_report
from codemods.results.findings import RunResult, Status

F = TypeVar("F", bound=Callable[..., Any])

#: What the diff, the patch and the reports are written as: the exact bytes of files in any encoding.
_ENCODING = ("utf-8", "surrogateescape")


@dataclass(frozen=True)
class ReportTarget:
    """One ``--report FORMAT:FILE``."""

    format: str
    path: Path


def _formats() -> list[str]:
    return sorted(json_report.FORMATS)


def _parse_reports(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> tuple[ReportTarget, ...]:
    targets: list[ReportTarget] = []
    for value in values:
        name, colon, file = value.partition(":")
        if name not in json_report.FORMATS:
            raise click.BadParameter(
                f"unknown report format {name!r} in {value!r} (one of {', '.join(_formats())})", ctx, param
            )
        if not colon or not file:
            raise click.BadParameter(f"{value!r} names no file: use {name}:FILE", ctx, param)
        targets.append(ReportTarget(name, _destination(ctx, param, Path(file))))
    return tuple(targets)


def _destination(ctx: click.Context, param: click.Parameter, path: Path) -> Path:
    """A file a command will write: its directory must exist, and it must not be a directory."""
    if path.is_dir():
        raise click.BadParameter(f"{path} is a directory", ctx, param)
    if not Path(os.path.abspath(path)).parent.is_dir():
        raise click.BadParameter(f"{path}: the directory {path.parent} does not exist", ctx, param)
    return path


def _output_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    return None if value is None else _destination(ctx, param, value)


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
            help="Where the helper module goes [default: helper-module of the configuration, else "
            "learning360_v2.py at the root of the first PATH].",
        ),
        click.option(
            "--allow-helper-outside",
            is_flag=True,
            help="Let --helper-module name a file outside every PATH and the configuration's directory.",
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="GLOB",
            help="Leave out files matching GLOB (gitignore syntax); repeatable; adds to the configuration's.",
        ),
        click.option(
            "--include",
            multiple=True,
            metavar="GLOB",
            help="Only look at files matching GLOB (gitignore syntax); repeatable; adds to the "
            "configuration's.",
        ),
        click.option(
            "--host",
            "hosts",
            multiple=True,
            metavar="HOST",
            help="A host of 360Learning besides those the tool knows; repeatable; adds to the "
            "configuration's.",
        ),
        click.option(
            "--keep-v1-shape/--no-keep-v1-shape",
            "keep_v1_shape",
            default=None,
            help="Where the answer goes where the tool cannot follow it (printed, dumped, handed to a "
            "library, returned to unseen callers), move the call to v2 keeping v1's answer shape "
            "[default: keep-v1-shape of the configuration, else keep]; --no-keep-v1-shape reports such "
            "sites for review.",
        ),
        click.option(
            "--changed-since",
            metavar="REV",
            default=None,
            help="Only migrate files changed since the git revision REV (commits since the merge base, "
            "staged, unstaged and untracked files).",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="Read [tool.migrate-360learning] from FILE [default: the pyproject.toml of the first PATH "
            "or its nearest parent].",
        ),
        click.option(
            "--report",
            "reports",
            multiple=True,
            metavar="FORMAT:FILE",
            callback=_parse_reports,
            help="Also write a report in FORMAT to FILE; repeatable.",
        ),
        click.option(
            "--jobs",
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help="Worker processes [default: one per core].",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print nothing on stderr but errors."),
    )
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _changed_files(paths: Sequence[Path], revision: str) -> frozenset[Path]:
    directories = dict.fromkeys(Path(os.path.abspath(p if p.is_dir() else p.parent)) for p in paths)
    changed: set[Path] = set()
    for directory in directories:
        changed |= changes.changed_files(directory, revision)
    return frozenset(changed)


def options_for(
    paths: tuple[Path, ...],
    *,
    settings: config.Config,
    helper_module: Path | None = None,
    exclude: tuple[str, ...] = (),
    include: tuple[str, ...] = (),
    hosts: tuple[str, ...] = (),
    jobs: int | None = None,
    write: bool = False,
    transform_only: frozenset[Path] | None = None,
    keep_v1_shape: bool | None = None,
) -> RunOptions:
    """The run's options: the flags win over the configuration; list flags add to its lists."""
    return RunOptions(
        paths=paths,
        include=settings.include + include,
        exclude=settings.exclude + exclude,
        jobs=jobs,
        helper_module=helper_module if helper_module is not None else settings.helper_module,
        write=write,
        hosts=tuple(dict.fromkeys(settings.hosts + hosts)),
        wrappers=settings.wrappers,
        helper_env=settings.helper_env,
        keep_v1_shape=settings.keep_v1_shape if keep_v1_shape is None else keep_v1_shape,
        transform_only=transform_only,
    )


#: Exit code of a run interrupted by SIGINT (Ctrl-C), as shells report one: 128 + the signal's number.
EXIT_INTERRUPTED = 130
INTERRUPTED = "Interrupted; nothing was written."
INTERRUPTED_APPLY = "Interrupted. Each file is as it was or wholly migrated; run apply again to finish."


def _run(
    paths: tuple[Path, ...],
    *,
    config_file: Path | None,
    changed_since: str | None,
    quiet: bool,
    write: bool,
    allow_helper_outside: bool = False,
    sites: bool = False,
    **flags: Any,
) -> RunResult:
    try:
        settings = config.for_paths(paths, config_file)
    except config.ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    if not allow_helper_outside:
        _check_helper_inside(flags.get("helper_module"), paths, settings)
    transform_only: frozenset[Path] | None = None
    if changed_since is not None:
        try:
            transform_only = _changed_files(paths, changed_since)
        except changes.ChangesError as exc:
            raise click.UsageError(f"--changed-since: {exc}") from exc
    options = options_for(paths, settings=settings, write=write, transform_only=transform_only, **flags)
    err = console.stderr_console()
    try:
        with console.progress_bar(err, enabled=not quiet) as progress:
            result = runner.run(options, progress=progress)
    except DiscoveryError as exc:
        raise click.UsageError(str(exc)) from exc
    except KeyboardInterrupt:
        click.echo(INTERRUPTED_APPLY if write else INTERRUPTED, err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
    if _owns_the_process:
        # The work is done: a Ctrl-C from now on would only kill the exit itself (silently, when it lands
        # while Python shuts down) and hide the exit code that says how the run went.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if quiet:
        console.print_lines(err, console.error_lines(result))
    else:
        console.print_summary(err, result, applied=write, sites=sites)
    return result


def _check_helper_inside(helper: Path | None, paths: Sequence[Path], settings: config.Config) -> None:
    """A ``--helper-module`` must lie inside a PATH (a file's directory) or the configuration's directory,
    unless ``--allow-helper-outside`` says otherwise: a stray ``../`` must not write code elsewhere."""
    if helper is None:
        return
    roots = [p if p.is_dir() else p.parent for p in paths]
    if settings.path is not None:
        roots.append(Path(os.path.abspath(settings.path)).parent)
    if not any(config.is_inside(Path(os.path.abspath(helper)), root) for root in roots):
        raise click.UsageError(
            f"--helper-module {helper} is outside the repository (every PATH, and the directory of the"
            " configuration): pass --allow-helper-outside to write it there"
        )


def report_context() -> json_report.ReportContext:
    """What reports need besides the result: paths relative to the working directory, and links to the
    analysed commit when GitHub Actions' variables (``GITHUB_SERVER_URL``…) say where it is."""
    return json_report.ReportContext(base=Path.cwd(), links=json_report.Links.from_environment(os.environ))


def _write(path: Path, text: str) -> None:
    try:
        path.write_bytes(text.encode(*_ENCODING))
    except OSError as exc:
        raise click.FileError(str(path), exc.strerror or str(exc)) from exc


def _unique(destinations: Iterable[Path | None]) -> None:
    seen: set[str] = set()
    for path in destinations:
        if path is None:
            continue
        key = os.path.abspath(path)
        if key in seen:
            raise click.UsageError(f"{path} is named twice as a file to write")
        seen.add(key)


def _finish(
    result: RunResult, reports: Sequence[ReportTarget], written: list[tuple[str, Path]], quiet: bool
) -> None:
    """Write every ``--report``; tell what was written."""
    context = report_context()
    for target in reports:
        _write(target.path, json_report.FORMATS[target.format](result, context))
        written.append((f"the {target.format} report", target.path))
    if not quiet:
        console.print_lines(console.stderr_console(), console.written_lines(written))


def outstanding(result: RunResult) -> int:
    """Sites still on v1 that nobody accepted: to rewrite, or to review."""
    return result.count(Status.REWRITE) + result.count(Status.NEEDS_REVIEW)


def exit_code(command: str, result: RunResult) -> int:
    """The exit code of ``command`` for ``result`` (see the module's documentation)."""
    if command == "diff":
        return 1 if json_report.unified_diff(result) else 0
    if command == "apply":
        return 1 if result.count(Status.NEEDS_REVIEW) or json_report.failures(result) else 0
    if command == "check":
        return 1 if outstanding(result) or json_report.failures(result) else 0
    if command == "report":
        return 0
    raise ValueError(f"unknown command {command!r}")


def _output_option(help_text: str) -> Callable[[F], F]:
    """``--output FILE``: where a command writes what it would print."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_output_file,
        default=None,
        metavar="FILE",
        help=help_text,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=json_report.TOOL_NAME)
def cli() -> None:
    """Migrate Python code from 360Learning API v1 course statistics to the v2 endpoint."""


@cli.command()
@_common_options
@_output_option("Write the diff to FILE instead of stdout.")
def diff(
    paths: tuple[Path, ...], reports: tuple[ReportTarget, ...], output: Path | None, **options: Any
) -> None:
    """Print the patch `apply` would make; write nothing.

    Exit 0 when nothing would change, 1 when changes are pending.
    """
    _unique([output, *(t.path for t in reports)])
    result = _run(paths, write=False, **options)
    text = json_report.unified_diff(result)
    written: list[tuple[str, Path]] = []
    if output is not None:
        _write(output, text)
        written.append(("the diff", output))
    elif text:
        sys.stdout.flush()
        console.write_diff(text, console.stdout_console(), sys.stdout.buffer)
    _finish(result, reports, written, options["quiet"])
    click.get_current_context().exit(exit_code("diff", result))


@cli.command()
@_common_options
@click.option(
    "--patch",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_output_file,
    default=None,
    metavar="FILE",
    help="Write the changes as a patch to FILE (for `git apply`) instead of changing any file.",
)
def apply(
    paths: tuple[Path, ...], reports: tuple[ReportTarget, ...], patch: Path | None, **options: Any
) -> None:
    """Rewrite the files in place and write the helper module.

    Exit 0 when every site found was migrated, 1 when a site needs manual review or a file failed.
    """
    _unique([patch, *(t.path for t in reports)])
    result = _run(paths, write=patch is None, **options)
    written: list[tuple[str, Path]] = []
    if patch is not None:
        _write(patch, json_report.unified_diff(result))
        written.append(("the patch", patch))
    _finish(result, reports, written, options["quiet"])
    click.get_current_context().exit(exit_code("apply", result))


@cli.command()
@_common_options
def check(paths: tuple[Path, ...], reports: tuple[ReportTarget, ...], **options: Any) -> None:
    """Fail when v1 course-statistics usage is left; write nothing.

    Exit 0 when none is left (sites accepted with an ignore marker are not counted), 1 when some is,
    and 1 when a file that may hold a call could not be parsed, since its absence cannot be proven.
    """
    _unique(t.path for t in reports)
    result = _run(paths, write=False, sites=True, **options)
    _finish(result, reports, [], options["quiet"])
    click.get_current_context().exit(exit_code("check", result))


@cli.command("report")
@_common_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(_formats()),
    default="json",
    show_default=True,
    help="Format of the report.",
)
@_output_option("Write the report to FILE instead of stdout.")
def report_command(
    paths: tuple[Path, ...],
    reports: tuple[ReportTarget, ...],
    output_format: str,
    output: Path | None,
    **options: Any,
) -> None:
    """Write a machine-readable report of every call site found; write nothing else.

    Exit 0 when the report was produced: a report is not a gate (use `check`).
    """
    _unique([output, *(t.path for t in reports)])
    result = _run(paths, write=False, **options)
    text = json_report.FORMATS[output_format](result, report_context())
    written: list[tuple[str, Path]] = []
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text)
        written.append((f"the {output_format} report", output))
    _finish(result, reports, written, options["quiet"])
    click.get_current_context().exit(exit_code("report", result))


#: Whether the command line runs as its own process (``main``), rather than inside a caller's.
_owns_the_process = False


def main() -> None:
    """The console-script entry point."""
    global _owns_the_process
    _owns_the_process = True
    cli(prog_name=json_report.TOOL_NAME)
