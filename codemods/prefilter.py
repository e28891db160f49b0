"""A bytes test that rules out, without parsing, the files that cannot hold a v1 call site.

Most files of a repository never talk to 360Learning; parsing them is the dominant cost of a codemod.
The words this test looks for are computed from ``mapping.ENDPOINTS``, so a new endpoint there widens
the test by itself.
"""

from __future__ import annotations

import re
from typing import Final

from codemods.mapping import ENDPOINTS

_PLACEHOLDER: Final = re.compile(r"^\{[^}]*\}$")
#: The leading segments every v1 path shares. They are left out of the needles because client code
#: often keeps them in a base URL defined in another module (``BASE = "https://…/api/v1"``).
_VERSION_PREFIX: Final = ("api", "v1")


def _needles() -> tuple[tuple[bytes, ...], ...]:
    groups: set[tuple[bytes, ...]] = set()
    for endpoint in ENDPOINTS.values():
        segments = [s for s in endpoint.v1_path.split("/") if s]
        if tuple(segments[: len(_VERSION_PREFIX)]) == _VERSION_PREFIX:
            segments = segments[len(_VERSION_PREFIX) :]
        words = sorted({s.lower().encode("ascii") for s in segments if not _PLACEHOLDER.match(s)})
        groups.add(tuple(words))
    return tuple(sorted(groups))


#: For each endpoint, the literal path words that all appear in any module naming that endpoint.
_NEEDLE_GROUPS: Final = _needles()


def may_contain_site(data: bytes) -> bool:
    """Return False only when ``data`` provably holds no v1 course-statistics call site.

    Soundness: the transformer recognises a call site by the v1 path of its URL, which it must read
    statically from the module itself. Whatever way that URL is spelled — a literal, an f-string, a
    ``%`` or ``.format`` template, a concatenation, or module constants — each literal word of the
    path (``courses``, ``stats``, …, placeholders excluded) is written out somewhere in the module's
    text. Python source encodings are ASCII-compatible, so those words are the same bytes whatever the
    file's encoding, and the comparison ignores case so that no spelling of the path slips through. A
    module lacking, for every endpoint, at least one of that endpoint's words therefore cannot hold a
    site the transformer would report, and skipping it changes no result.
    """
    if not _NEEDLE_GROUPS:
        return False
    text = data.lower()
    return any(all(word in text for word in group) for group in _NEEDLE_GROUPS)
