"""TP8's :class:`~tp_helpers.checks.core.Lab` and the helpers its checks share."""

from __future__ import annotations

from ..core import Lab
from ..rows import SQUAD_COLUMNS, batch, left_padding, long_rows, plain_ids, rows_of
from .hints import HINTS, TITLES

LAB = Lab("tp8_unanswerable", TITLES, HINTS)
expect = LAB.expect
passed = LAB.passed
fail = LAB.fail

__all__ = [
    "LAB", "NO_ANSWER", "SQUAD_COLUMNS", "batch", "expect", "fail", "has_answer",
    "left_padding", "long_rows", "passed", "plain_ids", "rows_of",
]  # fmt: skip

NO_ANSWER = {"text": [], "answer_start": []}


def has_answer(row: dict) -> bool:
    return bool(row["answers"]["answer_start"])
