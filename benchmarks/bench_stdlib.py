"""Times ``migrate-360learning diff`` against LibCST's own codemod runner on a copy of the standard library.

The tree is the installed Python standard library (its ``.py`` files, without ``site-packages``) with a few
dozen small modules planted in it that each hold one v1 getUserCourseStats call. Both runs start from a
cold process, on the same tree, in the same invocation: ``migrate-360learning diff`` (read-only) on the
tree, and ``python -m libcst.tool codemod`` with ``codemods.cli.libcst_command.MigrateCourseStats`` on a copy
of it (LibCST writes in place). Both must find every planted site; the script prints both times and
their ratio.

    python benchmarks/bench_stdlib.py              # the whole standard library
    python benchmarks/bench_stdlib.py --limit 300  # a quick run on the first 300 files
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from codemods.engine.discovery import DEFAULT_EXCLUDED_DIRS  # noqa: E402
from codemods.mapping import DEFAULT_HELPER_FILE  # noqa: E402

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
modules: ["codemods"]
repo_root: "."
"""


def stdlib_sources(limit: int | None) -> tuple[Path, list[Path]]:
    """The standard library's ``.py`` files, relative to it, sorted; none a default exclude would skip.

    Leaving out what ``migrate-360learning`` never walks keeps both runs on exactly the same files.
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
        relative = directories[i * len(directories) // sites] / f"{SITE_PREFIX}{i:02}.py"
        (tree / relative).write_text(SITE_MODULE, encoding="utf-8")
        planted.append(relative.as_posix())
    return len(sources) + sites, planted


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def ours_command(tree: Path, jobs: int) -> list[str]:
    if (REPO / "codemods" / "__main__.py").exists():
        return [sys.executable, "-m", "codemods", "diff", "--quiet", "--jobs", str(jobs), str(tree)]
    code = (
        "import sys; from pathlib import Path; from codemods.engine.runner import run; "
        "from codemods.engine.options import RunOptions; "
        "r = run(RunOptions(paths=(Path(sys.argv[1]),), jobs=int(sys.argv[2]))); "
        "print(''.join(f'+++ b/{o.display_path}\\n' for o in r.changed))"
    )
    return [sys.executable, "-c", code, str(tree), str(jobs)]


def timed(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=None, help="copy only the first N stdlib files")
    parser.add_argument("--sites", type=int, default=40, help="call sites to plant [default: 40]")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for both tools [default: 2]")
    parser.add_argument("--keep", action="store_true", help="keep the temporary trees and print where")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-360learning-"))
    try:
        tree, copy = work / "tree", work / "libcst-copy"
        files, planted = build_tree(tree, args.limit, args.sites)
        shutil.copytree(tree, copy)
        (copy / ".libcst.codemod.yaml").write_text(LIBCST_CONFIG, encoding="utf-8")
        print(f"tree: {files} Python files ({args.sites} planted call sites)", flush=True)

        ours_time, ours = timed(ours_command(tree, args.jobs), REPO)
        changed = set(re.findall(r"^\+\+\+ b/(\S+)", ours.stdout, flags=re.MULTILINE)) - {HELPER}
        print(f"migrate-360learning diff: {ours_time:8.2f} s  ({len(changed)} files changed)", flush=True)

        libcst_command = [
            sys.executable, "-m", "libcst.tool", "codemod", "cli.libcst_command.MigrateCourseStats",
            "-j", str(args.jobs), "--no-format", "--hide-progress", "--include-generated", ".",
        ]  # fmt: skip
        libcst_time, libcst = timed(libcst_command, copy)
        rewritten = {p for p in planted if b"learning360_v2" in (copy / p).read_bytes()}
        print(f"libcst.tool codemod:      {libcst_time:8.2f} s  ({len(rewritten)} files changed)", flush=True)

        summary = [line.strip() for line in libcst.stderr.splitlines() if line.startswith(" - ")]
        if summary:
            print("libcst.tool summary: " + "; ".join(summary))
        problems = []
        if ours.returncode != 1 or changed != set(planted):
            problems.append(f"migrate-360learning exited {ours.returncode}: {ours.stderr.strip()[-2000:]}")
        # LibCST exits 1 whenever one file fails (the standard library has deliberately broken files):
        # only the planted sites tell whether it did the work.
        if rewritten != set(planted):
            problems.append(f"libcst.tool missed {len(set(planted) - rewritten)} planted sites")
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"ratio: {libcst_time / ours_time:.1f}x faster (target >= 100x)")
        return 1 if problems else 0
    finally:
        if args.keep:
            print(f"trees kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
