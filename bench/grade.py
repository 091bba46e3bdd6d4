"""Grading cost: `tp-course grade` with --jobs 1 and --jobs 2, and plain `nbgrader autograde`.

    python bench/grade.py [--submissions 6]

Six submissions of TP7 (the solution, the untouched student notebook, and broken notebooks with
one mistake each, which pay for the re-runs of attribution) are graded three ways on this
machine, one after the other:

* `tp-course grade --jobs 1`: wall time of the class run, and per submission the median wall and
  kernel CPU seconds (from results/<student>.json);
* `tp-course grade --jobs 2`: wall time, and the ratio jobs-1 wall / jobs-2 wall;
* plain `nbgrader autograde` on the same notebooks in an nbgrader course directory (serial, the
  notebook's own `python3` kernel): wall time and CPU seconds of the process tree.

Prints the figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from tests.test_tp7_grading import BROKEN, _broken  # noqa: E402

SOLUTION = REPO / "solutions" / "tp7_qa.ipynb"
STUDENT = REPO / "notebooks" / "tp7_qa.ipynb"
LAB = "tp7_qa"


def submissions(folder: Path, count: int) -> list[str]:
    notebooks = {"perfect": nbformat.read(SOLUTION, as_version=4)}
    if STUDENT.is_file():
        notebooks["untouched"] = nbformat.read(STUDENT, as_version=4)
    for exercise, name in BROKEN.items():
        notebooks[f"broken_{exercise}"] = _broken(exercise, name)
    chosen = dict(list(notebooks.items())[:count])
    for student, nb in chosen.items():
        nbformat.write(nb, folder / f"{student}.ipynb")
    return list(chosen)


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Run ``command``; return (wall seconds, CPU seconds of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def tp_course(folder: Path, out: Path, jobs: int, env: dict) -> tuple[float, float, list[dict]]:
    command = [
        sys.executable,
        "-m",
        "tp_helpers.cli",
        "grade",
        str(folder),
        "--out",
        str(out),
        "--source",
        str(SOLUTION),
        "--jobs",
        str(jobs),
    ]
    wall, cpu = timed(command, REPO, env)
    results = [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]
    return wall, cpu, results


def plain_nbgrader(
    folder: Path, students: list[str], course: Path, env: dict
) -> tuple[float, float]:
    (course / "source" / LAB).mkdir(parents=True)
    shutil.copy(SOLUTION, course / "source" / LAB / f"{LAB}.ipynb")
    shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    timed([*nbgrader, "generate_assignment", LAB, "--force"], course, env)
    for student in students:
        target = course / "submitted" / student / LAB
        target.mkdir(parents=True)
        shutil.copy(folder / f"{student}.ipynb", target / f"{LAB}.ipynb")
    return timed([*nbgrader, "autograde", LAB, "--force"], course, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=6)
    args = parser.parse_args()
    env = dict(os.environ, TP_PROFILE="offline", HF_HUB_OFFLINE="1")
    with tempfile.TemporaryDirectory(prefix="tp-bench-grade-") as tmp:
        tmp = Path(tmp)
        folder = tmp / "submissions"
        folder.mkdir()
        students = submissions(folder, args.submissions)
        print(f"{len(students)} submissions: {', '.join(students)}; {os.cpu_count()} CPUs")

        wall1, cpu1, results = tp_course(folder, tmp / "jobs1", 1, env)
        per_wall = statistics.median(r["seconds"] for r in results)
        per_cpu = statistics.median(r["cpu_seconds"] for r in results)
        print(
            f"tp-course grade --jobs 1: {wall1:.1f} s wall, {cpu1:.1f} s CPU in all; per "
            f"submission median {per_wall:.1f} s wall, {per_cpu:.1f} s kernel CPU"
        )
        for r in results:
            print(
                f"  {r['student_id']:<12} {r['status']:<8} {r['score']:g}/{r['max_score']:g} "
                f"{r['seconds']:.1f} s wall {r['cpu_seconds']:.1f} s CPU "
                f"{r.get('executions', 0)} executions"
            )

        wall2, cpu2, _ = tp_course(folder, tmp / "jobs2", 2, env)
        print(
            f"tp-course grade --jobs 2: {wall2:.1f} s wall, {cpu2:.1f} s CPU in all; "
            f"speed-up over --jobs 1: {wall1 / wall2:.2f}x"
        )

        wall3, cpu3 = plain_nbgrader(folder, students, tmp / "course", env)
        print(
            f"plain nbgrader autograde: {wall3:.1f} s wall, {cpu3:.1f} s CPU in all; "
            f"{wall3 / len(students):.1f} s per submission"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
