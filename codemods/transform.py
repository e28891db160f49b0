"""The pure entry point of the rewrite: bytes of one module in, migrated bytes and findings out.

It knows nothing of files, processes or the command line. A module that cannot be parsed raises
``SourceError``; the engine turns that into a per-file error and goes on with the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from codemods.findings import SourceResult


class SourceError(Exception):
    """The source could not be decoded or parsed; the message says why, in one line."""


@dataclass(frozen=True)
class TransformOptions:
    #: The dotted name under which rewritten code imports the helper module.
    helper_module: str = "learning360_v2"


def migrate_source(source: bytes, *, display_path: str, options: TransformOptions) -> SourceResult:
    """Migrate every v1 course-statistics call site of one module (placeholder: changes nothing)."""
    return SourceResult(source=source, findings=())
