"""Benchmark: the whole notebook in the ``cpu`` profile on this machine's cores, untruncated.

    python bench/cpu_run.py [--runs 3] [--profile cpu] [--lab tp7_qa]

The Hub is out of reach here, so the notebook runs against the stand-in repositories of
``tests/hub_mirror.py`` (DistilBERT-base's configuration with random weights, SQuAD-format rows),
served on 127.0.0.1: the same downloads, model and windows as on Colab, hence the same time per
step. Each run gets a fresh Hugging Face cache (downloads included in its time, as on a fresh
Colab runtime). Prints per run the notebook's seconds, its optimiser steps, and the losses the
Trainer logged: the training loss (mean over the run) and the validation loss after it, next to
ln(384) = 5.95, the loss of a model that spreads its guess evenly over the 384 positions (where a
fresh ``qa_outputs`` head starts). EM / F1 mean nothing on random weights and are not printed.
Target (issue 15): the whole notebook under 10 minutes on 2 CPU cores. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_once(hub: Path, profile: str, lab: str) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        out, hf_home = Path(scratch) / "run", Path(scratch) / "hf_home"
        command = [sys.executable, "-m", "tests.hub_mirror", "notebook", str(hub)]
        command += ["--profile", profile, "--out", str(out), "--hf-home", str(hf_home)]
        command += ["--lab", lab]
        subprocess.run([*command, "--uncapped"], cwd=REPO, check=True, capture_output=True)
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--lab", default="tp7_qa", help="solution notebook's name in solutions/")
    args = parser.parse_args()
    hub = Path(tempfile.mkdtemp(prefix="tp-hub-"))
    try:
        subprocess.run(
            [sys.executable, "-m", "tests.hub_mirror", "build", str(hub)], cwd=REPO, check=True
        )
        seconds = []
        for index in range(args.runs):
            s = run_once(hub, args.profile, args.lab)
            seconds.append(s["seconds"])
            print(
                f"run {index + 1}: notebook={s['seconds']:.1f}s steps={s['train_steps']} "
                f"train_loss={s['train_loss']:.3f} "
                f"eval_loss={s['eval_loss']:.3f} "
                f"(uniform guess: {math.log(384):.2f})",
                flush=True,
            )
        print(f"median notebook: {statistics.median(seconds):.1f}s over {len(seconds)} runs")
    finally:
        shutil.rmtree(hub, ignore_errors=True)


if __name__ == "__main__":
    main()
