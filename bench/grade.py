"""Grading cost: `tp-course grade` with --jobs 1 and --jobs 2, and plain `nbgrader autograde`.

    python bench/grade.py [--submissions 16 6 32] [--nbgrader-upto 16] [--half]

A class of TP7 submissions (the solution, the untouched student notebook, notebooks with one
mistake and with two; `--half` adds half-done ones: every kind but the solution pays for the
re-runs of attribution) is graded three ways on this machine, one after the other, and the
peak memory (PSS, summed over the grader and every process under it, sampled every second) of
each is printed:

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
from tp_helpers.grading.model.source import find_regions, substitute  # noqa: E402

SOLUTION = REPO / "solutions" / "tp7_qa.ipynb"
STUDENT = REPO / "notebooks" / "tp7_qa.ipynb"
LAB = "tp7_qa"


def _with_mistakes(exercises: list[str]) -> nbformat.NotebookNode:
    nb = _broken(exercises[0], BROKEN[exercises[0]])
    for exercise in exercises[1:]:
        other = _broken(exercise, BROKEN[exercise])
        for mine, theirs in zip(nb.cells, other.cells):
            if f"START CODE HERE ({exercise})" in theirs.source:
                regions, _ = find_regions(theirs.source)
                region = next(r for r in regions if r.exercise_id == exercise)
                mine.source = substitute(mine.source, {exercise: region})
    return nb


def _half_done(student: nbformat.NotebookNode, solution: nbformat.NotebookNode):
    """The first half of the exercises solved (the solution's regions), the rest untouched."""
    nb = nbformat.from_dict(student)
    for mine, theirs in zip(nb.cells, solution.cells):
        regions, _ = find_regions(theirs.source)
        done = {r.exercise_id: r for r in regions if r.exercise_id <= "15"}
        if done and mine.cell_type == "code":
            mine.source = substitute(mine.source, done)
    return nb


def submissions(folder: Path, count: int, half: bool = False) -> list[str]:
    """``count`` submissions cycling through the kinds of the class the grading issue measured
    plain nbgrader on: the solution, the untouched student notebook, one mistake, two
    mistakes (and, with ``half``, half-done notebooks)."""
    solution = nbformat.read(SOLUTION, as_version=4)
    student = nbformat.read(STUDENT, as_version=4)
    kinds = [("perfect", lambda i: solution), ("untouched", lambda i: student)]
    broken = sorted(BROKEN)
    kinds.append(("broken", lambda i: _broken(broken[i % 9], BROKEN[broken[i % 9]])))
    kinds.append(("mistakes", lambda i: _with_mistakes([broken[i % 9], broken[(i + 4) % 9]])))
    if half:  # cheap for plain nbgrader: its training cell fails at once
        kinds.append(("half", lambda i: _half_done(student, solution)))
    names = []
    for i in range(count):
        kind, make = kinds[i % len(kinds)]
        name = f"{i:02d}_{kind}"
        nbformat.write(make(i // len(kinds) + i), folder / f"{name}.ipynb")
        names.append(name)
    return names


class PeakPss:
    """Peak of the summed PSS of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        import threading

        import psutil

        self.root = psutil.Process(pid)
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        import psutil

        while self.running:
            total = 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                processes = []
            for process in processes:
                try:
                    total += process.memory_full_info().pss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(1.0)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak / 2**30


PEAKS: list[float] = []  # GiB, one per timed command


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Run ``command``; return (wall seconds, CPU seconds of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    pss = PeakPss(process.pid)
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    PEAKS.append(pss.stop())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def tp_course(
    folder: Path, out: Path, jobs: int | None, env: dict
) -> tuple[float, float, list[dict]]:
    """``jobs=None``: the command an instructor types, with the default ``--jobs``."""
    command = [sys.executable, "-m", "tp_helpers.cli", "grade", str(folder), "--out", str(out)]
    command += ["--source", str(SOLUTION)] + (["--jobs", str(jobs)] if jobs else [])
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
    parser.add_argument("--submissions", type=int, nargs="+", default=[6, 16, 32])
    parser.add_argument("--half", action="store_true", help="half-done notebooks too")
    parser.add_argument(
        "--nbgrader-upto",
        type=int,
        default=16,
        help="run plain nbgrader only for classes up to this size; larger ones use the "
        "per-submission figure of the largest class it ran (said so in the output)",
    )
    parser.add_argument(
        "--default",
        action="store_true",
        help="only the default command (no --jobs) against plain nbgrader, in the same run",
    )
    args = parser.parse_args()
    env = dict(os.environ, TP_PROFILE="offline", HF_HUB_OFFLINE="1")
    if args.default:
        return default_against_nbgrader(args.submissions, env)
    per_nbgrader = None
    for count in args.submissions:
        with tempfile.TemporaryDirectory(prefix="tp-bench-grade-") as tmp:
            tmp = Path(tmp)
            folder = tmp / "submissions"
            folder.mkdir()
            students = submissions(folder, count, args.half)
            print(f"\n== {len(students)} submissions; {os.cpu_count()} CPUs")

            wall1, cpu1, results = tp_course(folder, tmp / "jobs1", 1, env)
            pss1 = PEAKS[-1]
            per_wall = statistics.median(r["seconds"] for r in results)
            print(
                f"tp-course grade --jobs 1: {wall1:.1f} s wall, {cpu1:.1f} s CPU, peak PSS "
                f"{pss1:.2f} GiB; per submission median {per_wall:.1f} s of runs"
            )
            wall2, cpu2, _ = tp_course(folder, tmp / "jobs2", 2, env)
            print(
                f"tp-course grade --jobs 2: {wall2:.1f} s wall, {cpu2:.1f} s CPU, peak PSS "
                f"{PEAKS[-1]:.2f} GiB; --jobs 2 vs --jobs 1: {wall1 / wall2:.2f}x"
            )
            if count <= args.nbgrader_upto:
                wall3, cpu3 = plain_nbgrader(folder, students, tmp / "course", env)
                per_nbgrader = wall3 / len(students)
                print(
                    f"plain nbgrader autograde: {wall3:.1f} s wall, {cpu3:.1f} s CPU, peak PSS "
                    f"{PEAKS[-1]:.2f} GiB; {per_nbgrader:.1f} s per submission"
                )
            elif per_nbgrader is not None:
                wall3 = per_nbgrader * len(students)
                print(
                    f"plain nbgrader autograde: {wall3:.1f} s wall (estimated: serial, "
                    f"{per_nbgrader:.1f} s per submission as measured above)"
                )
            else:
                continue
            print(
                f"speed-up over plain nbgrader: --jobs 1 {wall3 / wall1:.2f}x, "
                f"--jobs 2 {wall3 / wall2:.2f}x"
            )
    return 0


def default_against_nbgrader(counts: list[int], env: dict) -> int:
    """`tp-course grade` as typed (the default --jobs) and plain nbgrader on the same class."""
    for count in counts:
        with tempfile.TemporaryDirectory(prefix="tp-bench-grade-") as tmp:
            tmp = Path(tmp)
            folder = tmp / "submissions"
            folder.mkdir()
            students = submissions(folder, count)
            print(f"\n== {len(students)} submissions; {os.cpu_count()} CPUs")
            wall, cpu, results = tp_course(folder, tmp / "default", None, env)
            print(
                f"tp-course grade (default --jobs): {wall:.1f} s wall, {cpu:.1f} s CPU, peak PSS "
                f"{PEAKS[-1]:.2f} GiB"
            )
            wall3, cpu3 = plain_nbgrader(folder, students, tmp / "course", env)
            print(
                f"plain nbgrader autograde: {wall3:.1f} s wall, {cpu3:.1f} s CPU, peak PSS "
                f"{PEAKS[-1]:.2f} GiB; the default is {wall3 / wall:.2f}x faster"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
