"""Functions that hand a v1 answer to their callers, and the state that lets other modules adapt them.

A wrapper (``def get_user_course_stats(course_id, email): return requests.get(…).json()``) is migrated
where it is defined, and what it returns changes shape: every caller that reads ``["attempts"]`` or
``globalTime`` must change with it, in whatever module it lives. One module's transform cannot see the
others, so the work is split:

* the transform of the defining module *exports* the wrapper (``Export``): its qualified name, the v1
  endpoint and the shape of the value it returns (as a path from the endpoint's answer, so that it can
  cross process boundaries);
* the transform of every module that calls it, given the exports (``WrapperState``), follows each call's
  value as it would follow the response, and says for each call whether it could be adapted (``Use``);
* the engine repeats this until nothing changes, *blocking* every wrapper with a caller that cannot be
  adapted: a blocked wrapper is not migrated at all, its site is left for review with the caller's
  location, and its callers stay as they are. A wrapper is migrated only together with all its callers.

Nothing here knows of files or processes; ``engine`` drives the rounds.
"""

from __future__ import annotations

from codemods.mapping import (
    ATTEMPT_FIELD_RENAMES,
    ENDPOINTS,
    RETURN_SHAPE_MESSAGE,
    RETURNED_BEFORE,
    Endpoint,
    Shape,
)
from codemods.mapping.reasons import REASONS
from codemods.results.wrappers import Export, Use

#: The first step of a shape path: the HTTP response, its decoded JSON payload (with the v1 envelope),
#: or the endpoint's answer (``Endpoint.response``) and what it holds.
RESPONSE_STEP = "response"
PAYLOAD_STEP = "payload"
ANSWER_STEP = "answer"
#: The step from a list to its items.
ITEM_STEP = "[]"


def wrapper_names() -> frozenset[str]:
    """Names that say a function wraps a v1 endpoint: ``getUserCourseStats``, ``get_user_course_stats``
    and ``user_course_stats``, for each endpoint."""
    names: set[str] = set()
    for name in ENDPOINTS:
        snake = "".join("_" + c.lower() if c.isupper() else c for c in name)
        names |= {name, snake, snake.removeprefix("get_")}
    return frozenset(names)


WRAPPER_NAMES = wrapper_names()


def shape_path(endpoint: Endpoint, shape: Shape, response: Shape, payload: Shape) -> tuple[str, ...] | None:
    """The path of ``shape`` from the endpoint's answer, or ``None`` when it is not part of it (a list
    built by the code itself)."""
    if shape is response:
        return (RESPONSE_STEP,)
    if shape is payload:
        return (PAYLOAD_STEP,)

    def search(current: Shape, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if current is shape:
            return path
        if current.item is not None:
            found = search(current.item, (*path, ITEM_STEP))
            if found is not None:
                return found
        for key, inner in current.fields.items():
            found = search(inner, (*path, key))
            if found is not None:
                return found
        return None

    return search(endpoint.response, (ANSWER_STEP,))


def shape_at(endpoint: Endpoint, path: tuple[str, ...], response: Shape, payload: Shape) -> Shape | None:
    """The shape a path names (the inverse of ``shape_path``)."""
    if not path:
        return None
    first, rest = path[0], path[1:]
    if first == RESPONSE_STEP:
        return response if not rest else None
    if first == PAYLOAD_STEP:
        return payload if not rest else None
    current: Shape | None = endpoint.response
    for step in rest:
        if current is None:
            return None
        current = current.item if step == ITEM_STEP else current.fields.get(step)
    return current


def blocked_reason(export: Export, use: Use) -> str:
    """Why a wrapper is left for review: the first caller that cannot be adapted."""
    reason = "passed-into-blocked" if export.parameter else "wrapper-blocked"
    return REASONS[reason].template.format(
        name=export.name, where=f"{use.path}, {use.scope}" if use.scope else use.path, problem=use.problem
    )


def shape_change(export: Export) -> str:
    """How what a migrated wrapper returns changes, for the callers the tool cannot see."""
    endpoint = ENDPOINTS[export.endpoint]
    first = export.shape[0] if export.shape else ANSWER_STEP
    whole = first != ANSWER_STEP or len(export.shape) == 1
    if not whole:
        now, before = "the same part of the answer", RETURNED_BEFORE[ANSWER_STEP]
    else:
        now = "the list of v2 records" if endpoint.envelope is not None else f"a list {endpoint.summary}"
        before = RETURNED_BEFORE[PAYLOAD_STEP if first == ANSWER_STEP else first]
        if first == PAYLOAD_STEP and endpoint.envelope is not None:
            before = f'v1\'s {{"{endpoint.envelope}": [...]}}'
    old, new = next(iter(ATTEMPT_FIELD_RENAMES.items()))
    renames = f"{new} for {old}…"
    return RETURN_SHAPE_MESSAGE.format(name=export.name, now=now, before=before, renames=renames)
