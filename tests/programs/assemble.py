"""Assembles one program from a ``Build``: the call site, the code that consumes the answer, the client
class (and its base class in another module), the helper functions and the ``__main__`` block.

The consumer value decides how the answer is read: loops, comprehensions, a function of main.py or of
reporting.py, records (a dataclass or a NamedTuple) built from each attempt, ``json.loads`` of the body,
a generator, a dict of answers filled by N+1 calls, a dump of the whole answer, or a public function
returning it to the ``__main__`` block. Whatever the shape, the printed digest is a deterministic
function of the answer's attempts.
"""

from __future__ import annotations

from programs.compose import ARGUMENTS, COURSE_ID, COURSE_IDS, EMAIL, HOST_ENV, USER_ID, USERS, Build, camel
from programs.source import Lines, Module, indent, literal

#: The record of one attempt, for the dataclass and NamedTuple consumers.
RECORD_FIELDS = ("attempt_id: str", "time_ms: int", "score: int | None", "completed: bool")


# --- digests: what a program prints about the attempts it read ---------------------------------------


def loops_of(b: Build, src: str, flat: bool) -> list[tuple[str, str]]:
    """(target, iterable) of the loop nest from ``src`` down to its attempts."""
    if flat or b.unwrap:
        return [("attempt", src)]
    return [(target, iterable.replace("{src}", src)) for target, iterable in b.endpoint.loops]


def clauses_of(loops: list[tuple[str, str]]) -> str:
    return " ".join(f"for {target} in {iterable}" for target, iterable in loops)


def nest(loops: list[tuple[str, str]], body: Lines, keyword: str = "for") -> Lines:
    lines = body
    for target, iterable in reversed(loops):
        lines = [f"{keyword} {target} in {iterable}:", *indent(lines)]
    return lines


def print_line(label: str | None, values: list[str]) -> str:
    return "print(" + ", ".join(([label] if label else []) + values) + ")"


def group_of(b: Build, flat: bool) -> str | None:
    if flat or b.unwrap or b.endpoint.group is None:
        return None
    return b.endpoint.group if b.flag("count_groups", 0.5) else None


def loop_digest(b: Build, src: str, *, label: str | None = None, flat: bool = False) -> Lines:
    loops = loops_of(b, src, flat)
    group = group_of(b, flat)
    last = b.flag("last_id", 0.3)
    latest = b.flag("latest_activity", 0.3)
    init = ["count = 0", "total = 0", "best = None", "done = 0"]
    body = ["count += 1", 'total += attempt["globalTime"]']
    if b.choose("score_style", ("in", "get")) == "in":
        body += [
            'if "score" in attempt and (best is None or attempt["score"] > best):',
            '    best = attempt["score"]',
        ]
    else:
        body += ['score = attempt.get("score")', "if score is not None and (best is None or score > best):"]
        body += ["    best = score"]
    done_style = b.choose("done_style", ("in", "get", "progress"))
    if done_style == "in":
        body += ['if "completedAt" in attempt:', "    done += 1"]
    elif done_style == "get":
        body += ['if attempt.get("completedAt"):', "    done += 1"]
    else:
        body += ['if attempt["progress"] == 100:', "    done += 1"]
    values = ["count", "total", "best", "done"]
    if group is not None:
        init.append("groups = set()")
        body.append(f"groups.add({group})")
        values.append("len(groups)")
    if last:
        init.append("last = None")
        body.append('last = attempt["_id"]')
        values.append("last")
    if latest:
        init.append('latest = ""')
        body += ['if attempt["lastActivity"] > latest:', '    latest = attempt["lastActivity"]']
        values.append("latest")
    return [*init, *nest(loops, body), print_line(label, values)]


