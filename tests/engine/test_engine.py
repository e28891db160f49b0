"""The engine over real trees: determinism across workers, per-file errors, encodings, the helper module."""

from __future__ import annotations

import ast
import multiprocessing
import os
from pathlib import Path

import pytest
from support.sources import SITE_BYTES as SITE

from codemods.engine import helper_module
from codemods.engine.discovery import DiscoveryError
from codemods.engine.helper_module import (
    HELPER_EDITED,
    dotted_module_name,
    helper_outcome,
    helper_path,
    helper_source,
)
from codemods.engine.options import RunOptions
from codemods.engine.runner import run
from codemods.reading.prefilter import may_contain_site, may_contain_site_parsed
from codemods.results.findings import FileOutcome, RunResult, SourceResult, Status
from codemods.transform import migrate as migrate_module
from codemods.transform.migrate import SourceError, TransformOptions, migrate_source

#: Passes both stages of the pre-filter (its strings hold the path words) but holds no call site.
LOOKALIKE = b'# The courses and their stats are computed elsewhere.\nCOURSES = ["courses", "stats"]\n'
#: Passes the bytes stage of the pre-filter (comments and names spell the path words), not the second.
COMMENTED = b'# The courses and their stats are computed elsewhere.\nCOURSES = ["stats"]\n'


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def imported_modules(source: bytes) -> set[str]:
    """Every module (or ``package.name``) the source imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def by_path(result: RunResult) -> dict[str, FileOutcome]:
    return {o.display_path: o for o in result.outcomes}


def test_jobs_do_not_change_the_result(tmp_path: Path) -> None:
    files = {f"pkg{i % 3}/mod{i:02}.py": SITE if i % 4 == 0 else LOOKALIKE for i in range(30)}
    files.update({f"plain{i}.py": b"x = 1\n" for i in range(10)})
    files["broken.py"] = b"def f(:\n    courses_stats\n"
    write_tree(tmp_path, files)
    one = run(RunOptions(paths=(tmp_path,), jobs=1))
    two = run(RunOptions(paths=(tmp_path,), jobs=2))
    assert one == two
    assert one.files_scanned == 41
    assert one.files_skipped_by_filter == 10
    assert one.count(Status.REWRITE) == 8
    assert by_path(one)["broken.py"].error is not None
    assert [o.display_path for o in one.outcomes] == sorted(o.display_path for o in one.outcomes)


def test_prefilter_skips_files_without_the_path_words(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": b"x = 1\n", "b.py": b"stats = {}\n", "c.py": LOOKALIKE, "d.py": SITE})
    result = run(RunOptions(paths=(tmp_path,), jobs=1))
    assert result.files_scanned == 4
    assert result.files_skipped_by_filter == 2
    assert sorted(by_path(result)) == ["c.py", "d.py"]


def test_the_second_stage_reads_strings_and_identifiers_not_comments(tmp_path: Path) -> None:
    assert may_contain_site(COMMENTED)
    assert not may_contain_site_parsed(COMMENTED)
    assert may_contain_site_parsed(LOOKALIKE)
    assert may_contain_site_parsed(SITE)
    assert may_contain_site_parsed(b"def f(:\n")  # ast refuses it: the transform tells why
    needles = frozenset({(b"LMS_API", b"settings")})
    assert may_contain_site_parsed(b"from .settings import LMS_API\nu = LMS_API\n", needles)
    assert may_contain_site_parsed(b"from . import LMS_API\n", needles)
    assert may_contain_site_parsed(b"from . import *\nu = LMS_API\n", needles)
    assert may_contain_site_parsed(b"import app.settings\nu = app.settings.LMS_API\n", needles)
    # The name in a comment, the module imported: no use of the constant.
    assert not may_contain_site_parsed(b"from . import settings  # LMS_API\n", needles)
    assert not may_contain_site_parsed(b"from . import other\nLMS = 1\n", needles)
    assert may_contain_site_parsed(b"fetch_stats(1)\n", names=(b"fetch_stats",))
    write_tree(tmp_path, {"c.py": COMMENTED, "d.py": SITE})
    result = run(RunOptions(paths=(tmp_path,), jobs=1))
    assert result.files_skipped_by_filter == 1
    assert sorted(by_path(result)) == ["d.py"]


def test_prefilter_needles_come_from_the_mapping() -> None:
    assert may_contain_site(SITE)
    assert may_contain_site(b'URL = "/API/V1/COURSES/%s/STATS/%s"')
    assert not may_contain_site(b'requests.get(f"{BASE}/api/v1/courses/{course_id}")\n')
    assert not may_contain_site(b"import pstats\n")


def test_an_exception_in_one_file_becomes_its_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"bad.py": LOOKALIKE + b"# boom\n", "good.py": LOOKALIKE, "syntax.py": LOOKALIKE})

    def flaky(source: bytes, *, display_path: str, options: TransformOptions) -> SourceResult:
        if display_path == "bad.py":
            raise KeyError("unexpected\nnode")
        if display_path == "syntax.py":
            raise SourceError("syntax error at line 3, column 5: invalid syntax")
        return migrate_source(source, display_path=display_path, options=options)

    monkeypatch.setattr(migrate_module, "migrate_source", flaky)
    outcomes = by_path(run(RunOptions(paths=(tmp_path,), jobs=1)))
    assert outcomes["bad.py"].error == "internal error: KeyError: 'unexpected\\nnode'"
    assert outcomes["syntax.py"].error == "syntax error at line 3, column 5: invalid syntax"
    assert outcomes["good.py"].error is None
    assert outcomes["good.py"].migrated == LOOKALIKE


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the fault is injected into forked workers"
)
def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"m{i:02}.py": LOOKALIKE for i in range(20)}
    files["m07_crash.py"] = LOOKALIKE
    write_tree(tmp_path, files)

    def crashing(source: bytes, *, display_path: str, options: TransformOptions) -> SourceResult:
        if display_path == "m07_crash.py":
            os._exit(3)
        return migrate_source(source, display_path=display_path, options=options)

    monkeypatch.setattr(migrate_module, "migrate_source", crashing)
    outcomes = by_path(run(RunOptions(paths=(tmp_path,), jobs=2)))
    assert len(outcomes) == 21
    error = outcomes.pop("m07_crash.py").error
    assert error is not None and error.startswith("internal error: the worker process failed")
    assert all(o.error is None and o.migrated == LOOKALIKE for o in outcomes.values())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_unreadable_named_file_is_an_error_and_the_rest_goes_on(tmp_path: Path) -> None:
    write_tree(tmp_path, {"good.py": LOOKALIKE})
    os.mkfifo(tmp_path / "pipe.py")
    result = run(RunOptions(paths=(tmp_path / "pipe.py", tmp_path / "good.py"), jobs=1))
    outcomes = {Path(o.path).name: o for o in result.outcomes}
    assert outcomes["pipe.py"].error == "not a regular file"
    assert outcomes["good.py"].error is None


def test_syntax_error_and_undecodable_files_are_per_file_errors(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "a_syntax.py": b"# courses stats\ndef f(:\n    pass\n",
            "b_bytes.py": b"# courses stats\nx = '\xff\xfe'\n",
            "c_site.py": SITE,
        },
    )
    for jobs in (1, 2):
        outcomes = by_path(run(RunOptions(paths=(tmp_path,), jobs=jobs)))
        assert outcomes["a_syntax.py"].error is not None
        assert "\n" not in outcomes["a_syntax.py"].error
        assert outcomes["b_bytes.py"].error is not None
        assert outcomes["c_site.py"].error is None
        assert outcomes["c_site.py"].changed


# Their strings name the path words, so that both stages of the pre-filter let them through to LibCST.
LATIN1 = "# -*- coding: latin-1 -*-\n# Données: café\nNAME = 'Zoë, courses and stats'\n".encode("latin-1")
CRLF = b'"""courses and stats"""\r\nx = 1\r\n\r\ny = 2\r\n'
BOM = b'\xef\xbb\xbf"""courses and stats"""\nx = \'caf\xc3\xa9\'\n'


def test_encodings_and_line_endings_pass_through_unchanged(tmp_path: Path) -> None:
    write_tree(tmp_path, {"latin1.py": LATIN1, "crlf.py": CRLF, "bom.py": BOM})
    outcomes = by_path(run(RunOptions(paths=(tmp_path,), jobs=1)))
    assert outcomes["latin1.py"].migrated == LATIN1
    assert outcomes["crlf.py"].migrated == CRLF
    assert outcomes["bom.py"].migrated == BOM
    assert not any(o.changed or o.error for o in outcomes.values())


def test_sites_keep_encoding_bom_and_line_endings(tmp_path: Path) -> None:
    latin1 = "# -*- coding: latin-1 -*-\n# Données de café\n".encode("latin-1") + SITE
    crlf = SITE.replace(b"\n", b"\r\n")
    bom = b"\xef\xbb\xbf" + SITE
    write_tree(tmp_path, {"latin1.py": latin1, "crlf.py": crlf, "bom.py": bom})
    outcomes = by_path(run(RunOptions(paths=(tmp_path,), jobs=1)))
    for outcome in outcomes.values():
        assert outcome.error is None
        assert outcome.changed
        assert b"learning360_v2" in outcome.migrated
    assert "Données de café" in outcomes["latin1.py"].migrated.decode("latin-1")
    lines = outcomes["crlf.py"].migrated.splitlines(keepends=True)
    assert all(line.endswith(b"\r\n") for line in lines)
    assert outcomes["bom.py"].migrated.startswith(b"\xef\xbb\xbf")
    assert outcomes["bom.py"].migrated.count(b"\xef\xbb\xbf") == 1


def test_helper_path_rules(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_bytes(b"")
    src = tmp_path / "src"
    assert helper_path(RunOptions(paths=(src,))) == src / "learning360_v2.py"
    assert helper_path(RunOptions(paths=(src / "app.py", tmp_path))) == src / "learning360_v2.py"
    given = tmp_path / "lib" / "v2.py"
    assert helper_path(RunOptions(paths=(src,), helper_module=given)) == given


def test_dotted_module_name_follows_packages(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": b"", "pkg/sub/__init__.py": b"", "plain/x.py": b""})
    assert dotted_module_name(tmp_path / "pkg" / "sub" / "learning360_v2.py") == "pkg.sub.learning360_v2"
    assert dotted_module_name(tmp_path / "pkg" / "helper.py") == "pkg.helper"
    assert dotted_module_name(tmp_path / "plain" / "learning360_v2.py") == "learning360_v2"


def test_helper_module_is_never_a_candidate(tmp_path: Path) -> None:
    write_tree(tmp_path, {"learning360_v2.py": LOOKALIKE, "app.py": LOOKALIKE})
    result = run(RunOptions(paths=(tmp_path,), jobs=1))
    assert [o.display_path for o in result.outcomes] == ["app.py"]
    assert result.files_scanned == 1


def test_helper_is_created_only_when_writing(tmp_path: Path) -> None:
    path = tmp_path / "learning360_v2.py"
    dry = helper_outcome(path, display_path="learning360_v2.py", module="learning360_v2", write=False)
    assert (dry.existing, dry.written, dry.error) == (None, False, None)
    assert dry.content == helper_source()
    assert dry.needed_change
    assert not path.exists()
    done = helper_outcome(path, display_path="learning360_v2.py", module="learning360_v2", write=True)
    assert done.written
    assert path.read_bytes() == helper_source()
    again = helper_outcome(path, display_path="learning360_v2.py", module="learning360_v2", write=True)
    assert (again.written, again.error, again.needed_change) == (False, None, False)


def test_helper_that_differs_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "learning360_v2.py"
    path.write_bytes(b"# my own helper\n")
    outcome = helper_outcome(path, display_path="learning360_v2.py", module="learning360_v2", write=True)
    # It defines all that is needed (nothing): kept, and reported as edited.
    assert outcome.error is None
    assert outcome.note == HELPER_EDITED
    assert outcome.existing == b"# my own helper\n"
    assert not outcome.written
    assert path.read_bytes() == b"# my own helper\n"


def test_apply_writes_files_and_helper_inside_the_package(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": b"", "pkg/client.py": SITE, "pkg/other.py": LOOKALIKE})
    result = run(RunOptions(paths=(tmp_path / "pkg",), jobs=1, write=True))
    assert result.count(Status.REWRITE) == 1
    assert result.helper is not None
    assert result.helper.module == "pkg.learning360_v2"
    assert result.helper.written
    assert (tmp_path / "pkg" / "learning360_v2.py").read_bytes() == helper_source()
    client = by_path(result)["client.py"]
    assert client.written
    assert (tmp_path / "pkg" / "client.py").read_bytes() == client.migrated
    assert "pkg.learning360_v2" in imported_modules(client.migrated)
    assert not by_path(result)["other.py"].written


def test_apply_keeps_a_differing_helper_and_read_only_files(tmp_path: Path) -> None:
    edited = helper_source().replace(b"DEFAULT_TIMEOUT = 30.0", b"DEFAULT_TIMEOUT = 60.0")
    write_tree(tmp_path, {"learning360_v2.py": edited, "a.py": SITE, "b.py": SITE})
    (tmp_path / "b.py").chmod(0o444)
    result = run(RunOptions(paths=(tmp_path,), jobs=1, write=True))
    assert result.helper is not None
    assert result.helper.error is None
    assert result.helper.note == HELPER_EDITED
    assert (tmp_path / "learning360_v2.py").read_bytes() == edited
    outcomes = by_path(result)
    assert outcomes["a.py"].written
    assert outcomes["b.py"].error == "read-only; not written"
    assert (tmp_path / "b.py").read_bytes() == SITE


def test_an_unrelated_module_at_the_helper_path_holds_every_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {"learning360_v2.py": b"# mine\n", "a.py": SITE, "b.py": LOOKALIKE})
    result = run(RunOptions(paths=(tmp_path,), jobs=1, write=True))
    assert result.helper is not None
    assert result.helper.error == (
        "exists and is not the helper module (it defines no list_course_stats, resolve_user_id);"
        " not overwritten"
    )
    a = by_path(result)["a.py"]
    assert not a.written and a.migrated != SITE
    assert (
        a.error
        == f"not rewritten: the helper module learning360_v2.py cannot be written ({result.helper.error})"
    )
    assert (tmp_path / "a.py").read_bytes() == SITE
    assert helper_module.helper_names_used([], "learning360_v2") == frozenset()


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": SITE})
    run(RunOptions(paths=(tmp_path,), jobs=1))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]
    assert (tmp_path / "a.py").read_bytes() == SITE


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_reports_every_file(tmp_path: Path, jobs: int) -> None:
    write_tree(tmp_path, {f"m{i:02}.py": LOOKALIKE if i % 2 else b"x = 1\n" for i in range(20)})
    calls: list[tuple[int, int]] = []
    run(RunOptions(paths=(tmp_path,), jobs=jobs), progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (20, 20)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert {t for _, t in calls} == {20}


def test_discovery_problems_are_reported_not_fatal(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": LOOKALIKE})
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")
    result = run(RunOptions(paths=(tmp_path,), jobs=1))
    assert result.errors == (("gone.py", "broken symbolic link"),)
    assert [o.display_path for o in result.outcomes] == ["a.py"]


def test_missing_or_no_path_is_a_discovery_error(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match="does not exist"):
        run(RunOptions(paths=(tmp_path / "missing",)))
    with pytest.raises(DiscoveryError, match="no PATH"):
        run(RunOptions(paths=()))
