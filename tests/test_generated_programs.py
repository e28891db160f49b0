"""Generated client programs, run before and after migration: the tool is never silent, never wrong and
never fails on them.

A fixed-seed sample of programs composed from the axes of ``programs.axes`` (endpoint, HTTP client, URL
spelling, credentials, call shape, consumer) runs against the fake 360Learning's v1, is migrated by the
tool in-process and, unless the tool reported a site for review, runs against the fake's v2 with the
records grouped and interleaved (``programs.runner``). Review is an honest answer, so its rate is shown,
not asserted; a program left on v1 without a word (silent), one migrated to print something else
(wrong) and one the tool fails on (tool error) are failures. ``benchmarks/generated_programs.py`` runs
the same over thousands of programs and prints the figures per axis value.

The generator is tested too: the same seed gives the same programs byte for byte, every value of every
axis is produced and visible in the code, and every original runs on v1.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from programs.axes import AXES, Spec, skip_reason
from programs.figures import Figures, format_figures, tally, write_failures
from programs.generator import Generated, Program, generate
from programs.runner import CLASSES, CpuClock, Outcome, check_originals, run_originals, run_programs

SEED = 2026
#: About 200 programs: under 40 s on two cores.
SAMPLE = 200
JOBS = 2


@dataclass(frozen=True)
class Sample:
    generated: Generated
    outcomes: list[Outcome]
    figures: Figures
    #: Where the failing programs are written, for a person to read.
    out: Path


def _run_sample(out: Path) -> Sample:
    generated = generate(SEED, SAMPLE)
    start, cpu = time.monotonic(), CpuClock()
    outcomes = run_programs(generated.programs, jobs=JOBS)
    wall = time.monotonic() - start
    write_failures(out, generated.programs, outcomes)
    check_originals(generated.programs, outcomes)
    figures = tally(generated, outcomes, jobs=JOBS, wall_seconds=wall, cpu_seconds=cpu.seconds())
    print(f"\n{format_figures(figures)}")
    return Sample(generated, outcomes, figures, out)


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """The sample, run once per test session: test processes of ``pytest -n`` share it through a file
    in their common temporary directory, the first one to take the lock running it."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    store = shared / f"generated-programs-{SEED}-{SAMPLE}.pickle"
    with open(shared / "generated-programs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if store.exists():
            loaded: Sample = pickle.loads(store.read_bytes())
            return loaded
        result = _run_sample(shared / f"generated-programs-{SEED}")
        store.write_bytes(pickle.dumps(result))
        return result


def _summary(sample: Sample, klass: str) -> str:
    figures = sample.figures
    names = {p.index: p.name for p in sample.generated.programs}
    shown = [f"  {names[o.index]}: {o.reason}" for o in sample.outcomes if o.klass == klass][:12]
    counts = ", ".join(f"{k} {figures.classes[k]}" for k in CLASSES)
    return (
        f"{figures.classes[klass]} of {figures.programs} programs are {klass} ({counts}; review rate "
        f"{figures.rate('reported'):.1%}); written under {sample.out}:\n" + "\n".join(shown)
    )


def test_every_program_falls_in_one_class_and_skips_are_counted(sample: Sample) -> None:
    figures = sample.figures
    assert set(figures.classes) == set(CLASSES)
    assert figures.classified == figures.programs == SAMPLE == len(sample.outcomes)
    assert figures.draws == SAMPLE + sum(figures.skipped.values())
    for axis, values in figures.per_axis.items():
        assert sum(counts["programs"] for counts in values.values()) == SAMPLE, axis
        for value, counts in values.items():
            assert sum(counts.get(k, 0) for k in CLASSES) == counts["programs"], (axis, value)
    print(f"review rate {figures.rate('reported'):.1%} ({figures.classes['reported']} of {SAMPLE})")


def test_no_program_is_left_on_v1_without_a_word(sample: Sample) -> None:
    assert sample.figures.classes["silent"] == 0, _summary(sample, "silent")


def test_no_program_is_migrated_to_print_something_else(sample: Sample) -> None:
    assert sample.figures.classes["wrong"] == 0, _summary(sample, "wrong")


def test_the_tool_never_fails_on_a_program(sample: Sample) -> None:
    assert sample.figures.classes["tool_error"] == 0, _summary(sample, "tool_error")


# --- the generator ---------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_programs_byte_for_byte() -> None:
    first, again = generate(11, 80), generate(11, 80)
    assert first.programs == again.programs
    assert first.skipped == again.skipped
    other = generate(12, 80)
    assert [p.files for p in other.programs] != [p.files for p in first.programs]


def _digest(programs: tuple[Program, ...]) -> str:
    files = hashlib.sha256()
    for program in programs:
        for name, text in program.files:
            files.update(f"{program.name}/{name}\0{text}\0".encode())
    return files.hexdigest()


DIGEST_SCRIPT = """
import hashlib, sys
from programs.generator import generate
files = hashlib.sha256()
for program in generate(11, 80).programs:
    for name, text in program.files:
        files.update(f"{program.name}/{name}\\0{text}\\0".encode())
print(files.hexdigest())
"""


def test_the_same_seed_gives_the_same_programs_in_every_process() -> None:
    expected = _digest(generate(11, 80).programs)
    tests = Path(__file__).resolve().parent
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": f"{tests}{os.pathsep}{tests.parent}"}
        result = subprocess.run(
            [sys.executable, "-c", DIGEST_SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == expected


def test_a_meaningless_combination_is_skipped_and_counted() -> None:
    spec = Spec("getCourseStats", "urllib", "fstring", "session_defaults", "inline", "loop")
    assert skip_reason(spec) is not None
    generated = generate(SEED, 400)
    assert sum(generated.skipped.values()) > 0
    assert all(skip_reason(p.spec) is None for p in generated.programs)
    assert generated.draws == 400 + sum(generated.skipped.values())


def test_a_run_may_keep_only_some_values_of_an_axis() -> None:
    generated = generate(SEED, 40, {"call": ["inline", "wrapper"], "client": ["urllib"]})
    assert {p.spec.call for p in generated.programs} == {"inline", "wrapper"}
    assert {p.spec.client for p in generated.programs} == {"urllib"}
    assert (
        generated.programs
        == generate(SEED, 40, {"client": ["urllib"], "call": ["wrapper", "inline"]}).programs
    )
    with pytest.raises(ValueError, match="no value"):
        generate(SEED, 1, {"call": ["curl"]})
    with pytest.raises(ValueError, match="unknown axis"):
        generate(SEED, 1, {"colour": ["red"]})


def _text(program: Program) -> str:
    return "\n".join(text for _, text in program.files)


def _main(program: Program) -> str:
    return program.file("main.py")


def _has(*needles: str) -> Callable[[Program], bool]:
    return lambda p: any(needle in _text(p) for needle in needles)


def _all(*needles: str) -> Callable[[Program], bool]:
    return lambda p: all(needle in _text(p) for needle in needles)


def _file(name: str, *needles: str) -> Callable[[Program], bool]:
    return lambda p: name in dict(p.files) and all(needle in p.file(name) for needle in needles)


#: What each axis value looks like in the code: every program of that value must show it.
MARKERS: dict[str, dict[str, Callable[[Program], bool]]] = {
    "endpoint": {
        "getCoursesStats": _has("/courses/stats"),
        "getCourseStats": _has('/stats"', "/stats?", "/stats'"),
        "getUserCourseStats": _has("/stats/"),
        "getUserCourses": _has("/users/"),
    },
    "client": {
        "requests": lambda p: "import requests" in _text(p) and "requests.Session()" not in _text(p),
        "requests_session": _has("requests.Session()"),
        "httpx": lambda p: "import httpx" in _text(p) and "AsyncClient" not in _text(p),
        "httpx_async": _all("httpx.AsyncClient(", "asyncio.run("),
        "aiohttp": _all("aiohttp.ClientSession(", "asyncio.run("),
        "urllib": _has("urllib.request.urlopen("),
    },
    "url": {
        "fstring": _has('f"'),
        "concat": lambda p: re.search(r'[\w"\]] \+ [\w"]', _text(p)) is not None,
        "percent_tuple": _has('s" % ', '%s" % ('),
        "percent_dict": _all("%(", '" % {'),
        "format_positional": lambda p: re.search(r'\{\}[^"]*"\.format\(', _text(p)) is not None,
        "format_named": lambda p: re.search(r'\{[a-z_]+\}[^"]*"\.format\([a-z_]+=', _text(p)) is not None,
        "urljoin": _has("urljoin("),
        "template": lambda p: re.search(r"^[A-Z_]+_(URL|PATH) = ", _main(p), re.MULTILINE) is not None,
        "settings_module": _file("settings.py", "LMS_HOST = "),
        "class_attribute": _all("API_ROOT = ", "self.API_ROOT"),
        "constructor_parameter": _all("def __init__(self, base_url):", "self.base_url"),
        "endpoint_table": _all("ENDPOINTS = {", "ENDPOINTS["),
    },
    "credentials": {
        "params_dict": _has('{"company": '),
        "pairs": _has('(("company", '),
        "dict_call": _has("dict(company="),
        "query_string": _has("?company="),
        "headers": _all('"X-company-id": ', "headers="),
        "session_defaults": _has(
            "self.session.params.update(",
            "self.session.headers.update(",
            "Client(params=",
            "Client(headers=",
            "ClientSession(headers=",
        ),
        "headers_method": _has("def _headers(self):", "def auth_headers():"),
        "other_module": lambda p: (
            "settings.py" in dict(p.files)
            and ("AUTH = " in p.file("settings.py") or "HEADERS = " in p.file("settings.py"))
        ),
    },
    "call": {
        "inline": lambda p: (
            "def get(" not in _text(p) and "def _get(" not in _text(p) and "def request(" not in _text(p)
        ),
        "wrapper": _has(
            "def get_",
            "def getCourse",
            "def getUser",
            "def course_stats(",
            "def courses_stats(",
            "def user_course",
        ),
        "get_helper": _has("def get(self, path, **kw):"),
        "request_helper": _has("def request(self, method, path):"),
        "session_helper": lambda p: any(
            line.startswith(("def _get(", "async def _get(")) for line in _main(p).splitlines()
        ),
        "inherited_helper": lambda p: "base_client.py" in dict(p.files) and "(BaseClient)" in _main(p),
        "imported_helper": lambda p: "transport.py" in dict(p.files) and "from transport import " in _main(p),
    },
    "consumer": {
        "loop": _has("for attempt in "),
        "comprehension": _has("[attempt for", "sum(1 for"),
        "same_module_function": lambda p: "(payload):" in _main(p),
        "other_module_function": _file("reporting.py", "(payload):"),
        "dataclass": _has("@dataclass"),
        "namedtuple": _has("(NamedTuple):"),
        "json_loads": _has("json.loads("),
        "generator": _has("yield "),
        "dict_store": _has("results = {}"),
        "dumped": _has("json.dumps("),
        "public_method": lambda p: "rows = " in _main(p) and "return " in _main(p),
    },
}


def test_every_value_of_every_axis_is_produced_and_shows_in_the_code() -> None:
    generated = generate(SEED, 300)
    assert set(MARKERS) == set(AXES)
    for axis, values in AXES.items():
        assert set(MARKERS[axis]) == set(values), axis
        seen = {p.spec.items()[list(AXES).index(axis)][1] for p in generated.programs}
        assert seen == set(values), (axis, set(values) - seen)
        for program in generated.programs:
            value = dict(program.spec.items())[axis]
            assert MARKERS[axis][value](program), f"{program.name}: {axis} {value} does not show in its code"


def test_every_original_runs_on_v1_and_requests_a_v1_course_statistics_path() -> None:
    # The first two dozen programs of a seed already hold every value of every axis (one deal of each deck).
    programs = generate(SEED + 1, 40).programs
    for axis, values in AXES.items():
        assert {dict(p.spec.items())[axis] for p in programs} == set(values), axis
    for program, run in zip(programs, run_originals(programs, jobs=JOBS), strict=True):
        assert run.returncode == 0, f"{program.name}:\n{run.stderr}"
        assert run.stdout.strip(), program.name
        assert run.requested_v1, f"{program.name} requested {run.paths}"
        assert not any(path.startswith("/api/v2/") for path in run.paths), program.name
