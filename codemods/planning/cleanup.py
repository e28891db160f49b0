"""What a rewrite leaves unused, removed with it: the ``url = …`` only the old call read, the client made
only for rewritten calls, the imports nothing reads any more.

Only what provably has no other reader goes; an expression that may have effects (a call that is not a
pure builder of strings) always stays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import libcst as cst
from libcst.helpers import get_absolute_module_from_package_for_import
from libcst.metadata import Assignment

from codemods.planning.plan import Context
from codemods.reading.getters import Getters
from codemods.reading.metadata import assigned_node, dotted, is_bare_string, walk
from codemods.reading.names import aliases_binding
from codemods.reading.sessions import Sessions
from codemods.reading.url_functions import returned_expression, small_function
from codemods.reading.urls import is_urljoin

#: The request object of ``urllib``: making one only stores what it is given.
_REQUEST: Final = "urllib.request.Request"
#: Calls a credentials constant may be built with and still go without a trace: they only read.
_READ_ONLY_CALLS: Final = frozenset({"os.environ.get", "os.getenv", "builtins.dict", "builtins.str"})


class Cleanup:
    def __init__(self, ctx: Context, sessions: Sessions) -> None:
        self.ctx = ctx
        self.meta = ctx.meta
        self.plan = ctx.plan
        self.sessions = sessions

    def drop_unused_credentials(self) -> None:
        """Delete the module's v1 credentials constants (``AUTH = {"company": …, "apiKey": …}``) that the
        rewritten calls were the only readers of, then the constants only they were built from
        (``API_KEY = os.environ["…"]``): when the run sees the whole tree (every PATH a directory) and no
        other file of it mentions the name (``RepositoryIndex.unshared_credentials``)."""
        ctx = self.ctx
        names = ctx.index.unshared_credentials.get(ctx.module) if ctx.wrapper_state.enabled else None
        if not names or not self.plan.edits.replace:
            return
        marked = {f.line for f in self.plan.findings}
        changed = True
        while changed:
            changed = False
            for assign in self.meta.nodes(cst.Assign):
                if assign in self.plan.edits.remove or len(assign.targets) != 1:
                    continue
                target = assign.targets[0].target
                if not (isinstance(target, cst.Name) and target.value in names):
                    continue
                line = self.meta.statement(assign)
                if (
                    not isinstance(self.meta.parent(line), cst.Module)
                    or self.meta.position(assign)[0] in marked
                ):
                    continue  # not at module level, or a finding's line (a hard-coded key stays in sight)
                if self._unread_after(target) and _read_only(assign.value, self.meta.qualified_names):
                    self.plan.edits.remove.add(assign)
                    changed = True

    def _unread_after(self, target: cst.Name) -> bool:
        """Whether a module-level name bound once is read, and only by code the plan deletes or replaces."""
        assignment = self.meta.binding(target)
        if assignment is None or not isinstance(assignment.scope, cst.metadata.GlobalScope):
            return False
        if len(assignment.scope.assignments[target.value]) != 1 or not assignment.references:
            return False
        return all(self._goes(access.node) for access in assignment.references)

    def drop_if_dead(self, name: cst.Name) -> None:
        """Delete ``url = …`` / ``params = …`` of a function when the rewritten call was its only reader."""
        referents = self.meta.referents(name)
        if not referents or len(referents) != 1:
            return
        (assignment,) = referents
        value = self.meta.assigned_value(assignment)
        if value is None or not isinstance(assignment, Assignment) or len(assignment.references) != 1:
            return
        if isinstance(assignment.scope, cst.metadata.GlobalScope) or not self._only_builds(value):
            return
        # Its one reader must go with the rewrite: a ``req = Request(url, …)`` that stays still reads it.
        (read,) = assignment.references
        if not self._goes(read.node):
            return
        statement = self.meta.small_statement(value)
        if isinstance(statement, cst.Assign):
            self.plan.edits.remove.add(statement)

    def _only_builds(self, value: cst.BaseExpression) -> bool:
        """Whether evaluating ``value`` only builds it: a pure expression, or a ``urllib.request.Request``
        made of pure ones and of calls of small functions that return one (``headers=self._headers()``)."""
        if pure(value):
            return True
        if not (isinstance(value, cst.Call) and _REQUEST in self.meta.qualified_names(value.func)):
            return False
        for arg in value.args:
            given = arg.value
            if pure(given):
                continue
            function = (
                small_function(self.meta, given) if isinstance(given, cst.Call) and not given.args else None
            )
            returned = returned_expression(function) if function is not None else None
            if returned is None or not pure(returned):
                return False
        return True

    def _goes(self, node: cst.CSTNode) -> bool:
        """Whether the plan replaces or deletes ``node`` or a node around it."""
        gone = self._gone()
        return node in gone or any(a in gone for a in self.meta.ancestors(node))

    def _gone(self) -> set[cst.CSTNode]:
        """The nodes the plan replaces or deletes, and the clients of the ``with`` blocks it unwraps."""
        edits = self.plan.edits
        return {*edits.replace, *edits.remove, *(w.items[0].item for w in edits.unwrap_with)}

    def unused_imports(self) -> set[tuple[str, str | None, str | None]]:
        """The imports read by the code the plan deletes or replaces (``requests``, ``json``…), as
        (module, name, asname): candidates for removal, dropped only if nothing else still uses them."""
        found: set[tuple[str, str | None, str | None]] = set()
        edits = self.plan.edits
        gone: list[cst.CSTNode] = [*self._gone()]
        for check, branch in edits.unwrap.items():
            # ``if r.status_code != 200: sys.exit(…)``: the test and the branch that does not run on success
            dropped = check.orelse if branch == "body" else check.body
            gone += [check.test, *([dropped] if dropped is not None else [])]
        names: list[cst.Name] = []
        chains: set[str] = set()  # the dotted names the gone code spells (``urllib.request.urlopen``)
        for node in (n for top in gone for n in walk(top)):
            if isinstance(node, cst.Name):
                names.append(node)
            elif isinstance(node, cst.Attribute) and (spelled := dotted(node)):
                chains.add(spelled)
        for name in names:
            for referent in self.meta.referents(name) or ():
                found |= _import_entries(assigned_node(referent), name.value, self.ctx.package)
        # ``import urllib.request`` is read as ``urllib.request.urlopen``: matched by its dotted name.
        for statement in self.meta.module.body:
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Import):
                    found |= {
                        (alias.evaluated_name, None, None)
                        for alias in small.names
                        if alias.asname is None
                        and any(d.startswith(alias.evaluated_name + ".") for d in chains)
                    }
        return found

    def drop_unused_clients(self, calls: Sequence[cst.Call], getters: Getters | None = None) -> None:
        """A client made in a function (``requests.Session()``, ``httpx.Client(timeout=30)``,
        ``aiohttp.ClientSession()``, or ``Client()`` of a class of the module, or held for reading, whose
        making only stores values) for calls that were all rewritten is read by nothing any more:
        ``with … as client:`` gives way to its body and ``client = …`` goes. A client also used for
        anything else, one made at module level (other modules may import it), or one whose constructor
        computes its arguments stays."""
        edits = self.plan.edits
        gone = self._gone()
        if not gone:
            return
        for call in calls:
            made = self.sessions.constructs_session(call) or (
                getters is not None
                and isinstance(call.func, cst.Name)
                and self._stores_only(call.func, getters)
            )
            if not (made and all(pure(a.value) for a in call.args)):
                continue
            parent = self.meta.parent(call)
            statement: cst.CSTNode | None = None
            target: cst.BaseExpression | None = None
            if isinstance(parent, cst.WithItem) and parent.asname is not None:
                statement = self.meta.parent(parent)
                if isinstance(statement, cst.With) and len(statement.items) == 1:
                    target = parent.asname.name
            elif isinstance(parent, cst.Assign) and len(parent.targets) == 1:
                statement, target = parent, parent.targets[0].target
            if not isinstance(target, cst.Name) or statement in edits.unwrap_with:
                continue
            binding = self.meta.binding(target)
            if binding is None or isinstance(binding.scope, cst.metadata.GlobalScope):
                continue
            reads = [access.node for access in binding.references]
            if reads and all(any(n in gone for n in (r, *self.meta.ancestors(r))) for r in reads):
                if isinstance(statement, cst.With):
                    edits.unwrap_with[statement] = None
                elif isinstance(statement, cst.Assign):
                    edits.remove.add(statement)

    def _stores_only(self, name: cst.BaseExpression, getters: Getters, depth: int = 0) -> bool:
        """Whether making an object of the class ``name`` names only stores values: its ``__init__`` (and
        its bases') only assigns attributes of ``self`` values that read (``os.environ.get``), sessions
        made with them, and their ``headers``/``params`` updated with them."""
        cls = getters.class_named(name) if isinstance(name, cst.Name) else getters.base_class(name)
        if cls is None or cls.decorators or depth > 8:
            return False
        for base in cls.bases:
            plain_object = isinstance(base.value, cst.Name) and base.value.value == "object"
            if base.keyword is not None or not (
                plain_object or self._stores_only(base.value, getters, depth + 1)
            ):
                return False
        made: list[cst.FunctionDef] = [
            s
            for s in cls.body.body
            if isinstance(s, cst.FunctionDef) and s.name.value in ("__init__", "__new__", "__post_init__")
        ]
        if not made:
            return True
        init = made[0]
        if len(made) > 1 or init.name.value != "__init__" or init.decorators:
            return False
        body = init.body.body if isinstance(init.body, cst.IndentedBlock) else ()
        return bool(body) and all(
            isinstance(line, cst.SimpleStatementLine) and all(self._stores(small) for small in line.body)
            for line in body
        )

    def _stores(self, small: cst.BaseSmallStatement) -> bool:
        """Whether a statement of an ``__init__`` only stores what reads (see ``_stores_only``)."""
        qualified = self.meta.qualified_names
        if isinstance(small, cst.Pass):
            return True
        if is_bare_string(small):
            return True  # a docstring
        if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            value = small.value
            if isinstance(value, cst.Call) and self.sessions.constructs_session(value):
                reads = all(_read_only(a.value, qualified) for a in value.args)
            else:
                reads = _read_only(value, qualified)
            return reads and all(dotted(t).startswith("self.") for t in targets)
        if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
            return False
        call = small.value
        spelled = dotted(call.func)
        return (
            spelled.startswith("self.")
            and spelled.rsplit(".", 2)[-2:] in (["headers", "update"], ["params", "update"])
            and all(_read_only(a.value, qualified) for a in call.args)
        )


def _import_entries(
    node: cst.CSTNode | None, name: str, package: str | None
) -> set[tuple[str, str | None, str | None]]:
    """The (module, name, asname) entries of an import statement that bind ``name``; a relative import's
    module is named from ``package``."""
    if isinstance(node, cst.Import):
        return {(a.evaluated_name, None, a.evaluated_alias) for a in aliases_binding(node, name)}
    if isinstance(node, cst.ImportFrom):
        module = get_absolute_module_from_package_for_import(package, node)
        if module is None:
            return set()
        return {(module, a.evaluated_name, a.evaluated_alias) for a in aliases_binding(node, name)}
    return set()


def _read_only(value: cst.BaseExpression, qualified: Callable[[cst.CSTNode], frozenset[str]]) -> bool:
    """Whether building a credentials value only reads: literals, names, subscripts of
    ``os.environ`` and calls such as ``os.environ.get``."""
    calls: list[cst.Call] = []

    class Calls(cst.CSTTransformer):
        def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
            if not qualified(original.func) & _READ_ONLY_CALLS:
                calls.append(original)
            return cst.Name("_")

    rest = value.visit(Calls())
    return not calls and isinstance(rest, cst.BaseExpression) and pure(rest)


def pure_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.Integer))


def pure(expr: cst.BaseExpression) -> bool:
    """Whether evaluating the expression can have no effect beyond its value (strings, names, dicts…)."""
    allowed = (
        cst.Name,
        cst.Attribute,
        cst.SimpleString,
        cst.ConcatenatedString,
        cst.FormattedString,
        cst.FormattedStringText,
        cst.FormattedStringExpression,
        cst.BinaryOperation,
        cst.Tuple,
        cst.List,
        cst.Dict,
        cst.DictElement,
        cst.Element,
        cst.Integer,
        cst.Float,
        cst.Subscript,
        cst.SubscriptElement,
        cst.Index,
    )
    found: list[bool] = []

    class Check(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, cst.Call):
                # "…".format(…), urljoin(…) and Request(…) build a value and do nothing else.
                func = node.func
                name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
                found.append(name in ("format", "Request") or is_urljoin(node))
            elif isinstance(node, (cst.BaseExpression, cst.DictElement, cst.Element)):
                found.append(isinstance(node, allowed))
            return True

    expr.visit(Check())
    return all(found)
