"""TP8's :class:`~tp_helpers.checks.core.Lab` and the helpers its checks share."""

from __future__ import annotations

import copy

from ..core import Lab
from .hints import HINTS, TITLES

LAB = Lab("tp8_unanswerable", TITLES, HINTS)
expect = LAB.expect
passed = LAB.passed
fail = LAB.fail

SQUAD_COLUMNS = ["id", "title", "context", "question", "answers"]
NO_ANSWER = {"text": [], "answer_start": []}


def rows_of(dataset, indices) -> list[dict]:
    """Plain dictionaries of the rows at ``indices`` (deep copies: the student's code may edit)."""
    return [copy.deepcopy(dict(dataset[int(i)])) for i in indices]


def batch(rows: list[dict]) -> dict[str, list]:
    """The dictionary of lists that ``Dataset.map(batched=True)`` passes for ``rows``."""
    return {key: [copy.deepcopy(row[key]) for row in rows] for key in rows[0]}


def has_answer(row: dict) -> bool:
    return bool(row["answers"]["answer_start"])


def left_padding(tokenizer):
    """A copy of ``tokenizer`` that pads on the left: [CLS] then moves from window to window."""
    left = copy.deepcopy(tokenizer)
    left.padding_side = "left"
    return left


def plain_ids(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def long_rows(dataset, tokenizer, max_length: int, count: int, start: int = 0) -> list[int]:
    """Indices of rows whose question and context do not fit in ``max_length`` tokens."""
    found = []
    for i in range(start, len(dataset)):
        row = dataset[i]
        if len(plain_ids(tokenizer, row["question"] + " " + row["context"])) + 3 > max_length:
            found.append(i)
            if len(found) == count:
                break
    return found