def comprehension_digest(b: Build, src: str, *, label: str | None = None, flat: bool = False) -> Lines:
    loops = loops_of(b, src, flat)
    clauses = clauses_of(loops)
    group = group_of(b, flat)
    if b.choose("comprehension_shape", ("flatten", "direct")) == "flatten":
        lines = [f"attempts = [attempt {clauses}]", 'scores = [a["score"] for a in attempts if "score" in a]']
        values = [
            "len(attempts)",
            'sum(a["globalTime"] for a in attempts)',
            "max(scores) if scores else None",
            'sum(1 for a in attempts if "completedAt" in a)',
        ]
    else:
        lines = [
            f"count = sum(1 {clauses})",
            f'total = sum(attempt["globalTime"] {clauses})',
            f'best = max((attempt["score"] {clauses} if "score" in attempt), default=None)',
            f'done = len([attempt {clauses} if attempt.get("completedAt")])',
        ]
        values = ["count", "total", "best", "done"]
    if group is not None:
        outer = clauses_of(loops[:1])
        values.append(f"len({{{group} {outer}}})")
    return [*lines, print_line(label, values)]


def records_digest(b: Build, src: str, *, label: str | None = None, flat: bool = False) -> Lines:
    loops = loops_of(b, src, flat)
    if b.choose("record_arguments", ("positional", "keywords")) == "keywords":
        ctor = (
            'AttemptRow(attempt_id=attempt["_id"], time_ms=attempt["globalTime"], '
            'score=attempt.get("score"), completed="completedAt" in attempt)'
        )
    else:
        ctor = (
            'AttemptRow(attempt["_id"], attempt["globalTime"], attempt.get("score"), '
            '"completedAt" in attempt)'
        )
    if b.choose("records_shape", ("comprehension", "append")) == "comprehension":
        lines = [f"rows = [{ctor} {clauses_of(loops)}]"]
    else:
        lines = ["rows = []", *nest(loops, [f"rows.append({ctor})"])]
    lines.append("scores = [row.score for row in rows if row.score is not None]")
    values = [
        "len(rows)",
        "sum(row.time_ms for row in rows)",
        "max(scores) if scores else None",
        "sum(1 for row in rows if row.completed)",
    ]
    return [*lines, print_line(label, values)]


def dump_digest(b: Build, module: Module, src: str, *, label: str | None = None) -> Lines:
    module.imports.add("import json")
    if b.choose("dump_shape", ("hash", "head")) == "hash":
        module.imports.add("import hashlib")
        return [
            f"text = json.dumps({src}, sort_keys=True)",
            print_line(label, ["len(text)", 'hashlib.sha256(text.encode("utf-8")).hexdigest()']),
        ]
    return [print_line(label, [f"json.dumps({src})[:300]"])]


def digest(b: Build, module: Module, src: str, *, label: str | None = None, flat: bool = False) -> Lines:
    """The digest the consumer value calls for; loops or comprehensions where it says nothing."""
    consumer = b.spec.consumer
    if consumer == "loop":
        return loop_digest(b, src, label=label, flat=flat)
    if consumer == "comprehension":
        return comprehension_digest(b, src, label=label, flat=flat)
    if consumer in ("dataclass", "namedtuple"):
        return records_digest(b, src, label=label, flat=flat)
    if consumer == "dumped":
        return dump_digest(b, module, src, label=label)
    if b.choose("digest_style", ("loop", "comprehension")) == "loop":
        return loop_digest(b, src, label=label, flat=flat)
    return comprehension_digest(b, src, label=label, flat=flat)


def record_class(b: Build) -> Lines:
    fields = indent(list(RECORD_FIELDS))
    if b.spec.consumer == "dataclass":
        b.main.imports.add("from dataclasses import dataclass")
        return ["@dataclass(frozen=True)", "class AttemptRow:", *fields]
    b.main.imports.add("from typing import NamedTuple")
    return ["class AttemptRow(NamedTuple):", *fields]


# --- the request and its wrappers --------------------------------------------------------------------


def arguments(b: Build, args: dict[str, str]) -> str:
    return ", ".join(args[p] for p in b.endpoint.params)


def signature(params: list[str], *, method: bool) -> str:
    return ", ".join((["self"] if method else []) + params)


def wrapper_name(b: Build) -> str:
    snake = b.endpoint.snake
    return b.choose("wrapper_name", (f"get_{snake}", camel(f"get_{snake}"), snake))


def inherited_helper_name(b: Build) -> str:
    return b.choose("inherited_helper_name", ("_get", "_get", "get", "request"))


