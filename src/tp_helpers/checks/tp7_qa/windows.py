"""Exercises 03-13: windows and labels. The long example's overflowing windows and offsets
(03-04), its answer's token positions (05-07), then ``prepare_train_features`` (08-12) and the
map of both splits (13)."""

from __future__ import annotations

import numpy as np

from ...metrics.squad import normalize_answer
from ..core import CheckFailed
from ..rows import batch, left_padding, long_rows, plain_ids, rows_of
from ._lab import (
    LAB,
    _answer_span,
    _context_id,
    _expect,
    _passed,
    _positions,
    _same_text,
    _sequence_ids,
    _WindowError,
    _windows_of,
)
from .hints import LABEL_ADVICE


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
    question_ids = plain_ids(tokenizer, long_example["question"].lstrip())
    first = list(encoding["input_ids"][0])
    _expect(
        first[1 : 1 + len(question_ids)] == question_ids,
        exercise_id,
        "ex03.example"
        if plain_ids(tokenizer, long_example["context"])[:3] != first[1:4]
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
    return function(batch(rows), tokenizer, max_length, doc_stride)


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
    return rows_of(
        train_dataset,
        sorted(set(range(5)) | set(long_rows(train_dataset, tokenizer, max_length, 2))),
    )


def ex08(prepare_train_features, tokenizer, train_dataset, max_length, doc_stride, profile) -> None:
    rows = _visible_train_rows(train_dataset, tokenizer, max_length)
    features = _train_features(prepare_train_features, tokenizer, rows, max_length, doc_stride)
    _check_feature_windows("08", "ex08", features, tokenizer, rows, max_length, doc_stride)
    first_five = _train_features(
        prepare_train_features, tokenizer, rows_of(train_dataset, range(5)), max_length, doc_stride
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
    left = left_padding(tokenizer)
    rows = rows_of(train_dataset, long_rows(train_dataset, tokenizer, 128, 3))
    features = _train_features(prepare_train_features, left, rows, 128, 32)
    _check_feature_windows("08", "ex08", features, left, rows, 128, 32)
    rows = rows_of(train_dataset, long_rows(train_dataset, tokenizer, 384, 2))
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
    for tok in (tokenizer, left_padding(tokenizer)):
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
    overflowing = rows_of(train_dataset, long_rows(train_dataset, tokenizer, 128, 6, start=10))
    cases = [
        (tokenizer, rows_of(validation_dataset, range(12)), 128, 32),
        (left_padding(tokenizer), rows_of(train_dataset, range(20, 32)), 128, 32),
        (left_padding(tokenizer), overflowing, 64, 16),
        (tokenizer, rows_of(train_dataset, range(12)), 384, 128),
        (tokenizer, rows_of(train_dataset, range(12)), 64, 16),
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
    budget = 40 - len(plain_ids(tokenizer, row["question"])) - 3
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
