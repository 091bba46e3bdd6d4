"""Exercises 20-23: ``prepare_validation_features`` and the map of the validation split."""

from __future__ import annotations

from ..rows import batch, left_padding, long_rows, rows_of
from ._lab import (
    LAB,
    _context_id,
    _CountingTokenizer,
    _expect,
    _passed,
    _sequence_ids,
)
from .windows import _check_feature_windows, _expected_columns


# ----------------------------------------------------------------------------------------------
# 20-23: prepare_validation_features and its map
# ----------------------------------------------------------------------------------------------
def _validation_features(function, tokenizer, rows, max_length, doc_stride):
    counting = _CountingTokenizer(tokenizer)
    features = function(batch(rows), counting, max_length, doc_stride)
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
    overflowing = long_rows(validation_dataset, tokenizer, max_length, 2)
    return rows_of(validation_dataset, sorted(set(range(4)) | set(overflowing)))


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
        (tokenizer, rows_of(validation_dataset, range(10, 22)), 64, 16),
        (left_padding(tokenizer), rows_of(train_dataset, range(12)), 128, 32),
        (tokenizer, rows_of(train_dataset, range(12)), 384, 128),
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
