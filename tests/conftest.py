"""Fixtures shared by the tests: a running fake 360Learning."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake360 import Fake360


@pytest.fixture
def fake360() -> Iterator[Fake360]:
    """A fake 360Learning of its own for each test (it starts in a few milliseconds)."""
    with Fake360() as server:
        yield server
