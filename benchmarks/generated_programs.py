"""Generated client programs, migrated and run before and after: what the tool makes of each shape.

    python benchmarks/generated_programs.py [--count 2000] [--seed N] [--jobs 2] [--out DIR] [--json FILE]
                                            [--only AXIS=V1,V2]...

Draws ``--count`` programs from the axes of ``tests/programs/axes.py`` (endpoint, HTTP client, URL
spelling, credentials, call shape, consumer), runs each original against the fake 360Learning's v1,
migrates it with the tool in-process, runs the migrated program against the fake's v2 (records grouped,
then interleaved) and classifies it: tool error, silent, reported, wrong or migrated (see
``tests/programs/runner.py``). Prints the count in each class, overall and per value of each axis, and
the wall time; writes every silent, wrong and tool-error program, with its trees before and after, its
outputs and its findings, under ``--out`` (default ``benchmarks/out/generated-programs``).

Exits 0 when every program was classified, 2 when a generated original did not run on v1 as it must
(a bug of the generator, not a class of the tool: the programs concerned are written out too).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from programs.figures import format_figures, tally, write_failures  # noqa: E402
from programs.generator import axes_of, generate  # noqa: E402
from programs.runner import CpuClock, GeneratorBug, check_originals, run_programs  # noqa: E402

DEFAULT_OUT = ROOT / "benchmarks" / "out" / "generated-programs"


def _progress(start: float) -> Callable[[int, int], None]:
    """Progress on stderr: a counter on a terminal, a line every 250 programs elsewhere (CI logs)."""
    tty = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        elapsed = time.monotonic() - start
        if tty and (done % 10 == 0 or done == total):
            end = "" if done < total else "\n"
            print(f"\r{done}/{total} programs, {elapsed:.0f} s", end=end, file=sys.stderr, flush=True)
        elif not tty and (done % 250 == 0 or done == total):
            print(f"{done}/{total} programs, {elapsed:.0f} s", file=sys.stderr, flush=True)

    return show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="programs to run (default: 2000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the draws (default: 1)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default: 2)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where failing programs are written")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one program run may take")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="AXIS=V1,V2",
        help="draw only these values of an axis (repeatable), e.g. --only call=inline,wrapper",
    )
    args = parser.parse_args(argv)
    if args.count < 1 or args.jobs < 1:
        parser.error("--count and --jobs must be at least 1")
    only: dict[str, list[str]] = {}
    for restriction in args.only:
        axis, equals, values = restriction.partition("=")
        if not equals:
            parser.error(f"--only {restriction}: expected AXIS=V1,V2")
        only[axis.strip()] = [v.strip() for v in values.split(",") if v.strip()]
    try:
        axes_of(only)
    except ValueError as e:
        parser.error(f"--only: {e}")

    start, cpu = time.monotonic(), CpuClock()
    generated = generate(args.seed, args.count, only)
    progress = _progress(start)
    outcomes = run_programs(generated.programs, jobs=args.jobs, timeout=args.timeout, progress=progress)
    wall = time.monotonic() - start
    written = write_failures(args.out, generated.programs, outcomes)
    try:
        check_originals(generated.programs, outcomes)
    except GeneratorBug as bug:
        print(f"{bug}\n(written under {args.out / 'generator_bug'})", file=sys.stderr)
        return 2
    figures = tally(
        generated, outcomes, jobs=args.jobs, wall_seconds=wall, cpu_seconds=cpu.seconds(), only=only
    )
    print(format_figures(figures), end="")
    print(f"\n{written} failing programs written under {args.out}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures.to_json(), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
