"""Tests of tp_helpers.display on small real ``datasets.Dataset`` objects with the SQuAD schema."""

from __future__ import annotations

import html
import random
import re

import datasets
import pytest

from tp_helpers.display import AnswerView, RowsTable, show_answer, show_random_elements

SQUAD_FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "title": datasets.Value("string"),
        "context": datasets.Value("string"),
        "question": datasets.Value("string"),
        "answers": {
            "text": datasets.List(datasets.Value("string")),
            "answer_start": datasets.List(datasets.Value("int32")),
        },
    }
)

CONTEXT = "Super Bowl 50 was won by the Denver Broncos in 2016."
# "Denver Broncos" starts at 29, "Broncos" at 36.
ANSWERS = {"text": ["Denver Broncos", "Broncos"], "answer_start": [29, 36]}


def squad_dataset(n: int = 20, context: str = CONTEXT) -> datasets.Dataset:
    rows = {
        "id": [f"id{i}" for i in range(n)],
        "title": ["Super_Bowl_50"] * n,
        "context": [context] * n,
        "question": [f"Question {i}: which team won Super Bowl 50?" for i in range(n)],
        "answers": [ANSWERS] * n,
    }
    return datasets.Dataset.from_dict(rows, features=SQUAD_FEATURES)


@pytest.fixture
def dataset() -> datasets.Dataset:
    return squad_dataset()


# --------------------------------------------------------------------------- show_random_elements


def test_fixture_has_squad_schema(dataset):
    assert dataset.features["answers"]["answer_start"].feature.dtype == "int32"
    assert dataset[0]["answers"] == ANSWERS


def test_same_seed_gives_same_rows_whatever_the_global_random_state(dataset):
    random.seed(1)
    first = show_random_elements(dataset, num_examples=5, seed=42)
    random.seed(2)
    random.random()
    second = show_random_elements(dataset, num_examples=5, seed=42)
    assert isinstance(first, RowsTable)
    assert first.indices == second.indices
    assert first.rows == second.rows
    assert repr(first) == repr(second)
    assert first._repr_html_() == second._repr_html_()


def test_different_seeds_give_different_rows(dataset):
    chosen = {tuple(show_random_elements(dataset, 5, seed=seed).indices) for seed in range(5)}
    assert len(chosen) > 1


def test_rows_are_distinct_and_match_the_dataset(dataset):
    table = show_random_elements(dataset, num_examples=len(dataset), seed=0)
    assert sorted(table.indices) == list(range(len(dataset)))
    assert len({row["id"] for row in table.rows}) == len(dataset)
    for index, row in zip(table.indices, table.rows, strict=True):
        assert row == dataset[index]


def test_does_not_touch_the_global_random_state(dataset):
    random.seed(7)
    expected = random.random()
    random.seed(7)
    show_random_elements(dataset, 3, seed=1)
    show_random_elements(dataset, 3)
    assert random.random() == expected


@pytest.mark.parametrize("num_examples", [0, -1, 21])
def test_bad_num_examples_is_a_clear_error(dataset, num_examples):
    with pytest.raises(ValueError, match=r"the dataset has 20 rows: pass a num_examples between 1"):
        show_random_elements(dataset, num_examples=num_examples)


def test_html_escapes_every_cell():
    evil = 'Tom & Jerry <script>alert("x")</script> won.'
    dataset = squad_dataset(n=3, context=evil)
    page = show_random_elements(dataset, num_examples=2, seed=0)._repr_html_()
    assert "<script>" not in page
    assert html.escape(evil) in page
    assert "Tom &amp; Jerry &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; won." in page
    assert page.startswith("<table>") and page.endswith("</table>")
    assert page.count("<tr>") == 1 + 2  # header and two rows


def test_answers_are_readable_in_text_and_html(dataset):
    table = show_random_elements(dataset, num_examples=1, seed=3)
    text = str(table)
    assert '"Denver Broncos" @29' in text
    assert '"Broncos" @36' in text
    assert "answer_start" not in text and "{" not in text  # no raw dict
    # one answer per line, aligned under the first
    answer_lines = [line for line in text.splitlines() if "@" in line]
    assert len(answer_lines) == 2
    assert answer_lines[0].index('"') == answer_lines[1].index('"')
    page = table._repr_html_()
    assert "&quot;Denver Broncos&quot; @29\n&quot;Broncos&quot; @36" in page


def test_text_shows_long_contexts_whole_and_wrapped():
    words = [f"word{i}" for i in range(200)]
    dataset = squad_dataset(n=2, context=" ".join(words) + " " + CONTEXT)
    text = repr(show_random_elements(dataset, num_examples=1, seed=0))
    assert all(len(line) <= 100 for line in text.splitlines())
    assert all(word in text.split() for word in words)  # nothing was cut off


