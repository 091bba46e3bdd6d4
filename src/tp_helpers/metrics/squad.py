"""SQuAD v1.1 exact match (EM) and F1, written from the official definition.

Why normalise? A reader that answers "the Denver Broncos." to a question whose gold answer is
"Denver Broncos" has found the right span; the article and the full stop are noise of span
boundaries, not a wrong answer. So both scores compare *normalised* strings: lower case, no
punctuation, no articles (a, an, the), single spaces.

Why two scores? EM is all-or-nothing: one extra or missing word gives 0. F1 gives partial credit
by counting the words the prediction shares with the gold answer (a bag of words: order does not
matter, repeated words count as often as they occur in both).

Why a maximum? Annotators often disagree on span boundaries, so a question may have several gold
answers; a prediction is scored against each of them and keeps its best score. The reported
numbers are means over questions, in percent (0-100), like the official script and the
leaderboard.

This module is the only implementation in the project: the ``evaluate`` module in ``squad_v1/``
and the tests call it. It is pure Python on purpose, so that reading it needs nothing else.
"""

from __future__ import annotations

import re
import string
from collections import Counter

# string.punctuation is ASCII only: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ (as in the official script).
_PUNCTUATION = frozenset(string.punctuation)
# \b makes these whole words: "the" goes, "theatre" and "anathema" stay.
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(s: str) -> str:
    """Return ``s`` in the form both scores compare.

    The steps run in the official order: lower-case, delete punctuation, delete the articles
    a/an/the, collapse whitespace. The order matters: punctuation goes before articles, so
    "The," becomes "the" and then disappears; "1,600" becomes "1600" (not "1 600").
    """
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCTUATION)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def exact_match(prediction: str, ground_truth: str) -> float:
    """1.0 when both strings are equal once normalised, else 0.0.

    Two answers that normalise to the empty string (e.g. "" and "The") are equal, so they score 1.
    """
    return float(normalize_answer(prediction) == normalize_answer(ground_truth))


def f1(prediction: str, ground_truth: str) -> float:
    """Token-level F1 between the normalised prediction and the normalised gold answer.

    Tokens are the words of the normalised strings. The common tokens are counted as a multiset
    intersection: "paris paris" and "paris" share one "paris", not two. Then
    precision = common / prediction tokens, recall = common / gold tokens, and F1 is their
    harmonic mean 2PR / (P + R).

    With no common token the score is 0. That includes an empty prediction, and (as in the
    official v1.1 script) even an empty prediction against a gold answer that normalises to the
    empty string: EM then says 1 but F1 says 0.
    """
    prediction_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(ground_truth).split()
    common = sum((Counter(prediction_tokens) & Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    precision = common / len(prediction_tokens)
    recall = common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def compute(predictions: list[dict], references: list[dict]) -> dict[str, float]:
    """Mean best-over-gold EM and F1, in percent, of ``predictions`` against ``references``.

    The formats are those of ``evaluate``'s SQuAD metric (and of the SQuAD dataset on the Hub)::

        predictions = [{"id": "q1", "prediction_text": "Denver Broncos"}, ...]
        references = [{"id": "q1", "answers": {"text": ["Denver Broncos", ...],
                                               "answer_start": [177, ...]}}, ...]

    Predictions are matched to references by ``id``, so their order does not matter.
    ``answer_start`` is ignored: only the text of the answers is scored.

    The mean runs over the *references*: a question without a prediction scores 0 (the official
    script does the same, "Unanswered question will receive score 0"), so that skipping the hard
    questions cannot raise the score. A prediction whose id is in no reference, on the other hand,
    is an error (usually predictions and references taken from different rows), and so are empty
    inputs, repeated ids and a question without any gold answer (SQuAD v1.1 has none; unanswerable
    questions belong to SQuAD v2.0, which needs another metric).

    Through ``evaluate.load``, predictions and references are stored as rows of one table, so
    ``evaluate`` itself requires exactly one prediction per reference; only this function can
    score a question left unanswered.

    Returns ``{"exact_match": ..., "f1": ...}``, both between 0 and 100.
    """
    if not references:
        # evaluate keeps only whole (prediction, reference) rows: through evaluate.load, an empty
        # predictions list silently empties the references too, and ends here.
        raise ValueError(
            "no references given: pass one reference per question to score "
            "(through evaluate.load, also check that predictions is not empty)."
        )
    if not predictions:
        raise ValueError("no predictions given: pass one prediction per question to score.")

    predicted_text: dict[str, str] = {}
    for prediction in predictions:
        qid = prediction["id"]
        if qid in predicted_text:
            raise ValueError(f"prediction id {qid!r} appears more than once.")
        predicted_text[qid] = prediction["prediction_text"]

    reference_ids = set()
    for reference in references:
        qid = reference["id"]
        if qid in reference_ids:
            raise ValueError(f"reference id {qid!r} appears more than once.")
        if not reference["answers"]["text"]:
            raise ValueError(
                f"reference {qid!r} has no gold answer: SQuAD v1.1 questions all have at least one."
            )
        reference_ids.add(qid)

    for qid in predicted_text:
        if qid not in reference_ids:
            raise ValueError(
                f"prediction id {qid!r} matches no reference id: predict on the same questions "
                "you pass as references."
            )

    total_em = 0.0
    total_f1 = 0.0
    for reference in references:
        prediction = predicted_text.get(reference["id"])
        if prediction is None:
            continue  # unanswered: adds 0 to both totals but still counts in the mean
        golds = reference["answers"]["text"]
        total_em += max(exact_match(prediction, gold) for gold in golds)
        total_f1 += max(f1(prediction, gold) for gold in golds)

    n = len(references)
    return {"exact_match": 100.0 * total_em / n, "f1": 100.0 * total_f1 / n}
