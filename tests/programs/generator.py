"""Draws client programs of the v1 course-statistics endpoints from a seed.

The values of each axis are dealt from a deck shuffled anew every round, so that every value comes up
once per round of its axis and a few dozen programs already cover them all; the combination of the six
decks is what varies. A combination no sensible program has (``axes.skip_reason``) is skipped and
counted by reason, and the next one is drawn. Every choice made inside a program comes from a random
generator seeded by the seed and the draw's position, so the same seed gives the same programs, byte for
byte, whatever else runs.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from programs.assemble import write_program
from programs.axes import AXES, Spec, skip_reason
from programs.compose import Build


@dataclass(frozen=True)
class Program:
    """One generated program: its axis values, its files and the choices made within the values."""

    #: Position among the programs of the seed (skipped draws have none).
    index: int
    spec: Spec
    #: (path relative to the program's directory, text), sorted by path.
    files: tuple[tuple[str, str], ...]
    #: (decision, choice): names, spellings, loop shapes… (see ``compose.Build``).
    variant: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.index:05d}-{self.spec.label}"

    def file(self, path: str) -> str:
        return dict(self.files)[path]


@dataclass(frozen=True)
class Generated:
    """The programs drawn from one seed, and the draws skipped as meaningless, counted by reason."""

    seed: int
    programs: tuple[Program, ...]
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def draws(self) -> int:
        return len(self.programs) + sum(self.skipped.values())


class _Deck:
    """Deals the values of one axis: each round is a fresh shuffle of all of them."""

    def __init__(self, values: Sequence[str], rng: random.Random) -> None:
        self._values = tuple(values)
        self._rng = rng
        self._pile: list[str] = []

    def deal(self) -> str:
        if not self._pile:
            self._pile = list(self._values)
            self._rng.shuffle(self._pile)
        return self._pile.pop()


Only = Mapping[str, Sequence[str]]


def axes_of(only: Only | None = None) -> dict[str, tuple[str, ...]]:
    """The axes and their values, restricted by ``only`` (axis → the values to keep).

    Raises ``ValueError`` for an unknown axis or value, or an axis left with none.
    """
    axes = dict(AXES)
    for axis, values in (only or {}).items():
        if axis not in AXES:
            raise ValueError(f"unknown axis {axis!r} (axes: {', '.join(AXES)})")
        unknown = [v for v in values if v not in AXES[axis]]
        if unknown or not values:
            raise ValueError(
                f"{axis} has no value {', '.join(unknown) or '(none given)'}: {', '.join(AXES[axis])}"
            )
        axes[axis] = tuple(v for v in AXES[axis] if v in values)
    return axes


def draw_specs(seed: int, only: Only | None = None) -> Iterator[Spec]:
    """An endless, deterministic sequence of combinations of the axes' values (restricted by ``only``)."""
    rng = random.Random(f"specs/{seed}")
    decks = {axis: _Deck(values, rng) for axis, values in axes_of(only).items()}
    while True:
        yield Spec(**{axis: deck.deal() for axis, deck in decks.items()})


def compose(spec: Spec, index: int, rng: random.Random) -> Program:
    """The program of ``spec``, deterministic given ``rng``'s state."""
    build = Build(spec, rng)
    write_program(build)
    files = tuple(sorted((name, module.text()) for name, module in build.modules.items()))
    return Program(index, spec, files, tuple(sorted(build.variant.items())))


def generate(seed: int, count: int, only: Only | None = None) -> Generated:
    """``count`` programs drawn from ``seed`` (see the module's docstring), with only the values ``only``
    keeps for the axes it names: a run that looks closer at some shapes."""
    programs: list[Program] = []
    skipped: Counter[str] = Counter()
    for draw, spec in enumerate(draw_specs(seed, only)):
        if len(programs) >= count:
            break
        reason = skip_reason(spec)
        if reason is not None:
            skipped[reason] += 1
            continue
        programs.append(compose(spec, len(programs), random.Random(f"program/{seed}/{draw}")))
    return Generated(seed, tuple(programs), skipped)