def test_class_label_columns_show_names():
    features = datasets.Features(
        {
            "sentence": datasets.Value("string"),
            "label": datasets.ClassLabel(names=["negative", "positive"]),
            "tags": datasets.List(datasets.ClassLabel(names=["O", "PER", "LOC"])),
        }
    )
    dataset = datasets.Dataset.from_dict(
        {"sentence": ["Ada went to Oslo."], "label": [1], "tags": [[1, 0, 0, 2]]}, features=features
    )
    table = show_random_elements(dataset, num_examples=1)
    assert table.rows[0]["label"] == "positive"
    assert table.rows[0]["tags"] == ["PER", "O", "O", "LOC"]
    assert "positive" in table._repr_html_()


# --------------------------------------------------------------------------- show_answer


def marks(page: str) -> list[str]:
    """The highlighted pieces of an AnswerView's HTML context, as ``title:text``."""
    context_html = page.split('<p style="white-space: pre-wrap">')[1].split("</p>")[0]
    found = re.findall(r'<mark style="[^"]*" title="([^"]*)">(.*?)</mark>', context_html, re.S)
    return [f"{title}:{text}" for title, text in found]


def test_gold_and_predicted_spans_are_highlighted():
    answers = {"text": ["Denver Broncos"], "answer_start": [29]}
    view = show_answer(CONTEXT, answers, predicted="2016", question="Who won?")
    assert isinstance(view, AnswerView)
    page = view._repr_html_()
    assert marks(page) == ["gold answer:Denver Broncos", "predicted answer:2016"]
    assert "<b>Question:</b> Who won?" in page
    assert "Legend:" in page
    assert repr(view) == (
        "Question: Who won?\n"
        "Context: Super Bowl 50 was won by the [[Denver Broncos]] in <<2016>>.\n"
        "Legend: [[gold answer]]  <<predicted answer>>"
    )


def test_predicted_span_as_character_offsets():
    view = show_answer(CONTEXT, predicted=(0, 13))
    assert marks(view._repr_html_()) == ["predicted answer:Super Bowl 50"]
    assert "Context: <<Super Bowl 50>> was won" in repr(view)


def test_overlapping_and_nested_spans():
    # two nested gold answers and a prediction that crosses the end of the longer one
    view = show_answer(CONTEXT, ANSWERS, predicted=(36, 46))
    assert marks(view._repr_html_()) == [
        "gold answer:Denver ",
        "both:Broncos",
        "predicted answer: in",
    ]
    assert "the [[Denver <<Broncos]] in>> 2016." in repr(view)


def test_prediction_equal_to_gold_is_shown_as_both():
    view = show_answer(CONTEXT, {"text": ["Broncos"], "answer_start": [36]}, predicted="broncos")
    assert marks(view._repr_html_()) == ["both:Broncos"]
    assert "Denver [[<<Broncos>>]] in" in repr(view)


def test_gold_as_list_of_single_answers():
    view = show_answer(CONTEXT, [{"text": "2016", "answer_start": 47}])
    assert marks(view._repr_html_()) == ["gold answer:2016"]


def test_prediction_text_search_is_case_sensitive_first():
    context = "the Bank and the bank"
    assert "<<bank>>" in repr(show_answer(context, predicted="bank"))
    assert "the <<Bank>> and" in repr(show_answer(context, predicted="BANK"))


def test_prediction_not_found_is_shown_below_the_context():
    view = show_answer(CONTEXT, ANSWERS, predicted="New England <Patriots>")
    page = view._repr_html_()
    assert marks(page) == ["gold answer:Denver Broncos"]
    assert (
        "Predicted answer &#x27;New England &lt;Patriots&gt;&#x27;: not found in context." in page
    )
    assert "<Patriots>" not in page
    assert "Predicted answer 'New England <Patriots>': not found in context." in repr(view)


def test_answer_view_escapes_the_context_and_question():
    context = "Tom & Jerry <script>x</script> won."
    view = show_answer(context, {"text": ["<script>"], "answer_start": [12]}, question="a<b?")
    page = view._repr_html_()
    assert "<script>" not in page
    assert "Tom &amp; Jerry " in page
    assert marks(page) == ["gold answer:&lt;script&gt;"]
    assert "a&lt;b?" in page


def test_wrong_gold_offset_is_an_error_naming_answer_and_offset():
    with pytest.raises(ValueError, match=r"'Denver Broncos' is not at answer_start=30"):
        show_answer(CONTEXT, {"text": ["Denver Broncos"], "answer_start": [30]})


def test_predicted_span_outside_the_context_is_an_error():
    with pytest.raises(ValueError, match="outside the context"):
        show_answer(CONTEXT, predicted=(40, 400))
