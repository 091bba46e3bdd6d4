"""SQuAD v2.0 scores, by the rules of the official evaluation script (``evaluate-v2.0.py``).

SQuAD v2.0 adds questions that the paragraph does not answer. Their ``answers`` lists are empty,
and the right prediction is the empty string: the reader *abstains*. Four rules follow.

* **The gold list of an unanswerable question is** ``[""]``. Scored against it, an empty
  prediction gets exact 1 and F1 1; any prediction with a word left after normalisation gets 0
  on both. (Gold answers that normalise to nothing, such as "The", are dropped first; a question
  left with none is scored against ``[""]`` too, as in the official script.)
* **F1 of two empty answers is 1**, and of one empty and one not, 0. This is where v2.0 differs
  from v1.1 (whose F1 gives 0 when nothing is in common, even two empty answers), so ``f1`` is
  defined here; normalisation, exact match and the word overlap are those of
  :mod:`tp_helpers.metrics.squad`, the one definition in the project.
* **The no-answer probability.** Each prediction may carry ``no_answer_probability``, the model's
  confidence that there is no answer. A question is counted as abstained when its probability is
  *strictly above* ``no_answer_threshold`` (default 1.0: never, so ``exact`` and ``f1`` score the
  predicted texts as they are). An abstained question scores 1 if it is unanswerable, else 0.
* **The best threshold** (``best_exact``, ``best_f1`` and their ``_thresh``): the official
  ``find_best_thresh`` sorts the questions by no-answer probability, starts from "abstain on
  everything" (the unanswerable questions are right, the others wrong) and answers them one by
  one, most confident first, keeping the best running total. Answering question *q* adds its raw
  score if *q* has an answer; if it has none, it costs 1 when the predicted text is not empty and
  nothing when it is. The threshold reported is the probability of the last question answered at
  the best total (0.0 when abstaining on everything is best).

Scores are in percent (0-100), ``total`` is a count. ``HasAns_*`` and ``NoAns_*`` are the same
means over the answerable and the unanswerable questions; a group with no question is left out of
the result, as in the official script and ``evaluate``'s ``squad_v2``.
"""

from __future__ import annotations

from .squad import exact_match, normalize_answer
from .squad import f1 as _f1_v1


def f1(prediction: str, ground_truth: str) -> float:
    """Word-overlap F1, where an empty answer (after normalisation) matches only an empty one."""
    prediction_empty = not normalize_answer(prediction)
    gold_empty = not normalize_answer(ground_truth)
    if prediction_empty or gold_empty:
        return float(prediction_empty and gold_empty)
    return _f1_v1(prediction, ground_truth)


def gold_answers(answers: dict) -> list[str]:
    """The answers a prediction is compared with: ``[""]`` when none survives normalisation."""
    kept = [text for text in answers["text"] if normalize_answer(text)]
    return kept or [""]


def raw_scores(
    predicted: dict[str, str], references: list[dict]
) -> tuple[dict[str, float], dict[str, float]]:
    """Per question, the best exact and F1 of its predicted text over its gold answers (0-1)."""
    exact, overlap = {}, {}
    for reference in references:
        qid, golds = reference["id"], gold_answers(reference["answers"])
        exact[qid] = max(exact_match(predicted[qid], gold) for gold in golds)
        overlap[qid] = max(f1(predicted[qid], gold) for gold in golds)
    return exact, overlap


def apply_no_answer_threshold(
    scores: dict[str, float],
    no_answer_probability: dict[str, float],
    has_answer: dict[str, bool],
    threshold: float,
) -> dict[str, float]:
    """Scores once every question whose probability is above ``threshold`` is abstained on."""
    return {
        qid: float(not has_answer[qid]) if no_answer_probability[qid] > threshold else score
        for qid, score in scores.items()
    }


def best_threshold(
    predicted: dict[str, str],
    scores: dict[str, float],
    no_answer_probability: dict[str, float],
    has_answer: dict[str, bool],
) -> tuple[float, float]:
    """The official ``find_best_thresh``: the best score in percent over all thresholds, and the
    threshold that gives it (see the module's docstring for the sweep)."""
    running = best = sum(not has for has in has_answer.values())  # abstain on everything
    threshold = 0.0
    # sorted() is stable: questions with equal probabilities keep the predictions' order
    for qid in sorted(no_answer_probability, key=no_answer_probability.get):
        if has_answer[qid]:
            running += scores[qid]
        elif predicted[qid]:  # the raw text, as the official script tests it
            running -= 1
        if running > best:
            best, threshold = running, no_answer_probability[qid]
    return 100.0 * best / len(scores), threshold


