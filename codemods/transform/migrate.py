"""The pure entry point of the rewrite: bytes of one module in, migrated bytes and findings out.

It knows nothing of files, processes or the command line. The module is parsed from bytes, so its
encoding (coding cookie, BOM) and line endings come back unchanged. A module that cannot be parsed raises
``SourceError``; the engine turns that into a per-file error and goes on with the others.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper

from codemods.planning.editor import Editor, edited
from codemods.planning.plan import Plan, package_of
from codemods.planning.planner import Planner
from codemods.reading.detector import Detector
from codemods.reading.index import RepositoryIndex
from codemods.reading.metadata import Metadata
from codemods.reading.precheck import TOO_DEEP, refusal
from codemods.results.findings import SourceResult, Status
from codemods.results.wrappers import WrapperState
from codemods.transform.inherited import Held, cut, hold, write_back


class SourceError(Exception):
    """The source could not be decoded or parsed; the message says why, in one line."""


@dataclass(frozen=True)
class TransformOptions:
    #: The dotted name under which rewritten code imports the helper module.
    helper_import: str = "learning360_v2"
    #: The repository's string constants, to read URLs built from other modules' constants.
    index: RepositoryIndex | None = None
    #: The dotted name of the module being transformed (``pkg.client``), to resolve relative imports.
    module: str = ""
    #: Hosts of 360Learning besides ``mapping.HOST_MARKERS`` (``--host``, ``hosts`` in pyproject.toml).
    hosts: tuple[str, ...] = ()
    #: (qualified name of a function or method, the v1 endpoint it performs), from pyproject.toml.
    wrappers: tuple[tuple[str, str], ...] = ()
    #: The repository's wrappers known so far, when the engine follows them across modules.
    wrapper_state: WrapperState = field(default_factory=WrapperState)
    #: The names of the rules the run leaves out (``--select``/``--ignore``).
    disabled: frozenset[str] = frozenset()
    #: The repository's style (``codemods.engine.style``): where a helper call is split, and the
    #: top-level names of its own modules, for the section of the helper's import.
    line_length: int = 99
    first_party: frozenset[str] = frozenset()
    #: Where the answer goes where the tool cannot follow it, move the call to v2 keeping v1's answer
    #: shape (``codemods.planning.v1_shape``); ``False`` reports such sites for review
    #: (``keep-v1-shape`` in pyproject.toml, ``--no-keep-v1-shape``).
    keep_v1_shape: bool = True


def parse(source: bytes) -> cst.Module:
    """Parse a module from its bytes, or raise ``SourceError`` with a one-line reason.

    ``codemods.reading.precheck`` first refuses what LibCST must not be given (too large, NUL bytes,
    undecodable, nested too deeply). A syntax error is told as Python tells it when Python refuses the
    module too.
    """
    reason = refusal(source)
    if reason is not None:
        raise SourceError(reason)
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise SourceError(_syntax_error(source, error)) from None
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as error:
        raise SourceError(f"cannot be decoded: {str(error).splitlines()[0]}") from None
    except RecursionError:
        raise SourceError(TOO_DEEP) from None


def _syntax_error(source: bytes, error: cst.ParserSyntaxError) -> str:
    """Python's own message and position (LibCST's positions can be off by a line), else LibCST's."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<module>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as python:
        if python.lineno is not None and python.msg:
            column = f", column {python.offset}" if python.offset else ""
            return f"syntax error at line {python.lineno}{column}: {python.msg}"
    except (ValueError, RecursionError, MemoryError):
        pass
    message = str(error.message).splitlines()[0] if error.message else "invalid syntax"
    return f"cannot be parsed by LibCST: {message}"


def _edited_paths(meta: Metadata, plan: Plan) -> set[cst.CSTNode] | None:
    """Every node the plan edits and all their ancestors: what the editor must walk. ``None`` (walk
    everything) when an edited node is not one of the module as parsed."""
    paths: set[cst.CSTNode] = set()
    for node in edited(plan):
        if not meta.in_tree(node):
            return None
        if node in paths:
            continue
        paths.add(node)
        for ancestor in meta.ancestors(node):
            if ancestor in paths:
                break
            paths.add(ancestor)
    return paths


