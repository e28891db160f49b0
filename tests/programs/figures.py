"""The figures of a run over generated programs: classes overall and per axis value, and the failures.

``tally`` counts the outcomes; ``format_figures`` prints them as tables (counts and rates, so one sees
which values of which axis fall to review, or are missed, most often); ``Figures.to_json`` gives the same
numbers to machines; ``write_failures`` writes each silent, wrong and tool-error program — and any
original the generator got wrong — with its trees before and after, its outputs and its findings, for a
person to read.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from programs.generator import Generated, Only, Program, axes_of
from programs.runner import CLASSES, FAILING, SHAPES, Outcome, write_tree


@dataclass(frozen=True)
class Figures:
    """Counts of one run (see ``tally``)."""

    seed: int
    jobs: int
    programs: int
    draws: int
    #: Reason → draws skipped for it.
    skipped: dict[str, int]
    #: Class → programs.
    classes: dict[str, int]
    #: Of the migrated programs, how (``runner.SHAPES``: "v2 shape", "v1 shape kept") → programs.
    shapes: dict[str, int]
    #: Axis → value → {"programs": n, class: count…, shape: count…}.
    per_axis: dict[str, dict[str, dict[str, int]]]
    #: Axis → the values the run was restricted to (``--only``); empty: every value.
    only: dict[str, list[str]]
    #: needs_review rule → programs with at least one site for that rule.
    review_rules: dict[str, int]
    #: Why silent programs are silent: reason kind → programs.
    silent_kinds: dict[str, int]
    wall_seconds: float
    #: CPU seconds of the workers and the programs they ran (the machine's other load left out).
    cpu_seconds: float = 0.0
    #: Seconds the tool took, summed over programs (both of its runs; wall time in the workers).
    tool_seconds: float = 0.0
    #: The programs the tool took longest over: (name, seconds).
    slowest: list[tuple[str, float]] = field(default_factory=list)

    @property
    def classified(self) -> int:
        return sum(self.classes.values())

    def rate(self, klass: str) -> float:
        return self.classes.get(klass, 0) / self.programs if self.programs else 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["rates"] = {klass: round(self.rate(klass), 4) for klass in CLASSES}
        data["per_axis_rates"] = {
            axis: {
                value: {
                    klass: round(counts.get(klass, 0) / counts["programs"], 4) if counts["programs"] else 0.0
                    for klass in CLASSES
                }
                for value, counts in values.items()
            }
            for axis, values in self.per_axis.items()
        }
        return data


def _silent_kind(reason: str) -> str:
    if reason.startswith("the migrated program still requests"):
        return "migrated program still requests v1"
    return "tool changed nothing and found nothing"


def tally(
    generated: Generated,
    outcomes: Sequence[Outcome],
    *,
    jobs: int,
    wall_seconds: float,
    cpu_seconds: float = 0.0,
    only: Only | None = None,
) -> Figures:
    """The figures of ``outcomes``, the classified programs of ``generated``."""
    programs = {p.index: p for p in generated.programs}
    classes: Counter[str] = Counter({klass: 0 for klass in CLASSES})
    per_axis: dict[str, dict[str, Counter[str]]] = {
        axis: {value: Counter({"programs": 0}) for value in values} for axis, values in axes_of(only).items()
    }
    rules: Counter[str] = Counter()
    silent: Counter[str] = Counter()
    shapes: Counter[str] = Counter({shape: 0 for shape in SHAPES})
    for outcome in outcomes:
        classes[outcome.klass] += 1
        migrated = outcome.klass == "migrated"
        if migrated:
            shapes[outcome.shape] += 1
        for axis, value in programs[outcome.index].spec.items():
            per_axis[axis][value]["programs"] += 1
            per_axis[axis][value][outcome.klass] += 1
            if migrated:
                per_axis[axis][value][outcome.shape] += 1
        rules.update(outcome.review_rules)
        if outcome.klass == "silent":
            silent[_silent_kind(outcome.reason)] += 1
    return Figures(
        seed=generated.seed,
        jobs=jobs,
        programs=len(generated.programs),
        draws=generated.draws,
        skipped=dict(sorted(generated.skipped.items())),
        classes=dict(classes),
        shapes=dict(shapes),
        per_axis={axis: {value: dict(c) for value, c in values.items()} for axis, values in per_axis.items()},
        only={axis: list(values) for axis, values in (only or {}).items()},
        review_rules=dict(rules.most_common()),
        silent_kinds=dict(silent.most_common()),
        wall_seconds=round(wall_seconds, 2),
        cpu_seconds=round(cpu_seconds, 2),
        tool_seconds=round(sum(o.tool_seconds for o in outcomes), 2),
        slowest=[
            (programs[o.index].name, round(o.tool_seconds, 2))
            for o in sorted(outcomes, key=lambda o: o.tool_seconds, reverse=True)[:5]
        ],
    )


def _cell(count: int, total: int) -> str:
    rate = 100.0 * count / total if total else 0.0
    return f"{count:6d} {rate:5.1f}%"


def format_figures(figures: Figures) -> str:
    """The figures as text: the run, the classes, then one table per axis."""
    skipped = sum(figures.skipped.values())
    speed = figures.programs / figures.wall_seconds if figures.wall_seconds else 0.0
    lines = [
        f"{figures.programs} programs (seed {figures.seed}, {figures.jobs} jobs): {figures.draws} draws, "
        f"{skipped} skipped as meaningless"
        + "".join(f"; only {axis} {', '.join(values)}" for axis, values in figures.only.items()),
        *(f"  {count:6d}  {reason}" for reason, count in figures.skipped.items()),
        f"wall time {figures.wall_seconds:.1f} s ({speed:.1f} programs/s), CPU time "
        f"{figures.cpu_seconds:.1f} s over workers and programs; the tool took "
        f"{figures.tool_seconds:.1f} s of the workers' time",
        "",
        f"{'class':<22}{'programs':>14}",
    ]
    lines += [f"{klass:<22}{_cell(figures.classes.get(klass, 0), figures.programs)}" for klass in CLASSES]
    lines.append(f"{'(classified)':<22}{figures.classified:6d}")
    migrated = figures.classes.get("migrated", 0)
    lines += [
        f"  {'of migrated: ' + shape:<20}{_cell(figures.shapes.get(shape, 0), migrated)}" for shape in SHAPES
    ]
    if figures.silent_kinds:
        lines += ["", "silent, by kind:"]
        lines += [f"  {count:6d}  {kind}" for kind, count in figures.silent_kinds.items()]
    if figures.review_rules:
        lines += ["", "programs reported, by rule of their sites needing review:"]
        lines += [f"  {count:6d}  {rule}" for rule, count in figures.review_rules.items()]
    if figures.slowest:
        lines += ["", "slowest migrations (both runs of the tool):"]
        lines += [f"  {seconds:6.2f} s  {name}" for name, seconds in figures.slowest]
    header = f"{'':<24}{'n':>6}" + "".join(f"{klass:>14}" for klass in (*CLASSES, *SHAPES))
    for axis, values in figures.per_axis.items():
        lines += ["", axis, header]
        for value, counts in values.items():
            n = counts["programs"]
            cells = "".join(f"{_cell(counts.get(klass, 0), n):>14}" for klass in CLASSES)
            # The shapes in % of the value's migrated programs.
            cells += "".join(f"{_cell(counts.get(s, 0), counts.get('migrated', 0)):>14}" for s in SHAPES)
            lines.append(f"  {value:<22}{n:6d}{cells}")
    return "\n".join(lines) + "\n"


def _run_text(outcome: Outcome) -> dict[str, str]:
    texts = {"v1.txt": outcome.v1.describe()}
    for order, output in outcome.v2:
        texts[f"v2-{order}.txt"] = output.describe()
    return texts


def write_failures(out: Path, programs: Sequence[Program], outcomes: Sequence[Outcome]) -> int:
    """Writes every failing program (classes ``FAILING``, and ``generator_bug``) under ``out/<class>/``:
    ``before/`` and ``after/`` trees, the runs' outputs, the findings and why. Directories of an earlier
    run's classes are replaced; nothing else in ``out`` is touched. Returns how many were written."""
    by_index = {p.index: p for p in programs}
    kinds = (*FAILING, "generator_bug")
    for kind in kinds:
        shutil.rmtree(out / kind, ignore_errors=True)
    written = 0
    for outcome in outcomes:
        if outcome.klass not in kinds:
            continue
        program = by_index[outcome.index]
        directory = out / outcome.klass / program.name
        write_tree(directory / "before", program.files)
        if outcome.after:
            write_tree(directory / "after", outcome.after)
        for name, text in _run_text(outcome).items():
            (directory / name).write_text(text, encoding="utf-8")
        findings = [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "endpoint": f.endpoint,
                "status": f.status.value,
                "rule": f.rule,
                "message": f.message,
            }
            for f in outcome.findings
        ]
        about = {
            "class": outcome.klass,
            "reason": outcome.reason,
            "spec": dict(program.spec.items()),
            "variant": dict(program.variant),
            "findings": findings,
        }
        (directory / "outcome.json").write_text(json.dumps(about, indent=2) + "\n", encoding="utf-8")
        written += 1
    return written
