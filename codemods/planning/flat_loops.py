"""Flat loops: nested loops over a v1 answer become one loop over v2's flat records.

getCourseStats, getCoursesStats and getUserCourses answered nested lists (course → user → attempts);
v2 answers one flat record per attempt, which carries ``courseId`` and ``userId``. Code that only walks
down the nesting to reach the attempts reads more simply as one loop over the records::

    for entry in answer:                           for attempt in records:
        course_id = entry["course"]["_id"]            course_id = attempt["courseId"]
        for stat in entry["stats"]:           →        total[course_id] += attempt["timeSpent"]
            for attempt in stat["attempts"]:
                total[course_id] += attempt["globalTime"]

A loop nest is rewritten so only when the rewrite provably does the same thing:

- each outer level holds nothing but assignments of an enclosing record's id (``x["course"]["_id"]``)
  followed by the loop one level down, and no loop of the nest has an ``else``;
- the outer loops' variables are read only for those ids and for the next level's list, and every name
  the nest binds is used inside it alone, so that neither assigning an id once per attempt instead of
  once per course nor the value a loop leaves behind can be told apart;
- the innermost body gives the same result whatever order the attempts come in, since v2 promises no
  grouping: it sums numbers (``+=``, ``d[k] = d.get(k, 0) + n``, ``max``/``min``), adds to sets, keeps
  temporaries of its own, and branches on tests without side effects. Appending, printing, breaking or
  returning depends on the order, and such a nest keeps the other strategy.

Comprehensions follow the same rules (``flat_comprehension``), and what they make must not depend on the
order either: a set, or the one argument of ``sum`` (of numbers), ``len``, ``any``, ``all``, ``max``,
``min``. Every other use keeps that other strategy (``codemods.planning.flow``: the helper rebuilds the v1
nesting), which is always correct; this module only says whether a nest can be flattened and how.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from codemods.mapping import FLAT_RECORD_IDS, NUMERIC_ATTEMPT_FIELDS, Shape, ShapeKind
from codemods.reading.metadata import Metadata

#: Builtins whose call reads its arguments and changes nothing.
_PURE_BUILTINS = frozenset({"len", "int", "float", "round", "abs", "min", "max", "bool", "str"})
#: Of those, the ones that answer a number (``min``/``max`` only of numbers).
_NUMBER_BUILTINS = frozenset({"len", "int", "float", "round", "abs"})
_ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power)


@dataclass(frozen=True)
class FlatLoop:
    """How one loop nest becomes one loop (see ``codemods.planning.editor``)."""

    #: The loop (or comprehension clause) over the answer, which becomes the one over the records.
    outer: cst.For | cst.CompFor
    #: How many loops nested in it are merged into it.
    depth: int
    #: Each read of an enclosing record's id (``stat["user"]["_id"]``) → the record field that holds it.
    ids: Mapping[cst.Subscript, str]
    #: The innermost loop's variable, which now names each record.
    record: str


def flat_loop(meta: Metadata, loop: cst.For, answer: Shape) -> FlatLoop | None:
    """The flat form of a loop over a v1 answer of shape ``answer``, or ``None`` when it has none."""
    chain = [loop]
    records: list[Shape] = []
    assignments: list[cst.Assign] = []
    current, shape = loop, answer
    while True:
        if current.orelse is not None or current.asynchronous is not None:
            return None
        if not isinstance(current.target, cst.Name) or shape.item is None:
            return None
        item = shape.item
        if item.kind is ShapeKind.ATTEMPT:
            break
        down = _list_field(item)
        body = _block(current.body)
        if down is None or not body:
            return None
        key, child = down
        *statements, nested = body
        if not (isinstance(nested, cst.For) and _key_of(nested.iter, current.target.value) == key):
            return None
        variables = {level.target.value for level in chain if isinstance(level.target, cst.Name)}
        for statement in statements:
            assign = _id_assignment(statement)
            if assign is None or _variable(assign.value) not in variables:
                return None
            assignments.append(assign)
        records.append(item)
        chain.append(nested)
        current, shape = nested, child
    if len(chain) == 1:
        return None
    innermost = chain[-1]
    record = innermost.target
    assert isinstance(record, cst.Name)
    ids = _ids(meta, loop, chain, records)
    if ids is None:
        return None
    bound: list[cst.BaseExpression] = [record, *(a.targets[0].target for a in assignments)]
    if not all(isinstance(name, cst.Name) and _confined(meta, name, loop) for name in bound):
        return None
    if not _OrderFree(meta, record.value, innermost.body).block(_block(innermost.body)):
        return None
    return FlatLoop(loop, len(chain) - 1, ids, record.value)


def flat_comprehension(meta: Metadata, first: cst.CompFor, answer: Shape) -> FlatLoop | None:
    """The flat form of a comprehension over a v1 answer (``sum(a["globalTime"] for s in answer for a
    in s["attempts"])``), or ``None``. Its ``for`` clauses obey the rules of loops, only the last one may
    filter, and what it makes must not depend on the order: a set, or the one argument of ``sum`` (of
    numbers), ``len``, ``any``, ``all``, ``set``, ``max`` or ``min``."""
    comprehension = meta.parent(first)
    if not isinstance(comprehension, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return None
    chain = [first]
    records: list[Shape] = []
    current, shape = first, answer
    while True:
        if current.asynchronous is not None or not isinstance(current.target, cst.Name) or shape.item is None:
            return None
        item = shape.item
        nested = current.inner_for_in
        if item.kind is ShapeKind.ATTEMPT:
            if nested is not None:
                return None
            break
        down = _list_field(item)
        if down is None or current.ifs or nested is None:
            return None
        key, child = down
        if _key_of(nested.iter, current.target.value) != key:
            return None
        records.append(item)
        chain.append(nested)
        current, shape = nested, child
    if len(chain) == 1:
        return None
    record = chain[-1].target
    assert isinstance(record, cst.Name)
    ids = _ids(meta, comprehension, chain, records)
    if ids is None:
        return None
    free = _OrderFree(meta, record.value, comprehension)
    if not (free.pure(comprehension.elt) and all(free.pure(i.test) for i in chain[-1].ifs)):
        return None
    if not _order_free_use(meta, comprehension, free):
        return None
    return FlatLoop(first, len(chain) - 1, ids, record.value)


def _order_free_use(
    meta: Metadata, comprehension: cst.ListComp | cst.SetComp | cst.GeneratorExp, free: _OrderFree
) -> bool:
    if isinstance(comprehension, cst.SetComp):
        return True
    arg = meta.parent(comprehension)
    if not (isinstance(arg, cst.Arg) and arg.keyword is None and not arg.star):
        return False
    call = meta.parent(arg)
    if not (isinstance(call, cst.Call) and call.args[0] is arg):
        return False
    others = call.args[1:]
    builtin = meta.builtin(call)
    if builtin in ("len", "any", "all", "set", "frozenset"):
        return not others
    if builtin == "sum":
        return not others and free.number(comprehension.elt)
    if builtin in ("max", "min"):
        return all(a.keyword is not None and a.keyword.value == "default" for a in others)
    return False


def _list_field(item: Shape) -> tuple[str, Shape] | None:
    """The key and shape of the one list a record of a nested answer holds (``stats``, ``attempts``)."""
    lists = [(key, field) for key, field in item.fields.items() if field.kind is ShapeKind.LIST]
    return lists[0] if item.kind is ShapeKind.RECORD and len(lists) == 1 else None


def _ids(
    meta: Metadata, nest: cst.CSTNode, chain: Sequence[cst.For | cst.CompFor], records: Sequence[Shape]
) -> dict[cst.Subscript, str] | None:
    """Every id read of the outer levels' variables, when they are read for nothing else."""
    ids: dict[cst.Subscript, str] = {}
    for level, item in zip(chain, records, strict=False):
        found = _id_reads(meta, level, item, nest, chain)
        if found is None:
            return None
        ids.update(found)
    return ids if _mentions_known(nest, chain, ids) else None


