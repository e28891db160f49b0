"""The options the commands of ``codemods.cli.main`` share: the paths, the configuration flags, the
reports (``--report FORMAT:FILE``), ``--output`` and ``--upgrade-helper``, each checked as click parses
it."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import click

from codemods.reports import json_report

F = TypeVar("F", bound=Callable[..., Any])

#: ``-`` as a PATH (the source comes on stdin) and as a report's FILE (it goes to stdout).
STDIN: Final = Path("-")
STDOUT: Final = STDIN


@dataclass(frozen=True)
class ReportTarget:
    """One ``--report FORMAT:FILE``."""

    format: str
    path: Path


def report_formats() -> list[str]:
    return sorted(json_report.FORMATS)


def _parse_reports(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> tuple[ReportTarget, ...]:
    targets: list[ReportTarget] = []
    for value in values:
        name, colon, file = value.partition(":")
        if name not in json_report.FORMATS:
            raise click.BadParameter(
                f"unknown report format {name!r} in {value!r} (one of {', '.join(report_formats())})",
                ctx,
                param,
            )
        if not colon or not file:
            raise click.BadParameter(f"{value!r} names no file: use {name}:FILE", ctx, param)
        targets.append(ReportTarget(name, STDOUT if file == "-" else _destination(ctx, param, Path(file))))
    return tuple(targets)


def _destination(ctx: click.Context, param: click.Parameter, path: Path) -> Path:
    """A file a command will write: its directory must exist, and it must not be a directory."""
    if path.is_dir():
        raise click.BadParameter(f"{path} is a directory", ctx, param)
    if not Path(os.path.abspath(path)).parent.is_dir():
        raise click.BadParameter(f"{path}: the directory {path.parent} does not exist", ctx, param)
    return path


def output_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    return None if value is None else _destination(ctx, param, value)


def common_options(command: F) -> F:
    decorators = (
        click.argument(
            "paths",
            metavar="PATH...",
            nargs=-1,
            required=True,
            type=click.Path(exists=True, allow_dash=True, path_type=Path),
        ),
        click.option(
            "--stdin-filename",
            metavar="NAME",
            default=None,
            help="With - as PATH (the module on standard input): the path it stands for, shown in every "
            "output and used to find the configuration [default: -].",
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
            help="Read [tool.migrate-360learning] from FILE [default: the nearest pyproject.toml holding "
            "it, from the first PATH up to the repository's root].",
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
        click.option(
            "--select",
            multiple=True,
            metavar="RULE",
            help="Only report and migrate the sites of RULE (an id such as L360104, or a name); "
            "repeatable or comma-separated; the others are counted as ignored.",
        ),
        click.option(
            "--ignore",
            multiple=True,
            metavar="RULE",
            help="Leave the sites of RULE as they are, counted as ignored; repeatable or comma-separated.",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print nothing on stderr but errors."),
    )
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def output_option(help_text: str) -> Callable[[F], F]:
    """``--output FILE``: where a command writes what it would print."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        callback=output_file,
        default=None,
        metavar="FILE",
        help=help_text,
    )


def upgrade_option(command: F) -> F:
    return click.option(
        "--upgrade-helper",
        is_flag=True,
        help="Replace a helper module whose code is not the generated one (edited, or from an earlier "
        "release) by the generated one, showing the diff.",
    )(command)
