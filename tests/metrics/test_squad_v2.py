"""SQuAD v2.0 metric: worked examples computed by hand, and the official script's rules."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tp_helpers.metrics import compute_squad_v2, squad, squad_v2, squad_v2_metric_path
from tp_helpers.profiles import OFFLINE_ENV_VARS

NO_ANSWER = {"text": [], "answer_start": []}


def pred(qid, text, probability=None):
    row = {"id": qid, "prediction_text": text}
    if probability is not None:
        row["no_answer_probability"] = probability
    return row


def ref(qid, *golds):
    return {"id": qid, "answers": {"text": list(golds), "answer_start": [0] * len(golds)}}


# Three answerable (a1-a3), two unanswerable (n1, n2) questions.
MIXED = (
    [
        pred("a1", "in Lyon", 0.1),  # matches the third gold: exact 1, F1 1
        pred("a2", "25 April", 0.4),  # partial overlap, below
        pred("a3", "", 0.9),  # abstains on an answerable question: 0, 0
        pred("n1", "", 0.7),  # abstains on an unanswerable question: 1, 1
        pred("n2", "Porto", 0.5),  # answers an unanswerable question: 0, 0
    ],
    [
        ref("a1", "Lyon", "Lyon", "in Lyon"),
        ref("a2", "April 25, 1961"),
        ref("a3", "the cello"),
        {"id": "n1", "answers": NO_ANSWER},
        {"id": "n2", "answers": NO_ANSWER},
    ],
)


def test_a_mix_of_answerable_and_unanswerable_questions():
    result = compute_squad_v2(*MIXED)
    # a2: "25 april" vs "april 25 1961": 2 common words, precision 2/2, recall 2/3,
    #     F1 = 2 * 1 * (2/3) / (1 + 2/3) = (4/3) / (5/3) = 0.8; exact 0.
    # exact = (1 + 0 + 0 + 1 + 0) / 5 = 40 %; f1 = (1 + 0.8 + 0 + 1 + 0) / 5 = 56 %
    # HasAns (a1-a3): exact 1/3, f1 1.8/3 = 60 %; NoAns (n1, n2): 1/2 on both
    assert result == pytest.approx(
        {
            "exact": 40.0,
            "f1": 56.0,
            "total": 5,
            "HasAns_exact": 100 / 3,
            "HasAns_f1": 60.0,
            "HasAns_total": 3,
            "NoAns_exact": 50.0,
            "NoAns_f1": 50.0,
            "NoAns_total": 2,
            # sorted by probability: a1 0.1, a2 0.4, n2 0.5, n1 0.7, a3 0.9; start from
            # "abstain on all" = 2 right (n1, n2). exact: a1 +1 -> 3 (best, at 0.1), a2 +0,
            # n2 -1 (its text is not empty) -> 2, n1 +0, a3 +0: best 3/5 = 60 % at 0.1.
            "best_exact": 60.0,
            "best_exact_thresh": 0.1,
            # f1: a1 +1 -> 3, a2 +0.8 -> 3.8 (best, at 0.4), n2 -1 -> 2.8, n1, a3 +0:
            # best 3.8/5 = 76 % at 0.4.
            "best_f1": 76.0,
            "best_f1_thresh": 0.4,
        }
    )
    assert list(result) == [  # evaluate's squad_v2 order
        "exact",
        "f1",
        "total",
        "HasAns_exact",
        "HasAns_f1",
        "HasAns_total",
        "NoAns_exact",
        "NoAns_f1",
        "NoAns_total",
        "best_exact",
        "best_exact_thresh",
        "best_f1",
        "best_f1_thresh",
    ]


def test_the_threshold_abstains_strictly_above_it():
    # at 0.4 (best_f1_thresh) n2, n1 and a3 (0.5, 0.7, 0.9) are abstained: n2 becomes right,
    # f1 = (1 + 0.8 + 0 + 1 + 1) / 5 = 76 %, best_f1 itself; exact = 3/5 = 60 %
    at_best = compute_squad_v2(*MIXED, no_answer_threshold=0.4)
    assert (at_best["exact"], at_best["f1"]) == pytest.approx((60.0, 76.0))
    assert at_best["NoAns_exact"] == 100.0
    # at 0.5 n2's probability is not above the threshold: it keeps "Porto" and scores 0 again
    at_n2 = compute_squad_v2(*MIXED, no_answer_threshold=0.5)
    assert (at_n2["exact"], at_n2["f1"]) == pytest.approx((40.0, 56.0))
    # at 0.0 everything is abstained: only the two unanswerable questions are right
    nothing = compute_squad_v2(*MIXED, no_answer_threshold=0.0)
    assert (nothing["exact"], nothing["f1"], nothing["HasAns_f1"]) == (40.0, 40.0, 0.0)


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("", 100.0),  # the empty prediction is the right answer
        ("  ", 100.0),
        ("The.", 100.0),  # nothing left after normalisation: the same as empty
        ("Lyon", 0.0),  # any word: wrong
    ],
)
def test_an_unanswerable_question_is_answered_by_the_empty_string(text, score):
    result = compute_squad_v2([pred("n", text)], [{"id": "n", "answers": NO_ANSWER}])
    assert (result["exact"], result["f1"]) == (score, score)
    assert (result["NoAns_exact"], result["NoAns_total"]) == (score, 1)
    assert "HasAns_exact" not in result  # no answerable question: the group is left out


def test_f1_of_empty_answers_differs_from_v1():
    # v2.0: two empty answers agree (1); v1.1 counts common words and finds none (0)
    assert squad_v2.f1("", "") == 1.0 and squad.f1("", "") == 0.0
    assert squad_v2.f1("", "Lyon") == 0.0 == squad_v2.f1("Lyon", "")
    assert squad_v2.f1("the Lyon", "Lyon") == 1.0
    # one normalisation in the project
    assert squad_v2.normalize_answer is squad.normalize_answer


def test_golds_that_normalise_to_nothing_are_dropped():
    assert squad_v2.gold_answers({"text": ["The", "Lyon"]}) == ["Lyon"]
    assert squad_v2.gold_answers({"text": []}) == [""]
    # a question whose only gold is "The" has an answer (HasAns), scored against [""]
    result = compute_squad_v2([pred("q", "")], [ref("q", "The")])
    assert (result["HasAns_exact"], result["HasAns_total"]) == (100.0, 1)


def test_abstaining_on_everything_can_be_best():
    # a1 answered wrongly at 0.2, n1 answered at 0.3. Start 1 (n1 right when abstained);
    # a1 +0 -> 1 (not above 1), n1 -1 -> 0: best 1/2 = 50 % at the initial 0.0
    result = compute_squad_v2(
        [pred("a1", "Porto", 0.2), pred("n1", "Lyon", 0.3)],
        [ref("a1", "Lyon"), {"id": "n1", "answers": NO_ANSWER}],
    )
    assert (result["best_exact"], result["best_exact_thresh"]) == (50.0, 0.0)
    assert (result["best_f1"], result["best_f1_thresh"]) == (50.0, 0.0)
    # both answered wrongly at the default threshold (never abstain): 0 %
    assert (result["exact"], result["f1"]) == (0.0, 0.0)


def test_equal_probabilities_are_taken_in_the_predictions_order():
    # As the official script (a stable sort over the predictions): a1 right, n1 answered, both
    # at 0.5. a1 first: 1 + 1 = 2 (best, at 0.5), then n1 -1 -> 1: 100 %. n1 first: 1 - 1 = 0,
    # then a1 +1 -> 1, never above the start: 50 % at 0.0.
    references = [ref("a1", "Lyon"), {"id": "n1", "answers": NO_ANSWER}]
    a1, n1 = pred("a1", "Lyon", 0.5), pred("n1", "Porto", 0.5)
    first = compute_squad_v2([a1, n1], references)
    second = compute_squad_v2([n1, a1], references)
    assert (first["best_f1"], first["best_f1_thresh"]) == (100.0, 0.5)
    assert (second["best_f1"], second["best_f1_thresh"]) == (50.0, 0.0)


def test_the_sweep_tests_the_raw_prediction_text():
    # The official find_best_thresh asks whether the predicted *text* is empty: "The" scores
    # exact 1 on an unanswerable question, yet answering it costs 1 in the sweep. Start 1; n1
    # at 0.2: 1 - 1 = 0; best 1/1 = 100 % at 0.0 (the same total as the plain exact).
    result = compute_squad_v2([pred("n1", "The", 0.2)], [{"id": "n1", "answers": NO_ANSWER}])
    assert (result["exact"], result["best_exact"], result["best_exact_thresh"]) == (
        100.0,
        100.0,
        0.0,
    )


def test_no_answer_probability_defaults_to_zero():
    # as the official script without a probability file: every question at 0.0, the sweep
    # answers them in order: a1 +1 -> 2 (best, at 0.0), n1 "" +0 -> 2
    result = compute_squad_v2(
        [pred("a1", "Lyon"), pred("n1", "")],
        [ref("a1", "Lyon"), {"id": "n1", "answers": NO_ANSWER}],
    )
    assert result["exact"] == result["best_exact"] == 100.0
    assert result["best_exact_thresh"] == 0.0


@pytest.mark.parametrize(
    ("predictions", "references", "message"),
    [
        ([pred("q1", "x")], [], "no references given"),
        ([], [ref("q1", "x")], "no predictions given"),
        ([pred("q1", "x"), pred("q1", "y")], [ref("q1", "x")], "prediction id 'q1' appears"),
        ([pred("q1", "x")], [ref("q1", "x"), ref("q1", "y")], "reference id 'q1' appears"),
        ([pred("q9", "x")], [ref("q1", "x")], "prediction id 'q9' matches no reference"),
        (
            [pred("q1", "x")],
            [ref("q1", "x"), {"id": "q2", "answers": NO_ANSWER}],
            "reference id 'q2' has no prediction",
        ),
    ],
)
def test_invalid_inputs_are_errors_naming_the_id(predictions, references, message):
    with pytest.raises(ValueError, match=message):
        compute_squad_v2(predictions, references)


# --- the evaluate module ---------------------------------------------------------------------


def test_squad_v2_metric_path_is_an_evaluate_module_folder():
    folder = Path(squad_v2_metric_path())
    assert folder.is_absolute() and (folder / f"{folder.name}.py").is_file()
    assert (folder / "README.md").is_file()


EVALUATE_SCRIPT = """
import json, socket, sys

