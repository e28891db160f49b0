"""Whatever a repository holds, a run neither crashes, corrupts nor loses a file.

One tree holds a normal file with a v1 call site beside every kind of file the tool cannot migrate:
syntax errors, Python 2, NUL bytes, undecodable bytes, an unknown coding cookie, a 20 MB module (with and
without a call site), nesting deep enough to crash LibCST's parser, a directory named ``.py``, broken and
looping links, unreadable and read-only files, a file edited while the run works. Through ``engine.run``
and through ``python -m codemods apply``: the normal file is migrated, each odd one gets its own
one-line reason or is left alone, and nothing else on disk changes.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import overload

import libcst as cst
import pytest
from support.cases import cases
from support.paths import ROOT
from support.sources import SITE_BYTES as SITE
from support.syntax import tree_depth

from codemods.engine.files import TEMPORARY_SUFFIX
from codemods.engine.helper_module import helper_source
from codemods.engine.options import RunOptions
from codemods.engine.runner import run
from codemods.reading.depth import depth_estimate
from codemods.reading.precheck import MAX_SOURCE_BYTES, TOO_DEEP, refusal
from codemods.results.findings import RunResult, Status
from codemods.transform.migrate import SourceError, TransformOptions, migrate_source, parse

URL = b'f"https://app.360learning.com/api/v1/courses/{course_id}/stats/{email}"'
#: A generated module over 20 MB: functions that never talk to 360Learning.
GENERATED = b"".join(
    b"def handler_%d(request):\n    return {'id': %d, 'total': request.value * 2}\n\n\n" % (i, i)
    for i in range(300_000)
)
HELPER = "learning360_v2.py"


def deep(opening: bytes, closing: bytes, levels: int) -> bytes:
    return b"import requests\nx = " + opening * levels + URL + closing * levels + b"\n"


#: display path -> (content, the reason it is refused; None: processed without error).
ODD_FILES: dict[str, tuple[bytes, str | None]] = {
    "syntax_error.py": (
        b"import requests\ndef stats(course_id, email:\n    return requests.get(" + URL + b")\n",
        "syntax error at line 2, column N: '(' was never closed",
    ),
    "python2.py": (
        b'import requests\nprint "x"\nr = requests.get(' + URL + b")\n",
        "syntax error at line 2, column N: Missing parentheses in call to 'print'. Did you mean print(...)?",
    ),
    "nul_byte.py": (SITE + b"x = 1\0\n", "contains a NUL byte at line 9; not Python source"),
    "invalid_utf8.py": (b"# caf\xe9 au lait\n" + SITE, "cannot be decoded as utf-8: byte 0xe9 at line 1"),
    "unknown_cookie.py": (
        b"# -*- coding: klingon -*-\n" + SITE,
        "cannot be decoded: unknown encoding: klingon",
    ),
    "huge_site.py": (
        SITE + GENERATED,
        f"too large to process: {len(SITE + GENERATED):,} bytes, over the limit of {MAX_SOURCE_BYTES:,}",
    ),
    # No v1 path words: the pre-filter proves it free of sites and nothing parses it.
    "huge_plain.py": (GENERATED, None),
    "deep_brackets.py": (deep(b"[", b"]", 1000), TOO_DEEP),
    "deep_parentheses.py": (deep(b"(", b")", 1000), TOO_DEEP),
    "deep_calls.py": (deep(b"f(", b")", 1000), TOO_DEEP),
    # Ten thousand chained operators: LibCST's parser dies of a stack overflow (a signal, not an exception).
    "deep_chain.py": (b"import requests\nok = " + b"a and " * 10_000 + URL + b"\n", TOO_DEEP),
    # Shallow enough for the pre-check, too deep for the rewrite: it gives up with a RecursionError.
    "deep_sum.py": (
        b"import requests\nn = " + b"1 + " * 495 + b"len(requests.get(" + URL + b").json())\n",
        TOO_DEEP,
    ),
}
NORMAL = "normal.py"
READ_ONLY = "read_only.py"
UNREADABLE = "unreadable.py"
EDITED = "edited.py"
EDIT = b"# edited while the run worked\n"


@overload
def columnless(reason: str) -> str: ...
@overload
def columnless(reason: None) -> None: ...
@overload
def columnless(reason: str | None) -> str | None: ...
def columnless(reason: str | None) -> str | None:
    """The reason without its column: Python's versions do not agree on where some errors start."""
    return None if reason is None else re.sub(r"column \d+", "column N", reason)


