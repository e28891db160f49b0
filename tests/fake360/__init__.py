"""A fake 360Learning (API v1 course statistics and their v2 successor) for the tests.

``Fake360`` is the server; ``dataset`` holds the records it serves and the constants tests hard-code.
"""

from __future__ import annotations

from . import dataset
from .server import Fake360, RecordedRequest, Reply

__all__ = ["Fake360", "RecordedRequest", "Reply", "dataset"]
