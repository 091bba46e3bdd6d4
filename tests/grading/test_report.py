"""grades.csv, feedback pages and the class summary (tp_helpers.grading.report)."""

from __future__ import annotations

import csv
import io
import re

from tp_helpers.grading.report import feedback_html, grades_csv, pass_rates, summary_html
from tp_helpers.grading.result import ExerciseResult, StudentResult, format_points

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
