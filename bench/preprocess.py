"""Preprocessing speed: `prepare_train_features` (the solution notebook's own) in features/s.

    python bench/preprocess.py [--repeat 3]

Runs the notebook's function through `Dataset.map(batched=True)` on the offline training split
(2,000 rows) with the real tokenizer, at the full profile's windows (384/128) and at the offline
profile's (128/32). Prints rows, features and the best of N timings per window size.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import datasets
    from transformers import AutoTokenizer

    from tests.solution_code import notebook_functions
    from tp_helpers import get_profile

    datasets.disable_progress_bars()
    profile = get_profile("offline")
    prepare = notebook_functions("prepare_train_features")["prepare_train_features"]
    tokenizer = AutoTokenizer.from_pretrained(profile.model_checkpoint)
    rows = datasets.load_dataset(profile.dataset, split="train")
    print(f"{len(rows)} rows, {os.cpu_count()} CPUs, tokenizer {type(tokenizer).__name__}")
    for max_length, doc_stride in ((384, 128), (profile.max_length, profile.doc_stride)):
        kwargs = {"tokenizer": tokenizer, "max_length": max_length, "doc_stride": doc_stride}
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            features = rows.map(
                prepare,
                fn_kwargs=kwargs,
                batched=True,
                remove_columns=rows.column_names,
                load_from_cache_file=False,
            )
            timings.append(time.perf_counter() - started)
        best = min(timings)
        print(
            f"{max_length}/{doc_stride}: {len(features)} features in {best:.2f} s "
            f"(best of {args.repeat}) = {len(features) / best:,.0f} features/s, "
            f"{len(rows) / best:,.0f} rows/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
