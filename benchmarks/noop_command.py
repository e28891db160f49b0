"""A LibCST codemod command that changes nothing: the yardstick of ``bench_stdlib.py``.

``python -m libcst.tool codemod noop_command.DoNothing`` (with ``modules: ["benchmarks"]`` in the tree's
``.libcst.codemod.yaml``) parses every file with LibCST and returns its tree as it was: the least any
codemod run through LibCST's own runner costs, whatever it does.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodCommand


class DoNothing(CodemodCommand):
    DESCRIPTION: str = "Parses every module and changes nothing."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        return tree