def helper_call(b: Build, name: str, path: str, target: str) -> str:
    """A call of a generic helper method ``name`` on ``target`` with ``path``."""
    if name == "request":
        return f'{target}.request("GET", {path})'
    timeout = (
        ", timeout=30" if name == "get" and b.spec.client != "aiohttp" and b.flag("call_timeout", 0.5) else ""
    )
    return f"{target}.{name}({path}{timeout})"


def module_helper_name(b: Build) -> str:
    """``_get`` in main.py; an imported helper has a public name."""
    if b.spec.call != "imported_helper":
        return "_get"
    return b.choose("imported_helper_name", ("get_json", "fetch", "api_get"))


def session_argument(b: Build) -> str | None:
    """What the consumer passes a module-level session helper as its session (an imported helper uses
    its own module's session)."""
    scope = b.session_scope
    if scope == "none" or (scope == "module" and b.imported):
        return None
    if scope == "self":
        return "self.session"
    if scope == "module":
        b.declare_module_session()
    return "client" if b.spec.client.startswith("httpx") else "session"


def call_site(b: Build, args: dict[str, str], sink: str) -> Lines:
    """The consumer's statements that make (or delegate) the request and put the answer in ``sink``."""
    call = b.spec.call
    if call == "inline":
        root = b.root_in_method() if b.in_class else b.root_module_level()
        url = b.full_url(args, root)
        lines: Lines = []
        if b.flag("url_variable", 0.4):
            lines.append(f"url = {url}")
            url = "url"
        return [*lines, *b.request(url, sink, suffix=b.attempts_suffix)]
    if call == "wrapper":
        name = wrapper_name(b)
        target = f"{b.obj}.{name}" if b.in_class else name
        return [f"{sink}{b.aw(f'{target}({arguments(b, args)})')}"]
    if call in ("get_helper", "request_helper"):
        name = "get" if call == "get_helper" else "request"
        return [f"{sink}{b.helper_answer(helper_call(b, name, b.path_only(args), str(b.obj)))}"]
    if call in ("session_helper", "imported_helper"):
        session = session_argument(b)
        if b.spec.url in ("class_attribute", "constructor_parameter"):
            target = b.full_url(args, b.root_in_method())
        else:
            target = b.path_only(args)
        passed = ", ".join([*([session] if session else []), target])
        return [f"{sink}{b.helper_answer(f'{module_helper_name(b)}({passed})')}"]
    # inherited_helper: through an endpoint method of the subclass, or the inherited helper directly.
    if b.flag("endpoint_method", 0.5):
        name = endpoint_method_name(b)
        return [f"{sink}{b.aw(f'{b.obj}.{name}({arguments(b, args)})')}"]
    path = b.path_only(args)
    return [f"{sink}{b.helper_answer(helper_call(b, inherited_helper_name(b), path, str(b.obj)))}"]


def endpoint_method_name(b: Build) -> str:
    snake = b.endpoint.snake
    return b.choose("endpoint_method_name", (snake, f"get_{snake}", camel(f"get_{snake}")))


def wrapper_definition(b: Build) -> Lines:
    params = list(b.endpoint.params)
    args = {p: p for p in params}
    root = b.root_in_method() if b.in_class else b.root_module_level()
    body = b.in_session(b.request(b.full_url(args, root), "return ", suffix=b.attempts_suffix))
    return [f"{b.adef} {wrapper_name(b)}({signature(params, method=b.in_class)}):", *indent(body)]


def generic_helper_definition(b: Build, name: str) -> Lines:
    """A generic helper method of the client class (or of its base class): ``_get(self, path)``,
    ``get(self, path, **kw)`` or ``request(self, method, path)``."""
    url = b.joined(b.root_in_method(), "path")
    if name == "get":
        body = b.request(url, "return ", forward_kw=True, may_retry=True)
        return [f"{b.adef} get(self, path, **kw):", *indent(body)]
    if name == "request":
        body = b.request(url, "return ", method="method", may_retry=True)
        return [f"{b.adef} request(self, method, path):", *indent(body)]
    return [f"{b.adef} _get(self, path):", *indent(b.request(url, "return ", may_retry=True))]


