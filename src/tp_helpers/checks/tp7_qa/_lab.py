"""TP7's :class:`~tp_helpers.checks.core.Lab` and the helpers its checks share: facts about
tokenised features, computed without re-doing the exercises."""

from __future__ import annotations

from typing import Any

from ...metrics.squad import normalize_answer
from ..core import Lab
from ..rows import (
    SQUAD_COLUMNS,  # noqa: F401 (the checks import it from here)
    plain_ids,
)
from .hints import HINTS, TITLES

LAB = Lab("tp7_qa", TITLES, HINTS)
exercise = LAB.exercise
progress = LAB.progress
_expect = LAB.expect
_passed = LAB.passed

PAIR = (
    "Hi, I would love to test the tokenizer.",
    "Sure, go ahead and verify that english = ENGLISH = ENglISh.",
)


# ----------------------------------------------------------------------------------------------
# helpers: facts about tokenised features, computed without re-doing the exercises
# ----------------------------------------------------------------------------------------------
def _context_id(tokenizer) -> int:
    return 1 if tokenizer.padding_side == "right" else 0


def _sequence_ids(encoding, i: int) -> list:
    return list(encoding.sequence_ids(i))


def _positions(sequence_ids: list, value) -> list[int]:
    return [k for k, s in enumerate(sequence_ids) if s == value]


def _windows_of(tokenizer, encoding, rows: list[dict], max_length: int, doc_stride: int):
    """Check the windowing of ``encoding`` (features of ``rows``) and describe each feature.

    Returns, per feature, ``(row index, char_start, char_end, token positions of the context)``.
    Raises the failure key and values when the windows are not what the exercise asks for:
    ("count" | "question" | "stride" | "length", values). Windows are matched against the
    tokens of the context alone, so nothing here repeats the exercise's tokenizer call.
    """
    context_id = _context_id(tokenizer)
    n_features = len(encoding["input_ids"])
    per_row: dict[int, list[int]] = {}
    descriptions = []
    row_of = _row_of_features(encoding, rows, tokenizer, n_features)
    for i in range(n_features):
        per_row.setdefault(row_of[i], []).append(i)
    for row_index, row in enumerate(rows):
        features = per_row.get(row_index, [])
        question_ids = plain_ids(tokenizer, row["question"].lstrip())
        context = tokenizer(row["context"], add_special_tokens=False, return_offsets_mapping=True)
        context_ids, context_offsets = context["input_ids"], context["offset_mapping"]
        position = 0
        if not features:
            raise _WindowError("count", feature=None, row=row_index)
        for n, i in enumerate(features):
            ids = list(encoding["input_ids"][i])
            sequence_ids = _sequence_ids(encoding, i)
            if len(ids) > max_length:
                raise _WindowError("length", feature=i, found=len(ids))
            question_positions = _positions(sequence_ids, 1 - context_id)
            if [ids[k] for k in question_positions] != question_ids:
                raise _WindowError("question", feature=i)
            if (
                context_id == 1
                and question_positions
                and question_positions[0]
                != 1 + (ids.index(tokenizer.cls_token_id) if tokenizer.cls_token_id in ids else 0)
            ):
                raise _WindowError("question", feature=i)
            context_positions = _positions(sequence_ids, context_id)
            window = [ids[k] for k in context_positions]
            if not window:
                raise _WindowError("question", feature=i)
            if n > 0:
                expected_start = position - doc_stride
                if context_ids[expected_start : expected_start + len(window)] != window:
                    raise _WindowError("stride", feature=i)
                start = expected_start
            else:
                start = 0
                if context_ids[: len(window)] != window:
                    raise _WindowError("coverage", feature=i)
            position = start + len(window)
            char_start = context_offsets[start][0]
            char_end = context_offsets[position - 1][1]
            descriptions.append((row_index, char_start, char_end, context_positions))
        if position != len(context_ids):
            raise _WindowError("count", feature=features[-1], row=row_index)
    return descriptions


def _row_of_features(encoding, rows, tokenizer, n_features) -> list[int]:
    """Which row each feature comes from, read from the features' own question tokens."""
    mapping = encoding.get("overflow_to_sample_mapping") if hasattr(encoding, "get") else None
    if mapping is not None and len(mapping) == n_features:
        return [int(m) for m in mapping]
    questions = [plain_ids(tokenizer, row["question"].lstrip()) for row in rows]
    context_id = _context_id(tokenizer)
    result, current = [], 0
    for i in range(n_features):
        ids = list(encoding["input_ids"][i])
        found = [ids[k] for k in _positions(_sequence_ids(encoding, i), 1 - context_id)]
        while current < len(rows) and found != questions[current]:
            current += 1
        if current == len(rows):
            raise _WindowError("question", feature=i)
        result.append(current)
    return result


class _WindowError(Exception):
    def __init__(self, kind: str, **values: Any) -> None:
        super().__init__(kind)
        self.kind, self.values = kind, values


def _answer_span(row: dict) -> tuple[int, int, str]:
    answers = row["answers"]
    start = answers["answer_start"][0]
    text = answers["text"][0]
    return start, start + len(text), text


def _same_text(tokenizer, decoded: str, answer: str) -> bool:
    """Compare a decoded span with an answer the way the uncased tokenizer sees it."""
    expected = tokenizer.decode(plain_ids(tokenizer, answer))
    return normalize_answer(decoded) == normalize_answer(expected)


class _CountingTokenizer:
    """Wraps a tokenizer to count the calls made to it."""

    def __init__(self, tokenizer) -> None:
        self._tokenizer, self.calls = tokenizer, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self._tokenizer(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._tokenizer, name)
