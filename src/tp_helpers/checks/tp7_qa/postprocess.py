"""Exercises 18-19 and 24-29: post-processing. The n-best positions and pairs (18-19, 24), the
valid candidates of one feature (25-26), then ``postprocess_qa_predictions`` on logits built for
the purpose (27-29)."""

from __future__ import annotations

import contextlib
import io
import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ._lab import LAB, _answer_span, _expect, _passed


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


def _check_starts_and_ends(exercise_id, start_indexes, end_indexes, start_logits, end_logits, n):
    """18 and 24 ask for the same thing: the n best starts and the n best ends, best first."""
    _check_nbest(exercise_id, start_indexes, start_logits, "start_indexes", "start_logits", n)
    _check_nbest(exercise_id, end_indexes, end_logits, "end_indexes", "end_logits", n)


def ex18(start_indexes, end_indexes, start_logits, end_logits, n_best_size) -> None:
    _check_starts_and_ends("18", start_indexes, end_indexes, start_logits, end_logits, n_best_size)
    _passed("18", f"the {n_best_size} best start and end positions, best first.")


def ex19(candidates, start_indexes, end_indexes) -> None:
    kept = sorted((int(s), int(e)) for _, s, e in candidates)
    expected = sorted((s, e) for s in start_indexes for e in end_indexes if e - s >= 0)
    _expect(kept == expected, "19", "ex19.pairs", f"{len(kept)} pairs", expected=len(expected))
    _passed("19", "the pairs kept are exactly those whose start is not after their end.")


def ex24(start_indexes, end_indexes, start_logits, end_logits, n_best_size) -> None:
    _check_starts_and_ends("24", start_indexes, end_indexes, start_logits, end_logits, n_best_size)
    _passed("24", f"the {n_best_size} best start and end positions of the feature, best first.")


# ----------------------------------------------------------------------------------------------
# 25-26: valid candidates of one feature
# ----------------------------------------------------------------------------------------------
class _Feature(NamedTuple):
    """What the check cells of 25 and 26 pass after ``valid_answers``, in that order: one
    feature's n-best positions and what its candidates are read from."""

    start_indexes: Sequence[int]
    end_indexes: Sequence[int]
    offset_mapping: Sequence
    context: str
    start_logits: Sequence[float]
    end_logits: Sequence[float]
    max_answer_length: int


def _candidates(feature: _Feature):
    offsets = feature.offset_mapping
    found = []
    for s in feature.start_indexes:
        for e in feature.end_indexes:
            if s >= len(offsets) or e >= len(offsets) or offsets[s] is None or offsets[e] is None:
                continue
            if e < s or e - s + 1 > feature.max_answer_length:
                continue
            text = feature.context[offsets[s][0] : offsets[e][1]]
            found.append((round(float(feature.start_logits[s] + feature.end_logits[e]), 4), text))
    return found


def _check_candidates(exercise_id, valid_answers, feature: _Feature):
    """25 and 26 are two tests of one loop: both compare what it keeps with the same list."""
    context = feature.context
    expected = sorted(_candidates(feature))
    found = sorted((round(float(a["score"]), 4), a["text"]) for a in valid_answers)
    if found == expected:
        return
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


def ex25(valid_answers, *feature) -> None:
    """``feature``: what the check cell passes after ``valid_answers`` (see ``_Feature``)."""
    _check_candidates("25", valid_answers, _Feature(*feature))
    _passed("25", "the candidates are exactly the pairs with both ends inside the context.")


def ex26(valid_answers, *feature) -> None:
    """``feature``: as for ``ex25``."""
    feature = _Feature(*feature)
    _check_candidates("26", valid_answers, feature)
    _passed("26", f"no candidate is reversed or longer than {feature.max_answer_length} tokens.")


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


#: the scenarios of each exercise: its check cell's (on rows 0-3), then its hidden test's (4-15)
_VISIBLE = {"27": ["worst"], "28": ["question"], "29": ["reversed", "single_token"]}
_HIDDEN = {
    "27": ["worst"],
    "28": ["question", "out_of_range"],
    "29": ["reversed", "single_token", "too_long"],
}


def _postprocess_check(
    exercise_id, postprocess_qa_predictions, validation_dataset, validation_features, hidden=False
):
    rows = _post_rows(validation_dataset, 4, 12) if hidden else _post_rows(validation_dataset)
    scenarios = (_HIDDEN if hidden else _VISIBLE)[exercise_id]
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
    _postprocess_check("27", postprocess_qa_predictions, validation_dataset, validation_features)
    _passed("27", "the best-scoring gold spans are found.")


def ex28(postprocess_qa_predictions, validation_dataset, validation_features) -> None:
    _postprocess_check("28", postprocess_qa_predictions, validation_dataset, validation_features)
    _passed("28", "spans on question and special tokens are skipped.")


def ex29(postprocess_qa_predictions, validation_dataset, validation_features) -> None:
    _postprocess_check("29", postprocess_qa_predictions, validation_dataset, validation_features)
    _passed("29", "reversed spans are skipped; one-token answers are kept.")


def postprocess_hidden(
    exercise_id, postprocess_qa_predictions, validation_dataset, validation_features
) -> None:
    _postprocess_check(
        exercise_id,
        postprocess_qa_predictions,
        validation_dataset,
        validation_features,
        hidden=True,
    )
