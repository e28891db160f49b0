"""The command line as the tests drive it: the small trees they run it on, one of each kind (nothing to
do, a site to rewrite, one for review, one accepted by a person, a file that does not parse), and how a
command is invoked in-process and what it leaves on disk."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from codemods.cli.main import cli
from codemods.mapping import IGNORE_MARKER
from support.sources import SITE

#: A site for review: its answer goes to a function of the repository (``app/reporting.py``, which the
#: tree need not hold), which the tool cannot adapt; v1's shape is kept only for code from outside it.
NEEDS_REVIEW = """\
import os
import requests
from .reporting import process
BASE = "https://app.360learning.com"
AUTH = {"company": os.environ["L360_COMPANY"], "apiKey": os.environ["L360_API_KEY"]}
def stats(course_id, email):
    return process(requests.get(f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params=AUTH).json())
"""

#: The site of NEEDS_REVIEW, accepted by a person.
SUPPRESSED = NEEDS_REVIEW.replace(
    "    return process(",
    f"    {IGNORE_MARKER}kept on v1 until the reporting service moves]\n    return process(",
)

SYNTAX_ERROR = """\
import requests
def stats(course_id, email)
    return requests.get(f"https://app.360learning.com/api/v1/courses/{course_id}/stats/{email}").json()
"""

NEUTRAL = """\
import requests
def courses(base):
    return requests.get(base + "/api/v1/courses/42/assignments").json()
"""

TREES: dict[str, dict[str, str]] = {
    "clean": {"app/__init__.py": "", "app/canvas.py": NEUTRAL},
    "rewrite": {"app/__init__.py": "", "app/canvas.py": NEUTRAL, "app/stats.py": SITE},
    "review": {"app/__init__.py": "", "app/canvas.py": NEUTRAL, "app/review.py": NEEDS_REVIEW},
    "suppressed": {"app/__init__.py": "", "app/canvas.py": NEUTRAL, "app/accepted.py": SUPPRESSED},
    "broken": {"app/__init__.py": "", "app/canvas.py": NEUTRAL, "app/broken.py": SYNTAX_ERROR},
}


def make_tree(root: Path, kind: str) -> Path:
    for name, text in TREES[kind].items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def run(command: str, root: Path, *options: str, env: dict[str, str] | None = None) -> Result:
    return invoke(command, str(root), "--jobs", "1", *options, env=env)


def output(result: Result) -> str:
    """stderr and stdout of a run, one line each however the console wrapped them."""
    return " ".join((result.stderr + result.stdout).split())