def _keep_spacing(before: cst.Module, after: cst.Module) -> cst.Module:
    """Give the blank lines of a removed top-level import to the statement that now follows it, so that
    removing ``import requests`` does not glue the next import to the module docstring."""
    code = before.code_for_node
    body = list(after.body)
    kept: dict[int, str] = {}

    def kept_code(position: int) -> str:
        if position not in kept:
            kept[position] = code(after.body[position].with_changes(leading_lines=[]))
        return kept[position]

    position = 0
    pending: list[cst.EmptyLine] = []
    for statement in before.body:
        # A statement kept as the same object needs no code compared (in a large module, most of them).
        same = position < len(body) and (
            after.body[position] is statement
            or kept_code(position) == code(statement.with_changes(leading_lines=[]))
        )
        if same:
            current = body[position]
            if pending and not current.leading_lines:
                body[position] = current.with_changes(leading_lines=pending)
            pending = []
            position += 1
        elif not pending:
            pending = list(statement.leading_lines)
    return after.with_changes(body=body)


def _no_blank_start(module: cst.Module) -> cst.Module:
    """A module whose first statements went (``import requests``) starts with the next one, not with
    the blank lines that stood above it."""
    if module.header or not module.body:
        return module
    first = module.body[0]
    lines = first.leading_lines
    if not lines or any(line.comment is not None for line in lines):
        return module
    return module.with_changes(body=[first.with_changes(leading_lines=[]), *module.body[1:]])


def migrate_source(source: bytes, *, display_path: str, options: TransformOptions) -> SourceResult:
    """Migrate every v1 course-statistics call site of one module."""
    module = parse(source)
    held = hold(source, options.index, options.module)
    if held is not None:
        result = _migrate(parse(held.source), source, display_path, options, held)
        if result is not None:
            return result
    result = _migrate(module, source, display_path, options, None)
    assert result is not None
    return result


def _migrate(
    module: cst.Module, source: bytes, display_path: str, options: TransformOptions, held: Held | None
) -> SourceResult | None:
    """The migration of a parsed module, which may hold other modules' code (``codemods.transform.
    inherited``); ``None`` when what it holds cannot be left out of the rewrite again."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    planner = Planner(
        Metadata(wrapper),
        display_path=display_path,
        helper_import=options.helper_import,
        index=options.index,
        module=options.module,
        wrapper_state=options.wrapper_state,
        declared=options.wrappers,
        hosts=options.hosts,
        disabled=options.disabled,
        line_length=options.line_length,
        keep_v1_shape=options.keep_v1_shape,
        inherited=held.names if held is not None else None,
    )
    plan = planner.run()
    planner.report_unfollowed(
        Detector(
            planner.meta,
            planner.evidence,
            sites=plan.sites,
            resolve=planner.resolve,
            imported=planner.imported,
            index=options.index,
        ).run()
    )
    findings, exports, uses = plan.findings, plan.exports, plan.uses
    if held is not None:
        exports = [e for e in exports if e.line <= held.lines]
        uses = [u for u in uses if u.line <= held.lines]
        findings = [f for f in findings if f.line <= held.lines]
        if not any(f.status is Status.REWRITE for f in findings):
            return None  # the held code let nothing more be migrated: read the module alone
    if not findings:
        return SourceResult(source=source, findings=(), uses=tuple(uses))
    migrated = wrapper.module.visit(Editor(plan, _edited_paths(planner.meta, plan)))
    if held is not None:
        own = cut(held, migrated)
        if own is None:
            return None
        migrated = own
    if plan.calls_helper:
        # Imported here: a run that rewrites nothing never needs it.
        from codemods.transform.imports import add_helper_import, remove_unused

        migrated = _keep_spacing(
            migrated,
            remove_unused(migrated, planner.unused_imports(), package_of(options.module, display_path)),
        )
        migrated = _no_blank_start(add_helper_import(migrated, options.helper_import, options.first_party))
    if held is not None:
        written = write_back(held, migrated, options.first_party)
        if written is None:
            return None
        migrated = written
    return SourceResult(
        source=migrated.bytes,
        findings=tuple(sorted(findings, key=lambda f: (f.line, f.column))),
        secrets=tuple(sorted(plan.secrets)),
        exports=tuple(exports),
        uses=tuple(uses),
    )
