"""URLs assembled from other modules of the repository: a constant imported from a settings module,
a module attribute, a class constant read through ``self``. The repository index built before the
transform lets each file read them. The tree is the fixture ``fixtures/trees/urls_from_a_settings_module``,
a program which ``tests/test_trees.py`` also runs: migrated, it prints what the original printed."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from support.trees import TREES

from codemods.engine.options import RunOptions
from codemods.engine.runner import run
from codemods.results.findings import Status

TREE = TREES / "urls_from_a_settings_module" / "before"


def _tree(root: Path) -> None:
    shutil.copytree(TREE, root, dirs_exist_ok=True)


def test_urls_from_other_modules_are_read(tmp_path: Path) -> None:
    _tree(tmp_path)
    result = run(RunOptions(paths=(tmp_path,), jobs=1))
    by_path = {f.path: f for f in result.findings}
    assert by_path["stats_from_import.py"].status is Status.REWRITE
    assert by_path["client.py"].status is Status.REWRITE
    migrated = {o.display_path: o.migrated.decode() for o in result.outcomes}
    assert "list_course_stats(\n        LMS_API," in migrated["stats_from_import.py"]
    assert "list_course_stats(\n            host," in migrated["client.py"]
    # The host is read through the module (settings.LMS_HOST), and the credentials from its dict
    # (settings.AUTH), whose keys the index keeps.
    assert by_path["stats_from_module.py"].status is Status.REWRITE
    assert "settings.AUTH" not in migrated["stats_from_module.py"]


def test_a_filter_in_another_modules_dict_is_left_for_review(tmp_path: Path) -> None:
    _tree(tmp_path)
    with (tmp_path / "settings.py").open("a") as settings:
        settings.write('SINCE = {"company": COMPANY, "apiKey": API_KEY, "createdAtAfter": "2026-01-01"}\n')
    (tmp_path / "since.py").write_text(
        "import requests\nimport settings\n\n\ndef since(cid):\n"
        '    return requests.get(settings.LMS_HOST + "/api/v1/courses/" + cid + "/stats", params=settings.SINCE).json()\n'
    )
    result = run(RunOptions(paths=(tmp_path,), jobs=1))
    (finding,) = [f for f in result.findings if f.path == "since.py"]
    assert finding.status is Status.NEEDS_REVIEW
    assert "createdAtAfter is set outside the call" in finding.message


URL_FUNCTIONS = '''
    import settings

    CANVAS = "https://canvas.example.edu"


    def stats_url(course_id, email):
        return f"{settings.LMS_API}/courses/{course_id}/stats/{email}"


    def course_url(course_id):
        """Where a course's statistics are."""
        url = "https://app.360learning.com/api/v1/courses/" + course_id
        return url + "/stats"


    def canvas_url(course_id):
        return f"{CANVAS}/api/v1/courses/{course_id}/stats"
'''

URL_FUNCTION_CALLERS = """
    import requests
    import settings
    import urls as u
    from urls import canvas_url, course_url, stats_url


    def one(cid, email):
        return len(requests.get(stats_url(cid, email), params=settings.AUTH).json()["attempts"])


    def two(cid, email):
        return len(requests.get(u.stats_url(cid, email), params=settings.AUTH).json()["attempts"])


    def three(cid):
        return len(requests.get(course_url(cid), params=settings.AUTH).json())


    def canvas(cid):
        return requests.get(canvas_url(cid), headers={"Authorization": "Bearer x"}).json()
"""


def test_url_functions_of_other_modules_are_reported(tmp_path: Path) -> None:
    """A URL function is read in its own module only: a call from another module is a site left for a
    person, found through the index, whatever the spelling of the import; another vendor's is not."""
    _tree(tmp_path)
    (tmp_path / "urls.py").write_text(textwrap.dedent(URL_FUNCTIONS).lstrip())
    (tmp_path / "callers.py").write_text(textwrap.dedent(URL_FUNCTION_CALLERS).lstrip())
    result = run(RunOptions(paths=(tmp_path,), jobs=1))
    found = sorted(
        (f.line, f.endpoint, f.status, f.message) for f in result.findings if f.path == "callers.py"
    )
    assert [(line, endpoint, status) for line, endpoint, status, _ in found] == [
        (8, "getUserCourseStats", Status.NEEDS_REVIEW),
        (12, "getUserCourseStats", Status.NEEDS_REVIEW),
        (16, "getCourseStats", Status.NEEDS_REVIEW),
    ]
    assert all("comes from" in message and "of module urls" in message for *_, message in found)
    assert not [f for f in result.findings if f.path == "urls.py"]