def session_helper_definition(b: Build) -> Lines:
    """``_get(session, path)``, a module function; ``_get(path)`` for clients without a session, and
    ``(session, url)`` when the root is on the class, out of the function's reach. An imported helper
    (``get_json``, in transport.py) uses its module's session when that is where the session is."""
    has_session = b.session_scope != "none" and not (b.session_scope == "module" and b.imported)
    takes_url = b.spec.url in ("class_attribute", "constructor_parameter")
    url = "url" if takes_url else b.joined(b.root_module_level(), "path")
    b.session_override = "session" if has_session else None
    body = b.request(url, "return ", may_retry=True)
    b.session_override = None
    params = (["session"] if has_session else []) + ["url" if takes_url else "path"]
    return [f"{b.adef} {module_helper_name(b)}({', '.join(params)}):", *indent(body)]


def endpoint_method_definition(b: Build) -> Lines:
    params = list(b.endpoint.params)
    path = b.path_only({p: p for p in params})
    call = helper_call(b, inherited_helper_name(b), path, "self")
    return [
        f"{b.adef} {endpoint_method_name(b)}({signature(params, method=True)}):",
        f"    return {b.helper_answer(call)}",
    ]


# --- the consumer -------------------------------------------------------------------------------------


def consumer_params(b: Build) -> list[str]:
    if b.spec.consumer == "dict_store" and b.endpoint.key is not None:
        key, plural, _ = b.endpoint.key
        return [plural if p == key else p for p in b.endpoint.params]
    return list(b.endpoint.params)


def head(b: Build, name: str, params: list[str]) -> str:
    if b.consumer_is_method:
        params = ["self", *params]
    elif b.in_class:
        params = ["api", *params]
    return f"{b.adef} {name}({', '.join(params)}):"


def opens_session(b: Build) -> bool:
    """Whether the consumer itself opens the function-scope session (it makes or passes the request)."""
    return b.session_scope == "function" and b.spec.call in ("inline", "session_helper", "imported_helper")


def region(b: Build, lines: Lines) -> Lines:
    return [b.session_open(), *indent(lines)] if opens_session(b) else lines


def local_call(b: Build, name: str, args: str) -> str:
    """A call, from the consumer's own code, of another function or method written beside it."""
    if b.consumer_is_method:
        return f"self.{name}({args})"
    if b.in_class:
        return f"{name}(api{', ' + args if args else ''})"
    return f"{name}({args})"


def write_consumer(b: Build) -> tuple[str, bool, bool]:
    """Writes the consumer (and what it needs); returns its name, whether it returns the answer to the
    ``__main__`` block, and whether what it returns is already the flat list of attempts."""
    consumer = b.spec.consumer
    name = b.choose("consumer_name", ("report", "print_summary", "show_stats"))
    params = consumer_params(b)
    args = {p: p for p in params}
    blocks: list[Lines] = []
    returns, flat = False, False
    if consumer == "dict_store":
        body = dict_store_body(b)
    elif consumer == "generator":
        generator = b.choose("generator_name", ("iter_attempts", "each_attempt", "attempt_stream"))
        body_gen = region(b, call_site(b, args, "data = "))
        if b.flag("yield_tuples", 0.4):
            item = 'attempt["_id"], attempt["globalTime"], attempt.get("score"), "completedAt" in attempt'
            body_gen += nest(loops_of(b, "data", False), [f"yield {item}"])
            target = "attempt_id, time_ms, score, completed"
            accumulate = [
                "count += 1",
                "total += time_ms",
                "if score is not None and (best is None or score > best):",
                "    best = score",
                "if completed:",
                "    done += 1",
            ]
        else:
            body_gen += nest(loops_of(b, "data", False), ["yield attempt"])
            target = "attempt"
            accumulate = [
                "count += 1",
                'total += attempt["globalTime"]',
                'if attempt.get("score") is not None and (best is None or attempt["score"] > best):',
                '    best = attempt["score"]',
                'if "completedAt" in attempt:',
                "    done += 1",
            ]
        blocks.append([head(b, generator, params), *indent(body_gen)])
        body = [
            "count = 0",
            "total = 0",
            "best = None",
            "done = 0",
            f"{b.afor} {target} in {local_call(b, generator, ', '.join(params))}:",
            *indent(accumulate),
            "print(count, total, best, done)",
        ]
    elif consumer == "public_method":
        name = b.choose("public_name", ("attempts_of", "list_attempts", "load_attempts"))
        body = region(b, call_site(b, args, "data = "))
        flat = b.flag("return_flat", 0.6)
        if flat:
            body.append(f"return [attempt {clauses_of(loops_of(b, 'data', False))}]")
        else:
            body.append("return data")
        returns = True
    elif consumer in ("same_module_function", "other_module_function"):
        body = region(b, call_site(b, args, "data = "))
        function = b.choose("summary_name", ("summarize", "print_totals", "show"))
        if consumer == "same_module_function":
            b.main.blocks.append([f"def {function}(payload):", *indent(digest(b, b.main, "payload"))])
            body.append(f"{function}(data)")
        else:
            reporting = b.module("reporting.py")
            reporting.blocks.append([f"def {function}(payload):", *indent(digest(b, reporting, "payload"))])
            if b.choose("reporting_import", ("module", "name")) == "module":
                b.main.imports.add("import reporting")
                body.append(f"reporting.{function}(data)")
            else:
                b.main.imports.add(f"from reporting import {function}")
                body.append(f"{function}(data)")
    else:
        if consumer in ("dataclass", "namedtuple"):
            b.main.blocks.append(record_class(b))
        body = [*region(b, call_site(b, args, "data = ")), *digest(b, b.main, "data")]
    blocks.append([head(b, name, params), *indent(body)])
    if b.consumer_is_method:
        b.methods.extend(blocks)
    else:
        b.main.blocks.extend(blocks)
    return name, returns, flat


