"""What a worker process loads before its first file: LibCST, the transform, and what one migration
fills.

A worker imports this module as its first task (``codemods.engine.workers._warm``), while the parent
process is still building the repository index. Migrating one small module here fills what the first
file would otherwise wait for: LibCST's introspection of the visitor classes, the matchers it loads
late, the compiled patterns, about twenty milliseconds. A failure here only means a colder worker: the
module imports all the same.
"""

from __future__ import annotations

import contextlib
from typing import Final

import codemods.reading.index
import codemods.transform.migrate
import codemods.transform.notebook  # what a notebook's migration needs, loaded too

#: A module with one v1 site, read through its response: the commonest shape.
SAMPLE: Final = b"""import requests

BASE = "https://app.360learning.com"


def stats(course_id, email):
    r = requests.get(
        f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params={"company": "c", "apiKey": "k"}
    )
    r.raise_for_status()
    data = r.json()
    return data["globalTime"], [a["score"] for a in data["attempts"]]
"""


def warm() -> bool:
    """Migrate ``SAMPLE`` once; whether it was migrated."""
    options = codemods.transform.migrate.TransformOptions(index=codemods.reading.index.RepositoryIndex())
    with contextlib.suppress(Exception):
        result = codemods.transform.migrate.migrate_source(SAMPLE, display_path="sample.py", options=options)
        return result.source != SAMPLE
    return False


warm()
