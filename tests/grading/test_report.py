"""grades.csv, feedback pages and the class summary (tp_helpers.grading.report)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tp_helpers.grading.model.result import STATUSES, ExerciseResult, StudentResult, format_points
from tp_helpers.grading.report import (
    STATUS_WORDS,
    feedback_html,
    graded_date,
    grades_csv,
    pass_rates,
    score_histogram,
    summary_html,
)

from . import students as S


def make(student_id, status="ok", passed=(True, True), hint="", reason=""):
    exercises = [
        ExerciseResult(
            "01", 1.0 if passed[0] else 0.0, 1.0, passed[0], hint if not passed[0] else ""
        ),
        ExerciseResult("02", 2.5 if passed[1] else 0.0, 2.5, passed[1], ""),
    ]
    score = sum(e.points for e in exercises)
    return StudentResult(student_id, status, reason, exercises, score, 3.5)


def test_csv_columns_and_rows():
    results = [
        make("b", passed=(False, True)),
        make("a"),
        make("c", status="invalid_notebook", passed=(False, False), reason="not\na notebook"),
    ]
    rows = list(csv.reader(io.StringIO(grades_csv(results))))
    assert rows[0] == ["student_id", "status", "score", "max_score", "ex01", "ex02", "reason"]
    assert rows[1:] == [
        ["a", "ok", "3.5", "3.5", "1", "2.5", ""],
        ["b", "ok", "2.5", "3.5", "0", "2.5", ""],
        ["c", "invalid_notebook", "0", "3.5", "0", "0", "not a notebook"],
    ]


def test_class_csv_lists_every_student_in_notebook_order(graded_class):
    text = (graded_class.out_dir / "grades.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "student_id",
        "status",
        "score",
        "max_score",
        "ex01",
        "ex02",
        "ex03",
        "ex04",
        "reason",
    ]
    assert [row["student_id"] for row in rows] == sorted(row["student_id"] for row in rows)
    assert len(rows) == 14
    by_id = {row["student_id"]: row for row in rows}
    assert by_id["shared-cell-03-wrong"]["score"] == "7"
    assert by_id["kernel-killed-at-04"]["status"] == "kernel_died"
    assert all("\n" not in row["reason"] for row in rows)


def test_feedback_escapes_text_and_shows_marks():
    result = make("<eve>", passed=(False, True), hint="got <b>1</b> & more")
    result.notes = ["cell 9 (given code) failed: NameError: name '<x>' is not defined"]
    page = feedback_html(result)
    assert "<li>cell 9 (given code) failed: NameError: name &#x27;&lt;x&gt;&#x27;" in page
    assert "feedback/%3Ceve%3E.html" in summary_html([result])
    assert "&lt;eve&gt;" in page and "<eve>" not in page
    assert "got &lt;b&gt;1&lt;/b&gt; &amp; more" in page
    assert page.count("✓") == 1 and page.count("✗") == 1
    assert "0 / 1" in page and "2.5 / 2.5" in page


def test_feedback_holds_hints_and_no_hidden_test_source(graded_class, tiny_source):
    failing = [
        "untouched-stub",
        "shared-cell-02-wrong",
        "region-01-raises",
        "cell-04-sleeps",
        "markers-03-deleted",
        "kernel-killed-at-04",
        "not-json",
    ]
    pages = {s: (graded_class.out_dir / "feedback" / f"{s}.html").read_text() for s in failing}
    assert "the mean of [1, 2, 6] should be 3, got 9" in pages["shared-cell-02-wrong"]
    assert "ValueError: boom" in pages["region-01-raises"]
    assert "timed out after" in pages["cell-04-sleeps"]
    hidden = S.hidden_test_lines(S.read(S.TINY_LAB))
    assert len(hidden) == 4 and sorted(hidden) == sorted(tiny_source.hidden_lines)
    everything = [*pages.values(), (graded_class.out_dir / "summary.html").read_text()]
    for result in graded_class.results:
        everything.append(str(result.to_dict()))
    for page in everything:
        for line in hidden:
            assert line not in page
            assert line.replace('"', "&quot;") not in page
        assert "Traceback" not in page


def test_summary_counts_spread_and_lowest_pass_rates_first():
    results = [
        make("a"),
        make("b", passed=(False, True)),
        make("c", passed=(False, True)),
        make("d", status="kernel_died", passed=(True, False)),
    ]
    assert pass_rates(results) == {"01": 0.5, "02": 0.75}
    page = summary_html(results)
    assert re.search(r"<td>ok</td><td class='num'>3</td>", page)
    assert re.search(r"<td>kernel_died</td><td class='num'>1</td>", page)
    assert "min 1, median 2.5, max 3.5" in page
    chart = page[page.index("Pass rate") : page.index("Students")]
    assert chart.index("ex01") < chart.index("ex02")  # lowest first
    assert "width: 50.0%" in chart and "width: 75.0%" in chart
    low = summary_html([make("a", passed=(False, True)), make("b", passed=(False, True))])
    assert "<tr class='low'><td>ex01</td>" in low


def test_class_summary_page(graded_class):
    page = (graded_class.out_dir / "summary.html").read_text()
    assert "14 student(s)" in page
    assert re.search(r"<td>invalid_notebook</td><td class='num'>1</td>", page)
    assert "feedback/untouched-stub.html" in page


def test_format_points():
    assert [format_points(x) for x in (3.0, 1.5, 0, 2.25)] == ["3", "1.5", "0", "2.25"]


# --- what the pages say ---------------------------------------------------------------------------

LAB = "TP7 · Extractive question answering with a pretrained transformer"
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def titled(student_id="ada", status="ok", **fields):
    """A result of the TP7 lab as the pipeline now writes it: lab, date and exercise titles."""
    exercises = [
        ExerciseResult("05", 1.0, 1.0, True, "", "First context token"),
        ExerciseResult(
            "06", 0.0, 1.0, False, "the end token should be 171, got 12", "Last context token"
        ),
        ExerciseResult("07", 0.0, 2.0, False, "not graded", ""),
    ]
    result = StudentResult(student_id, status, "", exercises, 1.0, 4.0, lab=LAB)
    result.graded_at = "2026-12-02T14:03:27+00:00"
    for name, value in fields.items():
        setattr(result, name, value)
    return result


def text_of(page: str) -> str:
    """The page's text, tags removed and spaces folded: what a reader sees, roughly."""
    body = page[page.index("<body>") :]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_feedback_names_the_lab_the_date_the_student_and_each_exercise():
    page = feedback_html(titled(name="Ada Lovelace"))
    assert f"<h1>{LAB}</h1>" in page
    seen = text_of(page)
    assert "Graded on 2 December 2026" in seen
    assert "Student: Ada Lovelace (ada)" in seen
    assert "Score: 1 / 4 points" in seen and "1 of 3 exercises passed" in seen
    assert "05 · First context token 1 / 1 ✓ passed" in seen
    assert "06 · Last context token 0 / 1 ✗ failed the end token should be 171, got 12" in seen
    assert "07 0 / 2 ✗ failed not graded" in seen  # no title: the id alone, no dangling dot
    assert "<pre class='hint'>the end token should be 171, got 12</pre>" in page
    assert "Status:" not in seen and "late" not in seen.lower()


