"""Checks of part 4: the null score (08, 09) and the decision to answer (10).

``postprocess_with_null`` is run on features of chosen rows, made by the notebook's own
``prepare_validation_features`` with a tokenizer that pads on the left (so that each window's
[CLS] sits after its padding, at a place that changes from window to window), and on logits built
for the purpose: low noise everywhere, and on each window's own [CLS] a start and an end logit
that add up to the null score the check chose for that window.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np

from ._lab import LAB, batch, expect, left_padding, long_rows, passed, rows_of

_TOLERANCE = 1e-3


def _features(prepare_validation_features, tokenizer, rows, max_length, doc_stride):
    return prepare_validation_features(batch(rows), tokenizer, max_length, doc_stride)


def _rows(validation_dataset, tokenizer, max_length, start=0):
    """Long rows first (the first feature is then a full window), then a few short ones."""
    long = long_rows(validation_dataset, tokenizer, max_length, 4, start=start)
    short = [i for i in range(start, len(validation_dataset)) if i not in long][:4]
    return rows_of(validation_dataset, long + short)


def _logits(features, tokenizer, spread: bool, rng):
    """Noise, plus each window's null score on its own [CLS]; returns the logits and, per row id,
    the null scores of its windows in order."""
    n, width = len(features["input_ids"]), len(features["input_ids"][0])
    starts = rng.normal(0, 0.1, (n, width)).astype(np.float32)
    ends = rng.normal(0, 0.1, (n, width)).astype(np.float32)
    windows: dict[str, list[int]] = {}
    for f, example_id in enumerate(features["example_id"]):
        windows.setdefault(example_id, []).append(f)
    nulls: dict[str, list[float]] = {}
    for e, (example_id, indices) in enumerate(windows.items()):
        values = [4.0 + e + (k if spread else 0) for k in range(len(indices))]
        if spread and len(indices) > 1:
            lowest = [1, 0, len(indices) - 1][e % 3] if len(indices) > 2 else e % 2
            values[lowest] = 1.0 + 0.25 * e
        for f, value in zip(indices, values):
            cls = list(features["input_ids"][f]).index(tokenizer.cls_token_id)
            starts[f, cls] = value * 0.75
            ends[f, cls] = value * 0.25
        nulls[example_id] = values
    return (starts, ends), nulls


def _run(postprocess_with_null, exercise, rows, features, logits):
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            scores = postprocess_with_null(rows, features, logits)
    except Exception as error:  # noqa: BLE001 (the student's code: any error is a hint)
        raise LAB.fail(exercise, "post.call", f"{type(error).__name__}: {error}") from error
    expect(
        hasattr(scores, "keys")
        and all(isinstance(scores.get(row["id"]), dict) for row in rows)
        and all("null_score" in scores[row["id"]] for row in rows),
        exercise,
        "post.type",
        type(scores).__name__,
    )
    return scores


def _advice_08(found: float, values: list[float]) -> str:
    if abs(found) < 0.6:
        return (
            "the score read is the padding's, not [CLS]'s: take `cls_index` from this "
            "feature's own `input_ids` (a left-padding tokenizer moves [CLS] in every window)."
        )
    if any(
        abs(found - v * 0.75) < _TOLERANCE or abs(found - v * 0.25) < _TOLERANCE for v in values
    ):
        return "add the start logit and the end logit at `cls_index`."
    if any(abs(found - v * v * 0.1875) < _TOLERANCE for v in values):
        return "add the two logits (scores are added, as for a span), do not multiply them."
    return "the null score of a window is `start_logits[cls_index] + end_logits[cls_index]`."


def _advice_09(found: float, values: list[float]) -> str:
    if abs(found - max(values)) < _TOLERANCE:
        return (
            "that is the maximum: the window that holds the answer has the *lowest* null score, "
            "and it is the one that counts: take `min(null_scores)`."
        )
    if abs(found - values[0]) < _TOLERANCE or abs(found - values[-1]) < _TOLERANCE:
        return "that is one window's null score: take the minimum over all of the row's windows."
    if abs(found - float(np.mean(values))) < _TOLERANCE:
        return "that is the mean: take the minimum, `min(null_scores)`."
    return "the row's null score is the minimum of its windows' null scores."


def _check(
    exercise,
    postprocess_with_null,
    prepare_validation_features,
    tokenizer,
    rows,
    max_length,
    doc_stride,
    spread,
):
    features = _features(prepare_validation_features, tokenizer, rows, max_length, doc_stride)
    logits, nulls = _logits(features, tokenizer, spread, np.random.default_rng(0))
    scores = _run(postprocess_with_null, exercise, rows, features, logits)
    for row in rows:
        values = nulls[row["id"]]
        found = float(scores[row["id"]]["null_score"])
        if abs(found - min(values)) > _TOLERANCE:
            advice = _advice_09(found, values) if spread else _advice_08(found, values)
            raise LAB.fail(
                exercise,
                f"ex{exercise}.null",
                round(found, 3),
                row=row["id"],
                windows=len(values),
                expected=min(values),
                advice=advice,
            )
    return sum(len(v) for v in nulls.values())


#: the hidden tests' windows: (tokenizer padding on the left, max_length, doc_stride, first row)
_HIDDEN_WINDOWS = {
    "08": ((True, 48, 12, 10), (False, 64, 16, 20), (True, 128, 32, 30)),
    "09": ((False, 48, 12, 10), (True, 64, 16, 20)),
}


def _visible(exercise, spread, postprocess_with_null, prepare, tokenizer, validation) -> int:
    """The check cell's test: 64-token windows, padding on the left."""
    rows = _rows(validation, tokenizer, 64)
    tok = left_padding(tokenizer)
    return _check(exercise, postprocess_with_null, prepare, tok, rows, 64, 16, spread=spread)


