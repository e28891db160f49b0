"""The rules findings are reported under: a stable id for CI, a name, the status its findings have, a
summary and the help text SARIF and the README show. Review reasons (``mapping.reasons``) each belong
to one of these rules.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True)
class Rule:
    """A kind of change or of problem."""

    id: str
    name: str
    #: The status of its findings: ``rewrite``, ``needs_review`` or ``suppressed``.
    status: str
    summary: str
    #: What the finding asks of a person.
    help: str


_REWRITE_HELP: Final = "`migrate-360learning apply` rewrites the call to GET /api/v2/courses/stats through the generated helper module; the result's fix holds that change. Review it like any other change."

_NEEDS_REVIEW_HELP: Final = "The tool cannot prove a rewrite safe here: it leaves the code as it is, with a `# migrate-360learning: review: …` comment above it that says why. Migrate the call by hand, or accept it with `# migrate-360learning: ignore[<rule id>]` (this rule only) or `ignore[<reason>]` (every rule)."

_SECRET_HELP: Final = "Revoke the key in 360Learning: it stays readable in the repository's history. The helper module reads v2 credentials from the environment."

_SUPPRESSED_HELP: Final = "A person accepted the site with `# migrate-360learning: ignore[<reason>]`; remove that comment to have the site migrated or reported again."


_RULES: Final = (
    Rule(
        "L360001",
        "rewrite",
        "rewrite",
        "v1 course-statistics call rewritten to the paginated v2 endpoint",
        _REWRITE_HELP,
    ),
    Rule(
        "L360100",
        "unsupported-url",
        "needs_review",
        "the URL could not be read statically",
        _NEEDS_REVIEW_HELP,
    ),
    Rule(
        "L360101",
        "unsupported-argument",
        "needs_review",
        "an argument of the call has no v2 equivalent",
        _NEEDS_REVIEW_HELP,
    ),
    Rule(
        "L360102",
        "unsupported-response-use",
        "needs_review",
        "the response is used in a way the tool cannot adapt",
        _NEEDS_REVIEW_HELP,
    ),
    Rule(
        "L360103",
        "unsupported-credentials",
        "needs_review",
        "the query parameters or headers could not be read",
        _NEEDS_REVIEW_HELP,
    ),
    Rule(
        "L360104", "filter-without-v2", "needs_review", "a v1 filter has no v2 equivalent", _NEEDS_REVIEW_HELP
    ),
    Rule(
        "L360105",
        "data-gone-in-v2",
        "needs_review",
        "the code reads data that v2 course statistics do not carry",
        _NEEDS_REVIEW_HELP,
    ),
    Rule(
        "L360002",
        "filter-meaning-changed",
        "rewrite",
        "rewritten; a date filter now applies to the completion date",
        _REWRITE_HELP,
    ),
    Rule(
        "L360004",
        "return-shape-changed",
        "rewrite",
        "a migrated function or method returns v2's shape to callers the tool may not see",
        _REWRITE_HELP,
    ),
    Rule(
        "L360005",
        "v1-shape-kept",
        "rewrite",
        "rewritten to v2 keeping v1's answer shape: the data goes where the tool cannot follow it",
        "`migrate-360learning apply` moves the call to GET /api/v2/courses/stats (token, pagination, user ids) through the helper module's `v1_…` functions, which answer in v1's shape with v1's field names: the data is printed, dumped, handed to a library or returned to callers the tool cannot see. Adapt that code to v2's field names when you can, then call the helper's v2 functions; `--no-keep-v1-shape` (or `keep-v1-shape = false`) reports such sites for review instead.",
    ),
    Rule(
        "L360003",
        "wrapper-caller",
        "rewrite",
        "code that reads a migrated wrapper's result adapted to the v2 answer",
        _REWRITE_HELP,
    ),
    Rule(
        "L360106",
        "declared-wrapper",
        "needs_review",
        "a call of a declared wrapper from outside the repository, which must move to v2",
        _NEEDS_REVIEW_HELP,
    ),
    Rule(
        "L360107",
        "unfollowed-url",
        "needs_review",
        "a v1 course-statistics URL the tool could not follow to a call",
        _NEEDS_REVIEW_HELP,
    ),
    Rule(
        "L360108",
        "notebook-cell",
        "needs_review",
        "a v1 call in a notebook's code cell, which the tool reports only",
        _NEEDS_REVIEW_HELP,
    ),
    Rule(
        "L360200",
        "hard-coded-api-key",
        "needs_review",
        "a v1 API key is written in the code: revoke it and keep credentials out of code",
        _SECRET_HELP,
    ),
    Rule(
        "L360300",
        "suppressed",
        "suppressed",
        "a person accepted this site as it is (ignore marker)",
        _SUPPRESSED_HELP,
    ),
)
#: Every rule, by name; ids in order.
RULES: Final[Mapping[str, Rule]] = MappingProxyType({rule.name: rule for rule in _RULES})
#: Every rule, by id.
RULES_BY_ID: Final[Mapping[str, Rule]] = MappingProxyType({rule.id: rule for rule in _RULES})


def rule_for(token: str) -> Rule | None:
    """The rule a person names by its id (``L360104``, any case) or its name (``filter-without-v2``)."""
    text = token.strip()
    return RULES_BY_ID.get(text.upper()) or RULES.get(text.lower())


def close_rules(token: str) -> list[str]:
    """The ids and names that look like ``token``, for a "did you mean"."""
    known = [*RULES_BY_ID, *RULES]
    return difflib.get_close_matches(token.strip(), known, n=3, cutoff=0.6)


class UnknownRule(ValueError):
    """A rule named on the command line or in the configuration does not exist; the message says which,
    and what it may have meant."""


def _named(tokens: Sequence[str]) -> set[str]:
    names: set[str] = set()
    for token in tokens:
        rule = rule_for(token)
        if rule is None:
            close = close_rules(token)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise UnknownRule(f"unknown rule {token!r}{hint}: `migrate-360learning explain` lists them")
        names.add(rule.name)
    return names


def disabled_rules(select: Sequence[str] = (), ignore: Sequence[str] = ()) -> frozenset[str]:
    """The names of the rules a run leaves out: every rule but those of ``select`` (when it names any),
    and those of ``ignore``. The suppressed rule itself is never left out: it is how ignored sites are
    counted."""
    disabled = _named(ignore)
    if select:
        chosen = _named(select)
        disabled |= {name for name in RULES if name not in chosen}
    disabled.discard(SUPPRESSED_RULE)
    return frozenset(disabled)


def marker_rules(reason: str) -> frozenset[str] | None:
    """The rules an ignore marker names (``ignore[L360104, data-gone-in-v2]``), or ``None`` when its text
    is a free reason, which accepts every finding of the site."""
    tokens = [t for t in reason.replace(";", ",").split(",") if t.strip()]
    rules = [rule_for(t) for t in tokens]
    if not tokens or any(r is None for r in rules):
        return None
    return frozenset(r.name for r in rules if r is not None)


#: The names of the rules whose findings are sites that are rewritten.
REWRITE_RULES: Final = frozenset(rule.name for rule in _RULES if rule.status == "rewrite")
SUPPRESSED_RULE: Final = "suppressed"
#: How the message of a site whose rule the run leaves out starts.
IGNORED_BY_OPTION: Final = "ignored by --select/--ignore"
