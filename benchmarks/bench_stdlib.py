"""Times ``migrate-360learning diff`` on a copy of the standard library against LibCST's runner and ruff.

The tree is the installed Python standard library (its ``.py`` files, without ``site-packages``) with a few
dozen small modules planted in it that each hold one v1 getUserCourseStats call. In the same invocation,
each a cold process on the same tree:

- ``migrate-360learning diff`` (read-only), with ``--jobs 1`` and ``--jobs N``: both must print the same
  patch, changing exactly the planted modules;
- LibCST's own runner, ``python -m libcst.tool codemod`` with a command that changes nothing
  (``benchmarks/noop_command.py``): what any codemod run through it costs at least;
- ``ruff check --select F401 --no-cache``, from a virtual environment of the benchmark's own
  (``benchmarks/.venv-ruff``, made on first use with the ruff version the project pins);
- ``migrate-360learning diff`` again on a second tree with ten times as many planted modules.

The fast commands take turns, one round of each at a time, so that a ratio compares commands that ran
under the same load; LibCST's runner takes minutes, and ours runs again right after it.

Then, in this process: the CPU of one planted module's migration (best of several batches), and which
files reach LibCST without holding a site (the false candidates) with the share of the run they cost.
It prints every figure, the ratios and their targets, and exits 1 when a planted site is missed or the
outputs of the two job counts differ.

    python benchmarks/bench_stdlib.py                # the whole standard library (LibCST: minutes)
    python benchmarks/bench_stdlib.py --limit 300    # a quick run on the first 300 files
    python benchmarks/bench_stdlib.py --no-libcst --more-sites 0
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from codemods.engine import indexing  # noqa: E402
from codemods.engine.discovery import DEFAULT_EXCLUDED_DIRS, discover  # noqa: E402
from codemods.engine.indexing import build_index, module_name  # noqa: E402
from codemods.engine.workers import Task, TransformSetup, _process  # noqa: E402
from codemods.mapping import DEFAULT_HELPER_FILE  # noqa: E402
from codemods.transform.migrate import TransformOptions, migrate_source  # noqa: E402

SITE_MODULE = """import requests

BASE = "https://app.360learning.com"


def stats(course_id, email):
    r = requests.get(
        f"{BASE}/api/v1/courses/{course_id}/stats/{email}", params={"company": "c", "apiKey": "k"}
    )
    r.raise_for_status()
    return sum(a["globalTime"] for a in r.json()["attempts"])
"""
SITE_PREFIX = "l360_stats_"
HELPER = DEFAULT_HELPER_FILE
LIBCST_CONFIG = """# Written by benchmarks/bench_stdlib.py.
generated_code_marker: "@generated"
formatter: []
blacklist_patterns: []
modules: ["benchmarks"]
repo_root: "."
"""
RUFF_VENV = Path(__file__).resolve().parent / ".venv-ruff"


def stdlib_sources(limit: int | None) -> tuple[Path, list[Path]]:
    """The standard library's ``.py`` files, relative to it, sorted; none a default exclude would skip.

    Leaving out what ``migrate-360learning`` never walks keeps every tool on exactly the same files.
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    found: list[Path] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in DEFAULT_EXCLUDED_DIRS and not d.endswith(".egg-info"))
        if Path(directory, "pyvenv.cfg").exists():
            dirs[:] = []
            continue
        base = Path(directory).relative_to(root)
        found.extend(base / name for name in sorted(files) if name.endswith(".py"))
    return root, found[:limit] if limit is not None else found


