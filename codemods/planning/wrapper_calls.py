"""The wrappers of the repository as one module sees them: those it defines and migrates, which it
announces with how their result changes, and those of other modules it calls, whose results it adapts.

See ``codemods.planning.wrappers`` for how the engine settles them over the whole repository.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from codemods.mapping import (
    DECLARED_WRAPPER,
    ENDPOINTS,
    PAYLOAD,
    RESPONSE,
    RETURN_SHAPE_CHANGED,
    WRAPPER_CALLER,
)
from codemods.mapping.reasons import Review
from codemods.planning.flow import ResponseFlow
from codemods.planning.flow_params import caller_of, parameter_of
from codemods.planning.flow_state import Edits, Returns
from codemods.planning.plan import Context
from codemods.planning.wrappers import shape_at, shape_change
from codemods.reading.index import absolute_module, in_repository
from codemods.reading.metadata import references
from codemods.results.findings import Finding, Status
from codemods.results.wrappers import Export, Use


class WrapperCalls:
    def __init__(self, ctx: Context, declared: tuple[tuple[str, str], ...]) -> None:
        self.ctx = ctx
        self.meta = ctx.meta
        self.plan = ctx.plan
        self.display_path = ctx.display_path
        self.module = ctx.module
        self.index = ctx.index
        self.wrapper_state = ctx.wrapper_state
        self.helper_import = ctx.helper_import
        #: Declared wrappers defined outside the repository (an SDK): qualified name → v1 endpoint.
        self.external_wrappers = {
            name: endpoint for name, endpoint in declared if not in_repository(name, self.index.modules)
        }

    def external(self, call: cst.Call) -> None:
        """A call of a wrapper declared in the configuration whose code is not in the repository: the
        tool cannot migrate its body, so each call is reported, with what replaces it."""
        names = set(self.meta.qualified_names(call.func))
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            made = self.meta.single_value(func.value)
            if isinstance(made, cst.Call):
                names |= {f"{n}.{func.attr.value}" for n in self.meta.qualified_names(made.func)}
        found = next((n for n in sorted(names) if n in self.external_wrappers), None)
        if found is None:
            return
        endpoint = ENDPOINTS[self.external_wrappers[found]]
        reason = (
            f"{found}() is declared a wrapper of v1 {endpoint.name}, and its code is not in the repository: "
            f"call {self.helper_import}.{endpoint.helper}() instead ({endpoint.summary})"
        )
        line, column = self.meta.position(call)
        self.plan.sites.add(call)
        if self.ctx.suppressed(call, endpoint.name, DECLARED_WRAPPER, reason):
            return
        self.plan.findings.append(
            Finding(
                self.display_path, line, column, endpoint.name, Status.NEEDS_REVIEW, DECLARED_WRAPPER, reason
            )
        )
        self.plan.markers.setdefault(self.meta.statement(call), []).append(reason)

    def returns(self) -> Returns:
        return Returns(self.module, self.display_path, self.wrapper_state, modules=self.index.modules)

    def follow_uses(self) -> None:
        """Adapt the code that reads what another module's migrated wrapper returns, call by call, and
        record each call (``Use``) so that the engine can block a wrapper one of whose callers cannot be
        adapted."""
        state = self.wrapper_state
        functions = state.by_qualified_name()
        methods = state.methods_by_name()
        for node in references(self.meta.module):
            export = self._export_of(node, functions, methods)
            if export is None or export.qualified_name in state.blocked:
                continue
            line, column = self.meta.position(node)
            call = self.meta.parent(node)
            if not (isinstance(call, cst.Call) and call.func is node):
                problem = f"{export.name} is used other than by a call"
                self.plan.uses.append(
                    Use(export.qualified_name, self.display_path, line, problem, caller_of(self.meta, node))
                )
                continue
            start: cst.BaseExpression = call
            awaited = self.meta.parent(call)
            if isinstance(awaited, cst.Await) and awaited.expression is call:
                start = awaited
            endpoint = ENDPOINTS[export.endpoint]
            shape = shape_at(endpoint, export.shape, RESPONSE, PAYLOAD)
            edits = Edits()
            returns = self.returns()
            try:
                if shape is None:
                    raise Review("wrapper-returns-unknown-value", name=export.name)
                ResponseFlow(self.meta, edits, endpoint, returns).follow(start, shape)
            except Review as error:
                self.plan.uses.append(
                    Use(
                        export.qualified_name, self.display_path, line, str(error), caller_of(self.meta, node)
                    )
                )
                continue
            self.plan.edits.merge(edits)
            self.announce(returns.exports)
            self.plan.uses.append(Use(export.qualified_name, self.display_path, line))
            if edits.empty:
                continue  # the caller reads nothing that changes (a regrouped answer's ids and mails)
            self.plan.findings.append(
                Finding(
                    self.display_path,
                    line,
                    column,
                    export.endpoint,
                    Status.REWRITE,
                    WRAPPER_CALLER,
                    f"reads what {export.name}() returns ({export.path}:{export.line}), which is migrated "
                    f"to v2: adapted ({endpoint.summary})",
                )
            )

    def follow_parameters(self) -> None:
        """Functions of the repository whose parameter a module passes v1 data into: the module that
        defines one adapts its reads of that parameter, and every module checks that each call of it
        passes that data (a call by a migrated site) — each recorded as a ``Use``, so that the engine
        blocks the function when one of them fails."""
        state = self.wrapper_state
        # One export per function and parameter (several sites may pass data into it).
        unique = {e.key: e for e in sorted(state.passed_into(), key=lambda e: (e.path, e.line))}
        passed: dict[str, list[Export]] = {}
        for export in unique.values():
            passed.setdefault(export.qualified_name, []).append(export)
        if not passed:
            return
        for export in unique.values():
            if export.owner == self.module and export.key not in state.blocked:
                self._adapt_parameter(export)
        for node in references(self.meta.module):
            names = set(self.meta.qualified_names(node)) & set(passed)
            for export in (e for name in sorted(names) for e in passed[name]):
                if export.key in state.blocked:
                    continue
                line, _ = self.meta.position(node)
                caller = caller_of(self.meta, node)
                call = self.meta.parent(node)
                value = (
                    _argument(call, export.parameter)
                    if isinstance(call, cst.Call) and call.func is node
                    else None
                )
                if value is None or value not in self.plan.edits.sent.get(export.key, set()):
                    problem = f"{export.name}() is given another value here, or used other than by a call"
                    self.plan.uses.append(Use(export.key, self.display_path, line, problem, caller))
                else:
                    self.plan.uses.append(Use(export.key, self.display_path, line, scope=caller))

    def _adapt_parameter(self, export: Export) -> None:
        """The reads of the parameter in the function this module defines, adapted as the data's."""
        name = export.name
        function = next(
            (
                s
                for s in self.meta.module.body
                if isinstance(s, cst.FunctionDef) and s.name.value == name and s.asynchronous is None
            ),
            None,
        )
        line = self.meta.position(function)[0] if function is not None else 1
        endpoint = ENDPOINTS[export.endpoint]
        shape = shape_at(endpoint, export.shape, RESPONSE, PAYLOAD)
        edits = Edits()
        try:
            param = parameter_of(function, export.parameter) if function is not None else None
            if param is None or shape is None or (function is not None and function.decorators):
                raise Review("passed-to-parameter-unmatched", label="a v1 value", name=name)
            ResponseFlow(self.meta, edits, endpoint, self.returns()).follow_name(param.name, shape)
        except Review as error:
            self.plan.uses.append(Use(export.key, self.display_path, line, str(error), f"{name}()"))
            return
        self.plan.edits.merge(edits)
        self.plan.uses.append(Use(export.key, self.display_path, line, scope=f"{name}()"))
        if edits.empty:
            return
        assert function is not None and param is not None
        line, column = self.meta.position(param)
        self.plan.findings.append(
            Finding(
                self.display_path,
                line,
                column,
                export.endpoint,
                Status.REWRITE,
                WRAPPER_CALLER,
                f"reads {param.name.value}, into which {export.path}:{export.line} passes data now from v2:"
                f" adapted ({endpoint.summary})",
            )
        )

    def announce(self, exports: Sequence[Export]) -> None:
        """Export the wrappers a rewrite found, each with a finding and a note on its ``def`` saying how
        what it returns changes: callers outside the files given cannot be seen, let alone adapted."""
        for export in exports:
            if export in self.plan.exports:
                continue
            self.plan.add_exports([export])
            if export.parameter:
                continue  # passed into another module's function: adapted there
            function = next(
                (
                    f
                    for f in self.meta.nodes(cst.FunctionDef)
                    if f.name.value == export.name and self.meta.position(f)[0] == export.line
                ),
                None,
            )
            if function is None:
                continue
            message = shape_change(export)
            line, column = self.meta.position(function)
            self.plan.findings.append(
                Finding(
                    self.display_path,
                    line,
                    column,
                    export.endpoint,
                    Status.REWRITE,
                    RETURN_SHAPE_CHANGED,
                    message,
                )
            )
            self.plan.notes.setdefault(function, []).append(message)

    def _export_of(
        self,
        node: cst.Name | cst.Attribute,
        functions: dict[str, Export],
        methods: dict[str, list[Export]],
    ) -> Export | None:
        for qualified in self.meta.qualified_names(node):
            export = functions.get(self._absolute(qualified))
            if export is not None:
                return export
        if not isinstance(node, cst.Attribute) or node.attr.value not in methods:
            return None
        receiver = node.value
        cls = next((a for a in self.meta.ancestors(node) if isinstance(a, cst.ClassDef)), None)
        for export in methods[node.attr.value]:
            owner_module, _, owner_class = export.owner.rpartition(".")
            if isinstance(receiver, cst.Name) and receiver.value == "self" and cls is not None:
                if owner_module == self.module and cls.name.value == owner_class:
                    continue  # followed where the method returns it
                if _defines(cls, export.name):
                    continue  # another class's own method of that name
            made_by = self._constructed_by(receiver)
            if made_by is not None and made_by != owner_class:
                continue
            return export
        return None

    def _constructed_by(self, receiver: cst.BaseExpression) -> str | None:
        """The class a receiver was made by (``client = Client(…)``), when that can be seen."""
        if not isinstance(receiver, cst.Name):
            return None
        value = self.meta.single_value(receiver)
        if isinstance(value, cst.Call):
            func = value.func
            name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
            if isinstance(name, str) and name[:1].isupper():
                return name
        return None

    def _absolute(self, qualified: str) -> str:
        """A qualified name of a relative import (``.client.get_stats``) made absolute."""
        if not qualified.startswith("."):
            return qualified
        level = len(qualified) - len(qualified.lstrip("."))
        module, _, name = qualified[level:].rpartition(".")
        base = absolute_module(self.module, level, module or None)
        return f"{base}.{name}" if base else name


def _defines(cls: cst.ClassDef, name: str) -> bool:
    return any(isinstance(s, cst.FunctionDef) and s.name.value == name for s in cls.body.body)


def _argument(call: cst.Call, parameter: str) -> cst.BaseExpression | None:
    """What ``call`` passes for ``parameter`` (``#<position>`` or a keyword name), passed the same way."""
    if any(a.star for a in call.args):
        return None
    if parameter.startswith("#"):
        index = int(parameter[1:])
        return call.args[index].value if index < len(call.args) and call.args[index].keyword is None else None
    return next((a.value for a in call.args if a.keyword is not None and a.keyword.value == parameter), None)
