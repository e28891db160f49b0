"""The fixture cases under ``fixtures/``, as data the tests parametrize over.

``fixtures/<endpoint>/<case>/before.py`` is the code as written; ``after.py`` what the tool must make of it
(absent: the file must stay byte-identical); ``findings.json`` the findings it must report (absent: none).
``fixtures/lookalikes/<case>`` holds code that merely looks like a v1 call and must never be touched.
A case whose ``before.py`` has a ``__main__`` block is a runnable program, run against the fake
360Learning before and after migration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.paths import FIXTURES


@dataclass(frozen=True)
class Case:
    directory: Path

    @property
    def id(self) -> str:
        return f"{self.directory.parent.name}/{self.directory.name}"

    @property
    def before(self) -> bytes:
        return (self.directory / "before.py").read_bytes()

    @property
    def after(self) -> bytes:
        path = self.directory / "after.py"
        return path.read_bytes() if path.exists() else self.before

    @property
    def findings(self) -> list[dict[str, Any]]:
        path = self.directory / "findings.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []

    @property
    def runnable(self) -> bool:
        return b'if __name__ == "__main__":' in self.before


def cases() -> list[Case]:
    return [Case(p.parent) for p in sorted(FIXTURES.glob("*/*/before.py"))]
