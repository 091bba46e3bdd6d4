"""Checks of parts 5-7: SQuAD v2's F1 (11), the threshold (12, 13), the mistakes left (14).

Expected values come from the course package's SQuAD v2 metric
(:mod:`tp_helpers.metrics.squad_v2`), the rules of the official evaluation script.
"""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np

from ...metrics import squad_v2
from ._lab import LAB, expect, passed


def _official(prediction: str, gold_texts: list[str]) -> float:
    golds = squad_v2.gold_answers({"text": list(gold_texts)})
    return max(squad_v2.f1(prediction, gold) for gold in golds)


#: (prediction, gold texts): both kinds of question, empty and non-empty predictions
_CASES = (
    ("", []),
    ("Lyon", []),
    ("The", []),
    ("in Lyon", ["Lyon"]),
    ("", ["Lyon"]),
    ("Lyon", ["in Lyon", "Lyon", "the city of Lyon"]),
    ("Paris", ["Lyon"]),
)


def _advice_11(found, prediction, gold) -> str:
    if isinstance(found, (int, float)) and found > 1:
        return "give a score between 0 and 1 (the notebook turns the mean into a percentage)."
    if not gold and not prediction and found == 0:
        return (
            "a question without gold answers is scored against the empty string, not against "
            "an empty list: an empty prediction is right (1.0)."
        )
    if not gold and prediction:
        if normalize_empty(prediction):
            return 'normalise the prediction first: "The" normalises to the empty string.'
        return "a span predicted for a question without an answer scores 0.0."
    if gold:
        return "with gold answers, take the best `f1(prediction, gold)` over all of them."
    return "no gold answers: 1.0 when the normalised prediction is empty, else 0.0."


def normalize_empty(text: str) -> bool:
    from ...metrics.squad import normalize_answer

    return normalize_answer(text) == ""


def _check_cases(v2_f1, cases) -> None:
    for prediction, gold in cases:
        expected = _official(prediction, gold)
        try:
            found = v2_f1(prediction, list(gold))
        except Exception as error:  # noqa: BLE001 (the student's code: any error is a hint)
            raise LAB.fail("11", "raised", f"{type(error).__name__}: {error}") from error
        ok = isinstance(found, (int, float)) and math.isclose(found, expected, abs_tol=1e-9)
        if not ok:
            raise LAB.fail(
                "11",
                "ex11.value",
                found,
                prediction=prediction,
                gold=list(gold),
                expected=expected,
                advice=_advice_11(found, prediction, gold),
            )


def ex11(v2_f1) -> None:
    _check_cases(v2_f1, _CASES)
    passed("11", f"SQuAD v2's F1 on {len(_CASES)} predictions, with and without gold answers.")


def ex11_hidden(v2_f1) -> None:
    _check_cases(
        v2_f1,
        (
            ("an old map", []),
            ("  ", []),
            ("the Meridian Prize", ["Meridian Prize", "the Meridian Prize"]),
            ("prize", ["Meridian Prize"]),
            ("", ["The Meridian Prize", "Meridian"]),
        ),
    )


# ------------------------------------------------------------------------------------------------
def _decide(score: dict, threshold: float) -> str:
    return score["text"] if score["score"] - score["null_score"] > threshold else ""


def _curve(thresholds, scores, validation_dataset, exact=False) -> list[float]:
    references = [{"id": row["id"], "answers": row["answers"]} for row in validation_dataset]
    values = []
    for threshold in thresholds:
        predicted = {qid: _decide(score, float(threshold)) for qid, score in scores.items()}
        exact_scores, f1_scores = squad_v2.raw_scores(predicted, references)
        chosen = exact_scores if exact else f1_scores
        values.append(100 * sum(chosen.values()) / len(chosen))
    return values


def _check_curve(f1_by_threshold, thresholds, scores, validation_dataset) -> None:
    expected = _curve(thresholds, scores, validation_dataset)
    found = [float(v) for v in np.asarray(f1_by_threshold, dtype=float).ravel()]
    expect(len(found) == len(expected), "12", "ex12.length", len(found), expected=len(expected))
    for k, (value, wanted) in enumerate(zip(found, expected)):
        if math.isclose(value, wanted, abs_tol=1e-6):
            continue
        if all(math.isclose(100 * v, w, abs_tol=1e-6) for v, w in zip(found, expected)):
            advice = "give F1 in percent: multiply the mean by 100."
        elif len(set(round(v, 6) for v in found)) == 1:
            advice = "the same value everywhere: compute the predictions at each threshold."
        elif all(
            math.isclose(v, w, abs_tol=1e-6)
            for v, w in zip(found, _curve(thresholds, scores, validation_dataset, exact=True))
        ):
            advice = "that is exact match: average `v2_f1`."
        else:
            advice = (
                "at each threshold: `predictions_at(scores, threshold)`, then the mean of "
                "`v2_f1(predictions[i], gold[i])` over every validation row, times 100."
            )
        raise LAB.fail(
            "12",
            "ex12.value",
            round(value, 3),
            expected=wanted,
            threshold=thresholds[k],
            advice=advice,
        )