def dict_store_body(b: Build) -> Lines:
    """N+1 calls whose answers are stored by key in a dict made empty for them, then read by key."""
    key = b.endpoint.key
    if key is None:  # getCoursesStats: one call, stored under one key
        fill = call_site(b, {}, 'results["all"] = ')
        loop_var = "name"
        lines = ["results = {}", *region(b, fill)]
    else:
        loop_var, plural, _ = key
        args = {p: p for p in b.endpoint.params}
        if b.flag("store_directly", 0.5):
            fill = call_site(b, args, f"results[{loop_var}] = ")
        else:
            fill = [*call_site(b, args, "data = "), f"results[{loop_var}] = data"]
        lines = ["results = {}", *region(b, [f"for {loop_var} in {plural}:", *indent(fill)])]
    if b.choose("store_read", ("sorted_keys", "items")) == "items":
        read = [
            f"for {loop_var}, answer in sorted(results.items()):",
            *indent(digest(b, b.main, "answer", label=loop_var)),
        ]
    else:
        read = [
            f"for {loop_var} in sorted(results):",
            *indent(digest(b, b.main, f"results[{loop_var}]", label=loop_var)),
        ]
    return [*lines, *read]


# --- the client class ---------------------------------------------------------------------------------


def init_method(b: Build) -> Lines | None:
    params = ["self"]
    body: Lines = []
    if b.spec.url == "constructor_parameter":
        params.append("base_url")
        if b.api_in_root:
            body.append('self.base_url = base_url.rstrip("/") + "/api/v1"')
        else:
            body.append(
                'self.base_url = base_url.rstrip("/")'
                if b.flag("rstrip_base", 0.5)
                else "self.base_url = base_url"
            )
    if b.session_scope == "self":
        ctor, defaults = b.new_session()
        body.append(f"self.session = {ctor}")
        body.extend(defaults)
    if not body:
        return None
    return [f"def __init__({', '.join(params)}):", *indent(body)]


def close_method(b: Build) -> Lines | None:
    if not (b.is_async and b.session_scope == "self"):
        return None
    closing = "aclose" if b.spec.client == "httpx_async" else "close"
    return ["async def close(self):", f"    await self.session.{closing}()"]


def class_block(name: str, bases: str, members: list[Lines], doc: str) -> Lines:
    body: Lines = [f'"""{doc}"""']
    for member in members:
        body.extend(["", *member])
    return [f"class {name}{bases}:", *indent(body)]