def build_tree(tree: Path, limit: int | None, sites: int) -> tuple[int, list[str]]:
    """Copy the sources into ``tree`` and plant ``sites`` call sites; return the file count and sites."""
    root, sources = stdlib_sources(limit)
    for relative in sources:
        target = tree / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, target)
    directories = sorted({relative.parent for relative in sources})
    planted = []
    for i in range(sites):
        relative = directories[i * len(directories) // sites] / f"{SITE_PREFIX}{i:03}.py"
        (tree / relative).write_text(SITE_MODULE, encoding="utf-8")
        planted.append(relative.as_posix())
    return len(sources) + sites, planted


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@dataclass(frozen=True)
class Timed:
    wall: float
    cpu: float
    done: subprocess.CompletedProcess[str]


def timed(command: list[str], cwd: Path) -> Timed:
    """Run ``command`` in a fresh process: its wall-clock time and the CPU of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(wall, cpu, done)


def median_of(runs: list[Timed]) -> Timed:
    """The run of median wall-clock time."""
    ordered = sorted(runs, key=lambda t: t.wall)
    return ordered[(len(ordered) - 1) // 2]


def ours(tree: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "codemods", "diff", "--quiet", "--jobs", str(jobs), str(tree)]


def changed_files(patch: str) -> set[str]:
    return set(re.findall(r"^\+\+\+ b/(\S+)", patch, flags=re.MULTILINE)) - {HELPER}


def ruff_pin() -> str:
    """The ruff the project pins for its own checks (``ruff==…`` in pyproject.toml), or the latest."""
    pin = re.search(r'"(ruff==[\w.]+)"', (REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return pin.group(1) if pin else "ruff"


def ruff_executable() -> Path:
    """ruff in the benchmark's own virtual environment, installed with pip on first use."""
    ruff = RUFF_VENV / ("Scripts" if os.name == "nt" else "bin") / "ruff"
    if not ruff.exists():
        print(f"installing {ruff_pin()} into {RUFF_VENV}", flush=True)
        venv.create(RUFF_VENV, with_pip=True, clear=True)
        python = ruff.parent / "python"
        subprocess.run([str(python), "-m", "pip", "install", "-q", ruff_pin()], check=True)
    return ruff


def best_cpu(run: object, batches: int = 7, per_batch: int = 10) -> float:
    """The least CPU one call of ``run`` costs, in seconds: the best of ``batches`` averages."""
    assert callable(run)
    run()
    results = []
    for _ in range(batches):
        start = time.process_time()
        for _ in range(per_batch):
            run()
        results.append((time.process_time() - start) / per_batch)
    return min(results)


@dataclass
class _Summaries:
    """The CPU the index spends reading modules (``ast``, then their constants, held classes and
    request functions: the function summaries), and how many it reads."""

    cpu: float = 0.0
    modules: int = 0


def candidates(tree: Path) -> tuple[list[tuple[str, float, bool]], float, float, _Summaries]:
    """Every file of ``tree`` processed in this process as a worker would: those that reached LibCST
    (path, CPU seconds, whether it holds a site), the CPU of the whole pass, of its repository index
    (the constants, and the classes and request functions other modules' code is read with), and of
    the modules the index reads, within it."""
    found = discover((tree,))
    files = [c for c in found.files if c.path.name != HELPER]
    modules = [module_name(c.path, c.root) for c in files]
    summaries = _Summaries()
    read_module = getattr(indexing, "parse_module")  # noqa: B009 (the index's own name for it is replaced)

    def timed_read(*args: object) -> object:
        start = time.process_time()
        try:
            return read_module(*args)
        finally:
            summaries.cpu += time.process_time() - start
            summaries.modules += 1

    setattr(indexing, "parse_module", timed_read)  # noqa: B010
    start_all = time.process_time()
    try:
        index = build_index([(c.path, m) for c, m in zip(files, modules, strict=True)])
    finally:
        setattr(indexing, "parse_module", read_module)  # noqa: B010
    index_cpu = time.process_time() - start_all
    setup = TransformSetup.of(HELPER.removesuffix(".py"), index)
    reached: list[tuple[str, float, bool]] = []
    for i, (c, m) in enumerate(zip(files, modules, strict=True)):
        start = time.process_time()
        done = _process(Task(i, str(c.path), c.display_path, m), setup)
        spent = time.process_time() - start
        if done.outcome is not None and done.outcome.error is None:
            reached.append((c.display_path, spent, bool(done.outcome.findings)))
    return reached, time.process_time() - start_all, index_cpu, summaries


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=None, help="copy only the first N stdlib files")
    parser.add_argument("--sites", type=int, default=40, help="call sites to plant [default: 40]")
    parser.add_argument("--more-sites", type=int, default=400, help="the second tree's [default: 400]")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for every tool [default: 2]")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast commands [default: 3]")
    parser.add_argument("--no-libcst", action="store_true", help="leave out LibCST's runner (minutes)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary trees and print where")
    args = parser.parse_args()

    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    # Every run reads the package's bytecode, as an installed copy does (``pip install`` compiles it):
    # under PYTHONDONTWRITEBYTECODE each process would otherwise compile every module again.
    compileall.compile_dir(str(REPO / "codemods"), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="bench-360learning-"))
    problems: list[str] = []
    try:
        tree = work / "tree"
        files, planted = build_tree(tree, args.limit, args.sites)
        (tree / ".libcst.codemod.yaml").write_text(LIBCST_CONFIG, encoding="utf-8")
        print(f"tree: {files} Python files ({args.sites} planted call sites)", flush=True)

        more = work / "tree-more"
        more_planted: list[str] = []
        if args.more_sites:
            _, more_planted = build_tree(more, args.limit, args.more_sites)
        ruff = ruff_executable()
        ruff_command = [str(ruff), "check", "--select", "F401", "--no-cache", "."]
        # The fast commands take turns, a round at a time: the load of a shared machine changes within a
        # minute, and a ratio is only fair between commands that ran under the same load.
        rounds: dict[str, list[Timed]] = {"serial": [], "parallel": [], "ruff": [], "more": []}
        for _ in range(args.repeat):
            rounds["serial"].append(timed(ours(tree, 1), REPO))
            rounds["parallel"].append(timed(ours(tree, args.jobs), REPO))
            rounds["ruff"].append(timed(ruff_command, tree))
            if args.more_sites:
                rounds["more"].append(timed(ours(more, args.jobs), REPO))
        serial, parallel, ruff_run = (median_of(rounds[k]) for k in ("serial", "parallel", "ruff"))
        for label, run in (("--jobs 1", serial), (f"--jobs {args.jobs}", parallel)):
            changed = changed_files(run.done.stdout)
            print(f"migrate-360learning diff {label}: {run.wall:7.2f} s wall, {run.cpu:7.2f} s CPU "
                  f"({len(changed)} files changed)", flush=True)  # fmt: skip
            if run.done.returncode != 1 or changed != set(planted):
                problems.append(f"migrate-360learning {label} exited {run.done.returncode}, changed "
                                f"{len(changed)} files: {run.done.stderr.strip()[-2000:]}")  # fmt: skip
        identical = serial.done.stdout == parallel.done.stdout
        if not identical:
            problems.append(f"--jobs 1 and --jobs {args.jobs} printed different patches")

        version = subprocess.run([str(ruff), "--version"], capture_output=True, text=True).stdout.strip()
        print(f"{version} check --select F401 --no-cache: {ruff_run.wall:7.2f} s wall, "
              f"{ruff_run.cpu:7.2f} s CPU", flush=True)  # fmt: skip

        more_run: Timed | None = None
        if args.more_sites:
            more_run = median_of(rounds["more"])
            changed = changed_files(more_run.done.stdout)
            print(f"migrate-360learning diff, {args.more_sites} planted: {more_run.wall:7.2f} s wall, "
                  f"{more_run.cpu:7.2f} s CPU ({len(changed)} files changed)", flush=True)  # fmt: skip
            if changed != set(more_planted):
                problems.append(f"with {args.more_sites} planted sites, {len(changed)} files changed")

        libcst_run: Timed | None = None
        if not args.no_libcst:
            libcst_command = [
                sys.executable, "-m", "libcst.tool", "codemod", "noop_command.DoNothing",
                "-j", str(args.jobs), "--no-format", "--hide-progress", "--include-generated", ".",
            ]  # fmt: skip
            libcst_run = timed(libcst_command, tree)
            summary = [line.strip() for line in libcst_run.done.stderr.splitlines() if line.startswith(" - ")]
            print(f"libcst.tool codemod (a command that does nothing): {libcst_run.wall:7.2f} s wall "
                  f"({'; '.join(summary)})", flush=True)  # fmt: skip
            if not any("Finished codemodding" in line for line in libcst_run.done.stderr.splitlines()):
                problems.append(f"libcst.tool did not finish: {libcst_run.done.stderr.strip()[-2000:]}")
            # Ours again, right after it, under the load LibCST's minutes ran under.
            after = median_of([timed(ours(tree, args.jobs), REPO) for _ in range(args.repeat)])
            print(f"migrate-360learning diff --jobs {args.jobs} again, after it: {after.wall:7.2f} s wall, "
                  f"{after.cpu:7.2f} s CPU", flush=True)  # fmt: skip

        site = (tree / planted[0]).read_bytes()
        per_file = best_cpu(lambda: migrate_source(site, display_path="site.py", options=TransformOptions()))
        reached, pass_cpu, index_cpu, summaries = candidates(tree)
        false = [(path, spent) for path, spent, has_site in reached if not has_site]
        false_cpu = sum(spent for _, spent in false)

        print("\nratios (targets in brackets)")
        if libcst_run is not None:
            ratio = libcst_run.wall / parallel.wall
            print(f"  LibCST's runner / migrate-360learning: {ratio:8.1f}x  [>= 100x] "
                  f"(CPU: {libcst_run.cpu / parallel.cpu:.1f}x; against the runs after it: "
                  f"{libcst_run.wall / after.wall:.1f}x)")  # fmt: skip
        print(f"  migrate-360learning / ruff:            {parallel.wall / ruff_run.wall:8.1f}x  [<= 4x] "
              f"(CPU: {parallel.cpu / ruff_run.cpu:.1f}x)")  # fmt: skip
        if more_run is not None:
            print(f"  {args.more_sites} planted / {args.sites} planted:{'':14}"
                  f"{more_run.wall / parallel.wall:8.2f}x  [<= 3x]")  # fmt: skip
            marginal = (more_run.cpu - parallel.cpu) / (args.more_sites - args.sites)
            print(f"  CPU of one more planted module (whole runs): {marginal * 1000:6.1f} ms  [<= 10 ms]")
        print(f"  CPU of one planted module's migration:       {per_file * 1000:6.1f} ms  [<= 10 ms]")
        print(f"  false candidates: {len(false)} files, {false_cpu:.2f} s of the {pass_cpu:.2f} s of CPU "
              f"of a one-process pass ({100 * false_cpu / pass_cpu:.1f} %)  [< 5 %]")  # fmt: skip
        for path, spent in sorted(false, key=lambda f: -f[1])[:5]:
            print(f"    {spent * 1000:8.1f} ms  {path}")
        print(f"  repository index (constants, held classes and request functions): {index_cpu:.2f} s "
              f"of the {pass_cpu:.2f} s ({100 * index_cpu / pass_cpu:.1f} %)")  # fmt: skip
        print(f"    of which the modules it reads ({summaries.modules}, for their summaries): "
              f"{summaries.cpu:.2f} s; the rest reads every file once, for the pre-filter too")  # fmt: skip
        print(f"  --jobs 1 / --jobs {args.jobs}: {serial.wall / parallel.wall:.2f}x faster; "
              f"identical output: {'yes' if identical else 'NO'}")  # fmt: skip
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1 if problems else 0
    finally:
        if args.keep:
            print(f"trees kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
