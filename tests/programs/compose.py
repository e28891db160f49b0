"""Writes the program of one ``Spec``: the request, the code around it, and the digest it prints.

``Build`` makes the decisions an axis value leaves open (names, where the session lives, whether the API
root is in the base constant, a timeout, the status check, the shape of a loop) with the program's own
random generator, and records each in ``variant`` so a failing program can be read with them. The axis
values are always honoured: a class appears when the URL, the credentials or the call need one, a second
module when the URL or credentials live elsewhere, the consumer reads the answer the way its value says.

Every program reads ``LEARNING360_HOST``, ``LEARNING360_COMPANY`` and ``LEARNING360_API_KEY`` from the
environment, calls one endpoint over inputs large enough to need several v2 pages (see ``COURSE_ID``,
``EMAIL``), and prints counts, sums of ``globalTime``, the best ``score``, completed attempts and, for
some, ids: deterministic for one answer, so the v1 and the v2 outputs can be compared byte for byte.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from fake360 import dataset

from programs.axes import Spec
from programs.source import FORMATTED, Lines, Module, Part, Var, indent, literal, render

HOST_DEFAULT: Final = "https://app.360learning.com"
HOST_ENV: Final = f'os.environ.get("LEARNING360_HOST", "{HOST_DEFAULT}")'
COMPANY_ENV: Final = 'os.environ.get("LEARNING360_COMPANY", "")'
API_KEY_ENV: Final = 'os.environ.get("LEARNING360_API_KEY", "")'

#: The inputs: a course of about 1,500 attempts, and a learner with 612 of them (two v2 pages).
COURSE_ID: Final = dataset.BIG_COURSE_ID
EMAIL: Final = dataset.POWER_USER_EMAIL
#: The same learner by id (getUserCourses takes an email or an id).
USER_ID: Final = dataset.user_id_of(dataset.POWER_USER_EMAIL)
#: The inputs of N+1 calls whose answers are stored in a dict: the big course first, then small ones.
COURSE_IDS: Final = (dataset.BIG_COURSE_ID, dataset.COURSES[3].id, dataset.COURSES[5].id)
USERS: Final = (dataset.POWER_USER_EMAIL, dataset.MIXED_CASE_USER_EMAIL, "alan.turing@example.com")


# --- endpoints --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """What code calling one v1 endpoint needs to know about it."""

    name: str
    #: Parameters of the functions that call it, and its path under the API root.
    params: tuple[str, ...]
    path: tuple[Part, ...]
    #: The endpoint's name in snake case (wrappers, table keys, constants).
    snake: str
    #: The nest of loops down to the attempts: (target, iterable); ``{src}`` stands for the answer.
    loops: tuple[tuple[str, str], ...]
    #: An id shared by the attempts of one outer item (counts of distinct users or courses).
    group: str | None
    #: N+1 calls (dict_store): the parameter that varies, its plural, and the constant of its values.
    key: tuple[str, str, str] | None


ENDPOINTS: Final = {
    "getCoursesStats": Endpoint(
        "getCoursesStats",
        (),
        ("/courses/stats",),
        "courses_stats",
        (("entry", "{src}"), ("stat", 'entry["stats"]'), ("attempt", 'stat["attempts"]')),
        'entry["course"]["_id"]',
        None,
    ),
    "getCourseStats": Endpoint(
        "getCourseStats",
        ("course_id",),
        ("/courses/", Var("course_id", "course_id"), "/stats"),
        "course_stats",
        (("stat", "{src}"), ("attempt", 'stat["attempts"]')),
        'stat["user"]["_id"]',
        ("course_id", "course_ids", "COURSE_IDS"),
    ),
    "getUserCourseStats": Endpoint(
        "getUserCourseStats",
        ("course_id", "email"),
        ("/courses/", Var("course_id", "course_id"), "/stats/", Var("email", "email")),
        "user_course_stats",
        (("attempt", '{src}["attempts"]'),),
        None,
        ("course_id", "course_ids", "COURSE_IDS"),
    ),
    "getUserCourses": Endpoint(
        "getUserCourses",
        ("user",),
        ("/users/", Var("user", "user"), "/courses"),
        "user_courses",
        (("row", "{src}"), ("attempt", 'row["attempts"]')),
        'row["course"]["_id"]',
        ("user", "users", "USERS"),
    ),
}

#: An endpoint table holds every endpoint's path, as client code that knows the API writes it.
TABLE: Final = (
    ("courses_stats", "/courses/stats"),
    ("course_stats", "/courses/{course_id}/stats"),
    ("user_course_stats", "/courses/{course_id}/stats/{email}"),
    ("user_courses", "/users/{user}/courses"),
)

#: The constants of ``main.py`` that the ``__main__`` block passes for each parameter.
ARGUMENTS: Final = {
    "course_id": "COURSE_ID",
    "email": "EMAIL",
    "user": "USER",
    "course_ids": "COURSE_IDS",
    "users": "USERS",
}


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.capitalize() for word in rest)


# --- one program -------------------------------------------------------------------------------------


class Build:
    """The decisions and the text of one program (see the module's docstring)."""

    def __init__(self, spec: Spec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.variant: dict[str, str] = {}
        self.endpoint = ENDPOINTS[spec.endpoint]
        self.is_async = spec.is_async
        self.modules: dict[str, Module] = {}
        self.main = self.module("main.py")
        #: The parameter a session helper receives its session by, while its body is written.
        self.session_override: str | None = None
        #: Methods of the client class, and of its base class in base_client.py (inherited helper).
        self.methods: list[Lines] = []
        self.base_methods: list[Lines] = []
        self._decide()

    # -- small helpers -------------------------------------------------------------------------------

    def module(self, name: str) -> Module:
        if name not in self.modules:
            self.modules[name] = Module(f"{self.spec.endpoint} client, {name} ({self.spec.label}).")
        return self.modules[name]

    def choose(self, name: str, options: Sequence[str]) -> str:
        if name in self.variant:
            return self.variant[name]
        value = self.rng.choice(list(options))
        self.variant[name] = value
        return value

    def flag(self, name: str, probability: float) -> bool:
        if name in self.variant:
            return self.variant[name] == "yes"
        value = self.rng.random() < probability
        self.variant[name] = "yes" if value else "no"
        return value

    @property
    def adef(self) -> str:
        return "async def" if self.is_async else "def"

    @property
    def afor(self) -> str:
        return "async for" if self.is_async else "for"

    def aw(self, expr: str) -> str:
        return f"await {expr}" if self.is_async else expr

    def awp(self, expr: str) -> str:
        """``expr`` awaited, in parentheses so that a subscript or an attribute can follow."""
        return f"(await {expr})" if self.is_async else expr

    @staticmethod
    def declare(module: Module, name: str, value: str, *, first: bool = False) -> None:
        """``name = value`` among the module's constants, once."""
        if any(line.startswith(f"{name} = ") for line in module.constants):
            return
        line = f"{name} = {value}"
        if first:
            module.constants.insert(0, line)
        else:
            module.constants.append(line)

    # -- decisions -----------------------------------------------------------------------------------

    def _decide(self) -> None:
        spec = self.spec
        self.in_class = (
            spec.url in ("class_attribute", "constructor_parameter")
            or spec.credentials == "session_defaults"
            or spec.call in ("get_helper", "request_helper", "inherited_helper")
            or (spec.credentials == "headers_method" and self.flag("headers_method_in_class", 0.6))
            or (spec.call == "wrapper" and self.flag("wrapper_in_class", 0.4))
            or (
                spec.call in ("inline", "session_helper", "imported_helper")
                and self.flag("inline_in_class", 0.2)
            )
        )
        # The module that makes the request: main.py, base_client.py for an inherited helper, or
        # transport.py for an imported one.
        self.inherited = spec.call == "inherited_helper"
        self.imported = spec.call == "imported_helper"
        self.client_module = (
            self.module("base_client.py")
            if self.inherited
            else self.module("transport.py")
            if self.imported
            else self.main
        )
        self.helper_call = spec.call in (
            "get_helper",
            "request_helper",
            "session_helper",
            "inherited_helper",
            "imported_helper",
        )
        # The API root is in the base constant (…/api/v1) or in every path; urljoin keeps absolute paths.
        self.api_in_root = spec.url != "urljoin" and self.flag("api_in_root", 0.5)
        self.session_scope = self._session_scope()
        self.consumer_is_method = self.in_class and (
            spec.call in ("inline", "session_helper", "imported_helper")
            or self.flag("consumer_is_method", 0.5)
        )
        self.unwrap = spec.endpoint == "getUserCourseStats" and self.flag("unwrap_attempts", 0.3)
        self.helper_returns_response = (
            self.helper_call
            and spec.client in ("requests", "requests_session", "httpx", "httpx_async")
            and self.flag("helper_returns_response", 0.3)
        )
        self.resp = self.choose("response_name", ("r", "resp", "response"))
        self.timeout = self.flag("timeout", 0.5)
        self.status_check = self.choose(
            "status_check", ("raise_for_status", "raise_for_status", "status_code")
        )
        self.user_by_id = spec.endpoint == "getUserCourses" and self.flag("user_by_id", 0.25)
        self.host_name = self.choose("host_name", ("HOST", "BASE", "LMS_URL", "BASE_URL"))
        self.cls = self.choose("class_name", ("StatsClient", "Learning360", "LmsClient"))
        self.obj = "self" if self.consumer_is_method else "api" if self.in_class else None
        # A module function _get(session, path) cannot call a method: its headers come from a function.
        self.headers_on_class = self.in_class and spec.call not in ("session_helper", "imported_helper")

    def _session_scope(self) -> str:
        """Where the HTTP session is: ``self`` (made in ``__init__``), ``module``, ``function`` (a
        ``with`` block around its use) or ``none`` (requests.get, httpx.get, urlopen)."""
        client = self.spec.client
        if client in ("requests", "urllib"):
            return "none"
        if self.in_class:
            if client == "httpx" and self.spec.credentials != "session_defaults":
                return self.choose("session_scope", ("self", "self", "none"))
            return "self"
        if self.is_async:
            return "function"
        options = ["function", "module"]
        if client == "httpx" and self.spec.call not in ("session_helper", "imported_helper"):
            options.append("none")
        return self.choose("session_scope", options)

    # -- where the host and the credentials are ---------------------------------------------------

    def root_module_level(self) -> str:
        """The root of the URLs as an expression any code of the client module can read, declared
        there (or in settings.py). Not for the URL values whose root is on the class."""
        module = self.client_module
        module.imports.add("import os")
        if self.spec.url == "settings_module":
            settings = self.module("settings.py")
            settings.imports.add("import os")
            if self.api_in_root:
                self.declare(settings, "API_ROOT", 'LMS_HOST + "/api/v1"', first=True)
            self.declare(settings, "LMS_HOST", HOST_ENV, first=True)
            name = "API_ROOT" if self.api_in_root else "LMS_HOST"
            if self.choose("settings_import", ("module", "name")) == "module":
                module.imports.add("import settings")
                return f"settings.{name}"
            module.imports.add(f"from settings import {name}")
            return name
        host = self.host_name
        if self.api_in_root:
            if self.choose("api_root_spelling", ("separate", "suffix")) == "separate":
                self.declare(module, "API", f'{host} + "/api/v1"', first=True)
                self.declare(module, host, HOST_ENV, first=True)
                return "API"
            self.declare(module, host, f'{HOST_ENV}.rstrip("/") + "/api/v1"', first=True)
            return host
        self.declare(module, host, HOST_ENV, first=True)
        return host

    def root_in_method(self) -> str:
        """The root as a method of the client class reads it."""
        if self.spec.url == "class_attribute":
            return "self.API_ROOT"
        if self.spec.url == "constructor_parameter":
            return "self.base_url"
        return self.root_module_level()

    def class_attribute(self, module: Module) -> Lines:
        """``API_ROOT = …`` in the body of a class of ``module`` (class_attribute)."""
        module.imports.add("import os")
        value = f'{HOST_ENV}.rstrip("/")'
        if self.choose("class_attribute_host", ("environment", "constant")) == "constant":
            self.declare(module, self.host_name, HOST_ENV, first=True)
            value = self.host_name
        if self.api_in_root:
            value += ' + "/api/v1"'
        return [f"API_ROOT = {value}"]

    def api_prefix(self) -> str:
        return "" if self.api_in_root else "/api/v1"

    def creds_constants(self, module: Module | None = None) -> tuple[str, str]:
        """The company id and the API key, declared in the module that makes the request (or
        ``module``)."""
        module = module or self.client_module
        module.imports.add("import os")
        self.declare(module, "COMPANY", COMPANY_ENV)
        self.declare(module, "API_KEY", API_KEY_ENV)
        return "COMPANY", "API_KEY"

    def credentials(self) -> tuple[str, str | None]:
        """How the request carries the credentials: ("params" | "headers" | "none", its expression)."""
        kind = self.spec.credentials
        if kind in ("query_string", "session_defaults"):
            return "none", None
        if kind == "other_module":
            settings = self.module("settings.py")
            settings.imports.add("import os")
            as_headers = self.choose("other_module_credentials", ("AUTH", "HEADERS")) == "HEADERS"
            name = "HEADERS" if as_headers else "AUTH"
            value = (
                f'{{"X-company-id": {COMPANY_ENV}, "X-apiKey": {API_KEY_ENV}}}'
                if as_headers
                else f'{{"company": {COMPANY_ENV}, "apiKey": {API_KEY_ENV}}}'
            )
            self.declare(settings, name, value)
            if self.choose("other_module_import", ("module", "name")) == "module":
                self.client_module.imports.add("import settings")
                expr = f"settings.{name}"
            else:
                self.client_module.imports.add(f"from settings import {name}")
                expr = name
            return ("headers" if as_headers else "params"), expr
        company, api_key = self.creds_constants()
        if kind == "headers_method":
            return "headers", "self._headers()" if self.headers_on_class else "auth_headers()"
        if kind == "headers":
            extra = ', "Accept": "application/json"' if self.flag("accept_header", 0.3) else ""
            name, value = "HEADERS", f'{{"X-company-id": {company}, "X-apiKey": {api_key}{extra}}}'
        elif kind == "params_dict":
            name, value = "AUTH", f'{{"company": {company}, "apiKey": {api_key}}}'
        elif kind == "pairs":
            name, value = "CREDENTIALS", f'(("company", {company}), ("apiKey", {api_key}))'
        else:  # dict_call
            name, value = "AUTH", f"dict(company={company}, apiKey={api_key})"
        where = "headers" if kind == "headers" else "params"
        if self.flag("credentials_inline", 0.3):
            return where, value
        self.declare(self.client_module, name, value)
        return where, name

    def query_parts(self) -> list[Part]:
        """The credentials written into the URL (query_string)."""
        if self.spec.credentials != "query_string":
            return []
        # Written where the URL is built: in the helper's module, or by the class that holds the root.
        on_class = self.imported and self.spec.url in ("class_attribute", "constructor_parameter")
        company, api_key = self.creds_constants(self.main if on_class else None)
        return ["?company=", Var(company, "company"), "&apiKey=", Var(api_key, "api_key")]

    def headers_function(self) -> Lines:
        """The method (or function) that returns the credential headers (headers_method)."""
        company, api_key = self.creds_constants()
        body = [f'return {{"X-company-id": {company}, "X-apiKey": {api_key}}}']
        if self.headers_on_class:
            return ["def _headers(self):", *indent(body)]
        return ["def auth_headers():", *indent(body)]

    # -- URLs ---------------------------------------------------------------------------------------

    def path_parts(self, args: dict[str, str]) -> list[Part]:
        """The endpoint's path under the root, with the call's arguments."""
        parts: list[Part] = [self.api_prefix()]
        for part in self.endpoint.path:
            parts.append(part if isinstance(part, str) else Var(args[part.key], part.key))
        return parts

    def path_style(self) -> str:
        """How a path is spelled: the URL value itself, or, for the values that say where the root is
        rather than how the URL is spelled, one of three common spellings."""
        if self.spec.url in FORMATTED:
            return self.spec.url
        if self.spec.url == "urljoin":
            return "fstring"
        return self.choose("path_style", ("fstring", "concat", "format_positional"))

    def full_url(self, args: dict[str, str], root: str) -> str:
        """The whole URL, built where the request is made (inline and wrapper calls)."""
        url = self.spec.url
        query = self.query_parts()
        if url in ("template", "endpoint_table"):
            read = self.path_constant(args, with_root=root)
            return read if not query else render("concat", [Var(read, "url"), *query])
        if url == "urljoin":
            self.client_module.imports.add("from urllib.parse import urljoin")
            joined = f"urljoin({root}, {render(self.path_style(), self.path_parts(args))})"
            return joined if not query else render("concat", [Var(joined, "url"), *query])
        return render(self.path_style(), [Var(root, "base"), *self.path_parts(args), *query])

    def path_only(self, args: dict[str, str]) -> str:
        """The path a generic helper is given; the helper adds the root."""
        if self.spec.url in ("template", "endpoint_table"):
            return self.path_constant(args, with_root=None)
        return render(self.path_style(), self.path_parts(args))

    def joined(self, root: str, path: str) -> str:
        """A generic helper's URL: its root and the path it is given, in the URL value's spelling."""
        url = self.spec.url
        query = self.query_parts()
        if url == "urljoin":
            self.client_module.imports.add("from urllib.parse import urljoin")
            joined = f"urljoin({root}, {path})"
            return joined if not query else render("concat", [Var(joined, "url"), *query])
        style = url if url in FORMATTED else self.choose("join_style", ("concat", "fstring"))
        return render(style, [Var(root, "base"), Var(path, "path"), *query])

    def path_constant(self, args: dict[str, str], *, with_root: str | None) -> str:
        """A template constant or the endpoint table, declared in main.py; the expression that reads it
        with the call's arguments (preceded by ``with_root`` for a whole URL)."""
        module = self.main
        variables = [Var(args[p.key], p.key) for p in self.endpoint.path if isinstance(p, Var)]
        if self.spec.url == "endpoint_table":
            if not any(line.startswith("ENDPOINTS = ") for line in module.constants):
                rows = [f'    "{key}": "{self.api_prefix()}{path}",' for key, path in TABLE]
                module.constants.extend(["ENDPOINTS = {", *rows, "}"])
            read = f'ENDPOINTS["{self.endpoint.snake}"]'
            if variables:
                read += ".format(" + ", ".join(f"{v.key}={v.expr}" for v in variables) + ")"
            return read if with_root is None else f"{with_root} + {read}"
        named = self.choose("template_placeholders", ("positional", "named")) == "named"
        text = self.api_prefix() + "".join(
            p if isinstance(p, str) else ("{" + p.key + "}" if named else "{}") for p in self.endpoint.path
        )
        name = self.endpoint.snake.upper() + ("_PATH" if with_root is None else "_URL")
        # A whole-URL template holds the host: it is declared after it, at module level.
        self.declare(module, name, literal(text) if with_root is None else f"{with_root} + {literal(text)}")
        if not variables:
            return name
        if named:
            return f"{name}.format(" + ", ".join(f"{v.key}={v.expr}" for v in variables) + ")"
        return f"{name}.format(" + ", ".join(v.expr for v in variables) + ")"

    # -- sessions and requests ----------------------------------------------------------------------

    @property
    def session_module(self) -> Module:
        """The module that opens a function's session or makes the client class's: main.py for an
        imported helper, whose callers pass it the session."""
        return self.main if self.imported else self.client_module

    def session_expr(self) -> str | None:
        if self.session_override is not None:
            return self.session_override
        scope = self.session_scope
        if scope == "none":
            return None
        if scope == "self":
            return "self.session"
        return "client" if self.spec.client.startswith("httpx") else "session"

    def session_open(self) -> str:
        """The ``with`` line that opens a session for one function (scope ``function``)."""
        client = self.spec.client
        module = self.session_module
        if client == "requests_session":
            module.imports.add("import requests")
            return "with requests.Session() as session:"
        if client == "httpx":
            module.imports.add("import httpx")
            timeout = "timeout=30.0" if self.flag("client_timeout", 0.5) else ""
            return f"with httpx.Client({timeout}) as client:"
        if client == "httpx_async":
            module.imports.add("import httpx")
            return "async with httpx.AsyncClient() as client:"
        module.imports.add("import aiohttp")
        return "async with aiohttp.ClientSession() as session:"

    def in_session(self, lines: Lines) -> Lines:
        """``lines`` in a function-scope session, when that is where the session is."""
        if self.session_scope != "function":
            return lines
        return [self.session_open(), *indent(lines)]

    def declare_module_session(self) -> None:
        if self.spec.client == "requests_session":
            self.client_module.imports.add("import requests")
            self.declare(self.client_module, "session", "requests.Session()")
        else:
            self.client_module.imports.add("import httpx")
            self.declare(self.client_module, "client", "httpx.Client()")

    def new_session(self) -> tuple[str, Lines]:
        """The session ``__init__`` makes, with the defaults it sets on it (session_defaults)."""
        client = self.spec.client
        module = self.session_module
        defaults = self.spec.credentials == "session_defaults"
        lines: Lines = []
        if defaults:
            company, api_key = self.creds_constants(module)
            as_params = f'{{"company": {company}, "apiKey": {api_key}}}'
            as_headers = f'{{"X-company-id": {company}, "X-apiKey": {api_key}}}'
        if client == "requests_session":
            module.imports.add("import requests")
            ctor = "requests.Session()"
            if defaults:
                if self.choose("session_defaults", ("params", "headers")) == "params":
                    lines.append(f"self.session.params.update({as_params})")
                else:
                    lines.append(f"self.session.headers.update({as_headers})")
            return ctor, lines
        if client in ("httpx", "httpx_async"):
            module.imports.add("import httpx")
            kind = "httpx.Client" if client == "httpx" else "httpx.AsyncClient"
            if not defaults:
                return f"{kind}()", lines
            how = self.choose(
                "session_defaults", ("constructor_params", "constructor_headers", "headers_update")
            )
            if how == "constructor_params":
                return f"{kind}(params={as_params})", lines
            if how == "constructor_headers":
                return f"{kind}(headers={as_headers})", lines
            return f"{kind}()", [f"self.session.headers.update({as_headers})"]
        module.imports.add("import aiohttp")
        if not defaults:
            return "aiohttp.ClientSession()", lines
        if (
            self.choose("session_defaults", ("constructor_headers", "headers_update"))
            == "constructor_headers"
        ):
            return f"aiohttp.ClientSession(headers={as_headers})", lines
        return "aiohttp.ClientSession()", [f"self.session.headers.update({as_headers})"]

    def request(
        self,
        url: str,
        sink: str,
        *,
        method: str | None = None,
        forward_kw: bool = False,
        suffix: str = "",
        may_retry: bool = False,
    ) -> Lines:
        """The statements of one GET (``request(method, …)`` with ``method``) that put the decoded
        answer, followed by ``suffix``, in ``sink`` (``"data = "``, ``"return "``, ``"results[k] = "``).

        ``forward_kw``: the keywords of a generic ``get(path, **kw)`` are passed on. ``may_retry``: a
        request helper's GET, which some programs send again while 360Learning answers 429.
        """
        lines = self._request(url, sink, method=method, forward_kw=forward_kw, suffix=suffix)
        if not (
            may_retry
            and sink == "return "
            and self.spec.client not in ("urllib", "aiohttp")
            and self.flag("retry_loop", 0.35)
        ):
            return lines
        endless = self.choose("retry_loop_shape", ("range", "while")) == "while"
        delay = "0.5" if endless else "0.5 * attempt"
        if self.is_async:
            self.client_module.imports.add("import asyncio")
            wait = f"await asyncio.sleep({delay})"
        else:
            self.client_module.imports.add("import time")
            wait = f"time.sleep({delay})"
        r = self.resp
        first, *rest = lines
        retry = [f"if {r}.status_code == 429:", f"    {wait}", "    continue"]
        if endless:
            return ["while True:", *indent([first, *retry, *rest])]
        return [
            "for attempt in range(1, 4):",
            *indent([first, *retry, *rest]),
            'raise RuntimeError("360Learning kept answering 429")',
        ]

    def _request(
        self, url: str, sink: str, *, method: str | None = None, forward_kw: bool = False, suffix: str = ""
    ) -> Lines:
        client = self.spec.client
        module = self.client_module
        where, creds = self.credentials()
        session = self.session_expr()
        if self.session_scope == "module" and self.session_override is None:
            self.declare_module_session()
        text_mode = self.spec.consumer == "json_loads"
        returns_response = self.helper_returns_response and sink == "return "
        if client == "urllib":
            module.imports.add("import urllib.request")
            module.imports.add("import json")
            if where == "params":
                module.imports.add("from urllib.parse import urlencode")
                url = f'{url} + "?" + urlencode({creds})'
            args = [url]
            if where == "headers":
                args.append(f"headers={creds}")
            if method is not None:
                args.append(f"method={method}")
            decoded = 'json.loads(resp.read().decode("utf-8"))' if text_mode else "json.load(resp)"
            opened = (
                "urllib.request.urlopen(req, **kw)"
                if forward_kw
                else "urllib.request.urlopen(req, timeout=30)"
            )
            return [
                f"req = urllib.request.Request({', '.join(args)})",
                f"with {opened} as resp:",
                f"    {sink}{decoded}{suffix}",
            ]
        kwargs = [] if creds is None else [f"{where}={creds}"]
        if self.timeout and client != "aiohttp" and not forward_kw:
            kwargs.append("timeout=30")
        if forward_kw:
            kwargs.append("**kw")
        call_args = ", ".join([*([method] if method is not None else []), url, *kwargs])
        verb = "request" if method is not None else "get"
        if client == "aiohttp":
            module.imports.add("import aiohttp")
            assert session is not None, "aiohttp always has a session"
            check = (
                ["resp.raise_for_status()"]
                if self.status_check != "status_code"
                else [
                    "if resp.status != 200:",
                    '    raise RuntimeError(f"360Learning answered {resp.status}")',
                ]
            )
            if text_mode:
                module.imports.add("import json")
                decoded = "json.loads(await resp.text())"
            else:
                decoded = "(await resp.json())" if suffix else "await resp.json()"
            return [
                f"async with {session}.{verb}({call_args}) as resp:",
                *indent([*check, f"{sink}{decoded}{suffix}"]),
            ]
        if session is None:
            library = "requests" if client in ("requests", "requests_session") else "httpx"
            module.imports.add(f"import {library}")
            target = library
        else:
            target = session
        r = self.resp
        lines = [f"{r} = {self.aw(f'{target}.{verb}({call_args})')}", *self.status_lines(r)]
        if returns_response:
            return [*lines, f"return {r}"]
        if text_mode:
            module.imports.add("import json")
            return [*lines, f"{sink}json.loads({r}.text){suffix}"]
        return [*lines, f"{sink}{r}.json(){suffix}"]

    def status_lines(self, r: str) -> Lines:
        if self.status_check == "status_code":
            return [
                f"if {r}.status_code != 200:",
                f'    raise RuntimeError(f"360Learning answered {{{r}.status_code}}")',
            ]
        return [f"{r}.raise_for_status()"]

    @property
    def attempts_suffix(self) -> str:
        return '["attempts"]' if self.unwrap else ""

    def helper_answer(self, call: str) -> str:
        """The answer a caller gets from a generic helper's ``call``: decoded when the helper returns
        the response, and reduced to its attempts when the program reads only those."""
        if self.helper_returns_response:
            if self.spec.consumer == "json_loads":
                self.main.imports.add("import json")
                return f"json.loads({self.awp(call)}.text){self.attempts_suffix}"
            return f"{self.awp(call)}.json(){self.attempts_suffix}"
        if self.unwrap:
            return f"{self.awp(call)}{self.attempts_suffix}"
        return self.aw(call)
