"""The solution notebook's preprocessing and post-processing, run at the full profile's window
sizes (384/128) with the real tokenizer on the offline data: label invariants that must hold for
any correct implementation."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from tp_helpers.metrics.squad import normalize_answer

from .solution_code import notebook_functions

MAX_LENGTH, DOC_STRIDE = 384, 128


@pytest.fixture(scope="module")
def functions():
    return notebook_functions(
        "prepare_train_features", "prepare_validation_features", "postprocess_qa_predictions"
    )


@pytest.fixture(scope="module")
def rows(offline_splits):
    return offline_splits["train"].select(range(300))


def _features(functions, rows, tokenizer, name):
    return functions[name](rows[:], tokenizer, MAX_LENGTH, DOC_STRIDE)


def test_train_labels_decode_to_the_answer_or_point_at_cls(functions, rows, tokenizer):
    features = _features(functions, rows, tokenizer, "prepare_train_features")
    mapping = tokenizer(
        [q.lstrip() for q in rows["question"]],
        list(rows["context"]),
        truncation="only_second",
        max_length=MAX_LENGTH,
        stride=DOC_STRIDE,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    sample_of = mapping["overflow_to_sample_mapping"]
    assert len(features["input_ids"]) == len(sample_of)  # one feature per window
    n_cls = 0
    for i, (start, end) in enumerate(zip(features["start_positions"], features["end_positions"])):
        ids = features["input_ids"][i]
        assert len(ids) == MAX_LENGTH
        row = rows[sample_of[i]]
        answer_start = row["answers"]["answer_start"][0]
        answer_end = answer_start + len(row["answers"]["text"][0])
        context = [
            o for o, s in zip(mapping["offset_mapping"][i], mapping.sequence_ids(i)) if s == 1
        ]
        inside = context[0][0] <= answer_start and context[-1][1] >= answer_end
        if start == end == ids.index(tokenizer.cls_token_id):
            assert not inside, f"feature {i}: CLS label although the answer is in the window"
            n_cls += 1
            continue
        assert inside, f"feature {i}: a span label although the answer is outside the window"
        assert start <= end
        decoded = tokenizer.decode(ids[start : end + 1])
        # the uncased tokenizer also strips accents ("Malmö" -> "malmo"): compare like with like
        answer_ids = tokenizer(row["answers"]["text"][0], add_special_tokens=False)["input_ids"]
        assert normalize_answer(decoded) == normalize_answer(tokenizer.decode(answer_ids))
    assert n_cls > 0  # the long rows give windows without the answer


def test_validation_features_keep_only_context_offsets(functions, rows, tokenizer):
    features = _features(functions, rows, tokenizer, "prepare_validation_features")
    counts = collections.Counter(features["example_id"])
    for i, offsets in enumerate(features["offset_mapping"]):
        sequence_ids = features.sequence_ids(i)
        for offset, sequence_id in zip(offsets, sequence_ids):
            assert (offset is None) == (sequence_id != 1)
    assert sum(counts.values()) == len(features["input_ids"])
    assert set(counts) == set(rows["id"])
    assert max(counts.values()) >= 2


def test_postprocessing_recovers_gold_spans_from_ideal_logits(functions, rows, tokenizer):
    """Logits peaked on the gold tokens must come back as the gold text, even across windows."""
    from datasets import Dataset

    train = _features(functions, rows, tokenizer, "prepare_train_features")
    validation = _features(functions, rows, tokenizer, "prepare_validation_features")
    starts = np.zeros((len(train["input_ids"]), MAX_LENGTH), dtype=np.float32)
    ends = np.zeros_like(starts)
    for i, (s, e) in enumerate(zip(train["start_positions"], train["end_positions"])):
        if s != 0:  # CLS-labelled windows stay flat
            starts[i, s] = ends[i, e] = 10.0
    features = Dataset.from_dict(
        {"example_id": validation["example_id"], "offset_mapping": validation["offset_mapping"]}
    )
    predictions = functions["postprocess_qa_predictions"](rows, features, (starts, ends))
    assert list(predictions) == list(rows["id"])
    for row in rows:
        assert predictions[row["id"]] == row["answers"]["text"][0]
