"""The mistakes the lab's wording used to invite fail with a message naming the point (issue 24).

Three trials solving the student notebook from its text alone read "never past the last context
token" as a ``<`` bound (07, 12), and forgot the ``continue`` after exercise 09's CLS label. These
tests run the notebook's own cells with that one mistake put in, against the real tokenizer and
the offline data, and read what the student would see.
"""

from __future__ import annotations

import contextlib
import io

import nbformat
import numpy as np
import pytest

from tp_helpers.checks import tp7_qa as checks
from tp_helpers.checks.core import CheckFailed

from ..conftest import SOLUTION
from ..mutation.mutants import STOP_ON_LAST
from ..solution_code import PRELUDE

NO_SKIP = ("            continue\n", "")  # exercise 09's label appended, the loop body goes on
START_TEST = (  # every start one token early
    "and offsets[token_start_index][0] <= start_char:",
    "and offsets[token_start_index][0] < start_char:",
)
BOUND_POINT = "one token beyond the last context token (`token_end_index`)"


def _cell(marker: str) -> str:
    nb = nbformat.read(SOLUTION, as_version=4)
    (source,) = [c.source for c in nb.cells if c.cell_type == "code" and marker in c.source]
    return source


def _run(source: str, mistake: tuple[str, str] | None = None, **names) -> dict:
    """Execute a notebook cell (with ``mistake`` put in) quietly; return its namespace."""
    if mistake is not None:
        assert source.count(mistake[0]) == 1, "the solution changed: update this test"
        source = source.replace(*mistake)
    namespace = dict(names)
    exec(PRELUDE, namespace)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(source, namespace)
    return namespace


@pytest.fixture(scope="module")
def lab(offline_profile, tokenizer):
    """The notebook's own state before exercise 05: its slices, window sizes and long example."""
    from datasets import load_dataset

    train, validation = load_dataset(
        offline_profile.dataset,
        split=[offline_profile.train_split, offline_profile.validation_split],
    )
    names = dict(
        tokenizer=tokenizer,
        train_dataset=train,
        validation_dataset=validation,
        max_length=offline_profile.max_length,
        doc_stride=offline_profile.doc_stride,
    )
    names = _run(_cell("long_index = next("), **names)
    return _run(_cell("# --- START CODE HERE (04)"), **names)


def _failure(check, *args) -> str:
    with pytest.raises(CheckFailed) as failed:
        check(*args)
    return str(failed.value)


def _ex07(lab, mistake):
    state = _run(_cell("# --- START CODE HERE (07)"), mistake, **lab)
    return lambda: checks.ex07(
        state["labels"], lab["tokenized_long_example"], lab["long_example"], lab["tokenizer"]
    )


def _prepare(mistake=None):
    return _run(_cell("def prepare_train_features"), mistake)["prepare_train_features"]


def _ex12_checks(lab, prepare):
    args = (prepare, lab["tokenizer"], lab["train_dataset"])
    return (
        lambda: checks.ex12(*args, lab["max_length"], lab["doc_stride"]),
        lambda: checks.labels_hidden("12", *args, lab["validation_dataset"]),
    )


def test_ex07_names_the_bound_when_the_loop_stops_on_the_last_context_token(lab):
    _ex07(lab, None)()  # the solution passes
    text = _failure(_ex07(lab, STOP_ON_LAST))
    assert "Exercise 07: in feature 0" in text
    assert "(125, 126)" in text  # the answer is token 126, the last context token of feature 0
    assert BOUND_POINT in text and "one token early" in text


def test_ex07_start_test_mistake_keeps_the_general_advice(lab):
    text = _failure(_ex07(lab, START_TEST))
    assert "Exercise 07" in text and BOUND_POINT not in text
    assert "`<=` / `>=`" in text


def test_ex12_names_the_bound_in_the_visible_and_the_hidden_check(lab):
    for check in _ex12_checks(lab, _prepare()):
        check()
    for check in _ex12_checks(lab, _prepare(STOP_ON_LAST)):
        text = _failure(check)
        assert text.startswith("Exercise 12:") and BOUND_POINT in text


def test_ex12_start_test_mistake_keeps_the_general_advice(lab):
    visible, _ = _ex12_checks(lab, _prepare(START_TEST))
    text = _failure(visible)
    assert text.startswith("Exercise 12:") and BOUND_POINT not in text


def _no_answer_batch(lab) -> dict:
    rows = [dict(row) for row in lab["train_dataset"].select(range(3))]
    rows[1]["answers"] = {"text": [], "answer_start": []}
    return {key: [row[key] for row in rows] for key in rows[0]}


def test_ex09_missing_skip_fails_in_the_cell_naming_exercise_09(lab):
    """Run on a row without an answer, the given line after exercise 09 says what is missing."""
    batch = _no_answer_batch(lab)
    args = (lab["tokenizer"], lab["max_length"], lab["doc_stride"])
    features = _prepare()(dict(batch), *args)
    assert len(features["start_positions"]) == len(features["input_ids"])
    with pytest.raises(AssertionError) as failed:
        _prepare(NO_SKIP)(dict(batch), *args)
    assert not isinstance(failed.value, IndexError)
    assert str(failed.value).startswith("Exercise 09:") and "`continue`" in str(failed.value)


def test_ex09_missing_skip_fails_its_checks_naming_the_skip(lab):
    prepare = _prepare(NO_SKIP)
    args = (prepare, lab["tokenizer"], lab["train_dataset"], lab["max_length"], lab["doc_stride"])
    for check in (checks.ex09, checks.ex09_hidden):
        text = _failure(check, *args)
        assert text.startswith("Exercise 09: a row without an answer (its `answer_start` list is")
        assert "`continue` to the next feature" in text
        assert "your code raised" not in text


def test_n_best_positions_may_be_a_list_or_an_array():
    """Exercises 18, 24 and 27 say both are accepted."""
    rng = np.random.default_rng(0)
    start_logits, end_logits = rng.normal(size=64), rng.normal(size=64)
    best = np.argsort(start_logits)[::-1][:20], np.argsort(end_logits)[::-1][:20]
    for as_given in (np.asarray, list):
        start_indexes, end_indexes = as_given(best[0]), as_given(best[1])
        with contextlib.redirect_stdout(io.StringIO()):
            for check in (checks.ex18, checks.ex24):
                check(start_indexes, end_indexes, start_logits, end_logits, 20)
            candidates = [
                (start_logits[s] + end_logits[e], s, e)
                for s in start_indexes
                for e in end_indexes
                if s <= e
            ]
            checks.ex19(candidates, start_indexes, end_indexes)


def test_postprocessing_accepts_array_positions(lab):
    """Exercise 27 with NumPy arrays (no ``.tolist()``) passes the checks of 27 to 29."""
    names = _run(_cell("def prepare_validation_features"))
    validation = lab["validation_dataset"]
    features = validation.map(
        names["prepare_validation_features"],
        fn_kwargs=dict(
            tokenizer=lab["tokenizer"], max_length=lab["max_length"], doc_stride=lab["doc_stride"]
        ),
        batched=True,
        remove_columns=validation.column_names,
    )
    source = _cell("def postprocess_qa_predictions")
    assert source.count(".tolist()") == 2, "exercise 27 changed: update this test"
    post = _run(source.replace(".tolist()", ""))["postprocess_qa_predictions"]
    with contextlib.redirect_stdout(io.StringIO()):
        for exercise in ("27", "28", "29"):
            getattr(checks, f"ex{exercise}")(post, validation, features)
            checks.postprocess_hidden(exercise, post, validation, features)
