"""Tests of the SQuAD v1.1 metric. Every expected number is worked out by hand in a comment.

Normalisation (official): lower-case, delete string.punctuation, delete the whole words a/an/the,
collapse whitespace. F1 = 2PR / (P + R) with P = common / prediction tokens and
R = common / gold tokens, and 0 when no token is common. Scores are means over references, x100.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tp_helpers.metrics import compute_squad, squad_metric_path
from tp_helpers.metrics.squad import exact_match, f1, normalize_answer

OFFLINE_VARS = ("HF_HUB_OFFLINE", "HF_EVALUATE_OFFLINE", "HF_DATASETS_OFFLINE")


def ref(qid: str, *golds: str) -> dict:
    return {"id": qid, "answers": {"text": list(golds), "answer_start": [0] * len(golds)}}


def pred(qid: str, text: str) -> dict:
    return {"id": qid, "prediction_text": text}


# --- normalisation, EM and F1 on one pair ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Denver BRONCOS", "denver broncos"),  # case
        ("The Denver Broncos", "denver broncos"),  # article at the start
        ("an apple a day at the zoo", "apple day at zoo"),  # a, an, the all go; "at" stays
        ("Theatre, anathema and Athena", "theatre anathema and athena"),  # not inside words
        ("U.S.A.!", "usa"),  # punctuation deleted, not replaced by spaces
        ("1,600", "1600"),
        ("The,", ""),  # punctuation goes first, then "the" is a whole word and goes too
        ("  over \t 1600\n wins ", "over 1600 wins"),  # whitespace collapsed and stripped
        ("", ""),
    ],
)
def test_normalize_answer(raw, normalised):
    assert normalize_answer(raw) == normalised


def test_exact_match_ignores_case_articles_punctuation_and_whitespace():
    # "the  Denver Broncos." -> "denver broncos"; "Denver broncos" -> "denver broncos": equal
    assert exact_match("the  Denver Broncos.", "Denver broncos") == 1.0
    # "denver" != "denver broncos": one word short is a miss for EM
    assert exact_match("Denver", "Denver Broncos") == 0.0


def test_f1_partial_overlap():
    # prediction "denver broncos team" (3 tokens), gold "denver broncos" (2); common 2
    # P = 2/3, R = 2/2 = 1 -> F1 = 2 * (2/3 * 1) / (2/3 + 1) = (4/3) / (5/3) = 0.8
    assert f1("the Denver Broncos team", "Denver Broncos") == pytest.approx(0.8)
    # EM on the same pair is 0: "denver broncos team" != "denver broncos"
    assert exact_match("the Denver Broncos team", "Denver Broncos") == 0.0


def test_f1_is_a_bag_of_words():
    # order does not matter: "broncos denver" vs "denver broncos": common 2, P = R = 1 -> F1 = 1
    assert f1("Broncos Denver", "Denver Broncos") == pytest.approx(1.0)
    # a repeated word is common only as often as it is in both: "paris paris" vs "paris":
    # common min(2, 1) = 1, P = 1/2, R = 1/1 -> F1 = 2 * (1/2) / (3/2) = 2/3
    assert f1("Paris Paris", "Paris") == pytest.approx(2 / 3)
    # no common word -> 0
    assert f1("Lyon", "Porto") == 0.0


def test_empty_prediction():
    # "" -> no token: EM "" != "denver broncos" -> 0; F1 no common token -> 0
    assert exact_match("", "Denver Broncos") == 0.0
    assert f1("", "Denver Broncos") == 0.0
    # a gold that normalises to empty ("The" -> ""): EM "" == "" -> 1, but F1 has no common
    # token -> 0 (the official v1.1 rule; v2.0 would give 1)
    assert exact_match("", "The") == 1.0
    assert f1("", "The") == 0.0


# --- compute: several gold answers, means, ids ---------------------------------------------------


def test_best_gold_answer_is_kept():
    # golds "denver broncos" / "broncos"; prediction "broncos": EM 1 against the second gold,
    # F1 1 against it too -> 100 / 100
    assert compute_squad(
        [pred("q1", "Broncos")], [ref("q1", "Denver Broncos", "Broncos")]
    ) == pytest.approx({"exact_match": 100.0, "f1": 100.0})
    # prediction "denver broncos team":
    #   vs "denver broncos": common 2, P 2/3, R 2/2 -> F1 0.8
    #   vs "broncos team members": common 2 (broncos, team), P 2/3, R 2/3 -> F1 2/3
    #   EM 0 against both. max F1 = 0.8 -> 80 (the max is taken, not the mean 0.733)
    assert compute_squad(
        [pred("q1", "the Denver Broncos team")],
        [ref("q1", "Denver Broncos", "Broncos team members")],
    ) == pytest.approx({"exact_match": 0.0, "f1": 80.0})


def test_mean_over_questions_in_percent():
    references = [ref("q1", "Denver Broncos", "Broncos"), ref("q2", "1,600"), ref("q3", "in Lyon")]
    # given in another order than the references: matching is by id
    predictions = [pred("q3", "Lyon"), pred("q1", "Broncos"), pred("q2", "over 1,600")]
    # q1: "broncos" == gold 2 -> EM 1, F1 1
    # q2: "over 1600" vs "1600": EM 0; common 1, P 1/2, R 1 -> F1 2/3
    # q3: "lyon" vs "in lyon": EM 0; common 1, P 1, R 1/2 -> F1 2/3
    # EM = 100 * (1 + 0 + 0) / 3 = 33.33; F1 = 100 * (1 + 2/3 + 2/3) / 3 = 100 * 7/9 = 77.78
    scores = compute_squad(predictions, references)
    assert set(scores) == {"exact_match", "f1"}
    assert scores == pytest.approx({"exact_match": 100 / 3, "f1": 700 / 9})


def test_missing_prediction_counts_zero():
    # q1 right (EM 1, F1 1), q2 unanswered (0, 0) -> mean over 2 questions: 50, 50
    references = [ref("q1", "Lyon"), ref("q2", "Porto")]
    assert compute_squad([pred("q1", "Lyon")], references) == pytest.approx(
        {"exact_match": 50.0, "f1": 50.0}
    )


def test_unknown_prediction_id_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'q9'"):
        compute_squad([pred("q1", "Lyon"), pred("q9", "Lyon")], [ref("q1", "Lyon")])


@pytest.mark.parametrize(
    ("predictions", "references", "message"),
    [
        ([], [], "no references"),
        ([pred("q1", "Lyon")], [], "no references"),
        ([], [ref("q1", "Lyon")], "no predictions"),
        ([pred("q1", "a"), pred("q1", "b")], [ref("q1", "Lyon")], "'q1' appears more than once"),
        ([pred("q1", "Lyon")], [ref("q1", "Lyon"), ref("q1", "Lyon")], "'q1' appears more"),
        ([pred("q1", "Lyon")], [ref("q1")], "'q1' has no gold answer"),
    ],
)
def test_invalid_inputs_are_errors(predictions, references, message):
    with pytest.raises(ValueError, match=message):
        compute_squad(predictions, references)


# --- the package and the evaluate module ---------------------------------------------------------


def test_squad_metric_path_is_an_absolute_evaluate_module_folder():
    folder = Path(squad_metric_path())
    assert isinstance(squad_metric_path(), str)
    assert folder.is_absolute()
    # evaluate.load(folder) loads <folder>/<folder name>.py
    assert (folder / f"{folder.name}.py").is_file()
    assert (folder / "README.md").is_file()


def test_importing_the_metric_imports_no_hugging_face_library():
    code = (
        "import sys, tp_helpers.metrics\n"
        "print([m for m in ('evaluate', 'datasets') if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


# Runs in a fresh interpreter, so that the offline variables are set before huggingface_hub is
# imported (it reads them at import time). Every socket connection or DNS lookup is refused and
# recorded: the test then proves that no network access was even tried.
EVALUATE_SCRIPT = """
import json, os, socket, sys

