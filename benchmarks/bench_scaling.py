"""How ``migrate-360learning`` scales with the size of a module and the size of a repository.

Large modules: a generated module of N megabytes (small functions, one v1 call site at its top) is
migrated in a process of its own, through ``codemods.transform.migrate.migrate_source``; another
process times LibCST's own parse and scope analysis of the same bytes (``parse_module`` and
``ScopeProvider``), the least any LibCST rewrite does. It prints both CPU times, their ratio (target: at
most 3x), the time per megabyte (linear: the same at every size) and each process's peak memory.

Large repositories: a synthetic repository of M modules in packages of 100 (a settings module, classes
and functions, the odd ``requests`` call to another API), a few hundred of them holding one v1 site
that reads its host from its package's settings module, is run through ``migrate-360learning diff`` in
a fresh process. It prints the wall-clock and CPU time (target: 20,000 modules in under a minute) and
the time per thousand modules at each size.

    python benchmarks/bench_scaling.py                          # 1 and 5 MB; 5,000 and 20,000 modules
    python benchmarks/bench_scaling.py --sizes 0.5 --modules 2000
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SITE = """import requests

BASE = "https://app.360learning.com"


def stats(course_id, email):
    r = requests.get(
        f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params={"company": "c", "apiKey": "k"}
    )
    r.raise_for_status()
    return sum(a["globalTime"] for a in r.json()["attempts"])
"""
CHUNK = '''def helper_{i}(values, scale={i}):
    """Scale the values."""
    total = 0
    for v in values:
        total += v * scale
    return {{"n": len(values), "total": total, "name": "h{i}"}}


'''
PLAIN_MODULE = '''"""Module {n} of a synthetic repository."""

import json
import os

import requests

from .settings import TIMEOUT

LIMIT = {n}


class Record{n}:
    def __init__(self, name, values):
        self.name = name
        self.values = list(values)

    def total(self):
        return sum(v for v in self.values if v < LIMIT)


def load_{n}(path):
    with open(os.path.join(path, "record-{n}.json"), encoding="utf-8") as f:
        return Record{n}(**json.load(f))


def publish_{n}(record):
    r = requests.post("https://hooks.example.com/records", json={{"total": record.total()}}, timeout=TIMEOUT)
    r.raise_for_status()
'''
SETTINGS = '''"""Settings of a package of the synthetic repository."""

LMS_HOST = "https://app.360learning.com"
API = f"{LMS_HOST}/api/v1"
TIMEOUT = 30
'''
SITE_MODULE = '''"""A client of 360Learning's v1 API."""

import requests

from .settings import API, TIMEOUT


def attempts_of(course_id, email):
    r = requests.get(f"{API}/courses/{course_id}/stats/{email}", params={"company": "c", "apiKey": "k"},
                     timeout=TIMEOUT)
    r.raise_for_status()
    return [a["globalTime"] for a in r.json()["attempts"]]
