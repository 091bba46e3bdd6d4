"""What every lab's checks feed to a student's function: dataset rows as plain dictionaries, a
batch as ``Dataset.map(batched=True)`` passes it, a tokenizer padding on the other side, and
the rows too long for one window. One copy for all labs; each lab's ``_lab`` imports them."""

from __future__ import annotations

import copy

#: the columns of a SQuAD-format split (v1.1 and v2.0 alike)
SQUAD_COLUMNS = ["id", "title", "context", "question", "answers"]


def rows_of(dataset, indices) -> list[dict]:
    """Plain dictionaries of the rows at ``indices`` (deep copies: the student's code may edit)."""
    return [copy.deepcopy(dict(dataset[int(i)])) for i in indices]


def batch(rows: list[dict]) -> dict[str, list]:
    """The dictionary of lists that ``Dataset.map(batched=True)`` passes for ``rows``."""
    return {key: [copy.deepcopy(row[key]) for row in rows] for key in rows[0]}


def left_padding(tokenizer):
    """A copy of ``tokenizer`` that pads on the left, as a few checkpoints do: [CLS] then moves
    from window to window, so code reading it from the wrong window fails instead of passing."""
    left = copy.deepcopy(tokenizer)
    left.padding_side = "left"
    return left


def plain_ids(tokenizer, text: str) -> list[int]:
    """The token ids of ``text`` alone, without [CLS] / [SEP]."""
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def long_rows(dataset, tokenizer, max_length: int, count: int, start: int = 0) -> list[int]:
    """Indices of the first ``count`` rows (from ``start`` on) whose question and context do not
    fit in ``max_length`` tokens with the pair's three special tokens."""
    found = []
    for i in range(start, len(dataset)):
        row = dataset[i]
        if len(plain_ids(tokenizer, row["question"] + " " + row["context"])) + 3 > max_length:
            found.append(i)
            if len(found) == count:
                break
    return found
