"""A followed value passed to a function of the module: followed into the parameter that receives it.

``summarize(data)``, where ``summarize`` is defined in the module, reads the v1 answer under another
name; its reads are adapted like the caller's own. That is only sound when every call of the function
passes the same v1 shape in that parameter, and nothing else can call it: a function that is private (a
leading underscore), nested, or defined in a script, and a private method called as ``self.name(…)``
inside its class. The calls this site's value does not reach are recorded as *claims*
(``Edits.passed``): the planner migrates the site only when every call of the function is reached by a
site migrated with the same shape, and otherwise reports it naming the call that disagrees.
"""

from __future__ import annotations

import libcst as cst

from codemods.mapping import PAYLOAD, RESPONSE, Shape
from codemods.mapping.reasons import Review
from codemods.planning.flow_state import FlowState
from codemods.planning.wrappers import shape_path
from codemods.reading.index import in_repository
from codemods.reading.metadata import Metadata, assigned_node
from codemods.results.wrappers import Export


class PassedValues(FlowState):
    def _passed(self, arg: cst.Arg, kind: Shape) -> bool:
        """Follow ``arg``'s value into the parameter of the module's function that receives it; whether
        it could (``False`` when the callee is not a function of this module, which the caller reports)."""
        call = self.meta.parent(arg)
        if not (isinstance(call, cst.Call) and any(a is arg for a in call.args)):
            return False
        found = self._callee(call)
        if found is None:
            return self._sent(call, arg, kind)
        function, calls, offset = found
        param = _receiving(function, call, arg, offset)
        if param is None:
            raise Review("passed-to-parameter-unmatched", label=kind.label, name=function.name.value)
        needed: set[cst.CSTNode] = set()
        for other in calls:
            value = _argument_for(function, other, param, offset)
            if value is None:
                raise Review(
                    "passed-to-parameter-callers-disagree",
                    label=kind.label,
                    name=function.name.value,
                    caller=caller_of(self.meta, other),
                )
            needed.add(value)
        claim = self.edits.passed.setdefault(param, (kind, set(), frozenset(needed)))
        if claim[0] != kind:
            raise Review("passed-to-parameter-shapes-differ", label=kind.label, name=function.name.value)
        claim[1].add(arg.value)
        # The callee's reads are shared by every caller: none of them may flatten its loops alone.
        self.answer_used_otherwise = True
        if param not in self._seen:
            self._seen.add(param)
            self._follow_name(param.name, kind)
        return True

    def _sent(self, call: cst.Call, arg: cst.Arg, kind: Shape) -> bool:
        """A value passed to a function of another module of the repository (``reporting.show(data)``):
        exported, for the engine to adapt that function's reads and to check its other calls
        (``codemods.planning.wrapper_calls``); whether it is such a call."""
        if not isinstance(call.func, (cst.Name, cst.Attribute)) or any(a.star for a in call.args):
            return False
        names = [n for n in self.meta.qualified_names(call.func) if in_repository(n, self.returns.modules)]
        if len(names) != 1:
            return False
        qualified = names[0]
        state = self.returns.state
        if not state.enabled:
            raise Review("passed-into-other-module", label=kind.label, name=qualified.rpartition(".")[2])
        path = shape_path(self.endpoint, kind, RESPONSE, PAYLOAD)
        if path is None:
            raise self._escape(kind, arg)
        if arg.keyword is not None:
            parameter = arg.keyword.value
        else:
            parameter = f"#{next(i for i, a in enumerate(call.args) if a is arg)}"
        line, _ = self.meta.position(call)
        export = Export(qualified, self.endpoint.name, path, False, self.returns.path, line, parameter)
        if export.key in state.blocked:
            raise Review.told("passed-into-blocked", state.blocked[export.key])
        if all(e.key != export.key for e in self.returns.exports):
            self.returns.exports.append(export)
        self.edits.sent.setdefault(export.key, set()).add(arg.value)
        self.answer_used_otherwise = True
        return True

    def _callee(self, call: cst.Call) -> tuple[cst.FunctionDef, list[cst.Call], int] | None:
        """The function a call calls, when it is the module's and only the module calls it: the function,
        every call of it, and how many leading parameters the calls do not pass (``self``)."""
        func = call.func
        if isinstance(func, cst.Name):
            referents = self.meta.referents(func) or set()
            if len(referents) != 1:
                return None
            assignment = next(iter(referents))
            function = assigned_node(assignment)
            if not isinstance(function, cst.FunctionDef) or function.asynchronous is not None:
                return None
            owner = next(
                (a for a in self.meta.ancestors(function) if isinstance(a, (cst.FunctionDef, cst.ClassDef))),
                None,
            )
            if isinstance(owner, cst.ClassDef):
                return None
            private = function.name.value.startswith("_") or owner is not None or self.meta.is_script
            if not private or function.decorators:
                return None
            calls: list[cst.Call] = []
            for access in assignment.references:
                parent = self.meta.parent(access.node)
                if not (isinstance(parent, cst.Call) and parent.func is access.node):
                    raise Review("passed-to-function-not-only-called", name=function.name.value)
                calls.append(parent)
            return function, calls, 0
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
        ):
            name = func.attr.value
            if not (name.startswith("_") and not name.startswith("__")):
                return None
            cls = next((a for a in self.meta.ancestors(call) if isinstance(a, cst.ClassDef)), None)
            if cls is None:
                return None
            methods = [
                s
                for s in cls.body.body
                if isinstance(s, cst.FunctionDef) and s.name.value == name and not s.decorators
            ]
            if len(methods) != 1 or methods[0].asynchronous is not None:
                return None
            return methods[0], _self_calls(cls, name, self), 1
        return None


