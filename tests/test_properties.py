"""Properties over generated inputs, not hand-picked ones.

* A program that does not use the v1 API comes back byte for byte, and the transform never crashes on
  it; it may refuse it only when Python's ``compile()`` refuses it too. The programs come from
  hypothesmith: from Python's grammar, and from LibCST's node types. On each, the nesting estimate the
  pre-check relies on stays a lower bound of the depth of LibCST's tree.
* A fixture reformatted without changing its meaning (comments at line ends and on lines of their own,
  blank lines, redundant parentheses, line breaks inside brackets) is migrated all the same: as many
  findings with the same statuses, output that parses, and a second run that changes nothing.
* A fixture mutated without changing its meaning (type annotations, the other quotes, an ``assert``, an
  unrelated statement) gets the same findings, by endpoint, status and rule; a mutated look-alike is
  left byte for byte as it is, with no finding.

The examples are derandomized, so that every run tries the same ones, and no example database is
written.
"""

from __future__ import annotations

import functools
import io
import tokenize
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.cases import Case, cases
from support.syntax import tree_depth

from codemods.reading.depth import depth_estimate
from codemods.reading.prefilter import may_contain_site
from codemods.results.findings import Finding, Status
from codemods.transform.migrate import SourceError, TransformOptions, migrate_source

#: hypothesmith compiles what it generates, and Python warns about some of it.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")
OPTIONS = TransformOptions()
#: Generated programs per property. Each from_node program costs about ten times a from_grammar one.
GRAMMAR_PROGRAMS = 120
NODE_PROGRAMS = 30
#: Reformatted fixtures; each costs two migrations.
REFORMATTED_FIXTURES = 60


