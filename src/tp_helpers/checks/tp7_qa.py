"""The checks of TP7 (extractive question answering), one function per exercise.

Each ``exNN`` function looks at what the student's exercise produced and either prints one
success line or raises a :class:`~tp_helpers.checks.core.CheckFailed` built from the hint table
(:mod:`tp_helpers.checks.tp7_qa_hints`). Checks test *properties* that hold in every profile and
on any data (a labelled span decodes to the answer, CLS exactly when the answer is outside the
window, every candidate is a piece of its context…), then the profile's reference values. They
never contain the solution: they call the student's functions on chosen rows and look at the
result.

The ``*_hidden`` functions are the graders' stronger checks (rows the student never saw, a
tokenizer that pads on the left, a row without an answer, edge cases of the post-processing).
"""

from __future__ import annotations

import contextlib
import copy
import io
import itertools
from typing import Any

import numpy as np

from ..metrics.squad import normalize_answer
from .core import CheckFailed, Lab
from .tp7_qa_hints import HINTS, LABEL_ADVICE, TITLES

LAB = Lab("tp7_qa", TITLES, HINTS)
exercise = LAB.exercise
progress = LAB.progress
_expect = LAB.expect
_passed = LAB.passed

PAIR = (
    "Hi, I would love to test the tokenizer.",
    "Sure, go ahead and verify that english = ENGLISH = ENglISh.",
)
SQUAD_COLUMNS = ["id", "title", "context", "question", "answers"]


# ----------------------------------------------------------------------------------------------
# helpers: facts about tokenised features, computed without re-doing the exercises
# ----------------------------------------------------------------------------------------------
def _context_id(tokenizer) -> int:
    return 1 if tokenizer.padding_side == "right" else 0


def _sequence_ids(encoding, i: int) -> list:
    return list(encoding.sequence_ids(i))


def _positions(sequence_ids: list, value) -> list[int]:
    return [k for k, s in enumerate(sequence_ids) if s == value]


