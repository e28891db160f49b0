"""The ``migrate-360learning`` command line: diff, apply, check and report.

With ``codemods.cli.options`` (the options the commands share), the only code that knows click. It
reads the settings (``[tool.migrate-360learning]``, then the flags), turns them into ``RunOptions``,
runs the engine, prints what the command is for on stdout (or into ``--output``/``--patch``), writes
every ``--report FORMAT:FILE``, a summary on stderr, and maps the result to the exit code. The exit
code depends only on the result, never on the formats, on ``--report``, ``--output`` or ``--patch``,
on colour, pipes or ``--quiet``:

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
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import click

from codemods import __version__
from codemods.cli import console
from codemods.cli.interruption import EXIT_INTERRUPTED, INTERRUPTED, INTERRUPTED_APPLY
from codemods.cli.options import (
    STDIN,
    STDOUT,
    ReportTarget,
    common_options,
    output_file,
    output_option,
    report_formats,
    upgrade_option,
)
from codemods.engine import changes, config, runner
from codemods.engine.discovery import Anchored, DiscoveryError
from codemods.engine.options import RunOptions
from codemods.mapping import rules
from codemods.mapping.reasons import REASONS
from codemods.reports import json_report
from codemods.results.findings import RunResult, Status

#: What the diff, the patch and the reports are written as: the exact bytes of files in any encoding.
_ENCODING = ("utf-8", "surrogateescape")


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
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    upgrade_helper: bool = False,
    keep_v1_shape: bool | None = None,
) -> RunOptions:
    """The run's options: the flags win over the configuration; list flags add to its lists."""
    return RunOptions(
        paths=paths,
        include=include,
        exclude=exclude,
        anchored=None
        if settings.path is None
        else Anchored(Path(os.path.abspath(settings.path)).parent, settings.include, settings.exclude),
        jobs=jobs,
        helper_module=helper_module if helper_module is not None else settings.helper_module,
        write=write,
        hosts=tuple(dict.fromkeys(settings.hosts + hosts)),
        wrappers=settings.wrappers,
        helper_env=settings.helper_env,
        keep_v1_shape=settings.keep_v1_shape if keep_v1_shape is None else keep_v1_shape,
        transform_only=transform_only,
        upgrade_helper=upgrade_helper,
        disabled=_disabled(settings.select + _split(select), settings.ignore + _split(ignore)),
    )