def refuse(*args, **kwargs):
    raise OSError("network access refused by the test")

socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import evaluate
from tp_helpers.metrics import squad_v2_metric_path

metric = evaluate.load(squad_v2_metric_path())
results = [
    metric.compute(predictions=predictions, references=references, **options)
    for predictions, references, options in json.load(sys.stdin)
]
try:
    metric.compute(predictions=[{"id": "x", "prediction_text": "", "no_answer_probability": 0.0}],
                   references=[{"id": "y", "answers": {"text": [], "answer_start": []}}])
    error = None
except ValueError as exc:
    error = str(exc)
print(json.dumps({"results": results, "error": error}))
"""

# 0.3 has no exact float32 value: stored as float64, the threshold comes back as 0.3
README_CASE = (
    [pred("q1", "in Lyon", 0.1), pred("q2", "", 0.8), pred("q3", "Porto", 0.3)],
    [ref("q1", "Lyon"), {"id": "q2", "answers": NO_ANSWER}, {"id": "q3", "answers": NO_ANSWER}],
)
EVALUATE_CASES = [
    (*MIXED, {}),
    (*MIXED, {"no_answer_threshold": 0.4}),
    (*README_CASE, {}),
    (README_CASE[0][:2] + [pred("q3", "Porto", 0.3)], README_CASE[1], {"no_answer_threshold": 0.3}),
]


@pytest.fixture(scope="module")
def through_evaluate(tmp_path_factory):
    """The cases through ``evaluate.load``, offline, with fresh caches, in a child process."""
    tmp = tmp_path_factory.mktemp("evaluate_v2")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_MODULES", "HF_METRICS"))}
    env.update({var: "1" for var in OFFLINE_ENV_VARS}, HF_HOME=str(tmp / "hf"))
    out = subprocess.run(
        [sys.executable, "-c", EVALUATE_SCRIPT],
        input=json.dumps(EVALUATE_CASES),
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_evaluate_load_gives_the_plain_functions_numbers(through_evaluate):
    for result, (predictions, references, options) in zip(
        through_evaluate["results"], EVALUATE_CASES
    ):
        assert result == compute_squad_v2(predictions, references, **options)
    readme = through_evaluate["results"][2]
    # the README's example: 33.33 / 55.56; best exact 66.67 at 0.0, best f1 88.89 at 0.1
    assert readme["exact"] == pytest.approx(100 / 3) and readme["f1"] == pytest.approx(500 / 9)
    assert (readme["best_f1_thresh"], readme["best_exact_thresh"]) == (0.1, 0.0)
    assert readme["best_f1"] == pytest.approx(800 / 9)


def test_evaluate_module_raises_the_same_errors(through_evaluate):
    assert "prediction id 'x' matches no reference" in through_evaluate["error"]
