"""Cost of one Gradescope submission: the real ``run_autograder`` on one TP7 notebook.

    python bench/gradescope.py [--cores 0] [--submissions solution student]

Gradescope grades each submission in a fresh container: the source runs in a reference process,
then the student's runs fork from it, for every submission (no class to share the reference
with). This script lays out ``/autograder`` in a temporary folder (``source/`` with the solution
notebook and the ``run_autograder`` that ``tp-course gradescope`` writes, ``submission/`` with
one notebook), runs that script pinned to ``--cores`` with ``taskset`` (one core approximates
Gradescope's CPU share), and prints its wall time and the peak memory of the whole process tree
(PSS and RSS summed over the script and every process under it, sampled every 0.2 s): what the
assignment's memory limit and timeout must allow. Prints the figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from tp_helpers.data import cache_root
from tp_helpers.grading.platforms.gradescope import run_script

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = {
    "solution": REPO / "solutions" / "tp7_qa.ipynb",  # a perfect submission
    "student": REPO / "notebooks" / "tp7_qa.ipynb",  # the untouched student copy
}


class PeakMemory:
    """Peaks of the summed PSS and RSS of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.root = psutil.Process(pid)
        self.every = every
        self.pss = self.rss = 0
        self.processes = 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                tree = []
            pss = rss = 0
            for process in tree:
                try:
                    info = process.memory_full_info()
                except psutil.Error:
                    continue
                pss, rss = pss + info.pss, rss + info.rss
            self.pss, self.rss = max(self.pss, pss), max(self.rss, rss)
            self.processes = max(self.processes, len(tree))
            time.sleep(self.every)

    def stop(self) -> None:
        self.running = False
        self.thread.join()


def grade_one(notebook: Path, cores: str) -> dict:
    """Run ``run_autograder`` on ``notebook``; return the figures and results.json."""
    with tempfile.TemporaryDirectory(prefix="tp-bench-gradescope-") as tmp:
        root = Path(tmp) / "autograder"
        (root / "source").mkdir(parents=True)
        (root / "submission").mkdir()
        source = NOTEBOOKS["solution"]
        shutil.copy(source, root / "source" / source.name)
        shutil.copy(notebook, root / "submission" / source.name)
        script = root / "source" / "run_autograder"
        script.write_text(run_script(source.name), encoding="utf-8")
        env = dict(
            os.environ,
            AUTOGRADER_ROOT=str(root),
            TP_AUTOGRADER_PYTHON=sys.executable,
            TP_AUTOGRADER_DATA=str(cache_root()),
        )
        started = time.perf_counter()
        process = subprocess.Popen(
            ["taskset", "-c", cores, "bash", str(script)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        memory = PeakMemory(process.pid)
        log, _ = process.communicate()
        wall = time.perf_counter() - started
        memory.stop()
        results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    return {
        "wall": wall,
        "pss": memory.pss,
        "rss": memory.rss,
        "processes": memory.processes,
        "results": results,
        "log": log,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", default="0", help="taskset CPU list (default: 0, one core)")
    parser.add_argument(
        "--submissions", nargs="+", choices=sorted(NOTEBOOKS), default=["solution", "student"]
    )
    args = parser.parse_args()
    print(f"run_autograder pinned to CPU(s) {args.cores}; {os.cpu_count()} CPUs on the machine")
    for kind in args.submissions:
        figures = grade_one(NOTEBOOKS[kind], args.cores)
        results = figures["results"]
        total = sum(test["max_score"] for test in results["tests"])
        print(
            f"{kind}: {figures['wall']:.1f} s wall (execution_time {results['execution_time']} s), "
            f"peak PSS {figures['pss'] / 2**30:.2f} GiB, peak RSS sum "
            f"{figures['rss'] / 2**30:.2f} GiB, up to {figures['processes']} processes; "
            f"score {results['score']:g}/{total:g}"
        )
        if results["score"] == 0 and kind == "solution":
            print(results["output"], figures["log"][-3000:], sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
