"""The fake 360Learning's v2 answers checked against the official OpenAPI subset
(``tests/data/v2-openapi-subset.json``), and an access token asked of the fake as a client would."""

from __future__ import annotations

import json
from typing import Any

import requests
from fake360 import Fake360, dataset
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from support.paths import DATA

OPENAPI = json.loads((DATA / "v2-openapi-subset.json").read_text(encoding="utf-8"))
_REGISTRY = Registry().with_resource("urn:v2-openapi", Resource.from_contents(OPENAPI, DRAFT202012))


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def check(answer: Any, path: str, method: str, status: int) -> None:
    """Validates a body against the OpenAPI schema of that operation's response."""
    pointer = _pointer(
        "paths", path, method, "responses", str(status), "content", "application/json", "schema"
    )
    validator = Draft202012Validator(
        {"$ref": f"urn:v2-openapi#/{pointer}"},
        registry=_REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(answer)


def token_of(fake: Fake360, **extra: str) -> str:
    body = {"grant_type": "client_credentials", "client_id": dataset.CLIENT_ID}
    body |= {"client_secret": dataset.CLIENT_SECRET, **extra}
    answer = requests.post(fake.url + "/api/v2/oauth2/token", json=body, timeout=10)
    assert answer.status_code == 200
    check(answer.json(), "/api/v2/oauth2/token", "post", 200)
    return str(answer.json()["access_token"])