def _block(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    """The statements of a suite, a one-line suite as one line."""
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    assert isinstance(suite, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(suite.body)]


def _key_of(node: cst.BaseExpression, variable: str) -> str | None:
    """``"k"`` for ``variable["k"]``, else ``None``."""
    if not (isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name)):
        return None
    return _subscript_key(node) if node.value.value == variable else None


def _id_assignment(statement: cst.BaseStatement) -> cst.Assign | None:
    """``name = x["course"]["_id"]`` alone on its line (which variable ``x`` is, ``_id_reads`` checks)."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return None
    assign = statement.body[0]
    if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1):
        return None
    if not isinstance(assign.targets[0].target, cst.Name):
        return None
    value = assign.value
    return assign if isinstance(value, cst.Subscript) and _is_id_read(value) else None


def _variable(node: cst.BaseExpression) -> str | None:
    """The variable an id read (``x["course"]["_id"]``) reads."""
    while isinstance(node, cst.Subscript):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _is_id_read(node: cst.Subscript) -> bool:
    inner = node.value
    if not (isinstance(inner, cst.Subscript) and isinstance(inner.value, cst.Name)):
        return False
    variable = inner.value.value
    return _key_of(inner, variable) in FLAT_RECORD_IDS and _subscript_key(node) == "_id"


def _subscript_key(node: cst.Subscript) -> str | None:
    """``"k"`` for ``x["k"]``, else ``None``."""
    if len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
        value = index.value.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _id_reads(
    meta: Metadata,
    level: cst.For | cst.CompFor,
    item: Shape,
    nest: cst.CSTNode,
    chain: Sequence[cst.For | cst.CompFor],
) -> dict[cst.Subscript, str] | None:
    """The id reads of one outer loop's variable, when it is read for nothing else and nowhere else."""
    target = level.target
    assert isinstance(target, cst.Name)
    found = meta.occurrences(target)
    if found is None:
        return None
    written, read = found
    if written != [target]:
        return None
    ids: dict[cst.Subscript, str] = {}
    for node in read:
        subscript = meta.parent(node)
        if not (
            isinstance(subscript, cst.Subscript) and subscript.value is node and meta.contains(nest, node)
        ):
            return None
        if any(loop.iter is subscript for loop in chain):
            continue
        key = _subscript_key(subscript)
        outer = meta.parent(subscript)
        if key is None or key not in FLAT_RECORD_IDS or key not in item.fields:
            return None
        if not isinstance(outer, cst.Subscript):
            return None
        if outer.value is not subscript or not _is_id_read(outer) or meta.parent(outer) is None:
            return None
        # ``x["course"]["_id"]`` read as a whole, not the target of an assignment or a deletion.
        context = meta.parent(outer)
        if isinstance(context, (cst.AssignTarget, cst.Del)) or (
            isinstance(context, (cst.AugAssign, cst.AnnAssign)) and context.target is outer
        ):
            return None
        ids[outer] = FLAT_RECORD_IDS[key]
    return ids