def test_feedback_of_an_old_result_file_without_the_new_fields():
    old = make("bob", passed=(False, True), hint="got 2").to_dict()
    for name in ("lab", "graded_at", "platform", "name", "late", "feedback_name"):
        old.pop(name)
    for exercise in old["exercises"]:
        exercise.pop("title")
    page = feedback_html(StudentResult.from_dict(old))
    assert "<h1>Feedback</h1>" in page and "Graded on" not in page
    seen = text_of(page)
    assert "Student: bob" in seen and "01 0 / 1 ✗ failed got 2" in seen


@pytest.mark.parametrize("status", [s for s in STATUSES if s != "ok"])
def test_feedback_says_each_status_in_words_with_the_reason(status):
    result = titled(status=status, reason="the cell of exercise 06 did something")
    seen = text_of(feedback_html(result))
    words = STATUS_WORDS[status]
    assert f"Status: {status} {words[:1].upper()}{words[1:]}." in seen
    assert "Reason: the cell of exercise 06 did something" in seen


def test_status_words_cover_every_status():
    assert set(STATUS_WORDS) == set(STATUSES)
    assert all(words and "scored 0" in words for s, words in STATUS_WORDS.items() if s != "ok")
    assert "ran past" in STATUS_WORDS["timeout"] and "memory" in STATUS_WORDS["memory"]


def test_feedback_says_when_the_platform_marked_it_late():
    seen = text_of(feedback_html(titled(late=True, platform="canvas")))
    assert "Late: Canvas marked this submission late." in seen
    assert "Late: the platform marked this submission late." in text_of(
        feedback_html(titled(late=True))
    )
    assert "class='late'" not in feedback_html(titled(platform="moodle"))


@pytest.mark.parametrize(
    "stamp, shown",
    [
        ("2026-12-02T14:03:27+00:00", "2 December 2026"),
        ("2026-12-02T14:03:27Z", "2 December 2026"),
        ("2027-01-01T01:30:00+02:00", "31 December 2026"),  # the date in UTC, as stored
        ("2026-03-09", "9 March 2026"),
        ("", ""),
        ("last Tuesday", "last Tuesday"),  # a hand-edited file still renders
    ],
)
def test_graded_date(stamp, shown):
    assert graded_date(stamp) == shown