def ex12(f1_by_threshold, thresholds, scores, validation_dataset) -> None:
    _check_curve(f1_by_threshold, thresholds, scores, validation_dataset)
    passed(
        "12", f"F1 at each of the {len(thresholds)} thresholds, as the SQuAD v2 metric gives it."
    )


def ex12_hidden(f1_by_threshold, thresholds, scores, validation_dataset) -> None:
    """The same curve against the metric's own threshold search (official ``find_best_thresh``)."""
    ids = [row["id"] for row in validation_dataset]
    references = [{"id": row["id"], "answers": row["answers"]} for row in validation_dataset]
    predictions = [
        {
            "id": qid,
            "prediction_text": scores[qid]["text"],
            "no_answer_probability": scores[qid]["null_score"] - scores[qid]["score"],
        }
        for qid in ids
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        official = squad_v2.compute(predictions=predictions, references=references)
    expect(
        max(f1_by_threshold) <= official["best_f1"] + 1e-6,
        "12",
        "ex12.value",
        round(max(f1_by_threshold), 3),
        expected=official["best_f1"],
        threshold="(best)",
        advice="no threshold can beat the metric's own best F1: check the mean.",
    )


# ------------------------------------------------------------------------------------------------
def ex13(best_threshold, thresholds, f1_by_threshold) -> None:
    values = [float(v) for v in f1_by_threshold]
    grid = [float(t) for t in thresholds]
    best = max(values)
    first = values.index(best)
    number = isinstance(best_threshold, (int, float, np.number)) and not isinstance(
        best_threshold, bool
    )
    found = float(best_threshold) if number else None
    if found is not None and math.isclose(found, grid[first]):
        passed("13", "no threshold of the grid gives a higher F1, and none lower ties with it.")
        return
    where = [k for k, t in enumerate(grid) if found is not None and math.isclose(t, found)]
    if found is not None and math.isclose(found, best) and not where:
        advice = "that is the highest F1 itself: take the threshold at its position."
    elif where and math.isclose(values[where[0]], best):
        advice = "several thresholds tie: take the first of them, as `np.argmax` does."
    elif where and math.isclose(values[where[0]], min(values)):
        advice = "that threshold gives the *lowest* F1: use `np.argmax`, not `np.argmin`."
    else:
        advice = "`thresholds[np.argmax(f1_by_threshold)]`: the position of the highest F1."
    raise LAB.fail("13", "ex13.best", best_threshold, expected=best, advice=advice)


# ------------------------------------------------------------------------------------------------
#: (id, gold texts, prediction): each kind of row, right and wrong
_MISTAKE_ROWS = (
    ("a", [], ""),
    ("b", [], "Lyon"),
    ("c", ["Lyon"], ""),
    ("d", ["Lyon"], "Lyon"),
    ("e", ["Lyon", "in Lyon"], "Paris"),
    ("f", [], "the city"),
    ("g", ["1961"], ""),
)


def _check_mistakes(mistakes, predictions: dict, gold: dict) -> None:
    wanted = {
        "answered_instead": [i for i, g in gold.items() if not g and predictions[i]],
        "abstained_instead": [i for i, g in gold.items() if g and not predictions[i]],
    }
    try:
        found_pair = mistakes(dict(predictions), dict(gold))
        found = dict(zip(("answered_instead", "abstained_instead"), found_pair))
    except Exception as error:  # noqa: BLE001 (the student's code: any error is a hint)
        raise LAB.fail("14", "raised", f"{type(error).__name__}: {error}") from error
    other = {"answered_instead": "abstained_instead", "abstained_instead": "answered_instead"}
    for name, expected in wanted.items():
        given = found.get(name)
        given = list(given) if isinstance(given, (list, tuple)) else given
        if given == expected:
            continue
        if given == wanted[other[name]]:
            advice = f"that is `{other[name]}`: the two conditions are swapped."
        elif isinstance(given, list) and set(given) == set(expected):
            advice = "the right ids, in another order: go through `gold` in order."
        elif name == "answered_instead":
            advice = "the rows with no gold answer (`not gold[i]`) and a non-empty prediction."
        else:
            advice = (
                "the rows with gold answers whose prediction is the empty string (a wrong span "
                "is a mistake of another kind)."
            )
        raise LAB.fail("14", "ex14.list", given, name=name, expected=expected, advice=advice)


def ex14(mistakes, final_predictions, validation_dataset) -> None:
    _check_mistakes(
        mistakes,
        {i: prediction for i, _, prediction in _MISTAKE_ROWS},
        {i: gold for i, gold, _ in _MISTAKE_ROWS},
    )
    gold = {row["id"]: row["answers"]["text"] for row in validation_dataset}
    _check_mistakes(mistakes, final_predictions, gold)
    passed("14", "both lists hold exactly the rows of their kind of mistake, in order.")
