"""Training speed on a GPU at the full profile's shapes: fp32 against bf16 (or fp16).

    python bench/gpu_train.py [--steps 30]

A DistilBERT-base question-answering model is built from its configuration (random weights, no
download: speed does not depend on the weights), then trained on random batches of 16 x 384
tokens with AdamW, as the full profile does. Prints steps/s and peak GPU memory per precision.
Without a CUDA GPU it says so and exits 0: the figure only means something on the GPU runner.
"""

from __future__ import annotations

import argparse
import sys
import time


def measure(precision: str, steps: int, warmup: int = 5) -> tuple[float, float]:
    import torch
    from transformers import DistilBertConfig, DistilBertForQuestionAnswering

    torch.manual_seed(0)
    model = DistilBertForQuestionAnswering(DistilBertConfig()).cuda().train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    scaler = torch.amp.GradScaler("cuda", enabled=precision == "fp16")
    batch = {
        "input_ids": torch.randint(1000, 30000, (16, 384), device="cuda"),
        "attention_mask": torch.ones(16, 384, dtype=torch.long, device="cuda"),
        "start_positions": torch.randint(0, 384, (16,), device="cuda"),
        "end_positions": torch.randint(0, 384, (16,), device="cuda"),
    }
    torch.cuda.reset_peak_memory_stats()
    for step in range(warmup + steps):
        if step == warmup:
            torch.cuda.synchronize()
            started = time.perf_counter()
        with torch.autocast("cuda", dtype=dtype, enabled=dtype is not None):
            loss = model(**batch).loss
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    return steps / seconds, torch.cuda.max_memory_allocated() / 2**30


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        print(
            "skipped: no CUDA GPU here (torch.cuda.is_available() is False); "
            "run it on the GPU runner"
        )
        return 0
    half = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    print(f"{torch.cuda.get_device_name()}; torch {torch.__version__}; batch 16 x 384")
    for precision in ("fp32", half):
        rate, memory = measure(precision, args.steps)
        print(f"{precision}: {rate:.2f} steps/s, peak GPU memory {memory:.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