def test_text_from_students_and_runs_is_escaped_everywhere():
    result = titled(student_id="eve", name=f"Eve {SCRIPT}", lab=f"Lab {SCRIPT}", late=True)
    result.platform = f"p{SCRIPT}"
    result.status, result.reason = "tampered", f"edited {SCRIPT}"
    result.exercises[0].title = f"Title {SCRIPT}"
    result.exercises[1].hint = f"hint {SCRIPT} & <b>"
    result.graded_at = f"2026 {SCRIPT}"
    result.notes = [f"note {SCRIPT}"]
    for page in (feedback_html(result), summary_html([result])):
        assert "<script" not in page
        assert ESCAPED_SCRIPT in page
    page = feedback_html(result)
    for text in ("Title ", "Eve ", "Lab ", "edited ", "hint ", "note "):
        assert f"{text}{ESCAPED_SCRIPT}" in page, text
    assert f"hint {ESCAPED_SCRIPT} &amp; &lt;b&gt;</pre>" in page
    summary = summary_html([result])
    for text in ("Title ", "Eve ", "Lab "):
        assert f"{text}{ESCAPED_SCRIPT}" in summary, text


def test_pages_are_single_self_contained_files():
    results = [titled(), titled("bob", status="timeout", name="Bob", late=True)]
    for page in (feedback_html(results[0]), feedback_html(results[1]), summary_html(results)):
        assert page.startswith("<!DOCTYPE html>")
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        lowered = page.lower()
        for fetching in ("src=", "href=http", "href='http", 'href="http', "@import", "url("):
            assert fetching not in lowered, fetching
        assert "<link" not in lowered and "<script" not in lowered
        assert page.count("<style>") == 1
    links = re.findall(r"href='([^']*)'", summary_html(results))
    assert links == ["feedback/ada.html", "feedback/bob.html"]  # relative, to the pages beside


def test_histogram_one_bin_per_point_up_to_40_points():
    bins = score_histogram([0, 1, 1.5, 3, 3.5, 9.99, 10, 10], 10)
    assert [b.label for b in bins] == [str(n) for n in range(11)]
    assert [b.count for b in bins] == [1, 2, 0, 2, 0, 0, 0, 0, 0, 1, 2]
    assert bins[1].title == "1 point: 2 students" and bins[9].title == "9 points: 1 student"
    assert len(score_histogram([], 40)) == 41
    assert [b.count for b in score_histogram([3.5, 3.5], 3.5)] == [0, 0, 0, 2]


def test_histogram_about_20_bins_above_40_points():
    bins = score_histogram([0, 4.9, 5, 50, 99, 100], 100)
    assert len(bins) == 20 and all(b.high - b.low == 5 for b in bins)
    assert [bins[i].count for i in (0, 1, 10, 19)] == [2, 1, 1, 2] and sum(
        b.count for b in bins
    ) == 6
    assert bins[0].label == "0–4" and bins[-1].label == "95–100"
    assert bins[0].title == "0 to under 5 points: 2 students"
    assert bins[-1].title == "95 to 100 points: 2 students"
    odd = score_histogram([41, 40.5, 0], 41)  # 3-point bins, the last one ends at the top
    assert len(odd) == 14 and (odd[-1].low, odd[-1].high, odd[-1].count) == (39, 41, 2)


def test_summary_shows_the_lab_a_histogram_titles_and_names():
    results = [
        titled("a"),
        titled("b", name="Bea"),
        titled("c", status="memory"),
    ]
    results[2].score = 4.0
    page = summary_html(results)
    assert f"<h1>{LAB}</h1>" in page and "graded on 2 December 2026" in page
    bars = re.findall(r"<g class='bin' role='img' aria-label='([^']*)' data-count='(\d+)'>", page)
    assert [int(count) for _, count in bars] == [0, 2, 0, 0, 1]
    assert bars[1][0] == "1 point: 2 students"
    assert page.count("<text class='count'") == 2  # a count on each bar that has students
    assert "score (points)" in page and ">students</text>" in page  # the axes' labels
    seen = text_of(page)
    assert "ex06 Last context token" in seen and "ex05 First context token" in seen
    assert "<th>name</th>" in page and "<td class='name'>Bea</td>" in page
    assert "memory 1 a cell or a check used more memory" in seen  # statuses explained
    assert "<th>name</th>" not in summary_html([titled("a")])
    assert "<th>title</th>" not in summary_html([make("a")])  # an old run: no titles


def test_histogram_axis_labels_do_not_crowd():
    def ticks(max_score: float) -> list[str]:
        page = summary_html([StudentResult("a", "ok", "", [], 0.0, max_score)])
        return re.findall(r"<text class='tick'[^>]*text-anchor='middle'[^>]*>([^<]*)<", page)

    assert ticks(10) == [str(n) for n in range(11)]  # under each one-point bar
    assert ticks(100) == [str(n) for n in range(0, 101, 10)]  # at the edges of 5-point bars
    assert ticks(31) == [*(str(n) for n in range(0, 29, 2)), "31"]  # not 30 next to 31
