"""What a module's bytes must pass before LibCST parses them; each refusal is a one-line reason.

LibCST is the right parser for a rewrite, not one to meet everything a repository may hold. Its cost
grows with a module's size, linearly but steeply: the whole rewrite takes about twenty seconds of CPU
and 560 MiB of memory per megabyte of code (``benchmarks/bench_scaling.py``), so a 5 MB generated module
is migrated in under two minutes, and a 50 MB one would hold a worker for a quarter of an hour and take
more memory than most machines have. Its native parser overflows
the C stack, killing the process with a signal, on a couple of thousand nested brackets or a few
thousand chained operators, and slows down well before. So ``refusal`` checks first what is cheap to
check: the size, NUL bytes (Python refuses them too), the encoding (with the line of the first byte that
does not decode) and the nesting (``codemods.reading.depth``). A refused module is reported and never parsed.
"""

from __future__ import annotations

import io
import tokenize
from typing import Final

from codemods.reading.depth import depth_estimate

#: Larger modules are not parsed. Hand-written modules stay far below it, generated ones of a few
#: megabytes are migrated; past it a rewrite costs more than three minutes and four gigabytes.
MAX_SOURCE_BYTES: Final = 8 * 1024 * 1024
#: Deeper syntax trees are not parsed: the rewrite gives up (``RecursionError``) within a few
#: hundred levels anyway, and the nesting estimate is a lower bound, so nothing the rewrite could
#: handle is refused.
MAX_DEPTH_ESTIMATE: Final = 500
#: Brackets nested deeper are not parsed; Python refuses them too ("too many nested parentheses").
MAX_BRACKETS: Final = 200
#: The reason given for a module nested too deeply, refused here or given up on while rewriting it.
TOO_DEEP: Final = "nested too deeply to process"

_UTF8_BOM: Final = b"\xef\xbb\xbf"


class _Undecodable(Exception):
    pass


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(source: bytes) -> str:
    """The module's text, as Python would decode it; raise ``_Undecodable`` with the reason."""
    try:
        encoding: str | None = tokenize.detect_encoding(io.BytesIO(source).readline)[0]
        problem = ""
    except SyntaxError as e:
        # An unknown or contradictory coding cookie, or bytes of the first two lines that are not UTF-8.
        encoding, problem = None, str(e.msg)
    data, codec = source, encoding or "utf-8"
    if codec == "utf-8-sig":
        data, codec = source.removeprefix(_UTF8_BOM), "utf-8"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        offset = e.start + len(source) - len(data)
        raise _Undecodable(
            f"cannot be decoded as {codec}: byte 0x{source[offset]:02x} at line {_line_of(source, offset)}"
        ) from None
    if encoding is None:
        raise _Undecodable(f"cannot be decoded: {problem}")
    return text


def refusal(source: bytes) -> str | None:
    """Why ``source`` must not be handed to LibCST, in one line; ``None`` when it may be parsed."""
    if len(source) > MAX_SOURCE_BYTES:
        return f"too large to process: {len(source):,} bytes, over the limit of {MAX_SOURCE_BYTES:,}"
    nul = source.find(b"\0")
    if nul >= 0:
        return f"contains a NUL byte at line {_line_of(source, nul)}; not Python source"
    try:
        text = _decode(source)
    except _Undecodable as e:
        return str(e)
    if depth_estimate(text, stop=MAX_DEPTH_ESTIMATE, max_brackets=MAX_BRACKETS) > MAX_DEPTH_ESTIMATE:
        return TOO_DEEP
    return None