'''


def generated_module(megabytes: float) -> bytes:
    """A module of about ``megabytes`` MB: one site, then small functions."""
    size = int(megabytes * 1_000_000)
    parts, length, i = [SITE, "\n\n"], len(SITE) + 2, 0
    while length < size:
        chunk = CHUNK.format(i=i)
        parts.append(chunk)
        length += len(chunk)
        i += 1
    return "".join(parts).encode("utf-8")


def child(kind: str, path: str) -> None:
    """In a process of its own: time one thing on the module at ``path``; print JSON."""
    sys.path.insert(0, str(REPO))
    source = Path(path).read_bytes()
    start = time.process_time()
    changed = False
    if kind == "libcst":
        import libcst as cst
        from libcst.metadata import MetadataWrapper, ScopeProvider

        MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True).resolve(ScopeProvider)
    else:
        from codemods.transform.migrate import TransformOptions, migrate_source

        result = migrate_source(source, display_path="generated.py", options=TransformOptions())
        changed = result.source != source and any(f.status.value == "rewrite" for f in result.findings)
    cpu = time.process_time() - start
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"cpu": cpu, "maxrss_mib": rss_kib / 1024, "changed": changed}))


def run_child(kind: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} on {path.name} failed: {done.stderr.strip()[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def large_modules(work: Path, sizes: list[float]) -> list[str]:
    problems: list[str] = []
    print("large modules (CPU seconds; peak memory of the process)")
    per_mb: list[float] = []
    for megabytes in sizes:
        path = work / f"generated_{megabytes:g}mb.py"
        path.write_bytes(generated_module(megabytes))
        size = path.stat().st_size / 1_000_000
        libcst = run_child("libcst", path)
        ours = run_child("migrate", path)
        if not ours["changed"]:
            problems.append(f"the {megabytes:g} MB module's site was not migrated")
        per_mb.append(ours["cpu"] / size)
        print(f"  {size:5.2f} MB: LibCST parse + scope {libcst['cpu']:7.1f} s "
              f"({libcst['maxrss_mib']:5.0f} MiB), migrated {ours['cpu']:7.1f} s "
              f"({ours['maxrss_mib']:5.0f} MiB): "
              f"{ours['cpu'] / libcst['cpu']:.2f}x LibCST [<= 3x], {per_mb[-1]:.1f} s/MB")  # fmt: skip
    if len(per_mb) > 1:
        print(f"  time per MB, largest / smallest module: {per_mb[-1] / per_mb[0]:.2f} (linear: 1)")
    return problems


def write_repository(root: Path, modules: int, sites: int) -> list[str]:
    """Write ``modules`` modules in packages of 100, ``sites`` of them with one v1 site each."""
    planted: list[str] = []
    every = max(1, modules // sites) if sites else 0
    for n in range(modules):
        package = root / "app" / f"pkg{n // 100:03}"
        if n % 100 == 0:
            package.mkdir(parents=True, exist_ok=True)
            (package / "__init__.py").write_text("", encoding="utf-8")
            (package / "settings.py").write_text(SETTINGS, encoding="utf-8")
        if every and n % every == every // 2 and len(planted) < sites:
            (package / f"client_{n:05}.py").write_text(SITE_MODULE, encoding="utf-8")
            planted.append((package / f"client_{n:05}.py").relative_to(root).as_posix())
        else:
            (package / f"module_{n:05}.py").write_text(PLAIN_MODULE.format(n=n), encoding="utf-8")
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    return planted


def large_repositories(work: Path, sizes: list[int], sites: int, jobs: int) -> list[str]:
    problems: list[str] = []
    print(f"large repositories (migrate-360learning diff --jobs {jobs}, a fresh process)")
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    )
    for modules in sizes:
        root = work / f"repo-{modules}"
        planted = write_repository(root, modules, sites)
        files = sum(1 for _ in root.rglob("*.py"))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "codemods", "diff", "--quiet", "--jobs", str(jobs), str(root)],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        changed = set(re.findall(r"^\+\+\+ b/(\S+)", done.stdout, flags=re.MULTILINE)) - {"learning360_v2.py"}
        if changed != set(planted):
            problems.append(f"{modules} modules: {len(changed)} files changed, {len(planted)} sites planted "
                            f"(exit {done.returncode}: {done.stderr.strip()[-1000:]})")  # fmt: skip
        print(f"  {files:6,} files ({len(planted)} sites): {wall:6.1f} s wall, {cpu:6.1f} s CPU, "
              f"{1000 * wall / files:.2f} s per thousand files  [20,000 modules: < 60 s]")  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)
    return problems


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1,5", help="module sizes in MB, comma-separated [default: 1,5]")
    parser.add_argument("--modules", default="5000,20000", help="repository sizes [default: 5000,20000]")
    parser.add_argument("--sites", type=int, default=300, help="v1 sites in a repository [default: 300]")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes [default: 2]")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    # Every run reads the package's bytecode, as an installed copy does (``pip install`` compiles it):
    # under PYTHONDONTWRITEBYTECODE each process would otherwise compile every module again.
    compileall.compile_dir(str(REPO / "codemods"), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    try:
        problems: list[str] = []
        if args.modules:
            sizes = [int(m) for m in args.modules.split(",")]
            problems += large_repositories(work, sizes, args.sites, args.jobs)
        if args.sizes:
            problems += large_modules(work, [float(s) for s in args.sizes.split(",")])
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1 if problems else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
