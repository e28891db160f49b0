"""The first look at a file's bytes skips searches it can answer without them (a word whose letters
are missing), and never answers differently from a plain search: asked in any order, any word is found
exactly when the bytes hold it.
Whether a module names an indexed constant, kept from one question to the next, gives what a fresh
question gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from codemods.reading.prefilter import Known, uses_indexed_constant
from codemods.reading.words import Words

#: Words the index and the pre-filter ask, and pieces of them.
ASKED = [
    b"api",
    b"apikey",
    b"x-apikey",
    b"api/v1",
    b"learning",
    b"360learning",
    b"learning360",
    b"company",
    b"x-company-id",
    b"courses",
    b"stats",
    b"users",
    b"co",
    b"key",
]
TEXT = st.lists(
    st.sampled_from([*ASKED, b" ", b"-", b"/", b"x", b"360", b"v1", b"learn", b"ap"]), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.permutations(ASKED))
def test_a_word_is_found_exactly_when_the_bytes_hold_it(pieces: list[bytes], order: list[bytes]) -> None:
    lowered = b"".join(pieces)
    words = Words(lowered)
    for word in order:
        assert (word in words) == (word in lowered), (lowered, word)


NEEDLES = frozenset({(b"BASE", b"settings"), (b"BASE", b"config"), (b"stats", b"client")})
MORE = NEEDLES | {(b"TOKEN", b"secrets")}
MODULES = [
    b"from settings import BASE\n",
    b"import config\nurl = config.BASE\n",
    b"from . import BASE\n",
    b"BASE = 1\n",
    b"from client import stats\n",
    b"from secrets import TOKEN\n",
    b"import os\n",
]


def test_what_was_found_before_gives_what_a_fresh_question_gives() -> None:
    for data in MODULES:
        known: Known = {}
        first = uses_indexed_constant(data, NEEDLES, known)
        assert first == uses_indexed_constant(data, NEEDLES)
        assert uses_indexed_constant(data, MORE, known) == uses_indexed_constant(data, MORE), data
        assert uses_indexed_constant(data, NEEDLES, known) == first
