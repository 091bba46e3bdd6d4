"""Labels of the notebook's ``prepare_train_features`` at the edges of a window.

An answer sitting on a window's last context token is the case the seed (and the Hugging Face
example) mislabels: the loop moving ``token_start_index`` forward is not bounded by the context, so
it walks on through ``[SEP]`` and the padding. These tests run the notebook's own function with the
real tokenizer, at the offline windows and at 384/128, and check that the loop without the bound
fails them (so they would catch a regression).
"""

from __future__ import annotations

import pytest

from tp_helpers.datagen import EDGE_ROWS
from tp_helpers.metrics.squad import normalize_answer

from .conftest import SOLUTION
from .solution_code import PRELUDE, notebook_functions

BOUNDED = (
    "while token_start_index <= token_end_index and offsets[token_start_index][0] <= start_char:"
)
UNBOUNDED = (
    "while token_start_index < len(offsets) and offsets[token_start_index][0] <= start_char:"
)
WINDOWS = [(128, 32), (384, 128)]


@pytest.fixture(scope="module")
def prepare():
    return notebook_functions("prepare_train_features")["prepare_train_features"]


@pytest.fixture(scope="module")
def prepare_unbounded():
    """The notebook's function with the seed's unbounded loop put back."""
    import nbformat

    nb = nbformat.read(SOLUTION, as_version=4)
    cell = next(c for c in nb.cells if "def prepare_train_features" in c.source)
    assert cell.source.count(BOUNDED) == 1, "exercise 12's loop changed: update this test"
    namespace: dict = {}
    exec(PRELUDE, namespace)
    exec(cell.source.replace(BOUNDED, UNBOUNDED), namespace)
    return namespace["prepare_train_features"]


def _batch(rows):
    return {key: [row[key] for row in rows] for key in rows[0]}


def _row(context, answer, question="Where is it?"):
    start = context.rindex(answer)
    return {
        "id": "x",
        "title": "t",
        "context": context,
        "question": question,
        "answers": {"text": [answer], "answer_start": [start]},
    }


def _label_errors(prepare, rows, tokenizer, max_length, doc_stride):
    """Every feature whose label is wrong: a span that does not decode to the answer, a CLS label
    on a window holding the answer, or a span label on a window without it."""
    features = prepare(_batch(rows), tokenizer, max_length, doc_stride)
    mapping = tokenizer(
        [row["question"].lstrip() for row in rows],
        [row["context"] for row in rows],
        truncation="only_second",
        max_length=max_length,
        stride=doc_stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    errors = []
    for i, (start, end) in enumerate(zip(features["start_positions"], features["end_positions"])):
        row = rows[mapping["overflow_to_sample_mapping"][i]]
        answer = row["answers"]["text"][0]
        a_start = row["answers"]["answer_start"][0]
        context = [
            o for o, s in zip(mapping["offset_mapping"][i], mapping.sequence_ids(i)) if s == 1
        ]
        inside = context[0][0] <= a_start and context[-1][1] >= a_start + len(answer)
        ids = features["input_ids"][i]
        if start == end == 0:
            if inside:
                errors.append((i, "CLS although the answer is in the window"))
            continue
        decoded = tokenizer.decode(ids[start : end + 1]) if start <= end else ""
        expected = tokenizer.decode(tokenizer(answer, add_special_tokens=False)["input_ids"])
        if not inside or normalize_answer(decoded) != normalize_answer(expected):
            errors.append((i, f"labels ({start}, {end}) decode to {decoded!r}, not {answer!r}"))
    return errors


def test_answer_ending_the_context(prepare, prepare_unbounded, tokenizer):
    rows = [_row("The capital of France is Paris", "Paris", "What is the capital of France?")]
    assert _label_errors(prepare, rows, tokenizer, 32, 8) == []
    assert _label_errors(prepare_unbounded, rows, tokenizer, 32, 8)  # the seed's (31, 14)


@pytest.mark.parametrize("max_length, doc_stride", WINDOWS)
def test_answer_on_the_last_token_of_a_window(
    prepare, prepare_unbounded, tokenizer, max_length, doc_stride
):
    """A long context cut so that the answer is the last context token of window 0."""
    question = "Where did the painter live?"
    words = "one of the quiet streets near the old harbour was lined with small houses".split()
    budget = max_length - len(tokenizer(question)["input_ids"]) - 1  # context tokens of window 0
    filler = " ".join(words[k % len(words)] for k in range(budget - 1))  # one token per word
    context = f"{filler} Lyon and then the painter moved away again for a few more years."
    row = _row(context, "Lyon", question)
    encoded = tokenizer(
        question,
        context,
        max_length=max_length,
        truncation="only_second",
        return_overflowing_tokens=True,
        stride=doc_stride,
    )
    assert tokenizer.decode(encoded["input_ids"][0][-2:]) == "lyon [SEP]"  # the case is built
    assert _label_errors(prepare, [row], tokenizer, max_length, doc_stride) == []
    assert _label_errors(prepare_unbounded, [row], tokenizer, max_length, doc_stride)


@pytest.mark.parametrize("max_length, doc_stride", WINDOWS)
def test_offline_edge_rows_are_labelled(
    prepare, prepare_unbounded, offline_splits, tokenizer, max_length, doc_stride
):
    """The dataset's own edge rows: the notebook labels them right, the seed's loop does not."""
    for split, edges in EDGE_ROWS.items():
        wanted = [i for i, windows in edges.items() if windows in (None, (max_length, doc_stride))]
        rows = [offline_splits[split][i] for i in wanted]
        assert _label_errors(prepare, rows, tokenizer, max_length, doc_stride) == []
        for row in rows:
            assert _label_errors(prepare_unbounded, [row], tokenizer, max_length, doc_stride), row[
                "id"
            ]


def test_row_without_an_answer_is_labelled_cls_everywhere(prepare, offline_splits, tokenizer):
    """SQuAD v1.1 has no such row; exercise 09 must still label every window CLS and go on."""
    rows = [offline_splits["train"][i] for i in range(3)]
    rows[1] = dict(rows[1], answers={"text": [], "answer_start": []})
    features = prepare(_batch(rows), tokenizer, 128, 32)
    mapping = tokenizer(
        [row["question"].lstrip() for row in rows],
        [row["context"] for row in rows],
        truncation="only_second",
        max_length=128,
        stride=32,
        return_overflowing_tokens=True,
    )["overflow_to_sample_mapping"]
    labels = list(zip(features["start_positions"], features["end_positions"]))
    assert len(labels) == len(mapping)
    assert [label for label, row in zip(labels, mapping) if row == 1] == [(0, 0)] * mapping.count(1)
    assert any(label != (0, 0) for label, row in zip(labels, mapping) if row != 1)


def test_stored_outputs_show_no_stuck_progress_bar():
    """A bar stored mid-way (its text fallback reads ``0%|``) looks broken in any viewer."""
    import nbformat

    nb = nbformat.read(SOLUTION, as_version=4)
    text = nbformat.writes(nb)
    assert "0%|" not in text
    assert "widgets" not in nb.metadata
