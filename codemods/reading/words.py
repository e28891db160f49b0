"""Whether a module's bytes hold a few words, each looked for at most once.

The repository index and the pre-filter take a first look at every file of a run, for a dozen words:
the hosts, the API root, the credential names, the words of the v1 paths. That is the one scan over
the whole repository, so each word is looked for once per file, and only after the longest run of
letters inside it is found: ``360learning`` and ``learning360`` are not looked for in a file without
``learning``, nor ``x-apikey`` in one without ``apikey``. Most files lack them all, and cost a few
scans rather than one per word.
"""

from __future__ import annotations

import functools
import re
from typing import Final

_LETTERS: Final = re.compile(rb"[a-z]+")


@functools.lru_cache(maxsize=256)
def _gate(word: bytes) -> bytes | None:
    """The longest run of letters inside ``word``, when it is shorter than ``word``."""
    runs = _LETTERS.findall(word)
    longest = max(runs, key=len, default=b"")
    return longest if longest and longest != word else None


class Words:
    """The words found in ``lowered``, a module's bytes in lower case; ask ``word in words``."""

    __slots__ = ("_seen", "lowered")

    def __init__(self, lowered: bytes) -> None:
        self.lowered = lowered
        self._seen: dict[bytes, bool] = {}

    def __contains__(self, word: bytes) -> bool:
        found = self._seen.get(word)
        if found is None:
            gate = _gate(word)
            found = (gate is None or gate in self) and word in self.lowered
            self._seen[word] = found
        return found
