"""The v1 program the tests share, in one place: a module whose one getUserCourseStats call the tool
rewrites (host and v1 credentials in module constants, the attempts' times summed). Tests that need a
site and nothing more write this one; a test about one way of writing a site writes its own."""

from __future__ import annotations

SITE = """\
import os
import requests
BASE = "https://app.360learning.com"
AUTH = {"company": os.environ["L360_COMPANY"], "apiKey": os.environ["L360_API_KEY"]}
def total_time(course_id, email):
    r = requests.get(f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params=AUTH)
    r.raise_for_status()
    return sum(a["globalTime"] for a in r.json()["attempts"])
"""
#: The same module, as the bytes a file holds.
SITE_BYTES = SITE.encode()
