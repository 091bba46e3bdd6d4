"""The checks of TP8 (questions without an answer, SQuAD v2), one function per exercise.

In the notebook: ``from tp_helpers.checks import tp8_unanswerable as checks``, then
``with checks.exercise("03"): checks.ex03(...)``. The checks are split by the lab's parts
(:mod:`.data`, :mod:`.features`, :mod:`.training`, :mod:`.postprocess`, :mod:`.scoring`), with
the hint table in :mod:`.hints` and the plumbing in :mod:`tp_helpers.checks.core`. As in TP7,
they test properties on chosen rows, logits built for the purpose and the package's SQuAD v2
metric, never a copy of the solution; the ``*_hidden`` functions are the graders' extra checks.
"""

from __future__ import annotations

from ._lab import LAB
from .data import ex01, ex01_hidden, ex02, ex02_hidden
from .features import ex03, ex03_hidden, ex04, ex04_hidden, ex05, ex05_hidden, ex06
from .postprocess import ex08, ex08_hidden, ex09, ex09_hidden, ex10, ex10_hidden
from .scoring import ex11, ex11_hidden, ex12, ex12_hidden, ex13, ex14
from .training import ex07, ex07_hidden

exercise = LAB.exercise
progress = LAB.progress


def run_summary(namespace: dict) -> dict:
    """The figures ``tp-course run`` reads back from the finished notebook's variables."""
    results, state = namespace["results"], namespace["trainer"].state
    eval_losses = [entry["eval_loss"] for entry in state.log_history if "eval_loss" in entry]
    summary = {
        "profile": namespace["profile"].name,
        "exact_match": float(results["exact"]),
        "f1": float(results["f1"]),
        "train_steps": int(namespace["train_result"].global_step),
        "train_loss": float(namespace["train_result"].training_loss),
        "eval_loss": eval_losses[-1] if eval_losses else None,
        "threshold": float(namespace["best_threshold"]),
    }
    for key in ("HasAns_exact", "HasAns_f1", "NoAns_exact", "NoAns_f1"):
        if key in results:
            summary[key] = float(results[key])
    return summary


__all__ = [
    "LAB",
    "ex01",
    "ex01_hidden",
    "ex02",
    "ex02_hidden",
    "ex03",
    "ex03_hidden",
    "ex04",
    "ex04_hidden",
    "ex05",
    "ex05_hidden",
    "ex06",
    "ex07",
    "ex07_hidden",
    "ex08",
    "ex08_hidden",
    "ex09",
    "ex09_hidden",
    "ex10",
    "ex10_hidden",
    "ex11",
    "ex11_hidden",
    "ex12",
    "ex12_hidden",
    "ex13",
    "ex14",
    "exercise",
    "progress",
    "run_summary",
]
