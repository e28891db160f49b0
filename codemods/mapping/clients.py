"""The HTTP clients the tool knows, one row each: how their calls are spelled, how their arguments are
laid out, how their responses are read, and whether they are asynchronous.

``codemods.reading.clients`` recognises GET calls from this table, ``codemods.reading.sessions`` the
clients held in names, and ``codemods.planning.flow_response`` the reads of a response. Adding a client
is adding a row here (and a fixture that shows it migrated).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Client:
    """One HTTP client library."""

    name: str
    #: Qualified names of module functions that send a GET (``requests.get``).
    get_functions: frozenset[str] = frozenset()
    #: Qualified names of module functions that send a request whose method is their first argument.
    request_functions: frozenset[str] = frozenset()
    #: Qualified names of the constructors of its sessions (their ``get`` and ``request`` methods).
    constructors: frozenset[str] = frozenset()
    #: Qualified names of a function that opens a URL or a request object (``urllib.request.urlopen``),
    #: and of that request object's constructor.
    openers: frozenset[str] = frozenset()
    request_objects: frozenset[str] = frozenset()
    #: The parameters a module function takes positionally after the URL (``requests.get(url, params)``).
    positional_after_url: tuple[str, ...] = ()
    #: How its responses give their JSON payload: ``method`` (``r.json()``, awaited for an asynchronous
    #: client), or ``stdlib`` (``json.load(r)``, ``json.loads(r.read())``).
    decoding: str = "method"
    #: Whether its calls are awaited (``await client.get(…)``, aiohttp's ``async with session.get(…)``).
    asynchronous: bool = False


#: What every client's response offers: the method that raises on an error status, and the attributes
#: that hold the status code or say the request succeeded.
RAISE_FOR_STATUS: Final = "raise_for_status"
JSON_METHOD: Final = "json"
STATUS_CODE_ATTRIBUTES: Final = frozenset({"status_code", "status"})
SUCCESS_ATTRIBUTES: Final = frozenset({"ok", "is_success"})
#: The response's body, which ``json.loads(…)`` decodes like ``.json()``: as an attribute (requests,
#: httpx: ``r.text``, ``r.content``), or by a method called without arguments (urllib's and httpx's
#: ``r.read()``, aiohttp's ``await r.text()`` and ``await r.read()``).
BODY_ATTRIBUTES: Final = frozenset({"text", "content"})
BODY_METHODS: Final = frozenset({"read", "text"})
#: The session methods a GET is made with: ``get(url)``, and ``request("GET", url)`` on a known session.
GET_METHOD: Final = "get"
REQUEST_METHOD: Final = "request"

CLIENTS: Final = (
    Client(
        "requests",
        get_functions=frozenset({"requests.get", "requests.api.get"}),
        request_functions=frozenset({"requests.request", "requests.api.request"}),
        constructors=frozenset(
            {"requests.Session", "requests.session", "requests.sessions.Session", "requests.sessions.session"}
        ),
        positional_after_url=("params",),
    ),
    Client(
        "httpx",
        get_functions=frozenset({"httpx.get"}),
        request_functions=frozenset({"httpx.request"}),
        constructors=frozenset({"httpx.Client"}),
        positional_after_url=("params",),
    ),
    Client("httpx.AsyncClient", constructors=frozenset({"httpx.AsyncClient"}), asynchronous=True),
    Client("aiohttp", constructors=frozenset({"aiohttp.ClientSession"}), asynchronous=True),
    Client(
        "urllib",
        openers=frozenset({"urllib.request.urlopen"}),
        request_objects=frozenset({"urllib.request.Request"}),
        decoding="stdlib",
    ),
)


def _union(kind: str) -> frozenset[str]:
    return frozenset(name for client in CLIENTS for name in getattr(client, kind))


GET_FUNCTIONS: Final = _union("get_functions")
REQUEST_FUNCTIONS: Final = _union("request_functions")
SESSION_CONSTRUCTORS: Final = _union("constructors")
OPENERS: Final = _union("openers")
REQUEST_OBJECTS: Final = _union("request_objects")
#: The positional parameters after the URL of a module function, by its qualified name.
POSITIONAL_AFTER_URL: Final = {
    name: client.positional_after_url
    for client in CLIENTS
    for name in (*client.get_functions, *client.request_functions)
}
#: The positional parameters after the URL of the standard library's opener, and of its request object.
OPENER_POSITIONAL: Final = ("data", "timeout")
REQUEST_OBJECT_POSITIONAL: Final = ("data", "headers")

#: Decorators that keep what a function returns and return it again (a fetch function cached), and the
#: methods they add, which read the cache rather than the answer.
CACHE_DECORATORS: Final = frozenset({"functools.cache", "functools.lru_cache"})
CACHE_METHODS: Final = frozenset({"cache_info", "cache_clear", "cache_parameters"})
