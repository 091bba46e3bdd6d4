"""The feedback page and the summary with adjustments and late penalties, in headless Chromium
at desktop and phone width; on a phone, each exercise's title gets the card's whole width (it
used to wrap one word per line beside the points). Screenshots go to the test's folder."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tp_helpers.grading.model.result import ExerciseResult, StudentResult
from tp_helpers.grading.report import write_reports
from tp_helpers.grading.week.adjustments import read_adjustments
from tp_helpers.grading.week.course import read_course
from tp_helpers.grading.week.final import Week, attach

from .test_report_browser import DESKTOP, EXERCISES, LAB, PHONE, browser, shots  # noqa: F401

PARIS = ZoneInfo("Europe/Paris")
DUE = datetime(2026, 12, 1, 23, 59, tzinfo=PARIS)


def week_class(tmp_path) -> list[StudentResult]:
    course = tmp_path / "course.toml"
    course.write_text(
        'timezone = "Europe/Paris"\n[late]\ngrace = "15m"\npenalty = "10%"\ncap = "30%"\n'
        "[labs.tp7_qa]\npoints = 30\ndue = 2026-12-01T23:59:00\n"
        '[[extensions]]\nstudent = "s002"\ndue = 2026-12-04T23:59:00\n'
        'reason = "medical certificate"\n'
    )
    (tmp_path / "adjustments.csv").write_text(
        "student,exercise,action,points,comment,who,when\n"
        "s001,06,set,3,Your loop over the offsets is right: the check expected the solution's "
        "off-by-one convention. Full points given by hand.,TA Lina,2026-12-03\n"
        "s003,total,add,1,Regrade request granted: the wording of exercise 08 was ambiguous,"
        "Prof. Martin,2026-12-04\n"
    )
    results = []
    for number, late in enumerate((timedelta(days=1, hours=3), timedelta(days=2), None, None)):
        exercises = [
            ExerciseResult(
                f"{i:02d}", float(p) if i % 3 else 0.0, float(p), bool(i % 3),
                "" if i % 3 else f"Exercise {i:02d}: the check failed (got 0, expected 1)", title,
            )
            for i, (title, p) in enumerate(EXERCISES, start=1)
        ]  # fmt: skip
        results.append(
            StudentResult(
                f"s{number + 1:03d}", "ok", "", exercises, sum(e.points for e in exercises), 30.0,
                lab=LAB, graded_at="2026-12-02T14:03:27+00:00", platform="blackboard",
                submitted_at=(DUE + late).isoformat() if late else "",
                submitted_from="Blackboard's attempt time",
            )
        )  # fmt: skip
    week = Week(read_course(course), "", read_adjustments(tmp_path / "adjustments.csv"))
    attach(results, week)
    return results


def test_feedback_and_summary_with_the_parts_of_the_grade(browser, shots, tmp_path):  # noqa: F811
    out = tmp_path / "grades"
    write_reports(out, week_class(tmp_path))
    page = out / "feedback" / "s001.html"
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        browser.show(page, size)
        parts = browser.texts(".grade-parts th.part")
        assert parts == [
            "Automatic score", "Adjustment: exercise 06 set to 3 points", "Late penalty",
            "Final grade",
        ]  # fmt: skip
        assert "TA Lina" in browser.texts(".grade-parts")[0]
        assert browser.scroll_width() <= size[0]
        browser.screenshot(shots / f"feedback-{name}.png")
    # on a phone the title spans the card: as wide as the row, not a third of it
    widths = browser.js(
        "return Array.from(document.querySelectorAll('table.exercises tbody tr'), tr => "
        "[tr.querySelector('th.ex').getBoundingClientRect().width, "
        "tr.getBoundingClientRect().width]);"
    )
    assert widths and all(title > 0.8 * row for title, row in widths), widths
    summary = out / "summary.html"
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        browser.show(summary, size)
        headings = browser.texts("h2")
        assert "Adjustments by the course team" in headings and "Late submissions" in headings
        assert browser.scroll_width() <= size[0]
        browser.screenshot(shots / f"summary-{name}.png")


def test_similarity_page(browser, shots, tmp_path):  # noqa: F811
    """The similarity report of the planted class: pairs ranked, fragments side by side and
    highlighted, nothing scrolling sideways on a phone."""
    from tp_helpers.grading.similarity import similarity_report

    from . import similarity_class

    folder = similarity_class.write_class(tmp_path / "class")
    similarity_report(folder, similarity_class.SOLUTION, tmp_path / "out")
    page = tmp_path / "out" / "similarity.html"
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        browser.show(page, size)
        assert browser.texts(".caution b")[0] == "Evidence to review, not a finding."
        assert len(browser.texts(".side mark")) > 10
        assert browser.scroll_width() <= size[0]
        browser.screenshot(shots / f"similarity-{name}.png")