def _means(exact: dict, overlap: dict, qids: list[str]) -> dict[str, float]:
    return {
        "exact": 100.0 * sum(exact[q] for q in qids) / len(qids),
        "f1": 100.0 * sum(overlap[q] for q in qids) / len(qids),
        "total": len(qids),
    }


def _check(predictions: list[dict], references: list[dict]) -> None:
    """The input errors, each naming the id at fault: nothing is scored on mismatched rows."""
    if not references:
        raise ValueError(
            "no references given: pass one reference per question to score "
            "(through evaluate.load, also check that predictions is not empty)."
        )
    if not predictions:
        raise ValueError("no predictions given: pass one prediction per question to score.")
    for name, rows in (("prediction", predictions), ("reference", references)):
        seen = set()
        for row in rows:
            if row["id"] in seen:
                raise ValueError(f"{name} id {row['id']!r} appears more than once.")
            seen.add(row["id"])
    reference_ids = {reference["id"] for reference in references}
    prediction_ids = {prediction["id"] for prediction in predictions}
    for qid in prediction_ids - reference_ids:
        raise ValueError(
            f"prediction id {qid!r} matches no reference id: predict on the same questions you "
            "pass as references."
        )
    for qid in reference_ids - prediction_ids:
        raise ValueError(
            f"reference id {qid!r} has no prediction: give one per question (an empty "
            "prediction_text is the answer 'no answer')."
        )


def compute(
    predictions: list[dict], references: list[dict], no_answer_threshold: float = 1.0
) -> dict[str, float]:
    """SQuAD v2.0 scores of ``predictions`` against ``references``, as ``evaluate``'s squad_v2.

    The formats are those of ``evaluate``'s ``squad_v2`` metric::

        predictions = [{"id": "q1", "prediction_text": "Lyon", "no_answer_probability": 0.1},
                       {"id": "q2", "prediction_text": "", "no_answer_probability": 0.9}]
        references = [{"id": "q1", "answers": {"text": ["Lyon"], "answer_start": [17]}},
                      {"id": "q2", "answers": {"text": [], "answer_start": []}}]

    Matched by ``id``. ``no_answer_probability`` may be left out (0.0, as the official script
    takes it without a probability file). Every reference needs a prediction (the official
    script skips a missing one and then fails on it): an empty ``prediction_text`` abstains.

    Returns ``exact``, ``f1``, ``total``, ``HasAns_exact``, ``HasAns_f1``, ``HasAns_total``,
    ``NoAns_exact``, ``NoAns_f1``, ``NoAns_total``, ``best_exact``, ``best_exact_thresh``,
    ``best_f1``, ``best_f1_thresh``, in that order (a ``HasAns``/``NoAns`` group without any
    question is left out).
    """
    _check(predictions, references)
    predicted = {p["id"]: p["prediction_text"] for p in predictions}
    probability = {p["id"]: float(p.get("no_answer_probability", 0.0)) for p in predictions}
    has_answer = {r["id"]: bool(r["answers"]["text"]) for r in references}

    exact_raw, f1_raw = raw_scores(predicted, references)
    exact = apply_no_answer_threshold(exact_raw, probability, has_answer, no_answer_threshold)
    overlap = apply_no_answer_threshold(f1_raw, probability, has_answer, no_answer_threshold)

    result: dict[str, float] = _means(exact, overlap, list(exact))
    for prefix, wanted in (("HasAns", True), ("NoAns", False)):
        qids = [qid for qid in exact if has_answer[qid] is wanted]
        if qids:
            result.update({f"{prefix}_{k}": v for k, v in _means(exact, overlap, qids).items()})
    best_exact, exact_thresh = best_threshold(predicted, exact_raw, probability, has_answer)
    best_f1, f1_thresh = best_threshold(predicted, f1_raw, probability, has_answer)
    result.update(
        best_exact=best_exact,
        best_exact_thresh=exact_thresh,
        best_f1=best_f1,
        best_f1_thresh=f1_thresh,
    )
    return result