def write_classes(b: Build) -> None:
    """The client class in main.py, and for an inherited helper its base class in base_client.py."""
    if not b.in_class:
        return
    base_members: list[Lines] = []
    members: list[Lines] = []
    own = base_members if b.inherited else members
    if b.spec.url == "class_attribute":
        # An inherited helper's base class may hold the root, or leave it to the subclass.
        in_base = b.inherited and b.flag("attribute_in_base", 0.5)
        module = b.module("base_client.py") if in_base else b.main
        (base_members if in_base else members).append(b.class_attribute(module))
    init = init_method(b)
    if init is not None:
        own.append(init)
    if b.spec.credentials == "headers_method" and b.headers_on_class:
        own.append(b.headers_function())
    if b.spec.call == "get_helper":
        members.append(generic_helper_definition(b, "get"))
    elif b.spec.call == "request_helper":
        members.append(generic_helper_definition(b, "request"))
    elif b.inherited:
        base_members.append(generic_helper_definition(b, inherited_helper_name(b)))
        if b.variant.get("endpoint_method") == "yes":
            members.append(endpoint_method_definition(b))
    if b.spec.call == "wrapper":
        members.append(wrapper_definition(b))
    members.extend(b.methods)
    close = close_method(b)
    if close is not None:
        own.append(close)
    if b.inherited:
        base = b.module("base_client.py")
        base.blocks.append(
            class_block("BaseClient", "", base_members, "The requests every 360Learning call makes.")
        )
        b.main.imports.add("from base_client import BaseClient")
        b.main.blocks.append(class_block(b.cls, "(BaseClient)", members, "360Learning course statistics."))
    else:
        b.main.blocks.append(class_block(b.cls, "", members, "A client of 360Learning's course statistics."))


# --- the whole program -------------------------------------------------------------------------------


def write_main(b: Build, consumer: str, returns: bool, flat: bool) -> None:
    main = b.main
    params = consumer_params(b)
    for param in params:
        constant = ARGUMENTS[param]
        value = {
            "COURSE_ID": literal(COURSE_ID),
            "EMAIL": literal(EMAIL),
            "USER": literal(USER_ID if b.user_by_id else EMAIL),
            "COURSE_IDS": "[" + ", ".join(literal(c) for c in COURSE_IDS) + "]",
            "USERS": "[" + ", ".join(literal(u) for u in USERS) + "]",
        }[constant]
        b.declare(main, constant, value)
    lines: Lines = []
    if b.in_class:
        host = ""
        if b.spec.url == "constructor_parameter":
            if b.choose("constructor_host", ("environment", "constant")) == "constant":
                main.imports.add("import os")
                b.declare(main, "LMS_HOST", HOST_ENV, first=True)
                host = "LMS_HOST"
            else:
                main.imports.add("import os")
                host = HOST_ENV
        lines.append(f"api = {b.cls}({host})")
    args = ", ".join(ARGUMENTS[p] for p in params)
    if b.consumer_is_method:
        call = f"api.{consumer}({args})"
    elif b.in_class:
        call = f"{consumer}(api{', ' + args if args else ''})"
    else:
        call = f"{consumer}({args})"
    if returns:
        lines.append(f"rows = {b.aw(call)}")
        style = b.choose("main_digest", ("loop", "comprehension"))
        lines += (loop_digest if style == "loop" else comprehension_digest)(b, "rows", flat=flat)
    else:
        lines.append(b.aw(call))
    if not b.is_async:
        main.main = lines
        return
    if b.in_class:
        lines = [lines[0], "try:", *indent(lines[1:]), "finally:", "    await api.close()"]
    main.imports.add("import asyncio")
    main.blocks.append(["async def main():", *indent(lines)])
    main.main = ["asyncio.run(main())"]


def write_program(b: Build) -> None:
    """Every module of ``b``'s program, in an order that keeps the random choices deterministic."""
    spec = b.spec
    if spec.call == "wrapper" and not b.in_class:
        b.main.blocks.append(wrapper_definition(b))
    if spec.call == "session_helper":
        b.main.blocks.append(session_helper_definition(b))
    if spec.call == "imported_helper":
        b.client_module.blocks.append(session_helper_definition(b))
        b.main.imports.add(f"from transport import {module_helper_name(b)}")
    if spec.credentials == "headers_method" and not b.headers_on_class:
        b.client_module.blocks.append(b.headers_function())
    consumer, returns, flat = write_consumer(b)
    write_classes(b)
    write_main(b, consumer, returns, flat)
