"""Python source as lines: indentation, URL spellings and the modules of a generated program.

Small pieces the composer of programs (``compose``) assembles; nothing here knows about 360Learning
beyond the import groups of the modules it writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

STDLIB: Final = frozenset(
    {"asyncio", "dataclasses", "hashlib", "json", "os", "typing", "urllib.parse", "urllib.request"}
)
THIRD_PARTY: Final = frozenset({"aiohttp", "httpx", "requests"})


Lines = list[str]


def indent(lines: Sequence[str], depth: int = 1) -> Lines:
    pad = "    " * depth
    return [pad + line if line else line for line in lines]


def literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Var:
    """An expression inserted into a URL; ``key`` names it in ``%(key)s`` and ``{key}`` formats."""

    expr: str
    key: str


Part = str | Var


def _merged(parts: Sequence[Part]) -> list[Part]:
    out: list[Part] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + part
        elif part != "":
            out.append(part)
    return out


def render(style: str, parts: Sequence[Part]) -> str:
    """One expression that evaluates to the concatenation of ``parts``, spelled in ``style`` (one of
    fstring, concat, percent_tuple, percent_dict, format_positional, format_named)."""
    parts = _merged(parts)
    variables = [p for p in parts if isinstance(p, Var)]
    if not variables:
        return literal("".join(p for p in parts if isinstance(p, str)))
    if style == "fstring":
        return 'f"' + "".join(p if isinstance(p, str) else "{" + p.expr + "}" for p in parts) + '"'
    if style == "concat":
        return " + ".join(literal(p) if isinstance(p, str) else p.expr for p in parts)
    if style == "percent_tuple":
        text = literal("".join(p if isinstance(p, str) else "%s" for p in parts))
        if len(variables) == 1:
            return f"{text} % {variables[0].expr}"
        return f"{text} % (" + ", ".join(v.expr for v in variables) + ")"
    if style == "percent_dict":
        text = literal("".join(p if isinstance(p, str) else f"%({p.key})s" for p in parts))
        return f"{text} % {{" + ", ".join(f'"{v.key}": {v.expr}' for v in variables) + "}"
    if style == "format_positional":
        text = literal("".join(p if isinstance(p, str) else "{}" for p in parts))
        return f"{text}.format(" + ", ".join(v.expr for v in variables) + ")"
    if style == "format_named":
        text = literal("".join(p if isinstance(p, str) else "{" + p.key + "}" for p in parts))
        return f"{text}.format(" + ", ".join(f"{v.key}={v.expr}" for v in variables) + ")"
    raise ValueError(f"no spelling {style!r}")


#: URL values that spell the URL with one of ``render``'s styles.
FORMATTED: Final = ("fstring", "concat", "percent_tuple", "percent_dict", "format_positional", "format_named")


@dataclass
class Module:
    """One file of the program being written."""

    docstring: str
    imports: set[str] = field(default_factory=set)
    constants: Lines = field(default_factory=list)
    blocks: list[Lines] = field(default_factory=list)
    main: Lines = field(default_factory=list)

    def text(self) -> str:
        groups: list[list[str]] = [[], [], []]
        for line in self.imports:
            module = line.split()[1]
            position = 0 if module in STDLIB else 1 if module in THIRD_PARTY else 2
            groups[position].append(line)
        out = [f'"""{self.docstring}"""', ""]
        for group in groups:
            if group:
                out.extend(sorted(group, key=lambda line: (line.startswith("from"), line)))
                out.append("")
        if self.constants:
            out.extend(self.constants)
            out.append("")
        for block in self.blocks:
            out.extend(["", *block, ""])
        if self.main:
            out.extend(["", 'if __name__ == "__main__":', *indent(self.main), ""])
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n"
