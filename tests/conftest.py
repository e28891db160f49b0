"""Fixtures shared by the tests: a running fake 360Learning."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake360 import Fake360

from codemods.runtime import learning360_v2 as helper


@pytest.fixture
def fake360() -> Iterator[Fake360]:
    """A fake 360Learning of its own for each test (it starts in a few milliseconds)."""
    with Fake360() as server:
        yield server


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """Where the helper keeps its user directory in a test."""
    return tmp_path / "cache" / "users.sqlite3"


@pytest.fixture
def v2_environment(fake360: Fake360, cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The helper module configured for the fake, with no token in memory."""
    for name in (helper.ENV_COMPANY_ID, helper.ENV_USER_CACHE_TTL):
        monkeypatch.delenv(name, raising=False)
    for name, value in fake360.v2_env(cache).items():
        monkeypatch.setenv(name, value)
    helper.clear_token_cache()
    yield
    helper.clear_token_cache()