def caller_of(meta: Metadata, node: cst.CSTNode) -> str:
    """How a finding names where ``node`` is: its function (``report()``, ``Report.run()``) or the module."""
    names = [a.name.value for a in meta.ancestors(node) if isinstance(a, (cst.FunctionDef, cst.ClassDef))]
    return ".".join(reversed(names)) + "()" if names else "the module's top level"


def _self_calls(cls: cst.ClassDef, name: str, flow: FlowState) -> list[cst.Call]:
    """Every ``self.name(…)`` call in the class; any other read of ``self.name`` stops the following."""
    found: list[cst.Attribute] = []

    class Reads(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if node.attr.value == name:
                found.append(node)

    cls.body.visit(Reads())
    calls: list[cst.Call] = []
    for attribute in found:
        parent = flow.meta.parent(attribute)
        if not (
            isinstance(attribute.value, cst.Name)
            and attribute.value.value == "self"
            and isinstance(parent, cst.Call)
            and parent.func is attribute
        ):
            raise Review("passed-to-function-not-only-called", name=name)
        calls.append(parent)
    return calls


def _positional(function: cst.FunctionDef) -> list[cst.Param]:
    return [*function.params.posonly_params, *function.params.params]


def _receiving(function: cst.FunctionDef, call: cst.Call, arg: cst.Arg, offset: int) -> cst.Param | None:
    """The parameter of ``function`` that ``arg`` of ``call`` binds, when it is a plain one."""
    if any(a.star for a in call.args):
        return None
    if arg.keyword is not None:
        return parameter_of(function, arg.keyword.value)
    index = next(i for i, a in enumerate(call.args) if a is arg)
    return parameter_of(function, f"#{index + offset}")


def parameter_of(function: cst.FunctionDef, parameter: str) -> cst.Param | None:
    """The plain parameter of ``function`` that ``#<position>`` or a keyword name designates."""
    if parameter.startswith("#"):
        index = int(parameter[1:])
        positional = _positional(function)
        return positional[index] if index < len(positional) else None
    named = [*function.params.params, *function.params.kwonly_params]
    return next((p for p in named if p.name.value == parameter), None)


def _argument_for(
    function: cst.FunctionDef, call: cst.Call, param: cst.Param, offset: int
) -> cst.BaseExpression | None:
    """The value ``call`` passes for ``param``; ``None`` when it passes none (a default) or may pass it
    through ``*args``/``**kwargs``."""
    if any(a.star for a in call.args):
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == param.name.value:
            return arg.value
    positional = _positional(function)
    for index, arg in enumerate(a for a in call.args if a.keyword is None):
        if index + offset < len(positional) and positional[index + offset] is param:
            return arg.value
    return None