def _hidden(exercise, spread, postprocess_with_null, prepare, tokenizer, validation) -> None:
    """The same test on other windows, padding on either side."""
    for left, max_length, doc_stride, start in _HIDDEN_WINDOWS[exercise]:
        rows = _rows(validation, tokenizer, max_length, start)
        tok = left_padding(tokenizer) if left else tokenizer
        _check(
            exercise,
            postprocess_with_null,
            prepare,
            tok,
            rows,
            max_length,
            doc_stride,
            spread=spread,
        )


def ex08(postprocess_with_null, prepare_validation_features, tokenizer, validation_dataset):
    args = (postprocess_with_null, prepare_validation_features, tokenizer, validation_dataset)
    n = _visible("08", False, *args)
    passed("08", f"the null score of each of {n} windows is read on its own [CLS].")


def ex08_hidden(postprocess_with_null, prepare_validation_features, tokenizer, validation_dataset):
    args = (postprocess_with_null, prepare_validation_features, tokenizer, validation_dataset)
    _hidden("08", False, *args)


def ex09(postprocess_with_null, prepare_validation_features, tokenizer, validation_dataset):
    args = (postprocess_with_null, prepare_validation_features, tokenizer, validation_dataset)
    _visible("09", True, *args)
    passed("09", "each row's null score is the lowest of its windows'.")


def ex09_hidden(postprocess_with_null, prepare_validation_features, tokenizer, validation_dataset):
    args = (postprocess_with_null, prepare_validation_features, tokenizer, validation_dataset)
    _hidden("09", True, *args)


# ------------------------------------------------------------------------------------------------
#: (span score, null score, threshold): wins by more, by exactly, by less, negative thresholds
_CASES = (
    (5.0, 2.0, 1.0),
    (5.0, 2.0, 3.0),
    (5.0, 2.0, 4.0),
    (1.0, 2.0, -2.0),
    (1.0, 2.0, -0.5),
    (3.0, 3.0, 0.0),
    (2.5, 1.0, 0.0),
    (0.0, 2.0, 1.0),
)

#: wrong rules a student may write, with what to say; the first that explains every answer wins
_WRONG_RULES = (
    (
        lambda s, n, t: s > n - t,
        "add the threshold to the null score (`null_score + threshold`)"
        ": a higher threshold must make answering harder.",
    ),
    (lambda s, n, t: s >= n + t, "beating by exactly the threshold is not beating it: use `>`."),
    (lambda s, n, t: s > n, "the threshold is not used: compare with `null_score + threshold`."),
    (
        lambda s, n, t: s < n + t,
        "that answers when the null score wins: answer when the span's score is the higher one.",
    ),
)


def _decisions(predictions_at, cases):
    found = []
    for k, (score, null, threshold) in enumerate(cases):
        scores = {f"q{k}": {"text": f"span {k}", "score": score, "null_score": null}}
        with contextlib.redirect_stdout(io.StringIO()):
            decided = predictions_at(scores, threshold)
        expect(
            hasattr(decided, "get"),
            "10",
            "ex10.decision",
            type(decided).__name__,
            expected="a dict",
            score=score,
            null_score=null,
            threshold=threshold,
            advice="keep the given `predictions[example_id] = ...` and `return predictions`.",
        )
        found.append(decided.get(f"q{k}"))
    return found


def _check_decisions(predictions_at, cases):
    found = _decisions(predictions_at, cases)
    for k, (score, null, threshold) in enumerate(cases):
        expected = f"span {k}" if score > null + threshold else ""
        if found[k] == expected:
            continue
        answered = [text != "" for text in found]
        advice = next(
            (
                text
                for rule, text in _WRONG_RULES
                if answered == [bool(rule(*case)) for case in cases]
            ),
            'the answer is the span when `score > null_score + threshold`, else "".',
        )
        raise LAB.fail(
            "10",
            "ex10.decision",
            found[k],
            expected=expected,
            score=score,
            null_score=null,
            threshold=threshold,
            advice=advice,
        )


def ex10(predictions_at) -> None:
    _check_decisions(predictions_at, _CASES)
    passed(
        "10",
        f"the span is kept exactly when it beats the null score by more than the "
        f"threshold ({len(_CASES)} cases).",
    )


def ex10_hidden(predictions_at) -> None:
    rng = np.random.default_rng(8)
    cases = [tuple(float(v) for v in np.round(rng.normal(0, 3, 3), 2)) for _ in range(30)]
    _check_decisions(predictions_at, cases + [(2.0, -1.0, 3.0), (-4.0, -5.0, 1.0)])
