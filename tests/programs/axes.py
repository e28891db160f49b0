"""The axes a generated client program is composed from, and the combinations that make no sense.

Each axis is one independent decision real client code makes about a v1 course-statistics call (see
section 7 of the migration notes): which endpoint, which HTTP client, how the URL is spelled, where the
credentials are, how the request is wrapped and how the answer is consumed. A program is one value of
each axis (a ``Spec``); the figures are tallied per value, so one sees which shapes the tool handles.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

ENDPOINTS: Final = ("getCoursesStats", "getCourseStats", "getUserCourseStats", "getUserCourses")

CLIENTS: Final = (
    "requests",  # requests.get / requests.request
    "requests_session",  # requests.Session()
    "httpx",  # httpx.get, or httpx.Client
    "httpx_async",  # httpx.AsyncClient + asyncio.run
    "aiohttp",  # aiohttp.ClientSession + asyncio.run
    "urllib",  # urllib.request.urlopen
)

URLS: Final = (
    "fstring",
    "concat",  # +
    "percent_tuple",  # "%s/…" % (a, b)
    "percent_dict",  # "%(a)s/…" % {"a": a}
    "format_positional",  # "{}/…".format(a, b)
    "format_named",  # "{a}/…".format(a=a)
    "urljoin",
    "template",  # a module constant with placeholders, .format()ed at the call
    "settings_module",  # the base (and API root) in another module of the program
    "class_attribute",  # API_ROOT = … on the client class, read as self.API_ROOT
    "constructor_parameter",  # Client(base_url)
    "endpoint_table",  # a dict of every endpoint's path
)

CREDENTIALS: Final = (
    "params_dict",  # params={"company": …, "apiKey": …}
    "pairs",  # params=(("company", …), ("apiKey", …))
    "dict_call",  # params=dict(company=…, apiKey=…)
    "query_string",  # ?company=…&apiKey=… written into the URL
    "headers",  # X-company-id / X-apiKey
    "session_defaults",  # self.session.params.update(…) / headers.update(…) in __init__
    "headers_method",  # a method (or function) that returns the headers
    "other_module",  # AUTH or HEADERS imported from another module of the program
)

CALLS: Final = (
    "inline",  # the request is made where the answer is read
    "wrapper",  # a function or method named after the endpoint returns the answer
    "get_helper",  # a generic get(path, **kw) method
    "request_helper",  # a generic request(method, path) method
    "session_helper",  # a module function _get(session, path)
    "inherited_helper",  # _get(path) inherited from a base class in another module
    "imported_helper",  # get_json(session, path), a module function of transport.py imported by main.py
)

CONSUMERS: Final = (
    "loop",
    "comprehension",
    "same_module_function",  # passed to a function of main.py
    "other_module_function",  # passed to a function of another module
    "dataclass",  # a dataclass built from each attempt
    "namedtuple",  # a NamedTuple built from each attempt
    "json_loads",  # json.loads(resp.text) instead of resp.json()
    "generator",  # attempts yielded by a generator
    "dict_store",  # answers stored by key in a dict (N+1 calls)
    "dumped",  # the answer dumped whole (json.dumps)
    "public_method",  # returned from a public function or method, read by the caller
)

#: Axis name → its values, in the order figures are printed.
AXES: Final[dict[str, tuple[str, ...]]] = {
    "endpoint": ENDPOINTS,
    "client": CLIENTS,
    "url": URLS,
    "credentials": CREDENTIALS,
    "call": CALLS,
    "consumer": CONSUMERS,
}


@dataclass(frozen=True, order=True)
class Spec:
    """One value of each axis: what a generated program is made of."""

    endpoint: str
    client: str
    url: str
    credentials: str
    call: str
    consumer: str

    def __post_init__(self) -> None:
        for name, value in self.items():
            if value not in AXES[name]:
                raise ValueError(f"unknown {name} {value!r}")

    def items(self) -> tuple[tuple[str, str], ...]:
        """(axis, value) pairs, in the order of ``AXES``."""
        return tuple((f.name, str(getattr(self, f.name))) for f in fields(self))

    @property
    def label(self) -> str:
        return "-".join(value for _, value in self.items())

    @property
    def is_async(self) -> bool:
        return self.client in ("httpx_async", "aiohttp")


#: Clients whose requests go through no session object that could carry defaults.
_SESSIONLESS: Final = ("requests", "urllib")


def skip_reason(spec: Spec) -> str | None:
    """Why no sensible program has these values (None when one does): the generator skips and counts it.

    Only one combination is meaningless: defaults set on a session in ``__init__`` need a session object,
    and ``requests.get`` and ``urllib.request.urlopen`` have none (an opener's ``addheaders`` is another
    shape). Every other combination is written, with the spelling each client allows.
    """
    if spec.credentials == "session_defaults" and spec.client in _SESSIONLESS:
        return f"session defaults with {spec.client}: no session object"
    return None
