"""Benchmark: wall time and scores of `tp-course run` for one lab and profile, over seeds.

    python bench/offline_run.py [--lab tp7_qa] [--profile offline] [--runs 3]
                                [--seeds 101 102 ...] [--jobs 1] [--min exact_match=70 f1=75]
                                [--table runs/seeds.md]

First N runs with the profile's own seed (their median time is the figure the docs quote), then
one run per seed given with `--seeds`, the whole run's seed replaced through `TP_SEED`: the
spread a class sees when the random start of the new head and the order of the training batches
change. A different machine is, for a training run, much like a different seed, so a recipe is
judged on seeds it was not chosen on.

`--jobs 2` runs two notebooks at once with one thread each: the same scores (up to the rounding
of another thread count), twice the throughput on 2 cores, but each notebook's time is then not
the time of a run alone: quote times from `--jobs 1` runs only. `--min KEY=VALUE` names the
targets: every seeded run below one is listed at the end. `--table FILE` writes the seeded runs
as a Markdown table (for `bench/README.md`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the summary's figures printed for each run, when the lab's summary has them
SHOWN = ("exact_match", "f1", "HasAns_f1", "NoAns_f1", "train_loss", "eval_loss")


def run_once(lab: str, profile: str, seed: int | None, threads: int | None) -> dict:
    env = dict(os.environ)
    if seed is not None:
        env["TP_SEED"] = str(seed)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        command = [sys.executable, "-m", "tp_helpers.cli", "run", "--profile", profile]
        command += ["--notebook", str(ROOT / "solutions" / f"{lab}.ipynb"), "--out", out]
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"{lab} seed {seed}: tp-course run failed\n{done.stderr[-3000:]}")
        summary = json.loads((Path(out) / "summary.json").read_text())
    summary["wall"] = time.perf_counter() - started
    summary["seed"] = seed
    return summary


def figures(s: dict) -> str:
    shown = " ".join(
        f"{k}={s[k]:.3g}" if "loss" in k else f"{k}={s[k]:.1f}"
        for k in SHOWN
        if isinstance(s.get(k), (int, float))
    )
    return f"wall={s['wall']:.1f}s notebook={s['seconds']:.1f}s {shown} steps={s['train_steps']}"


def below(s: dict, targets: dict[str, float]) -> list[str]:
    return [f"{k} {s[k]:.1f} < {v:g}" for k, v in targets.items() if s[k] < v]


def table(rows: list[dict]) -> str:
    keys = [k for k in SHOWN if all(isinstance(r.get(k), (int, float)) for r in rows)]
    lines = ["| seed | " + " | ".join(keys) + " | notebook s |"]
    lines.append("|---" * (len(keys) + 2) + "|")
    for r in rows:
        cells = [f"{r[k]:.3f}" if "loss" in k else f"{r[k]:.1f}" for k in keys]
        lines.append(f"| {r['seed']} | " + " | ".join(cells) + f" | {r['seconds']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="tp7_qa", help="solution notebook's name in solutions/")
    parser.add_argument("--profile", default="offline")
    parser.add_argument("--runs", type=int, default=3, help="runs with the profile's own seed")
    parser.add_argument("--seeds", type=int, nargs="*", default=[])
    parser.add_argument("--jobs", type=int, default=1, help="seeded runs at once, 1 thread each")
    parser.add_argument("--min", nargs="*", default=[], help="targets, KEY=VALUE")
    parser.add_argument("--table", help="write the seeded runs as a Markdown table here")
    args = parser.parse_args()
    targets = {k: float(v) for k, v in (item.split("=", 1) for item in args.min)}

    rows = []
    for i in range(args.runs):
        rows.append(run_once(args.lab, args.profile, None, None))
        print(f"run {i + 1}: {figures(rows[-1])}", flush=True)
    if rows:
        median = statistics.median(r["seconds"] for r in rows)
        print(f"median of {len(rows)}: notebook={median:.1f}s", flush=True)

    threads = 1 if args.jobs > 1 else None
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        runs = pool.map(lambda s: run_once(args.lab, args.profile, s, threads), args.seeds)
        seeded = []
        for s in runs:
            seeded.append(s)
            print(f"seed {s['seed']}: {figures(s)}", flush=True)
    if not seeded:
        return
    summary = []
    for key in SHOWN:
        values = [s[key] for s in seeded if isinstance(s.get(key), (int, float))]
        if len(values) == len(seeded) and "loss" not in key:
            middle = statistics.median(values)
            summary.append(f"{key} {min(values):.1f}-{max(values):.1f} (median {middle:.1f})")
    times = [s["seconds"] for s in seeded]
    print(
        f"{len(seeded)} seeds: " + ", ".join(summary) + f"; notebook median "
        f"{statistics.median(times):.1f}s ({args.jobs} at once)"
    )
    misses = [(s["seed"], below(s, targets)) for s in seeded if below(s, targets)]
    for seed, why in misses:
        print(f"below target: seed {seed}: {', '.join(why)}")
    if targets:
        print(f"{len(seeded) - len(misses)} of {len(seeded)} seeds meet every target")
    if args.table:
        Path(args.table).parent.mkdir(parents=True, exist_ok=True)
        Path(args.table).write_text(table(seeded))
        print(f"table written to {args.table}")


if __name__ == "__main__":
    main()