def snapshot(root: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every entry under ``root``, links not followed: (content or link target, mode)."""
    entries: dict[str, tuple[bytes | str, int]] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            entries[rel] = (os.readlink(path), st.st_mode)
        elif path.is_dir():
            entries[rel] = ("<dir>", st.st_mode)
        else:
            os.chmod(path, st.st_mode | stat.S_IRUSR)
            entries[rel] = (path.read_bytes(), st.st_mode)
            os.chmod(path, st.st_mode)
    return entries


def make_odd_tree(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for name, (content, _) in ODD_FILES.items():
        (root / name).write_bytes(content)
    for name in (NORMAL, READ_ONLY, UNREADABLE, EDITED):
        (root / name).write_bytes(SITE)
    (root / READ_ONLY).chmod(0o444)
    (root / UNREADABLE).chmod(0)
    (root / "directory.py").mkdir()
    (root / "broken_link.py").symlink_to(root / "nowhere.py")
    (root / "loop_a.py").symlink_to(root / "loop_b.py")
    (root / "loop_b.py").symlink_to(root / "loop_a.py")
    (root / "directory.py" / "up").symlink_to(root, target_is_directory=True)


def unreadable_reason(root: Path) -> str:
    # A superuser reads the file whatever its mode; then the write is what gets refused.
    return (
        "read-only; not written"
        if os.access(root / UNREADABLE, os.R_OK)
        else "permission denied; not readable"
    )


def assert_only_the_normal_file_changed(root: Path, before: dict[str, tuple[bytes | str, int]]) -> None:
    after = snapshot(root)
    assert sorted(after) == sorted([*before, HELPER])
    assert after.pop(HELPER)[0] == helper_source()
    migrated, mode = after.pop(NORMAL)
    assert isinstance(migrated, bytes) and migrated != SITE
    assert b"learning360_v2" in migrated and b"/api/v1/" not in migrated
    assert mode == before.pop(NORMAL)[1]
    assert after == before
    assert not [p for p in root.rglob("*") if p.name.endswith(TEMPORARY_SUFFIX)]


def test_odd_files_through_the_engine(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_odd_tree(root)
    edited = root / EDITED

    def edit_once_everything_is_read(done: int, total: int) -> None:
        # Every file is read by now and nothing written yet: an editor saves one of them.
        if done == total:
            edited.write_bytes(EDIT + SITE)

    before = snapshot(root)
    before[EDITED] = (EDIT + SITE, before[EDITED][1])
    # One process: a file that crashed the parser would take the whole run down with it.
    result = run(RunOptions(paths=(root,), jobs=1, write=True), progress=edit_once_everything_is_read)

    outcomes = {o.display_path: o for o in result.outcomes}
    expected = {name: reason for name, (_, reason) in ODD_FILES.items() if name != "huge_plain.py"}
    expected[READ_ONLY] = "read-only; not written"
    expected[UNREADABLE] = unreadable_reason(root)
    expected[EDITED] = "changed on disk since it was read; not overwritten"
    expected[NORMAL] = None
    assert {name: columnless(o.error) for name, o in outcomes.items()} == expected
    assert "huge_plain.py" not in outcomes  # left alone: the pre-filter proved it free of sites
    assert [o.display_path for o in result.outcomes if o.written] == [NORMAL]
    assert [f.status for f in outcomes[NORMAL].findings] == [Status.REWRITE]
    assert result.helper is not None and result.helper.written
    assert dict(result.errors) == {
        "broken_link.py": "broken symbolic link",
        "loop_a.py": "symbolic link loop",
        "loop_b.py": "symbolic link loop",
    }
    assert_only_the_normal_file_changed(root, before)


def test_odd_files_through_the_command_line(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_odd_tree(root)
    before = snapshot(root)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "codemods", "apply", "--jobs", "2", str(root)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = [columnless(line) for line in done.stderr.splitlines()]
    expected = {name: reason for name, (_, reason) in ODD_FILES.items() if reason is not None}
    expected.update({READ_ONLY: "read-only; not written", UNREADABLE: unreadable_reason(root)})
    expected.update({"broken_link.py": "broken symbolic link", "loop_a.py": "symbolic link loop"})
    # Paths are shown relative to the working directory, the PATH's parent here.
    for name, reason in expected.items():
        assert f"  repo/{name}: {reason}" in lines, (name, done.stderr)
    assert not any(line.lstrip().startswith(("repo/huge_plain.py", f"repo/{NORMAL}:")) for line in lines)
    del before[EDITED]
    migrated = root / EDITED
    assert migrated.read_bytes() == (root / NORMAL).read_bytes()  # no editor this time: migrated too
    migrated.unlink()
    assert_only_the_normal_file_changed(root, before)


# --- each check on its own ------------------------------------------------------------------------------


def reason(source: bytes) -> str | None:
    with pytest.raises(SourceError) as caught:
        parse(source)
    return columnless(str(caught.value))


def test_a_pre_checked_module_is_never_parsed() -> None:
    assert refusal(SITE) is None
    assert refusal(b"") is None
    assert refusal(b"x" * MAX_SOURCE_BYTES) is None
    assert refusal(b"x" * (MAX_SOURCE_BYTES + 1)) == (
        f"too large to process: {MAX_SOURCE_BYTES + 1:,} bytes, over the limit of {MAX_SOURCE_BYTES:,}"
    )
    assert refusal(b"x = 1\n\n'\0'\n") == "contains a NUL byte at line 3; not Python source"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b"x = 1\n# \xff\n", "cannot be decoded as utf-8: byte 0xff at line 2"),
        (b"\xef\xbb\xbfx = 1\n\n# \xc3\n", "cannot be decoded as utf-8: byte 0xc3 at line 3"),
        (b"# coding: ascii\nx = '\xe9'\n", "cannot be decoded as ascii: byte 0xe9 at line 2"),
        (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "cannot be decoded: encoding problem: utf-8"),
        (b"# vim: set fileencoding=klingon :\n", "cannot be decoded: unknown encoding: klingon"),
    ],
)
def test_undecodable_bytes_are_located(source: bytes, expected: str) -> None:
    assert reason(source) == expected


def test_declared_encodings_still_decode() -> None:
    latin1 = "# -*- coding: latin-1 -*-\nNAME = 'Zoë'\n".encode("latin-1")
    assert parse(latin1).encoding == "iso-8859-1"
    assert parse(b"\xef\xbb\xbfx = 'caf\xc3\xa9'\n").code == "x = 'café'\n"


def test_a_syntax_error_python_also_refuses_is_told_as_python_tells_it() -> None:
    assert reason(b"if x:\npass\n") == (
        "syntax error at line 2, column N: expected an indented block after 'if' statement on line 1"
    )
    assert reason(b"  x = 1\n") == "syntax error at line 1, column N: unexpected indent"


@pytest.mark.parametrize(
    "source",
    [
        b"x = " + b"(" * 201 + b"1" + b")" * 201 + b"\n",  # more brackets than Python accepts
        b"x = " + b"-" * 600 + b"1\n",
        b"x = a" + b".b" * 600 + b"\n",
        b"x = a" + b"[0]" * 600 + b"\n",
        b"x = 'a'" + b" 'a'" * 600 + b"\n",
        b"x = " + b"lambda: " * 600 + b"1\n",
        b"x = " + b"1 if c else " * 600 + b"1\n",
        b"x = " + b"2 ** " * 600 + b"1\n",
    ],
    ids=["brackets", "unary", "attributes", "subscripts", "strings", "lambdas", "conditionals", "powers"],
)
def test_deep_nesting_of_every_kind_is_refused_before_parsing(source: bytes) -> None:
    assert refusal(source) == TOO_DEEP


def test_real_code_is_never_refused_for_its_nesting() -> None:
    """Long but flat: 200 brackets (what Python accepts), long lists and chained comparisons."""
    sources = [
        b"x = " + b"(" * 200 + b"1" + b")" * 200 + b"\n",
        b"x = [" + b"-1, " * 50_000 + b"]\n",
        b"ok = 0" + b" < 1" * 5_000 + b"\n",
        b"x = " + b" + ".join(b"a.b.c * d[e](f)" for _ in range(120)) + b"\n",
    ]
    for source in sources:
        assert refusal(source) is None


def test_deep_code_the_rewrite_gives_up_on_is_a_per_file_error() -> None:
    content = ODD_FILES["deep_sum.py"][0]
    assert refusal(content) is None  # the pre-check lets it through...
    with pytest.raises(RecursionError):  # ...and the rewrite gives up: the engine reports it
        migrate_source(content, display_path="deep_sum.py", options=TransformOptions())


def test_result_is_the_same_whatever_the_order(tmp_path: Path) -> None:
    """The odd files do not disturb their neighbours: one worker or two, the same result."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("syntax_error.py", "nul_byte.py", "deep_chain.py", "python2.py"):
        (root / name).write_bytes(ODD_FILES[name][0])
    for i in range(8):
        (root / f"site{i}.py").write_bytes(SITE)
    results: list[RunResult] = [run(RunOptions(paths=(root,), jobs=jobs)) for jobs in (1, 2)]
    assert results[0] == results[1]
    assert results[0].count(Status.REWRITE) == 8


# --- the nesting estimate -------------------------------------------------------------------------------


SHAPES = [
    "x = a * b + c * d + e\n",
    "x = a if b else c if d else e\n",
    "x = a not in b is not c < d\n",
    "f(a)(b)(c)[d].e\n",
    "x = {1: [2, (3,)], **k}\n",
    "x = 'a' 'b' f'{c}'\n",
    "g = lambda x, y=(1, 2), *a, **k: lambda: x\n",
    "[x for a in b if c for d in e]\n",
    "x = -a ** -b\n",
    "x = not not a or b and c\n",
    "print(*a, sep='', **k)\n",
    "@d.e(f)\nasync def f(x: int = 1) -> str:\n    return await g(x)\n",
    "from . import a\nfrom .b import c as d\nimport e.f\n",
    "if a:\n    while b:\n        with c as d, e:\n            x = 1\n    else:\n        pass\n",
    "def gen():\n    x = yield from y\n    z = (yield)\n",
    "x = a if (b := c) else d[1:2, ::3]\n",
    *(depth_case for depth_case in (
        "x = " + "a and " * 200 + "a\n",
        "x = " + "lambda: " * 200 + "1\n",
        "x = " + "[" * 150 + "1" + "]" * 150 + "\n",
        "x = a" + "[0]" * 200 + "\n",
        "x = " + "1 if c else " * 200 + "1\n",
        "x = " + "2 ** " * 200 + "1\n",
        "x = " + "f(" * 120 + "1" + ")" * 120 + "\n",
        "x = " + "{1: " * 100 + "1" + "}" * 100 + "\n",
    )),
]  # fmt: skip


@pytest.mark.parametrize("source", SHAPES, ids=range(len(SHAPES)))
def test_the_nesting_estimate_is_a_lower_bound(source: str) -> None:
    """What makes the pre-check safe: it never puts a module deeper than LibCST's tree really is."""
    estimate = depth_estimate(source, stop=10**9, max_brackets=10**9)
    assert estimate <= tree_depth(cst.parse_module(source))


def test_the_nesting_estimate_is_a_lower_bound_on_every_fixture() -> None:
    for case in cases():
        module = cst.parse_module(case.before)
        assert depth_estimate(module.code, stop=10**9, max_brackets=10**9) <= tree_depth(module), case.id


def test_the_estimate_of_a_long_chain_is_close() -> None:
    """Close enough that a module the pre-check lets through is one the rewrite may handle."""
    source = "x = " + "a + " * 300 + "a\n"
    assert tree_depth(cst.parse_module(source)) - 10 <= depth_estimate(source, stop=10**9, max_brackets=10**9)


def test_nesting_is_estimated_up_to_what_the_tokenizer_reads() -> None:
    unclosed = "x = (" + "-" * 600 + "\n"
    assert depth_estimate(unclosed, stop=500, max_brackets=200) == 501
    assert depth_estimate("x = (1,\n", stop=500, max_brackets=200) < 10