attempts = []

def refuse(*args, **kwargs):
    attempts.append(repr(args[-1]) if args else "?")
    raise OSError("network access refused by the test")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import evaluate
from tp_helpers.metrics import squad_metric_path

cases = json.load(sys.stdin)
results = []
metric = evaluate.load(squad_metric_path())
for predictions, references in cases:
    results.append(metric.compute(predictions=predictions, references=references))

# a second load, from another working directory (the module now comes from evaluate's cache)
os.chdir(sys.argv[1])
again = evaluate.load(squad_metric_path())
predictions, references = cases[0]
results.append(again.compute(predictions=predictions, references=references))

def error_of(predictions, references):
    try:
        again.compute(predictions=predictions, references=references)
    except ValueError as exc:
        return str(exc)
    return None

gold = {"id": "q1", "answers": {"text": ["x"], "answer_start": [0]}}
errors = {
    "unknown id": error_of([{"id": "q9", "prediction_text": "x"}], [gold]),
    # evaluate pairs predictions and references row by row: it refuses unequal lengths itself
    "missing": error_of([{"id": "q1", "prediction_text": "x"}], [gold, dict(gold, id="q2")]),
    # with no prediction at all, evaluate drops every reference too: ours then refuses
    "empty": error_of([], [gold]),
}
print(json.dumps({"results": results, "errors": errors, "attempts": attempts}))
"""

EVALUATE_CASES = [
    # q1: "denver broncos team" vs "denver broncos": EM 0, F1 0.8 (P 2/3, R 1)
    # q2: "paris paris" vs "paris": EM 0, F1 2/3 (common 1, P 1/2, R 1)
    # q3: "1600" vs golds "1600" / "over 1600": EM 1, F1 1
    # EM = 100 * 1/3 = 33.33; F1 = 100 * (0.8 + 2/3 + 1) / 3 = 100 * (37/15) / 3 = 82.22
    (
        [pred("q1", "the Denver Broncos team"), pred("q2", "Paris Paris"), pred("q3", "1,600")],
        [ref("q1", "Denver Broncos"), ref("q2", "Paris"), ref("q3", "1600", "over 1,600")],
    ),
    # predictions in the other order: matched by id, q1 "paris" vs "lyon" (0, 0) and
    # q2 "porto" vs "porto" (1, 1) -> 50, 50 (matched by position it would be 0, 0)
    ([pred("q2", "Porto"), pred("q1", "Paris")], [ref("q1", "Lyon"), ref("q2", "Porto")]),
]
EVALUATE_EXPECTED = [
    {"exact_match": 100 / 3, "f1": 3700 / 45},
    {"exact_match": 50.0, "f1": 50.0},
]


@pytest.fixture(scope="module")
def through_evaluate(tmp_path_factory):
    """Run EVALUATE_SCRIPT once: offline, empty caches, in a directory of its own."""
    tmp = tmp_path_factory.mktemp("evaluate_offline")
    (tmp / "first").mkdir()
    (tmp / "second").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for var in OFFLINE_VARS:
            mp.setenv(var, "1")
        # fresh caches: evaluate copies the module afresh, and the user's cache stays untouched
        mp.setenv("HF_HOME", str(tmp / "hf"))
        for var in ("HF_MODULES_CACHE", "HF_METRICS_CACHE", "HF_EVALUATE_CACHE"):
            mp.delenv(var, raising=False)
        env = dict(os.environ)
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", EVALUATE_SCRIPT, str(tmp / "second")],
        input=json.dumps(EVALUATE_CASES),
        cwd=tmp / "first",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.monotonic() - start
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    report["elapsed"] = elapsed
    return report


def test_evaluate_load_gives_the_hand_worked_scores(through_evaluate):
    first, second, reloaded = through_evaluate["results"]
    for result, expected in zip([first, second], EVALUATE_EXPECTED):
        assert set(result) == {"exact_match", "f1"}
        assert all(0.0 <= value <= 100.0 for value in result.values())
        assert result == pytest.approx(expected)
    # loaded again from another working directory: same scores
    assert reloaded == first


def test_evaluate_load_equals_compute(through_evaluate):
    for result, (predictions, references) in zip(through_evaluate["results"], EVALUATE_CASES):
        assert result == pytest.approx(compute_squad(predictions, references), abs=1e-12)


def test_evaluate_module_raises_the_same_errors(through_evaluate):
    assert "'q9'" in through_evaluate["errors"]["unknown id"]


def test_evaluate_needs_one_prediction_per_reference(through_evaluate):
    # unlike compute_squad, evaluate cannot score an unanswered question: it stores predictions
    # and references as rows of one table, so their numbers must be equal
    assert "Mismatch in the number of predictions" in through_evaluate["errors"]["missing"]
    assert "no references given" in through_evaluate["errors"]["empty"]


def test_evaluate_load_makes_no_network_access(through_evaluate):
    # every connect/getaddrinfo was refused and recorded: none may have been tried
    assert through_evaluate["attempts"] == []
    # and nothing waited on a network timeout (a local load takes seconds, mostly imports)
    assert through_evaluate["elapsed"] < 120