def _split(values: Sequence[str]) -> tuple[str, ...]:
    """``--select A,B --select C`` → ``(A, B, C)``."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _disabled(select: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    try:
        return rules.disabled_rules(select, ignore)
    except rules.UnknownRule as exc:
        raise click.UsageError(str(exc)) from exc


def _run(
    paths: tuple[Path, ...],
    *,
    config_file: Path | None,
    changed_since: str | None,
    quiet: bool,
    write: bool,
    allow_helper_outside: bool = False,
    sites: bool = False,
    stdin_filename: str | None = None,
    **flags: Any,
) -> RunResult:
    stdin = _stdin(paths, stdin_filename)
    if stdin is not None:
        paths, write = (stdin[0],), False
        click.get_current_context().meta[_STDIN_KEY] = stdin
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
    options = replace(
        options_for(paths, settings=settings, write=write, transform_only=transform_only, **flags),
        stdin=stdin,
    )
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
        # A failing check still says where: one line per file, besides the files that failed.
        console.print_lines(
            err, (console.outstanding_lines(result) if sites else []) + console.error_lines(result)
        )
    else:
        console.print_summary(err, result, applied=write, sites=sites)
    return result


#: ``-``: standard input as the PATH, standard output as the file of ``--report FORMAT:-``.


def _one_stdout(reports: Sequence[ReportTarget], command_writes_it: bool, what: str) -> None:
    """Standard output holds one thing: a ``--report FORMAT:-`` or what the command prints there."""
    to_stdout = [t for t in reports if t.path == STDOUT]
    if len(to_stdout) > 1:
        raise click.UsageError("only one --report can write to standard output (-)")
    if to_stdout and command_writes_it:
        raise click.UsageError(
            f"--report {to_stdout[0].format}:- and {what} cannot both go to standard output"
        )


def _stdin_source() -> bytes | None:
    """The bytes read from standard input by this run, if it read them."""
    stdin: tuple[Path, bytes] | None = click.get_current_context().meta.get(_STDIN_KEY)
    return None if stdin is None else stdin[1]


_STDIN_KEY: Final = "migrate-360learning.stdin"


def _stdin(paths: Sequence[Path], name: str | None) -> tuple[Path, bytes] | None:
    """The module on standard input, with the path it stands for, when ``-`` is the PATH."""
    if STDIN not in paths:
        if name is not None:
            raise click.UsageError("--stdin-filename is for - as PATH (the module on standard input)")
        return None
    if len(paths) != 1:
        raise click.UsageError("- (standard input) is the only PATH of a run that reads it")
    return Path(name if name is not None else "-"), sys.stdin.buffer.read()


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
        if path is None or path == STDOUT:
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
        text = json_report.FORMATS[target.format](result, context)
        if target.path == STDOUT:
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode(*_ENCODING))
            sys.stdout.flush()
            continue
        _write(target.path, text)
        written.append((f"the {target.format} report", target.path))
    if not quiet:
        console.print_lines(console.stderr_console(), console.written_lines(written))


def outstanding(result: RunResult) -> int:
    """Sites still on v1 that nobody accepted: to rewrite, or to review."""
    return result.count(Status.REWRITE) + result.count(Status.NEEDS_REVIEW)


def exit_code(command: str, result: RunResult) -> int:
    """The exit code of ``command`` for ``result`` (see the module's documentation)."""
    if command == "diff":  # what the patch holds, without making it again
        return 1 if result.changed or json_report.helper_pending(result) is not None else 0
    if command == "apply":
        return 1 if result.count(Status.NEEDS_REVIEW) or json_report.failures(result) else 0
    if command == "check":
        return 1 if outstanding(result) or json_report.failures(result) else 0
    if command == "report":
        return 0
    raise ValueError(f"unknown command {command!r}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=json_report.TOOL_NAME)
def cli() -> None:
    """Migrate Python code from 360Learning API v1 course statistics to the v2 endpoint."""


@cli.command()
@common_options
@upgrade_option
@output_option("Write the diff to FILE instead of stdout.")
def diff(
    paths: tuple[Path, ...], reports: tuple[ReportTarget, ...], output: Path | None, **options: Any
) -> None:
    """Print the patch `apply` would make; write nothing.

    Exit 0 when nothing would change, 1 when changes are pending.
    """
    _unique([output, *(t.path for t in reports)])
    _one_stdout(reports, output is None, "the diff")
    result = _run(paths, write=False, **options)
    # From standard input, the diff is the module's: its helper module is for apply on the files.
    text = json_report.unified_diff(result, helper_module=_stdin_source() is None)
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
@common_options
@upgrade_option
@click.option(
    "--patch",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=output_file,
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
    _one_stdout(reports, STDIN in paths, "the migrated module")
    result = _run(paths, write=patch is None, **options)
    written: list[tuple[str, Path]] = []
    source = _stdin_source()
    if patch is not None:
        _write(patch, json_report.unified_diff(result, helper_module=source is None))
        written.append(("the patch", patch))
    elif source is not None:
        # The module read from standard input, migrated (as it was when it could not be), to stdout.
        outcome = result.outcomes[0] if result.outcomes else None
        migrated = outcome.migrated if outcome is not None and outcome.changed else source
        sys.stdout.flush()
        sys.stdout.buffer.write(migrated)
        sys.stdout.flush()
    elif result.helper is not None and result.helper.upgrade and result.helper.written:
        # --upgrade-helper: what changed in the helper module, shown as it is replaced.
        helper = result.helper
        sys.stdout.flush()
        console.write_diff(
            json_report.file_diff(helper.display_path, helper.existing, helper.content),
            console.stdout_console(),
            sys.stdout.buffer,
        )
    _finish(result, reports, written, options["quiet"])
    click.get_current_context().exit(exit_code("apply", result))


@cli.command()
@common_options
def check(paths: tuple[Path, ...], reports: tuple[ReportTarget, ...], **options: Any) -> None:
    """Fail when v1 course-statistics usage is left; write nothing.

    Exit 0 when none is left (sites accepted with an ignore marker are not counted), 1 when some is,
    and 1 when a file that may hold a call could not be parsed, since its absence cannot be proven.
    """
    _unique(t.path for t in reports)
    _one_stdout(reports, False, "")
    result = _run(paths, write=False, sites=True, **options)
    _finish(result, reports, [], options["quiet"])
    click.get_current_context().exit(exit_code("check", result))


@cli.command("report")
@common_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(report_formats()),
    default="json",
    show_default=True,
    help="Format of the report.",
)
@output_option("Write the report to FILE instead of stdout.")
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
    _one_stdout(reports, output is None, "the report")
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


@cli.command()
@click.argument("rule", metavar="[RULE]", required=False)
def explain(rule: str | None) -> None:
    """Print what RULE (an id such as L360104, or a name) means and asks of you; every rule without RULE."""
    if rule is None:
        for known in rules.RULES.values():
            click.echo(f"{known.id}  {known.name:<26} {known.status:<13} {known.summary}")
        return
    found = rules.rule_for(rule)
    if found is None:
        close = rules.close_rules(rule)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise click.UsageError(f"unknown rule {rule!r}{hint}: `migrate-360learning explain` lists them")
    click.echo(f"{found.id} {found.name} ({found.status})\n\n{found.summary}.\n\n{found.help}")
    reasons = [r.template for r in REASONS.values() if r.rule == found.name]
    if reasons:
        click.echo("\nIts reasons:")
        for template in reasons:
            click.echo(f"  - {template.replace('{{', '{').replace('}}', '}')}")
    click.echo(
        f"\nAccept one site: # migrate-360learning: ignore[{found.id}]; every site: --ignore {found.id}."
    )


#: Whether the command line runs as its own process (``main``), rather than inside a caller's.
_owns_the_process = False


def main() -> None:
    """The console-script entry point."""
    global _owns_the_process
    _owns_the_process = True
    cli(prog_name=json_report.TOOL_NAME)