def _settings(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    # deadline=None and too_slow: a LibCST parse of a generated program may take a while on a busy
    # machine, and generating one through LibCST's node types is slow by nature.
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def _compiles(source: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<generated>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _left_alone(text: str, seen: list[bytes]) -> None:
    source = text.encode("utf-8")
    if may_contain_site(source):  # a v1 path spelled by chance: not this property's input
        return
    seen.append(source)
    try:
        result = migrate_source(source, display_path="generated.py", options=OPTIONS)
    except SourceError as e:
        assert not _compiles(source), f"refused a program Python compiles: {e}"
        return
    assert result.source == source
    assert result.findings == ()
    module = cst.parse_module(source)
    assert depth_estimate(module.code, stop=10**9, max_brackets=10**9) <= tree_depth(module)


def test_programs_from_the_grammar_are_left_alone() -> None:
    seen: list[bytes] = []

    @_settings(GRAMMAR_PROGRAMS)
    @given(hypothesmith.from_grammar())
    def check(text: str) -> None:
        _left_alone(text, seen)

    check()
    assert len(seen) >= GRAMMAR_PROGRAMS
    assert len(set(seen)) >= GRAMMAR_PROGRAMS // 2


def test_programs_from_libcst_nodes_are_left_alone() -> None:
    seen: list[bytes] = []

    @_settings(NODE_PROGRAMS)
    @given(hypothesmith.from_node())
    def check(text: str) -> None:
        _left_alone(text, seen)

    check()
    assert len(seen) >= NODE_PROGRAMS
    assert len(set(seen)) >= NODE_PROGRAMS // 3  # small modules come up more than once


# --- reformatted fixtures -----------------------------------------------------------------------------

#: Cases the tool migrates entirely: an after.py, and no site left for review.
MIGRATED = [
    c
    for c in cases()
    if (c.directory / "after.py").exists()
    and all(f["status"] != Status.NEEDS_REVIEW.value for f in c.findings)
]


class _Parenthesize(cst.CSTTransformer):
    """Wraps the chosen assigned values, returned values and call arguments in redundant parentheses."""

    def __init__(self, chosen: frozenset[int]) -> None:
        self.chosen = chosen
        self.seen = 0

    def _wrap(self, node: cst.BaseExpression) -> cst.BaseExpression:
        self.seen += 1
        if self.seen - 1 not in self.chosen:
            return node
        return node.with_changes(lpar=[cst.LeftParen(), *node.lpar], rpar=[*node.rpar, cst.RightParen()])

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        return updated.with_changes(value=self._wrap(updated.value))

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        return updated if updated.value is None else updated.with_changes(value=self._wrap(updated.value))

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated if updated.star else updated.with_changes(value=self._wrap(updated.value))


@dataclass(frozen=True)
class _Spots:
    """Where text may be inserted without changing what the module means, as (line, column) pairs."""

    #: End of a line holding code and no comment (before its line break).
    line_ends: tuple[tuple[int, int], ...]
    #: Start of a line where a token starts, the line before not ending in a backslash.
    line_starts: tuple[tuple[int, int], ...]
    #: Just after a comma inside brackets.
    commas: tuple[tuple[int, int], ...]


def _spots(text: str) -> _Spots:
    line_ends: list[tuple[int, int]] = []
    line_starts: dict[int, tuple[int, int]] = {}
    commas: list[tuple[int, int]] = []
    lines = text.splitlines(keepends=True)
    depth = 0
    previous: tokenize.TokenInfo | None = None
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        row, column = token.start
        if token.type in (tokenize.NEWLINE, tokenize.NL) and token.string:
            if previous is not None and previous.type not in (
                tokenize.COMMENT,
                tokenize.NL,
                tokenize.NEWLINE,
            ):
                line_ends.append(token.start)
        elif token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.OP and token.string == "," and depth > 0:
            commas.append(token.end)
        if (
            token.type
            not in (tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER)
            and lines[row - 1][:column].strip() == ""
            and not (row > 1 and lines[row - 2].rstrip("\r\n").endswith("\\"))
        ):
            line_starts.setdefault(row, (row, 0))
        previous = token
    return _Spots(tuple(line_ends), tuple(line_starts.values()), tuple(commas))


def _insert(text: str, insertions: list[tuple[tuple[int, int], str]]) -> str:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    out = text
    for (row, column), piece in sorted(insertions, key=lambda item: item[0], reverse=True):
        offset = starts[row - 1] + column
        out = out[:offset] + piece + out[offset:]
    return out


@st.composite
def reformatted(draw: st.DrawFn, among: list[Case]) -> tuple[Case, bytes]:
    case = draw(st.sampled_from(among))
    encoding = tokenize.detect_encoding(io.BytesIO(case.before).readline)[0]
    module = cst.parse_module(case.before)
    counter = _Parenthesize(frozenset())
    module.visit(counter)
    wrapped = draw(st.sets(st.integers(0, max(counter.seen - 1, 0)), max_size=counter.seen))
    text = module.visit(_Parenthesize(frozenset(wrapped))).bytes.decode(encoding)
    newline = "\r\n" if "\r\n" in text else "\n"
    spots = _spots(text)

    def some(places: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
        return sorted(draw(st.sets(st.sampled_from(places), max_size=len(places)))) if places else []

    insertions: list[tuple[tuple[int, int], str]] = []
    insertions += [(at, "  # a note at the end of the line") for at in some(spots.line_ends)]
    insertions += [(at, f"# a note on a line of its own{newline}") for at in some(spots.line_starts)]
    insertions += [(at, newline * draw(st.integers(1, 3))) for at in some(spots.line_starts)]
    insertions += [(at, newline + " " * draw(st.integers(0, 12))) for at in some(spots.commas)]
    return case, _insert(text, insertions).encode(encoding)


@functools.cache
def _statuses(case: Case) -> list[Status]:
    """The statuses of the unmodified fixture's findings."""
    return [f.status for f in migrate_source(case.before, display_path="before.py", options=OPTIONS).findings]


def test_there_are_fixtures_to_reformat() -> None:
    assert len(MIGRATED) >= 20
    assert all(_statuses(c) and set(_statuses(c)) <= {Status.REWRITE, Status.SUPPRESSED} for c in MIGRATED)


#: Two tests, each over half the fixtures, so that two workers share them.
@pytest.mark.parametrize("half", [0, 1], ids=["even-cases", "odd-cases"])
def test_a_reformatted_fixture_is_migrated_all_the_same(half: int) -> None:
    tried: list[str] = []

    @_settings(REFORMATTED_FIXTURES // 2)
    @given(reformatted(MIGRATED[half::2]))
    def check(example: tuple[Case, bytes]) -> None:
        case, source = example
        tried.append(case.id)
        assert _compiles(source) == _compiles(case.before), "the reformatting itself broke the module"
        result = migrate_source(source, display_path="before.py", options=OPTIONS)
        assert [f.status for f in result.findings] == _statuses(case)
        assert result.source != source
        cst.parse_module(result.source)
        assert _compiles(result.source)
        again = migrate_source(result.source, display_path="before.py", options=OPTIONS)
        assert again.source == result.source

    check()
    assert len(tried) >= REFORMATTED_FIXTURES // 2
    assert len(set(tried)) >= 5


# --- mutations that keep the meaning -------------------------------------------------------------------

#: Every fixture, the look-alikes among them, and how many mutated programs each property tries.
EVERY_CASE = cases()
LOOKALIKE_CASES = [c for c in EVERY_CASE if c.directory.parent.name == "lookalikes"]
SITE_CASES = [c for c in EVERY_CASE if c not in LOOKALIKE_CASES]
MUTATED_FIXTURES = 60
MUTATED_LOOKALIKES = 30
MUTATIONS = ("annotate", "quotes", "assert", "statement")


class _Mutate(cst.CSTTransformer):
    """Applies one kind of meaning-preserving change at the chosen places (counted in visiting order):

    ``annotate`` turns ``x = v`` into ``x: object = v``; ``quotes`` writes a plain string in the other
    quotes; ``assert`` opens a function body with ``assert True``; ``statement`` adds an unrelated
    statement after the module's imports."""

    def __init__(self, kind: str, chosen: frozenset[int]) -> None:
        self.kind = kind
        self.chosen = chosen
        self.seen = 0
        self.in_fstring = 0

    def _pick(self) -> bool:
        self.seen += 1
        return self.seen - 1 in self.chosen

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        if self.kind != "annotate" or len(updated.body) != 1:
            return updated
        assign = updated.body[0]
        if not (
            isinstance(assign, cst.Assign)
            and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
        ):
            return updated
        if not self._pick():
            return updated
        annotated = cst.AnnAssign(
            target=assign.targets[0].target, annotation=cst.Annotation(cst.Name("object")), value=assign.value
        )
        return updated.with_changes(body=[annotated])

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self.in_fstring += 1

    def leave_FormattedString(
        self, original: cst.FormattedString, updated: cst.FormattedString
    ) -> cst.FormattedString:
        self.in_fstring -= 1
        return updated

    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.SimpleString:
        # Inside an f-string's braces, the other quotes may be the f-string's own (before Python 3.12).
        if self.kind != "quotes" or updated.prefix or len(updated.quote) != 1 or self.in_fstring:
            return updated
        inner = updated.value[1:-1]
        if "'" in inner or '"' in inner or "\\" in inner or not self._pick():
            return updated
        other = "'" if updated.quote == '"' else '"'
        return updated.with_changes(value=f"{other}{inner}{other}")

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if self.kind != "assert" or not isinstance(updated.body, cst.IndentedBlock) or not self._pick():
            return updated
        check = cst.SimpleStatementLine([cst.Assert(cst.Name("True"))])
        return updated.with_changes(body=updated.body.with_changes(body=[check, *updated.body.body]))

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if self.kind != "statement" or not self._pick():
            return updated
        body = list(updated.body)
        after = max(
            (
                i + 1
                for i, s in enumerate(body)
                if isinstance(s, cst.SimpleStatementLine)
                and isinstance(s.body[0], (cst.Import, cst.ImportFrom))
            ),
            default=0,
        )
        extra = cst.parse_statement("_UNRELATED_SETTING = {'retries': 3}\n")
        return updated.with_changes(body=[*body[:after], extra, *body[after:]])


@st.composite
def mutated(draw: st.DrawFn, among: list[Case]) -> tuple[Case, str, bytes]:
    case = draw(st.sampled_from(among))
    kind = draw(st.sampled_from(MUTATIONS))
    module = cst.parse_module(case.before)
    counter = _Mutate(kind, frozenset())
    module.visit(counter)
    places = max(counter.seen, 1)
    chosen = draw(st.sets(st.integers(0, places - 1), min_size=1, max_size=places))
    return case, kind, module.visit(_Mutate(kind, frozenset(chosen))).bytes


def _kinds(findings: tuple[Finding, ...]) -> list[tuple[str, str, str]]:
    return sorted((f.endpoint, f.status.value, f.rule) for f in findings)


@functools.cache
def _kinds_of(case: Case) -> list[tuple[str, str, str]]:
    return _kinds(migrate_source(case.before, display_path="before.py", options=OPTIONS).findings)


def test_a_mutated_fixture_gets_the_same_findings() -> None:
    """Annotations, quote style, an ``assert``, an unrelated statement: the same sites, with the same
    endpoints, statuses and rules; the output parses and a second run changes nothing."""
    tried: list[tuple[str, str]] = []

    @_settings(MUTATED_FIXTURES)
    @given(mutated(SITE_CASES))
    def check(example: tuple[Case, str, bytes]) -> None:
        case, kind, source = example
        tried.append((case.id, kind))
        result = migrate_source(source, display_path="before.py", options=OPTIONS)
        assert _kinds(result.findings) == _kinds_of(case), kind
        assert _compiles(result.source)
        again = migrate_source(result.source, display_path="before.py", options=OPTIONS)
        assert again.source == result.source

    check()
    assert len(tried) >= MUTATED_FIXTURES
    assert {kind for _, kind in tried} == set(MUTATIONS)


@pytest.mark.parametrize("kind", MUTATIONS)
def test_every_fixture_changed_at_every_place_gets_the_same_findings(kind: str) -> None:
    """The sampled test above, made whole for each kind of change: every fixture with a site, changed
    at every place the kind applies to at once."""
    for case in SITE_CASES:
        module = cst.parse_module(case.before)
        counter = _Mutate(kind, frozenset())
        module.visit(counter)
        source = module.visit(_Mutate(kind, frozenset(range(max(counter.seen, 1))))).bytes
        result = migrate_source(source, display_path="before.py", options=OPTIONS)
        assert _kinds(result.findings) == _kinds_of(case), case.id


def test_a_mutated_lookalike_is_left_alone() -> None:
    tried: list[str] = []

    @_settings(MUTATED_LOOKALIKES)
    @given(mutated(LOOKALIKE_CASES))
    def check(example: tuple[Case, str, bytes]) -> None:
        case, kind, source = example
        tried.append(kind)
        result = migrate_source(source, display_path="before.py", options=OPTIONS)
        assert result.source == source, (case.id, kind)
        assert result.findings == (), (case.id, kind)

    check()
    assert len(tried) >= MUTATED_LOOKALIKES