def _mentions_known(
    nest: cst.CSTNode, chain: Sequence[cst.For | cst.CompFor], ids: Mapping[cst.Subscript, str]
) -> bool:
    """Whether every name of an outer loop's variable in the nest is one that the flat form drops:
    the loop's own target, the next level's list, an id read. Read from the text, it backs the scope
    analysis up (LibCST misses some reads in comprehensions)."""
    variables = {level.target.value for level in chain[:-1] if isinstance(level.target, cst.Name)}
    dropped = {*(level.target for level in chain[:-1]), *(level.iter for level in chain[1:])}
    dropped |= {read.value for read in ids}
    known = {node.value for node in dropped if isinstance(node, cst.Subscript)}
    known |= {node for node in dropped if isinstance(node, cst.Name)}
    mentions: list[cst.Name] = []

    class Names(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            if node.value in variables:
                mentions.append(node)

    nest.visit(Names())
    return all(any(name is node for node in known) for name in mentions)


def _confined(meta: Metadata, name: cst.Name, nest: cst.For) -> bool:
    """Whether the variable ``name`` binds is assigned by that name alone and read only inside ``nest``."""
    found = meta.occurrences(name)
    if found is None:
        return False
    written, read = found
    return written == [name] and all(meta.contains(nest, node) for node in read)


class _OrderFree:
    """Whether statements give the same result whatever order the records come in."""

    def __init__(self, meta: Metadata, record: str, body: cst.CSTNode) -> None:
        self.meta = meta
        self.record = record
        #: Where the temporaries of one record live.
        self.body = body
        #: Names the body assigns for itself, and whether each holds a number.
        self.temporaries: dict[str, bool] = {}

    def block(self, statements: Sequence[cst.BaseStatement]) -> bool:
        return all(self.statement(s) for s in statements)

    def statement(self, statement: cst.BaseStatement) -> bool:
        if isinstance(statement, cst.If):
            orelse = statement.orelse
            if not (self.pure(statement.test) and self.block(_block(statement.body))):
                return False
            if isinstance(orelse, cst.If):
                return self.statement(orelse)
            return orelse is None or self.block(_block(orelse.body))
        if isinstance(statement, cst.SimpleStatementLine):
            return all(self.small(s) for s in statement.body)
        return False

    def small(self, statement: cst.BaseSmallStatement) -> bool:
        if isinstance(statement, (cst.Pass, cst.Continue)):
            return True
        if isinstance(statement, cst.AugAssign):
            return (
                isinstance(statement.operator, (cst.AddAssign, cst.SubtractAssign))
                and self.place(statement.target)
                and self.number(statement.value)
            )
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            target = statement.targets[0].target
            if isinstance(target, cst.Name):
                kept = self.place(target) and self.accumulated(target, statement.value)
                return kept or self.temporary(target, statement.value)
            if isinstance(target, cst.Subscript):
                return self.place(target) and self.accumulated(target, statement.value)
            return False
        if isinstance(statement, cst.Expr):
            return self.added_to_set(statement.value)
        return False

    def temporary(self, target: cst.Name, value: cst.BaseExpression) -> bool:
        """``name = <pure>``, where the name is the body's own and read only after this line."""
        found = self.meta.occurrences(target)
        if found is None or not self.pure(value):
            return False
        written, read = found
        body = self.body
        if written != [target] or not all(self.meta.contains(body, node) for node in read):
            return False
        if not all(self.meta.position(node) > self.meta.position(target) for node in read):
            return False
        self.temporaries[target.value] = self.number(value)
        return True

    def accumulated(self, target: cst.Name | cst.Subscript, value: cst.BaseExpression) -> bool:
        """``d[k] = d.get(k, 0) + n``, ``d[k] = d[k] - n``, ``low = min(low, n)``…"""
        code = self.meta.module.code_for_node
        held = code(target)
        container = code(target.value) if isinstance(target, cst.Subscript) else None
        key = code(target.slice[0].slice) if isinstance(target, cst.Subscript) else None

        def is_current(node: cst.BaseExpression) -> bool:
            if isinstance(node, (cst.Name, cst.Subscript)):
                return code(node) == held
            if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)) or key is None:
                return False
            args = node.args
            return (
                node.func.attr.value == "get"
                and code(node.func.value) == container
                and len(args) == 2
                and all(a.keyword is None and not a.star for a in args)
                and code(args[0].value) == key
                and self.number(args[1].value)
            )

        if isinstance(value, cst.BinaryOperation):
            if isinstance(value.operator, cst.Add):
                return (is_current(value.left) and self.number(value.right)) or (
                    is_current(value.right) and self.number(value.left)
                )
            subtracted = isinstance(value.operator, cst.Subtract)
            return subtracted and is_current(value.left) and self.number(value.right)
        if (
            isinstance(value, cst.Call)
            and self.meta.builtin(value) in ("max", "min")
            and len(value.args) == 2
        ):
            first, second = (a.value for a in value.args)
            if any(a.keyword is not None or a.star for a in value.args):
                return False
            return (is_current(first) and self.number(second)) or (is_current(second) and self.number(first))
        return False

    def added_to_set(self, node: cst.BaseExpression) -> bool:
        """``seen.add(x)``, ``d.setdefault(k, set()).add(x)``."""
        if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
            return False
        if node.func.attr.value != "add" or len(node.args) != 1 or node.args[0].keyword or node.args[0].star:
            return False
        receiver = node.func.value
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
            default = receiver.args[1].value if len(receiver.args) == 2 else None
            return (
                receiver.func.attr.value == "setdefault"
                and self.place(receiver.func.value)
                and all(a.keyword is None and not a.star for a in receiver.args)
                and self.pure(receiver.args[0].value)
                and isinstance(default, cst.Call)
                and self.meta.builtin(default) == "set"
                and not default.args
                and self.pure(node.args[0].value)
            )
        return self.place(receiver) and self.pure(node.args[0].value)

    def place(self, node: cst.BaseExpression) -> bool:
        """Somewhere a value is kept across records: a name or an item of one, never the record itself."""
        if isinstance(node, cst.Name):
            return node.value != self.record and node.value not in self.temporaries
        if isinstance(node, cst.Attribute):
            return self.place(node.value)
        if isinstance(node, cst.Subscript):
            return (
                self.place(node.value)
                and len(node.slice) == 1
                and isinstance(node.slice[0].slice, cst.Index)
                and self.pure(node.slice[0].slice.value)
            )
        return False

    def number(self, node: cst.BaseExpression) -> bool:
        """Whether the expression is pure and, when it runs without error, answers a number."""
        if isinstance(node, (cst.Integer, cst.Float)):
            return True
        if isinstance(node, cst.Name):
            return self.temporaries.get(node.value, False)
        if isinstance(node, cst.UnaryOperation):
            return isinstance(node.operator, (cst.Minus, cst.Plus)) and self.number(node.expression)
        if isinstance(node, cst.BinaryOperation):
            arithmetic = isinstance(node.operator, _ARITHMETIC)
            return arithmetic and self.number(node.left) and self.number(node.right)
        if isinstance(node, cst.BooleanOperation):
            return self.number(node.left) and self.number(node.right)
        if isinstance(node, cst.IfExp):
            return self.pure(node.test) and self.number(node.body) and self.number(node.orelse)
        if isinstance(node, cst.Subscript):
            return self._attempt_field(node.value, _subscript_key(node))
        if isinstance(node, cst.Call):
            builtin = self.meta.builtin(node)
            if not self._plain_args(node):
                return False
            if builtin in _NUMBER_BUILTINS:
                return bool(node.args) and all(self.pure(a.value) for a in node.args)
            if builtin in ("min", "max"):
                return len(node.args) > 1 and all(self.number(a.value) for a in node.args)
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get" and node.args:
                key = node.args[0].value
                name = key.evaluated_value if isinstance(key, cst.SimpleString) else None
                return (
                    len(node.args) == 2
                    and self._attempt_field(node.func.value, name if isinstance(name, str) else None)
                    and self.number(node.args[1].value)
                )
        return False

    def _attempt_field(self, value: cst.BaseExpression, key: str | None) -> bool:
        return isinstance(value, cst.Name) and value.value == self.record and key in NUMERIC_ATTEMPT_FIELDS

    def pure(self, node: cst.BaseExpression) -> bool:
        """Whether evaluating the expression changes nothing (calls only of ``.get`` and pure builtins)."""
        if isinstance(node, (cst.Name, cst.Integer, cst.Float, cst.SimpleString, cst.Ellipsis)):
            return True
        if isinstance(node, cst.Attribute):
            return self.pure(node.value)
        if isinstance(node, cst.Subscript):
            return self.pure(node.value) and all(
                isinstance(e.slice, cst.Index) and self.pure(e.slice.value) for e in node.slice
            )
        if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            return self.pure(node.left) and self.pure(node.right)
        if isinstance(node, cst.UnaryOperation):
            return self.pure(node.expression)
        if isinstance(node, cst.Comparison):
            return self.pure(node.left) and all(self.pure(c.comparator) for c in node.comparisons)
        if isinstance(node, cst.IfExp):
            return self.pure(node.test) and self.pure(node.body) and self.pure(node.orelse)
        if isinstance(node, (cst.Tuple, cst.List)):
            return all(isinstance(e, cst.Element) and self.pure(e.value) for e in node.elements)
        if isinstance(node, cst.FormattedString):
            fields = [p for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
            return all(self.pure(p.expression) for p in fields)
        if isinstance(node, cst.ConcatenatedString):
            return self.pure(node.left) and self.pure(node.right)
        if isinstance(node, cst.Call):
            if not (self._plain_args(node) and all(self.pure(a.value) for a in node.args)):
                return False
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
                return self.pure(node.func.value)
            return self.meta.builtin(node) in _PURE_BUILTINS
        return False

    def _plain_args(self, call: cst.Call) -> bool:
        return all(a.keyword is None and not a.star for a in call.args)