def _plain_ids(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


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
        question_ids = _plain_ids(tokenizer, row["question"].lstrip())
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
    questions = [_plain_ids(tokenizer, row["question"].lstrip()) for row in rows]
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
    expected = tokenizer.decode(_plain_ids(tokenizer, answer))
    return normalize_answer(decoded) == normalize_answer(expected)


def _rows(dataset, indices) -> list[dict]:
    return [dict(dataset[int(i)]) for i in indices]


def _batch(rows: list[dict]) -> dict[str, list]:
    return {key: [copy.deepcopy(row[key]) for row in rows] for key in rows[0]}


def _left_padding(tokenizer):
    """A copy of the tokenizer that pads on the left, as a few checkpoints do."""
    left = copy.deepcopy(tokenizer)
    left.padding_side = "left"
    return left


class _CountingTokenizer:
    """Wraps a tokenizer to count the calls made to it."""

    def __init__(self, tokenizer) -> None:
        self._tokenizer, self.calls = tokenizer, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self._tokenizer(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._tokenizer, name)


def _long_rows(dataset, tokenizer, max_length: int, count: int, start: int = 0) -> list[int]:
    """Indices of rows whose question + context overflow ``max_length`` (from ``start`` on)."""
    found = []
    for i in range(start, len(dataset)):
        row = dataset[i]
        if len(_plain_ids(tokenizer, row["question"] + " " + row["context"])) + 3 > max_length:
            found.append(i)
            if len(found) == count:
                break
    return found


# ----------------------------------------------------------------------------------------------
# 01-02: data and tokenizer
# ----------------------------------------------------------------------------------------------
def ex01(train_dataset, validation_dataset, profile) -> None:
    import datasets

    for split in (train_dataset, validation_dataset):
        _expect(isinstance(split, datasets.Dataset), "01", "ex01.type", type(split).__name__)
        _expect(split.column_names == SQUAD_COLUMNS, "01", "ex01.columns", split.column_names)
    n_answers = (
        len(train_dataset[0]["answers"]["text"]),
        len(validation_dataset[0]["answers"]["text"]),
    )
    _expect(
        not (n_answers[0] > 1 and n_answers[1] == 1),
        "01",
        "ex01.order",
        f"answers per row: train {n_answers[0]}, validation {n_answers[1]}",
    )
    rows = [len(train_dataset), len(validation_dataset)]
    LAB.check_reference(profile, "01", "ex01.rows", rows, "ex01.rows")
    _passed("01", f"{rows[0]} training and {rows[1]} validation rows with the SQuAD columns.")


def ex01_hidden(train_dataset, validation_dataset, profile) -> None:
    first_ids = [train_dataset[0]["id"], validation_dataset[0]["id"]]
    LAB.check_reference(profile, "01", "ex01.first_ids", first_ids, "reference")


def ex02(tokenizer, profile) -> None:
    _expect(getattr(tokenizer, "is_fast", False), "02", "ex02.fast", type(tokenizer).__name__)
    ids = tokenizer(*PAIR)["input_ids"]
    _expect(
        ids[:5] == [101, 7632, 1010, 1045, 2052],
        "02",
        "ex02.checkpoint",
        ids[:5],
        checkpoint=profile.model_checkpoint,
    )
    _passed("02", f"{type(tokenizer).__name__}; the pair encodes to {len(ids)} ids {ids[:5]}...")


def ex02_hidden(tokenizer, profile) -> None:
    ids = tokenizer(*PAIR)["input_ids"]
    LAB.check_reference(profile, "02", "ex02.pair_ids", ids, "reference")
    _expect(
        tokenizer.name_or_path.rstrip("/") == profile.model_checkpoint.rstrip("/"),
        "02",
        "ex02.checkpoint",
        tokenizer.name_or_path,
        checkpoint=profile.model_checkpoint,
    )


# ----------------------------------------------------------------------------------------------
# 03-04: windows and offsets of the long example
# ----------------------------------------------------------------------------------------------
def _check_long_windows(exercise_id, encoding, long_example, tokenizer, max_length, doc_stride):
    _expect(
        hasattr(encoding, "keys") and "input_ids" in encoding,
        exercise_id,
        "ex03.type",
        type(encoding).__name__,
    )
    lengths = [len(ids) for ids in encoding["input_ids"]]
    _expect(
        all(isinstance(n, int) for n in lengths) and len(lengths) > 1,
        exercise_id,
        "ex03.one_feature",
        f"{len(lengths)} feature(s) of lengths {lengths}",
        max_length=max_length,
    )
    _expect(
        max(lengths) <= max_length, exercise_id, "ex03.too_long", lengths, max_length=max_length
    )
    _expect(
        all(n == max_length for n in lengths[:-1]),
        exercise_id,
        "ex03.short",
        lengths,
        max_length=max_length,
    )
    question_ids = _plain_ids(tokenizer, long_example["question"].lstrip())
    first = list(encoding["input_ids"][0])
    _expect(
        first[1 : 1 + len(question_ids)] == question_ids,
        exercise_id,
        "ex03.example"
        if _plain_ids(tokenizer, long_example["context"])[:3] != first[1:4]
        else "ex03.question",
        tokenizer.decode(first[:12]) + " ...",
    )
    try:
        _windows_of(tokenizer, encoding, [long_example], max_length, doc_stride)
    except _WindowError as error:
        key = {"count": "ex03.coverage", "length": "ex03.too_long"}.get(
            error.kind, f"ex03.{error.kind}"
        )
        raise LAB.fail(
            exercise_id,
            key,
            f"feature {error.values.get('feature')}",
            max_length=max_length,
            doc_stride=doc_stride,
        ) from None
    return lengths


def ex03(tokenized_long_example, long_example, tokenizer, max_length, doc_stride, profile) -> None:
    lengths = _check_long_windows(
        "03", tokenized_long_example, long_example, tokenizer, max_length, doc_stride
    )
    LAB.check_reference(profile, "03", "ex03.lengths", lengths, "reference")
    _passed(
        "03",
        f"{len(lengths)} features of lengths {lengths}; the question is whole in each "
        f"and consecutive windows share {doc_stride} tokens.",
    )


def ex03_hidden(long_example, profile) -> None:
    LAB.check_reference(profile, "03", "ex03.long_example_id", long_example["id"], "reference")


def ex04(tokenized_long_example, long_example, tokenizer, max_length, doc_stride, profile) -> None:
    lengths = _check_long_windows(
        "04", tokenized_long_example, long_example, tokenizer, max_length, doc_stride
    )
    offsets = tokenized_long_example.get("offset_mapping")
    _expect(
        offsets is not None and [len(o) for o in offsets] == lengths,
        "04",
        "ex04.offsets",
        "no offset_mapping" if offsets is None else [len(o) for o in offsets],
    )
    LAB.check_reference(profile, "04", "ex03.lengths", lengths, "reference")
    context = long_example["context"]
    for i in range(len(lengths)):
        sequence_ids = _sequence_ids(tokenized_long_example, i)
        for k in _positions(sequence_ids, 1):
            start, end = offsets[i][k]
            piece = tokenizer.decode([tokenized_long_example["input_ids"][i][k]]).replace("##", "")
            _expect(
                0 <= start < end <= len(context)
                and _same_text(tokenizer, piece, context[start:end]),
                "04",
                "ex04.context_offsets",
                f"feature {i}, token {k}: {(start, end)}",
            )
    _passed(
        "04",
        f"{len(lengths)} features, one offset pair per token; context offsets point "
        "into the context.",
    )


# ----------------------------------------------------------------------------------------------
# 05-07: answer positions in the long example (the cell's loop fills `bounds` and `labels`)
# ----------------------------------------------------------------------------------------------
def _loop_complete(exercise_id, bounds, encoding):
    n = len(encoding["input_ids"])
    _expect(len(bounds) == n, exercise_id, "ex0x.loop", f"{len(bounds)} entries", n=n)


def ex05(bounds, tokenized_long_example) -> None:
    _loop_complete("05", bounds, tokenized_long_example)
    for i, (start, _) in enumerate(bounds):
        expected = _positions(_sequence_ids(tokenized_long_example, i), 1)[0]
        _expect(start == expected, "05", "ex05.start", start, expected=expected, feature=i)
    _passed("05", "`token_start_index` is the first context token of every feature.")


def ex06(bounds, tokenized_long_example) -> None:
    _loop_complete("06", bounds, tokenized_long_example)
    for i, (_, end) in enumerate(bounds):
        expected = _positions(_sequence_ids(tokenized_long_example, i), 1)[-1]
        _expect(end == expected, "06", "ex06.end", end, expected=expected, feature=i)
    _passed("06", "`token_end_index` is the last context token of every feature.")


def _label_mistake(start: int, end: int, ids, answer: str, tokenizer, last: int) -> str:
    """The key of :data:`LABEL_ADVICE` naming the likely mistake behind a wrong span label;
    ``last`` is the position of the feature's last context token."""
    if not (0 <= start < len(ids) and 0 <= end < len(ids)):
        return "outside"
    if start > end:
        return "reversed"
    special = {tokenizer.sep_token_id, tokenizer.pad_token_id, tokenizer.cls_token_id}
    if ids[start] in special or ids[end] in special:
        return "special"
    if (start, end) == (last - 1, last) and _same_text(
        tokenizer, tokenizer.decode(ids[last : last + 1]), answer
    ):
        return "last_token"
    words_answer = normalize_answer(answer).split()
    words_found = normalize_answer(tokenizer.decode(ids[start : end + 1])).split()
    return "too_many" if len(words_found) > len(words_answer) else "too_few"


def _span_failure(exercise_id: str, key: str, failures: list, tokenizer):
    """The failure of the first wrong span label, with the advice for its likely mistake.

    A start one token early on an answer that is the window's last context token comes from a
    forward loop stopped at the last context token, unless other labels are wrong too: a start
    test ``<`` for ``<=`` puts every start one token early, not only there.
    """
    feature, start, end, ids, answer, mistake, last = failures[0]
    if mistake == "last_token" and any(f[5] != "last_token" for f in failures):
        mistake = "too_many"
    ok = 0 <= start <= end < len(ids)
    decoded = tokenizer.decode(ids[start : end + 1]) if ok else ""
    return LAB.fail(
        exercise_id,
        key,
        f"({start}, {end}) -> {decoded!r}",
        feature=feature,
        answer=answer,
        advice=LABEL_ADVICE[mistake].format(last=last),
    )


def ex07(labels, tokenized_long_example, long_example, tokenizer) -> None:
    _loop_complete("07", labels, tokenized_long_example)
    start_char, end_char, answer = _answer_span(long_example)
    offsets = tokenized_long_example["offset_mapping"]
    n_spans, failures = 0, []
    for i, label in enumerate(labels):
        context = _positions(_sequence_ids(tokenized_long_example, i), 1)
        inside = offsets[i][context[0]][0] <= start_char and offsets[i][context[-1]][1] >= end_char
        if not inside:
            continue
        _expect(label is not None, "07", "ex07.none", label, feature=i)
        start, end = label
        ids = tokenized_long_example["input_ids"][i]
        decoded = tokenizer.decode(ids[start : end + 1]) if 0 <= start <= end < len(ids) else ""
        if not (start <= end and _same_text(tokenizer, decoded, answer)):
            mistake = _label_mistake(start, end, ids, answer, tokenizer, context[-1])
            failures.append((i, start, end, ids, answer, mistake, context[-1]))
        n_spans += 1
    if failures:
        raise _span_failure("07", "ex07.label", failures, tokenizer)
    _passed("07", f"the answer's tokens are found in all {n_spans} window(s) that hold it.")


# ----------------------------------------------------------------------------------------------
# 08-12: prepare_train_features
# ----------------------------------------------------------------------------------------------
def _train_features(function, tokenizer, rows, max_length, doc_stride):
    return function(_batch(rows), tokenizer, max_length, doc_stride)


def _check_feature_windows(exercise_id, prefix, features, tokenizer, rows, max_length, doc_stride):
    """Windows, lengths and question placement of a prepare_* function's features."""
    n = len(features["input_ids"])
    lengths = sorted({len(ids) for ids in features["input_ids"]})
    _expect(
        lengths == [max_length], exercise_id, f"{prefix}.length", lengths, max_length=max_length
    )
    context_first = _context_id(tokenizer) == 0
    order = "context first, then the question" if context_first else "question first"
    try:
        return _windows_of(tokenizer, features, rows, max_length, doc_stride)
    except _WindowError as error:
        if error.kind == "question":
            raise LAB.fail(
                exercise_id,
                f"{prefix}.question",
                f"feature {error.values['feature']}",
                order=order,
                why="this tokenizer pads on the " + ("left" if context_first else "right"),
            ) from None
        if error.kind == "stride" and prefix == "ex08":
            raise LAB.fail(
                exercise_id,
                "ex08.stride",
                f"feature {error.values['feature']}",
                doc_stride=doc_stride,
            ) from None
        raise LAB.fail(
            exercise_id,
            f"{prefix}.count",
            f"{n} features",
            rows=len(rows),
            expected="as many as the windows of each row",
            advice=(
                "return the overflowing tokens as extra features, with "
                "`stride=doc_stride` and `max_length=max_length`"
            ),
        ) from None


def _check_labels(exercise_id, features, windows, tokenizer, rows, only=None):
    """Labels of every feature: CLS exactly outside, spans decoding to the answer inside."""
    starts, ends = features["start_positions"], features["end_positions"]
    n = len(features["input_ids"])
    _expect(
        len(starts) == len(ends) == n,
        exercise_id,
        "ex08.keys",
        f"{n} features, {len(starts)} starts, {len(ends)} ends",
        advice="append exactly one start and one end position per feature, in every branch.",
    )
    failures = []  # wrong span labels, reported once every feature is seen
    for i, (row_index, char_start, char_end, _) in enumerate(windows):
        row = rows[row_index]
        ids = list(features["input_ids"][i])
        cls = ids.index(tokenizer.cls_token_id)
        start, end = int(starts[i]), int(ends[i])
        if not row["answers"]["answer_start"]:
            _expect((start, end) == (cls, cls), exercise_id, "ex09.cls", (start, end), cls=cls)
            continue
        answer_start, answer_end, answer = _answer_span(row)
        inside = char_start <= answer_start and char_end >= answer_end
        is_cls = (start, end) == (cls, cls)
        if only in (None, "window") and is_cls == inside:
            where = "inside" if inside else "not inside"
            raise LAB.fail(
                exercise_id,
                "ex10.window",
                (start, end),
                feature=i,
                where=where,
                context_id=_context_id(tokenizer),
            )
        if not inside and only in (None, "cls"):
            _expect(is_cls, exercise_id, "ex11.cls", (start, end), feature=i)
        if inside and not is_cls and only in (None, "span"):
            ok = 0 <= start <= end < len(ids)
            decoded = tokenizer.decode(ids[start : end + 1]) if ok else ""
            if not (ok and _same_text(tokenizer, decoded, answer)):
                last = windows[i][3][-1]
                mistake = _label_mistake(start, end, ids, answer, tokenizer, last)
                failures.append((i, start, end, ids, answer, mistake, last))
    if failures:
        raise _span_failure(exercise_id, "ex12.span", failures, tokenizer)


def _visible_train_rows(train_dataset, tokenizer, max_length):
    return _rows(
        train_dataset,
        sorted(set(range(5)) | set(_long_rows(train_dataset, tokenizer, max_length, 2))),
    )


def ex08(prepare_train_features, tokenizer, train_dataset, max_length, doc_stride, profile) -> None:
    rows = _visible_train_rows(train_dataset, tokenizer, max_length)
    features = _train_features(prepare_train_features, tokenizer, rows, max_length, doc_stride)
    _check_feature_windows("08", "ex08", features, tokenizer, rows, max_length, doc_stride)
    first_five = _train_features(
        prepare_train_features, tokenizer, _rows(train_dataset, range(5)), max_length, doc_stride
    )
    shape = list(np.array(first_five["input_ids"]).shape)
    LAB.check_reference(profile, "08", "ex08.shape", shape, "reference")
    _passed(
        "08",
        f"features of the first five rows: shape {tuple(shape)}; every window padded to "
        f"{max_length} tokens, the question whole in each.",
    )


def ex08_hidden(prepare_train_features, tokenizer, train_dataset) -> None:
    """Left padding (context first) and the full profile's windows."""
    left = _left_padding(tokenizer)
    rows = _rows(train_dataset, _long_rows(train_dataset, tokenizer, 128, 3))
    features = _train_features(prepare_train_features, left, rows, 128, 32)
    _check_feature_windows("08", "ex08", features, left, rows, 128, 32)
    rows = _rows(train_dataset, _long_rows(train_dataset, tokenizer, 384, 2))
    features = _train_features(prepare_train_features, tokenizer, rows, 384, 128)
    _check_feature_windows("08", "ex08", features, tokenizer, rows, 384, 128)


def _without_answer(row: dict) -> dict:
    return dict(row, answers={"text": [], "answer_start": []})


def _skipping_rows_without_answer(function, tokenizer, rows, max_length, doc_stride):
    """The features of ``rows``, some without an answer. The loop going on after exercise 09's
    CLS label fails on the empty answer list: the given line's ``AssertionError`` (or, in an
    older copy, an ``IndexError``) then becomes exercise 09's own hint."""
    try:
        return _train_features(function, tokenizer, rows, max_length, doc_stride)
    except (IndexError, AssertionError) as exc:
        if isinstance(exc, CheckFailed):
            raise
        raise LAB.fail("09", "ex09.skip", f"{type(exc).__name__}: {exc}") from None


def ex09(prepare_train_features, tokenizer, train_dataset, max_length, doc_stride) -> None:
    rows = [
        _without_answer(row)
        for row in _visible_train_rows(train_dataset, tokenizer, max_length)[:3]
    ]
    features = _skipping_rows_without_answer(
        prepare_train_features, tokenizer, rows, max_length, doc_stride
    )
    windows = _check_feature_windows(
        "09", "ex08", features, tokenizer, rows, max_length, doc_stride
    )
    _check_labels("09", features, windows, tokenizer, rows)
    _passed("09", f"rows without an answer: all {len(windows)} windows labelled CLS.")


def ex09_hidden(prepare_train_features, tokenizer, train_dataset, max_length, doc_stride) -> None:
    """A row without an answer among rows with one, and with a left-padding tokenizer."""
    rows = _visible_train_rows(train_dataset, tokenizer, max_length)
    rows[1] = _without_answer(rows[1])
    for tok in (tokenizer, _left_padding(tokenizer)):
        features = _skipping_rows_without_answer(
            prepare_train_features, tok, rows, max_length, doc_stride
        )
        windows = _check_feature_windows("09", "ex08", features, tok, rows, max_length, doc_stride)
        _check_labels("09", features, windows, tok, rows)


def _labels_check(
    exercise_id, only, prepare_train_features, tokenizer, rows, max_length, doc_stride
):
    features = _train_features(prepare_train_features, tokenizer, rows, max_length, doc_stride)
    windows = _check_feature_windows(
        exercise_id, "ex08", features, tokenizer, rows, max_length, doc_stride
    )
    _check_labels(exercise_id, features, windows, tokenizer, rows, only=only)
    n_cls = sum(
        1
        for i, w in enumerate(windows)
        if features["start_positions"][i]
        == features["end_positions"][i]
        == list(features["input_ids"][i]).index(tokenizer.cls_token_id)
    )
    return len(windows), n_cls


def ex10(prepare_train_features, tokenizer, train_dataset, max_length, doc_stride) -> None:
    rows = _visible_train_rows(train_dataset, tokenizer, max_length)
    n, n_cls = _labels_check(
        "10", "window", prepare_train_features, tokenizer, rows, max_length, doc_stride
    )
    _passed("10", f"{n} windows: CLS exactly for the {n_cls} without the whole answer.")


def ex11(prepare_train_features, tokenizer, train_dataset, max_length, doc_stride) -> None:
    rows = _visible_train_rows(train_dataset, tokenizer, max_length)
    n, n_cls = _labels_check(
        "11", "cls", prepare_train_features, tokenizer, rows, max_length, doc_stride
    )
    _passed("11", f"the {n_cls} windows without the whole answer are labelled CLS.")


def ex12(prepare_train_features, tokenizer, train_dataset, max_length, doc_stride) -> None:
    rows = _visible_train_rows(train_dataset, tokenizer, max_length)
    n, n_cls = _labels_check(
        "12", "span", prepare_train_features, tokenizer, rows, max_length, doc_stride
    )
    _passed("12", f"the labels of all {n - n_cls} windows holding the answer decode to it.")


def labels_hidden(
    exercise_id, prepare_train_features, tokenizer, train_dataset, validation_dataset
) -> None:
    """Rows the student never saw: other splits, window sizes, padding side, window-edge rows."""
    only = {"10": "window", "11": "cls", "12": "span"}[exercise_id]
    long_rows = _rows(train_dataset, _long_rows(train_dataset, tokenizer, 128, 6, start=10))
    cases = [
        (tokenizer, _rows(validation_dataset, range(12)), 128, 32),
        (_left_padding(tokenizer), _rows(train_dataset, range(20, 32)), 128, 32),
        (_left_padding(tokenizer), long_rows, 64, 16),
        (tokenizer, _rows(train_dataset, range(12)), 384, 128),
        (tokenizer, _rows(train_dataset, range(12)), 64, 16),
    ]
    for tok, rows, max_length, doc_stride in cases:
        _labels_check(exercise_id, only, prepare_train_features, tok, rows, max_length, doc_stride)
    # an answer ending the context, and an answer on the last context token of a window
    ending = {
        "id": "edge-1",
        "title": "t",
        "question": "What is the capital of France?",
        "context": "The capital of France is Paris",
        "answers": {"text": ["Paris"], "answer_start": [25]},
    }
    _labels_check(exercise_id, only, prepare_train_features, tokenizer, [ending], 32, 8)
    filler = " ".join(["one of the quiet streets near the harbour"] * 6)
    row = {
        "id": "edge-2",
        "title": "t",
        "question": "Where did the painter live?",
        "context": filler,
        "answers": {},
    }
    budget = 40 - len(_plain_ids(tokenizer, row["question"])) - 3
    words = filler.split()[: budget - 1]
    context = " ".join(words) + " Lyon and later the painter moved away again for a few years."
    row = dict(
        row, context=context, answers={"text": ["Lyon"], "answer_start": [context.index("Lyon")]}
    )
    _labels_check(exercise_id, only, prepare_train_features, tokenizer, [row], 40, 10)


# ----------------------------------------------------------------------------------------------
# 13: map both splits
# ----------------------------------------------------------------------------------------------
def _expected_columns(tokenizer, extra: list[str]) -> list[str]:
    return sorted(set(tokenizer.model_input_names) | set(extra))


def ex13(
    tokenized_train_dataset,
    tokenized_validation_dataset,
    train_dataset,
    validation_dataset,
    tokenizer,
    profile,
) -> None:
    import datasets

    expected = _expected_columns(tokenizer, ["start_positions", "end_positions"])
    for name, mapped, rows in (
        ("train_dataset", tokenized_train_dataset, train_dataset),
        ("validation_dataset", tokenized_validation_dataset, validation_dataset),
    ):
        _expect(isinstance(mapped, datasets.Dataset), "13", "ex13.type", type(mapped).__name__)
        _expect(
            sorted(mapped.column_names) == expected,
            "13",
            "ex13.columns",
            mapped.column_names,
            expected=expected,
        )
        _expect(
            len(mapped) >= len(rows),
            "13",
            "ex13.count",
            len(mapped),
            expected=f"at least {len(rows)}",
            split=name,
        )
    counts = [len(tokenized_train_dataset), len(tokenized_validation_dataset)]
    LAB.check_reference(profile, "13", "ex13.features", counts, "reference")
    _passed(
        "13", f"{counts[0]} training and {counts[1]} validation features with columns {expected}."
    )


def ex13_hidden(
    tokenized_train_dataset,
    tokenized_validation_dataset,
    train_dataset,
    validation_dataset,
    prepare_train_features,
    tokenizer,
    max_length,
    doc_stride,
) -> None:
    for name, mapped, rows in (
        ("train_dataset", tokenized_train_dataset, train_dataset),
        ("validation_dataset", tokenized_validation_dataset, validation_dataset),
    ):
        head = prepare_train_features(rows[:8], tokenizer, max_length, doc_stride)
        n = len(head["input_ids"])
        for key in ("input_ids", "start_positions", "end_positions"):
            _expect(
                list(mapped[:n][key]) == [_plain_list(v) for v in head[key]],
                "13",
                "ex13.labels",
                f"column {key} differs",
                split=name,
            )


def _plain_list(value):
    return value.tolist() if hasattr(value, "tolist") else value


# ----------------------------------------------------------------------------------------------
# 14-17: model, arguments, Trainer
# ----------------------------------------------------------------------------------------------
def ex14(model, profile) -> None:
    head = getattr(model, "qa_outputs", None)
    _expect(
        head is not None and getattr(head, "out_features", None) == 2,
        "14",
        "ex14.head",
        type(model).__name__,
    )
    source = str(getattr(model.config, "_name_or_path", "")).rstrip("/")
    _expect(
        source == profile.model_checkpoint.rstrip("/"),
        "14",
        "ex14.checkpoint",
        source,
        checkpoint=profile.model_checkpoint,
    )
    for key, value in profile.model_config.items():
        _expect(
            getattr(model.config, key, None) == value,
            "14",
            "ex14.config",
            f"{key}={getattr(model.config, key, None)}",
            overrides=profile.model_config,
        )
    _passed("14", f"{type(model).__name__} with a qa_outputs head of 2 outputs.")


_ARGUMENTS = (  # (TrainingArguments attribute, profile attribute or fixed value, advice)
    ("eval_strategy", "epoch", 'evaluate once per epoch: `eval_strategy="epoch"`.'),
    ("logging_strategy", "epoch", 'log the training loss each epoch: `logging_strategy="epoch"`.'),
    ("learning_rate", "learning_rate", "use `profile.learning_rate`."),
    ("per_device_train_batch_size", "train_batch_size", "use `profile.train_batch_size`."),
    ("per_device_eval_batch_size", "eval_batch_size", "use `profile.eval_batch_size`."),
    ("num_train_epochs", "num_train_epochs", "use `profile.num_train_epochs`."),
    ("weight_decay", "weight_decay", "use `profile.weight_decay`."),
    ("warmup_steps", "warmup_steps", "use `warmup_steps=profile.warmup_steps`."),
    ("max_steps", "max_steps", "pass `max_steps=profile.max_steps`."),
    ("fp16", "fp16", "pass `fp16=profile.fp16`."),
    ("bf16", "bf16", "pass `bf16=profile.bf16`."),
    ("seed", "seed", "pass `seed=profile.seed`."),
    ("save_strategy", "no", 'no checkpoints: `save_strategy="no"`.'),
    ("disable_tqdm", False, "show the progress table: `disable_tqdm=False`."),
)


def _value(value):
    return getattr(value, "value", value)


def ex15(args, profile) -> None:
    from transformers import TrainingArguments

    _expect(isinstance(args, TrainingArguments), "15", "ex15.type", type(args).__name__)
    for name, wanted, advice in _ARGUMENTS:
        expected = (
            getattr(profile, wanted)
            if isinstance(wanted, str) and hasattr(profile, wanted)
            else wanted
        )
        found = _value(getattr(args, name))
        _expect(
            found == expected,
            "15",
            "ex15.value",
            found,
            name=name,
            expected=expected,
            advice=advice,
        )
    _expect(
        not args.report_to or args.report_to == ["none"],
        "15",
        "ex15.value",
        args.report_to,
        name="report_to",
        expected="none",
        advice='no tracker: `report_to="none"`.',
    )
    _passed(
        "15",
        f"eval each epoch, lr={args.learning_rate:g}, "
        f"batch={args.per_device_train_batch_size}, epochs={args.num_train_epochs:g}.",
    )


def ex16(Trainer, default_data_collator) -> None:  # noqa: N803 (the names students import)
    import transformers

    _expect(
        Trainer is transformers.Trainer
        and default_data_collator is transformers.default_data_collator,
        "16",
        "ex16.names",
        f"{Trainer!r}, {default_data_collator!r}",
    )
    _passed("16", "Trainer and default_data_collator imported.")


def ex17(
    trainer, model, args, tokenized_train_dataset, tokenized_validation_dataset, tokenizer, profile
) -> None:
    import transformers

    _expect(isinstance(trainer, transformers.Trainer), "17", "ex17.type", type(trainer).__name__)
    parts = (
        ("model", model, "the model", "model=model"),
        ("args", args, "args", "args=args"),
        (
            "train_dataset",
            tokenized_train_dataset,
            "tokenized_train_dataset",
            "train_dataset=tokenized_train_dataset",
        ),
        (
            "eval_dataset",
            tokenized_validation_dataset,
            "tokenized_validation_dataset",
            "eval_dataset=tokenized_validation_dataset",
        ),
        (
            "data_collator",
            transformers.default_data_collator,
            "default_data_collator",
            "data_collator=default_data_collator",
        ),
        ("processing_class", tokenizer, "the tokenizer", "processing_class=tokenizer"),
    )
    for name, wanted, label, argument in parts:
        _expect(
            getattr(trainer, name, None) is wanted,
            "17",
            "ex17.part",
            type(getattr(trainer, name, None)).__name__,
            name=name,
            expected=label,
            argument=argument,
        )
    steps = len(trainer.get_train_dataloader())
    LAB.check_reference(profile, "17", "ex17.steps_per_epoch", steps, "reference")
    _passed("17", f"Trainer ready: {steps} steps per epoch.")


# ----------------------------------------------------------------------------------------------
# 18-19, 24: n-best positions and pairs
# ----------------------------------------------------------------------------------------------
def _check_nbest(exercise_id, indexes, logits, name, logits_name, n_best_size):
    indexes = [int(i) for i in indexes]
    _expect(
        len(indexes) == n_best_size,
        exercise_id,
        "nbest.length",
        len(indexes),
        n_best_size=n_best_size,
        name=name,
    )
    scores = np.asarray(logits)[indexes]
    others = np.delete(np.asarray(logits), indexes)
    ordered = all(a >= b for a, b in itertools.pairwise(scores))
    best = len(others) == 0 or scores.min() >= others.max()
    _expect(
        ordered and best and len(set(indexes)) == len(indexes),
        exercise_id,
        "nbest.order",
        f"scores {np.round(scores[:4], 3).tolist()}...",
        n_best_size=n_best_size,
        logits=logits_name,
    )


def ex18(start_indexes, end_indexes, start_logits, end_logits, n_best_size) -> None:
    _check_nbest("18", start_indexes, start_logits, "start_indexes", "start_logits", n_best_size)
    _check_nbest("18", end_indexes, end_logits, "end_indexes", "end_logits", n_best_size)
    _passed("18", f"the {n_best_size} best start and end positions, best first.")


def ex19(candidates, start_indexes, end_indexes) -> None:
    kept = sorted((int(s), int(e)) for _, s, e in candidates)
    expected = sorted((s, e) for s in start_indexes for e in end_indexes if e - s >= 0)
    _expect(kept == expected, "19", "ex19.pairs", f"{len(kept)} pairs", expected=len(expected))
    _passed("19", "the pairs kept are exactly those whose start is not after their end.")


def ex24(start_indexes, end_indexes, start_logits, end_logits, n_best_size) -> None:
    _check_nbest("24", start_indexes, start_logits, "start_indexes", "start_logits", n_best_size)
    _check_nbest("24", end_indexes, end_logits, "end_indexes", "end_logits", n_best_size)
    _passed("24", f"the {n_best_size} best start and end positions of the feature, best first.")


# ----------------------------------------------------------------------------------------------
# 20-23: prepare_validation_features and its map
# ----------------------------------------------------------------------------------------------
def _validation_features(function, tokenizer, rows, max_length, doc_stride):
    counting = _CountingTokenizer(tokenizer)
    features = function(_batch(rows), counting, max_length, doc_stride)
    return features, counting.calls


def _check_validation(exercise_id, function, tokenizer, rows, max_length, doc_stride):
    features, calls = _validation_features(function, tokenizer, rows, max_length, doc_stride)
    _expect(calls == 1, exercise_id, "ex20.calls", f"{calls} calls")
    _expect(
        "offset_mapping" in features and "example_id" in features,
        exercise_id,
        "ex20.keys",
        sorted(features.keys()),
    )
    windows = _check_feature_windows(
        exercise_id, "ex20", features, tokenizer, rows, max_length, doc_stride
    )
    ids = [rows[row_index]["id"] for row_index, *_ in windows]
    _expect(
        list(features["example_id"]) == ids,
        exercise_id,
        "ex20.example_id",
        list(features["example_id"])[:3],
    )
    context_id = _context_id(tokenizer)
    for i, offsets in enumerate(features["offset_mapping"]):
        sequence_ids = _sequence_ids(features, i)
        _expect(
            len(offsets) == len(sequence_ids),
            exercise_id,
            "ex22.offsets",
            len(offsets),
            feature=i,
            token="-",
            problem="not one offset per token",
            advice="replace each offset of feature i, keeping one entry per token.",
        )
        for k, (offset, sequence_id) in enumerate(zip(offsets, sequence_ids)):
            if sequence_id == context_id and offset is None:
                raise LAB.fail(
                    exercise_id,
                    "ex22.offsets",
                    offset,
                    feature=i,
                    token=k,
                    problem="a context token lost its offset",
                    advice=(
                        "keep the offset where the sequence id is `context_index`; "
                        "use the sequence ids of feature i, `sequence_ids(i)`."
                    ),
                )
            if sequence_id != context_id and offset is not None:
                problem = (
                    "a question token kept its offset"
                    if sequence_id is not None
                    else ("a special or padding token kept its offset")
                )
                raise LAB.fail(
                    exercise_id,
                    "ex22.offsets",
                    offset,
                    feature=i,
                    token=k,
                    problem=problem,
                    advice=(
                        "set the offset to None wherever the sequence id is not "
                        "`context_index` (question tokens too, not only special "
                        "ones), with the sequence ids of feature i."
                    ),
                )
    return windows


def _visible_validation_rows(validation_dataset, tokenizer, max_length):
    long_rows = _long_rows(validation_dataset, tokenizer, max_length, 2)
    return _rows(validation_dataset, sorted(set(range(4)) | set(long_rows)))


def _validation_check(exercise_id, function, tokenizer, validation_dataset, max_length, doc_stride):
    rows = _visible_validation_rows(validation_dataset, tokenizer, max_length)
    return _check_validation(exercise_id, function, tokenizer, rows, max_length, doc_stride)


def ex20(
    prepare_validation_features, tokenizer, validation_dataset, max_length, doc_stride
) -> None:
    windows = _validation_check(
        "20", prepare_validation_features, tokenizer, validation_dataset, max_length, doc_stride
    )
    _passed("20", f"one tokenizer call; {len(windows)} windows of {max_length} tokens.")


def ex21(
    prepare_validation_features, tokenizer, validation_dataset, max_length, doc_stride
) -> None:
    _validation_check(
        "21", prepare_validation_features, tokenizer, validation_dataset, max_length, doc_stride
    )
    _passed("21", "each feature uses its own sequence ids.")


def ex22(
    prepare_validation_features, tokenizer, validation_dataset, max_length, doc_stride
) -> None:
    windows = _validation_check(
        "22", prepare_validation_features, tokenizer, validation_dataset, max_length, doc_stride
    )
    _passed("22", f"offsets kept on context tokens only, in all {len(windows)} features.")


def validation_hidden(
    exercise_id, prepare_validation_features, tokenizer, train_dataset, validation_dataset
) -> None:
    """Other rows, other window sizes and a tokenizer padding on the left."""
    cases = [
        (tokenizer, _rows(validation_dataset, range(10, 22)), 64, 16),
        (_left_padding(tokenizer), _rows(train_dataset, range(12)), 128, 32),
        (tokenizer, _rows(train_dataset, range(12)), 384, 128),
    ]
    for tok, rows, max_length, doc_stride in cases:
        _check_validation(
            exercise_id, prepare_validation_features, tok, rows, max_length, doc_stride
        )


def ex23(
    validation_features, validation_dataset, tokenized_validation_dataset, tokenizer, profile
) -> None:
    expected = _expected_columns(tokenizer, ["example_id", "offset_mapping"])
    _expect(
        sorted(validation_features.column_names) == expected,
        "23",
        "ex23.columns",
        validation_features.column_names,
        expected=expected,
    )
    _expect(
        len(validation_features) == len(tokenized_validation_dataset),
        "23",
        "ex23.count",
        len(validation_features),
        expected=len(tokenized_validation_dataset),
    )
    _expect(
        set(validation_features["example_id"]) == set(validation_dataset["id"]),
        "23",
        "ex23.count",
        "example ids of other rows",
        expected=len(tokenized_validation_dataset),
    )
    LAB.check_reference(profile, "23", "ex23.features", len(validation_features), "reference")
    _passed("23", f"{len(validation_features)} validation features with example_id and offsets.")


# ----------------------------------------------------------------------------------------------
# 25-26: valid candidates of one feature
# ----------------------------------------------------------------------------------------------
def _candidates(
    start_indexes,
    end_indexes,
    offset_mapping,
    context,
    start_logits,
    end_logits,
    max_answer_length,
    *,
    keep_outside=False,
    keep_reversed=False,
):
    found = []
    for s in start_indexes:
        for e in end_indexes:
            outside = (
                s >= len(offset_mapping)
                or e >= len(offset_mapping)
                or offset_mapping[s] is None
                or offset_mapping[e] is None
            )
            if outside and not keep_outside:
                continue
            if (e < s or e - s + 1 > max_answer_length) and not keep_reversed:
                continue
            if outside:
                found.append(None)
                continue
            text = context[offset_mapping[s][0] : offset_mapping[e][1]]
            found.append((round(float(start_logits[s] + end_logits[e]), 4), text))
    return found


def _check_candidates(
    exercise_id,
    valid_answers,
    start_indexes,
    end_indexes,
    offset_mapping,
    context,
    start_logits,
    end_logits,
    max_answer_length,
):
    expected = sorted(
        _candidates(
            start_indexes,
            end_indexes,
            offset_mapping,
            context,
            start_logits,
            end_logits,
            max_answer_length,
        )
    )
    found = sorted((round(float(a["score"]), 4), a["text"]) for a in valid_answers)
    if found == expected:
        return len(found)
    found_texts = {text for _, text in found}
    if any(text not in context for text in found_texts):
        advice = "a candidate is not a piece of the context: skip positions whose offset is None."
    elif len(found) > len(expected):
        advice = (
            "too many candidates: skip pairs whose end is before their start, and spans of "
            "more than max_answer_length tokens (both ends count: end - start + 1)."
        )
    else:
        advice = (
            "candidates are missing: skip a pair only when its end comes before its start "
            "(start == end is a one-token answer) or when it has more than "
            "max_answer_length tokens, both ends counted."
        )
    raise LAB.fail(
        exercise_id,
        "ex25.candidates",
        None,
        expected=len(expected),
        found_count=len(found),
        advice=advice,
    )


def ex25(
    valid_answers,
    start_indexes,
    end_indexes,
    offset_mapping,
    context,
    start_logits,
    end_logits,
    max_answer_length,
) -> None:
    _check_candidates(
        "25",
        valid_answers,
        start_indexes,
        end_indexes,
        offset_mapping,
        context,
        start_logits,
        end_logits,
        max_answer_length,
    )
    _passed("25", "the candidates are exactly the pairs with both ends inside the context.")


def ex26(
    valid_answers,
    start_indexes,
    end_indexes,
    offset_mapping,
    context,
    start_logits,
    end_logits,
    max_answer_length,
) -> None:
    _check_candidates(
        "26",
        valid_answers,
        start_indexes,
        end_indexes,
        offset_mapping,
        context,
        start_logits,
        end_logits,
        max_answer_length,
    )
    _passed("26", f"no candidate is reversed or longer than {max_answer_length} tokens.")


# ----------------------------------------------------------------------------------------------
# 27-30: postprocess_qa_predictions on logits built for the purpose
# ----------------------------------------------------------------------------------------------
def _answer_tokens(offsets, answer_start, answer_end):
    tokens = [
        k
        for k, o in enumerate(offsets)
        if o is not None and o[0] < answer_end and o[1] > answer_start
    ]
    return (tokens[0], tokens[-1]) if tokens else None


#: gold span: +5 on its start and on its end (pair score 10). A decoy pair scores 6 + 6 = 12, so it
#: wins only as a pair; either end alone with any other position scores less than the gold pair.
GOLD, DECOY = 5.0, 6.0


def _scenario_logits(validation_dataset, validation_features, rows, scenario, rng):
    """Logits for the features of ``rows``: low noise plus peaks chosen by ``scenario``.

    Returns ``(examples, features, (start_logits, end_logits), expected texts by row id)``.
    """
    ids = [validation_dataset[i]["id"] for i in rows]
    feature_indices = [i for i, eid in enumerate(validation_features["example_id"]) if eid in ids]
    features = validation_features.select(feature_indices)
    examples = validation_dataset.select(rows)
    n_tokens = len(features[0]["offset_mapping"])
    width = n_tokens + (3 if scenario == "out_of_range" else 0)
    starts = rng.normal(0, 0.1, (len(features), width)).astype(np.float32)
    ends = rng.normal(0, 0.1, (len(features), width)).astype(np.float32)
    expected = {}
    done = set()
    for f, (example_id, offsets) in enumerate(
        zip(features["example_id"], features["offset_mapping"])
    ):
        row = examples[ids.index(example_id)]
        answer_start, answer_end, _ = _answer_span(row)
        span = _answer_tokens(offsets, answer_start, answer_end)
        if span is None or example_id in done:
            continue
        done.add(example_id)
        s, e = span
        context = row["context"]
        if scenario == "single_token":
            e = s
        starts[f, s] += GOLD
        ends[f, e] += GOLD
        expected[example_id] = context[offsets[s][0] : offsets[e][1]]
        question = [k for k, o in enumerate(offsets) if o is None]
        if scenario == "question":  # the highest scores sit on question / special tokens
            starts[f, question[:3]] += 20.0
            ends[f, question[:3]] += 20.0
        elif scenario == "out_of_range":  # the highest scores sit beyond the offsets
            starts[f, n_tokens:] += 20.0
            ends[f, n_tokens:] += 20.0
        elif scenario == "reversed":  # a higher pair with its end before its start
            context_tokens = [k for k, o in enumerate(offsets) if o is not None]
            late = next((k for k in context_tokens if k > e + 2), None)
            early = next((k for k in context_tokens if k < s - 2), None)
            if late is not None and early is not None:
                starts[f, late] += DECOY
                ends[f, early] += DECOY
        elif scenario == "too_long":  # a higher pair one token longer than allowed
            # 8 tokens with max_answer_length=7, away from the gold span so that no mix of the
            # two pairs is a valid span
            context_tokens = {k for k, o in enumerate(offsets) if o is not None}
            a = next(
                (
                    k
                    for k in sorted(context_tokens)
                    if k + 7 in context_tokens and (k + 7 < s or k > e)
                ),
                None,
            )
            if a is not None:
                starts[f, a] += DECOY
                ends[f, a + 7] += DECOY
    for example_id in ids:
        expected.setdefault(example_id, None)
    return examples, features, (starts, ends), expected


_SCENARIOS = {  # scenario -> (exercise, situation, advice)
    "worst": (
        "27",
        "its gold span has the highest scores",
        "keep the n_best_size *largest* scores: `np.argsort` sorts in increasing order.",
    ),
    "single_token": (
        "29",
        "a one-token answer: start == end",
        "skip a pair only when its end comes before its start: start == end is a one-token answer.",
    ),
    "question": (
        "28",
        "the highest scores sit on question and special tokens",
        "skip a pair when the offset of its start or of its end is None.",
    ),
    "out_of_range": (
        "28",
        "the highest scores sit beyond the feature's offsets",
        "skip a pair when a position is >= len(offset_mapping).",
    ),
    "reversed": (
        "29",
        "a higher-scoring pair ends before it starts",
        "skip a pair whose end index is smaller than its start index.",
    ),
    "too_long": (
        "29",
        "a higher-scoring span is longer than max_answer_length",
        "skip spans of more than max_answer_length tokens: a span from start to end "
        "has end - start + 1 tokens.",
    ),
}


def _postprocess_check(
    exercise_id,
    postprocess_qa_predictions,
    validation_dataset,
    validation_features,
    rows,
    scenarios,
):
    rng = np.random.default_rng(0)
    for scenario in scenarios:
        _, situation, advice = _SCENARIOS[scenario]
        examples, features, logits, expected = _scenario_logits(
            validation_dataset, validation_features, rows, scenario, rng
        )
        kwargs = {"max_answer_length": 7} if scenario == "too_long" else {}
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the function may print progress
                predictions = postprocess_qa_predictions(examples, features, logits, **kwargs)
        except Exception as exc:  # noqa: BLE001 (the student's code: any error is a hint)
            raise LAB.fail(
                exercise_id,
                "post.prediction",
                f"{type(exc).__name__}: {exc}",
                expected="a prediction",
                row="(all)",
                situation=situation,
                advice=advice,
            ) from None
        _expect(hasattr(predictions, "keys"), exercise_id, "post.type", type(predictions).__name__)
        for row_id, text in expected.items():
            if text is None:
                continue
            found = predictions.get(row_id)
            _expect(
                found == text,
                exercise_id,
                "post.prediction",
                found,
                expected=text,
                row=row_id,
                situation=situation,
                advice=advice,
            )


def _post_rows(validation_dataset, start=0, count=4):
    return list(range(start, min(start + count, len(validation_dataset))))


def ex27(postprocess_qa_predictions, validation_dataset, validation_features) -> None:
    _postprocess_check(
        "27",
        postprocess_qa_predictions,
        validation_dataset,
        validation_features,
        _post_rows(validation_dataset),
        ["worst"],
    )
    _passed("27", "the best-scoring gold spans are found.")


def ex28(postprocess_qa_predictions, validation_dataset, validation_features) -> None:
    _postprocess_check(
        "28",
        postprocess_qa_predictions,
        validation_dataset,
        validation_features,
        _post_rows(validation_dataset),
        ["question"],
    )
    _passed("28", "spans on question and special tokens are skipped.")


def ex29(postprocess_qa_predictions, validation_dataset, validation_features) -> None:
    _postprocess_check(
        "29",
        postprocess_qa_predictions,
        validation_dataset,
        validation_features,
        _post_rows(validation_dataset),
        ["reversed", "single_token"],
    )
    _passed("29", "reversed spans are skipped; one-token answers are kept.")


def postprocess_hidden(
    exercise_id, postprocess_qa_predictions, validation_dataset, validation_features
) -> None:
    scenarios = {
        "27": ["worst"],
        "28": ["question", "out_of_range"],
        "29": ["reversed", "single_token", "too_long"],
    }[exercise_id]
    _postprocess_check(
        exercise_id,
        postprocess_qa_predictions,
        validation_dataset,
        validation_features,
        _post_rows(validation_dataset, 4, 12),
        scenarios,
    )


def ex30(final_predictions, validation_dataset) -> None:
    ids = list(validation_dataset["id"])
    keys = list(final_predictions.keys()) if hasattr(final_predictions, "keys") else []
    _expect(
        sorted(keys) == sorted(ids), "30", "ex30.ids", f"{len(keys)} predictions", expected=len(ids)
    )
    for row in validation_dataset:
        prediction = final_predictions[row["id"]]
        _expect(
            isinstance(prediction, str) and prediction in row["context"],
            "30",
            "ex30.text",
            None,
            row=row["id"],
            prediction=prediction,
        )
    _passed("30", f"{len(ids)} predictions, each a piece of its context.")
