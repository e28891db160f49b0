"""What planning one module produces, and what its parts share while they plan.

``Plan`` holds every change to make in the module (the edits, the markers and notes, the findings);
``Context`` holds what every part of the planner reads (the module's metadata, where it is, the
repository it is part of) and the two ways a site ends up left for a person: reported with a reason
(``mapping.reasons.Review``), or accepted with an ignore marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from codemods.mapping import FILTER_MEANING_CHANGED, IGNORE_MARKER, REWRITE, SUPPRESSED, WRAPPER_CALLER
from codemods.mapping.reasons import Review
from codemods.mapping.rules import IGNORED_BY_OPTION, RULES, marker_rules
from codemods.planning.flow_state import Edits
from codemods.reading.clients import HttpCall
from codemods.reading.evidence import Evidence
from codemods.reading.index import RepositoryIndex
from codemods.reading.metadata import Metadata
from codemods.results.findings import Finding, Status
from codemods.results.wrappers import Export, Use, WrapperState

#: The rules of a rewritten site: a marker that names one of them accepts a site to rewrite.
_SITE_REWRITES = frozenset({REWRITE, FILTER_MEANING_CHANGED})


@dataclass
class Plan:
    """Everything to change in one module."""

    edits: Edits = field(default_factory=Edits)
    #: Statement → reasons for the review marker to put above it.
    markers: dict[cst.BaseStatement, list[str]] = field(default_factory=dict)
    #: Statement → notes for the reviewer of a rewrite (a filter whose meaning changed).
    notes: dict[cst.BaseStatement, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: Literal v1 API keys written in the module, for reports to redact.
    secrets: set[str] = field(default_factory=set)
    #: Wrappers this module migrates, and its calls of other modules' wrappers
    #: (``codemods.planning.wrappers``).
    exports: list[Export] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)
    #: The calls the planner made a site of (migrated, reported or suppressed): a v1 URL that reaches
    #: one of them is accounted for (``codemods.reading.detector``).
    sites: set[cst.CSTNode] = field(default_factory=set)

    def add_exports(self, exports: Sequence[Export]) -> None:
        self.exports.extend(e for e in exports if e not in self.exports)

    @property
    def calls_helper(self) -> bool:
        """Whether a site was rewritten into a call of the helper module (not only a wrapper's caller)."""
        return any(f.status is Status.REWRITE and f.rule != WRAPPER_CALLER for f in self.findings)


@dataclass
class Context:
    """What the parts of the planner of one module share."""

    meta: Metadata
    display_path: str
    #: The dotted name under which rewritten code imports the helper module.
    helper_import: str
    index: RepositoryIndex
    #: The module's dotted name, for its relative imports and the qualified names of its wrappers.
    module: str
    wrapper_state: WrapperState
    #: Hosts of 360Learning the configuration names, lower case.
    hosts: tuple[str, ...]
    evidence: Evidence
    plan: Plan = field(default_factory=Plan)
    #: The names of the rules the run leaves out (``--select``/``--ignore``): their sites are counted as
    #: ignored and left as they are.
    disabled: frozenset[str] = frozenset()
    #: Past this width a helper call is split, one argument per line (the repository's line length).
    line_length: int = 99

    @property
    def package(self) -> str | None:
        """The package the module's relative imports start from."""
        return package_of(self.module, self.display_path)

    def review(self, http: HttpCall, endpoint: str, review: Review) -> None:
        self.plan.sites.add(http.call)
        if self.suppressed(http.call, endpoint, review.rule, review.reason):
            return
        line, column = self.meta.position(http.call)
        self.plan.findings.append(
            Finding(
                self.display_path, line, column, endpoint, Status.NEEDS_REVIEW, review.rule, review.reason
            )
        )
        statement = self.meta.statement(http.call)
        self.plan.markers.setdefault(statement, []).append(review.reason)

    def suppressed(
        self,
        call: cst.CSTNode,
        endpoint: str,
        rule: str | None = None,
        message: str = "",
        *,
        deselect: bool = True,
    ) -> bool:
        """A site a person accepted with ``# migrate-360learning: ignore[<reason>]`` on its statement (the
        line above it, or at the end of its line), or whose ``rule`` the run leaves out: reported as
        ``suppressed``, left as it is. A marker that names rules (``ignore[L360104]``) accepts only the
        findings of those rules (a site to rewrite: ``rewrite`` or ``filter-meaning-changed``); ``rule``
        ``None`` is a site whose rule is not known yet, which only a marker of free text accepts. With
        ``deselect`` false, only a marker counts (the rule of a rewrite is known once it is planned)."""
        reason = ignore_reason(self.meta.statement(call))
        named = marker_rules(reason) if reason else None
        matches = named is None or rule in named or (rule == REWRITE and bool(named & _SITE_REWRITES))
        if reason is not None and matches:
            self.plan.sites.add(call)
            line, column = self.meta.position(call)
            text = f"accepted as it is: {reason}" if reason else "accepted as it is (no reason given)"
            if named is not None and message:
                text = f"{text}: {message}"
            self.plan.findings.append(
                Finding(self.display_path, line, column, endpoint, Status.SUPPRESSED, SUPPRESSED, text)
            )
            return True
        if deselect and rule is not None and rule in self.disabled:
            self.plan.sites.add(call)
            self.ignore(call, endpoint, rule, message)
            return True
        return False

    def ignore(self, node: cst.CSTNode, endpoint: str, rule: str, message: str) -> None:
        """A finding of a rule the run leaves out, counted as suppressed: nothing is silent."""
        line, column = self.meta.position(node)
        text = f"{IGNORED_BY_OPTION}: {RULES[rule].id} {rule}" + (f": {message}" if message else "")
        self.plan.findings.append(
            Finding(
                self.display_path,
                line,
                column,
                endpoint,
                Status.SUPPRESSED,
                SUPPRESSED,
                text,
                deselected=True,
            )
        )


def ignore_reason(statement: cst.BaseStatement) -> str | None:
    """The reason of an ignore marker on the statement, or ``None`` when it has none."""
    leading: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
    comments = [line.comment for line in leading if line.comment is not None]
    if isinstance(statement, cst.SimpleStatementLine) and statement.trailing_whitespace.comment:
        comments.append(statement.trailing_whitespace.comment)
    for comment in comments:
        text: str = comment.value
        start = text.find(IGNORE_MARKER)
        if start >= 0:
            reason, closed, _ = text[start + len(IGNORE_MARKER) :].partition("]")
            return reason.strip() if closed else reason.strip().rstrip("]")
    return None


def package_of(module: str, display_path: str) -> str | None:
    """The package a module's relative imports start from: itself for a package's ``__init__``, else the
    package holding it; ``None`` for a top-level module."""
    if display_path.replace("\\", "/").rpartition("/")[2] == "__init__.py":
        return module or None
    return module.rpartition(".")[0] or None
