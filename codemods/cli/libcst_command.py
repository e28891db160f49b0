"""The migration as a LibCST codemod command, for projects that already run LibCST's codemod tool.

``python -m libcst.tool codemod -x codemods.cli.libcst_command.MigrateCourseStats PATH`` runs the same
transformer as ``migrate-360learning`` through LibCST's own runner (which parses every file and has no
pre-filter, no ``.gitignore`` support and no helper module generation: the helper must be added with
``migrate-360learning apply`` or by hand). Call sites left for review become LibCST warnings.
"""

from __future__ import annotations

import argparse

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile

from codemods.mapping import DEFAULT_HELPER_FILE
from codemods.results.findings import Status
from codemods.transform.migrate import SourceError, TransformOptions, migrate_source

_DEFAULT_MODULE = DEFAULT_HELPER_FILE.removesuffix(".py")


class MigrateCourseStats(CodemodCommand):
    DESCRIPTION: str = "Migrates 360Learning API v1 course-statistics calls to the paginated v2 endpoint."

    def __init__(self, context: CodemodContext, helper_import: str = _DEFAULT_MODULE) -> None:
        super().__init__(context)
        self.helper_import = helper_import

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--helper-module",
            dest="helper_import",
            default=_DEFAULT_MODULE,
            help="Dotted name under which rewritten code imports the helper module.",
        )

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        source = tree.bytes
        try:
            result = migrate_source(
                source,
                display_path=self.context.filename or "<module>",
                options=TransformOptions(helper_import=self.helper_import),
            )
        except SourceError as e:
            raise SkipFile(str(e)) from e
        for finding in result.findings:
            if finding.status is Status.NEEDS_REVIEW:
                self.warn(f"line {finding.line}: {finding.endpoint}: {finding.message}")
        if result.source == source:
            return tree
        return cst.parse_module(result.source)
