"""Benchmark: wall time and EM/F1 of `tp-course run --profile offline`, median of N runs.

    python bench/offline_run.py [--runs 3]

Prints one line per run and the medians. The issue's target: whole notebook <= 90 s on 2 CPU
cores, validation EM >= 60 and F1 >= 70.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", default="offline")
    args = parser.parse_args()
    rows = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tp_helpers.cli",
                    "run",
                    "--profile",
                    args.profile,
                    "--out",
                    out,
                ],
                check=True,
                capture_output=True,
            )
            wall = time.perf_counter() - started
            summary = json.loads((Path(out) / "summary.json").read_text())
        summary["wall"] = wall
        rows.append(summary)
        print(
            f"run {i + 1}: wall={wall:.1f}s notebook={summary['seconds']:.1f}s "
            f"exact_match={summary['exact_match']:.1f} f1={summary['f1']:.1f} "
            f"(untrained {summary['baseline_exact_match']:.1f}/{summary['baseline_f1']:.1f}) "
            f"steps={summary['train_steps']}",
            flush=True,
        )
    keys = ("wall", "seconds", "exact_match", "f1")
    median = {k: statistics.median(r[k] for r in rows) for k in keys}
    print(
        f"median of {args.runs}: wall={median['wall']:.1f}s notebook={median['seconds']:.1f}s "
        f"exact_match={median['exact_match']:.1f} f1={median['f1']:.1f}"
    )


if __name__ == "__main__":
    main()
