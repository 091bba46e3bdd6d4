"""The team's adjustments: read, applied after the autograde, orphans refused by name; and the
four parts of a grade put together from raw results (nothing stored)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tp_helpers.grading.model.result import ExerciseResult, StudentResult
from tp_helpers.grading.week.adjustments import AdjustmentError, read_adjustments
from tp_helpers.grading.week.course import read_course
from tp_helpers.grading.week.final import Week, final_grades

HEADER = "student,exercise,action,points,comment,who,when\n"


def result(student: str, passed: tuple[bool, ...] = (True, False, False), **extra):
    exercises = [
        ExerciseResult(f"0{i + 1}", 2.0 if ok else 0.0, 2.0, ok) for i, ok in enumerate(passed)
    ]
    score = sum(e.points for e in exercises)
    return StudentResult(student, "ok", "", exercises, score, 6.0, **extra)


def write(tmp_path, rows: str):
    path = tmp_path / "adjustments.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def week(tmp_path, rows: str, course=None) -> Week:
    path = write(tmp_path, rows)
    return Week(course, "", read_adjustments(path), path)


def test_set_add_and_total(tmp_path):
    w = week(
        tmp_path,
        "s1,02,set,2,Alternative answer accepted,TA Lina,2026-12-03\n"
        "s1,ex03,add,5,Half the work was right,TA Lina,2026-12-03\n"  # kept within 0..2
        's1,total,add,-1,"Copied comment, see the summary",Prof. M,2026-12-04\n',
    )
    grade = final_grades([result("s1"), result("s2")], w)["s1"]
    assert grade.automatic == 2.0
    assert grade.adjusted_points == {"01": 2.0, "02": 2.0, "03": 2.0}
    assert [a.delta for a in grade.adjustments] == [2.0, 2.0, -1.0]
    assert grade.adjustment == 3.0 and grade.final == 5.0
    assert grade.adjustments[2].adjustment.words() == "1 point taken from the total"
    assert final_grades([result("s1"), result("s2")], w)["s2"].final == 2.0


def test_an_orphan_is_refused_by_name(tmp_path):
    w = week(
        tmp_path,
        "s1,02,set,2,ok,TA,2026-12-03\n"
        "s9,02,set,2,student left the course,TA,2026-12-03\n"
        "s1,31,add,1,renumbered exercise,TA,2026-12-03\n",
    )
    with pytest.raises(AdjustmentError) as info:
        final_grades([result("s1")], w)
    text = str(info.value)
    assert "line 3: student s9 has no result" in text
    assert "line 4: exercise 31 is not an exercise" in text
    assert str(tmp_path / "adjustments.csv") in text and "\n" not in text


@pytest.mark.parametrize(
    "row, problem",
    [
        ("s1,02,double,2,x,TA,", "action 'double'"),
        ("s1,02,set,two,x,TA,", "points 'two'"),
        ("s1,02,set,2,,TA,", "'comment' is empty"),
        ("s1,02,set,-1,x,TA,", "cannot be negative"),
    ],
)
def test_a_bad_row_is_named(tmp_path, row, problem):
    with pytest.raises(AdjustmentError, match=rf"line 2: .*{problem}"):
        read_adjustments(write(tmp_path, row + "\n"))


def test_missing_columns(tmp_path):
    path = tmp_path / "adjustments.csv"
    path.write_text("student,points\ns1,2\n")
    with pytest.raises(AdjustmentError, match="missing column"):
        read_adjustments(path)


def test_the_four_parts_and_a_moved_due_date(tmp_path):
    """Adjustment first, then the penalty on what it gave; moving the due date changes the
    penalty and nothing else, from the same results."""
    paris = ZoneInfo("Europe/Paris")
    handed_in = datetime(2026, 12, 2, 23, 0, tzinfo=paris).isoformat()
    results = [result("s1", submitted_at=handed_in)] if _has_time_field() else None
    if results is None:
        pytest.skip("results do not record the submission time yet")
    text = (
        '[late]\npenalty = "10%"\n[labs.tp7_qa]\npoints = 6\n'
        'timezone = "Europe/Paris"\ndue = 2026-12-01T23:59:00+01:00\n'
    )
    (tmp_path / "course.toml").write_text(text)
    w = week(tmp_path, "s1,02,set,2,Alternative accepted,TA,2026-12-03\n")
    w.course = read_course(tmp_path / "course.toml")
    grade = final_grades(results, w)["s1"]
    assert (grade.automatic, grade.adjustment, grade.penalty, grade.final) == (
        2.0,
        2.0,
        pytest.approx(0.6),
        pytest.approx(3.4),
    )
    (tmp_path / "course.toml").write_text(text.replace("2026-12-01", "2026-12-03"))
    w.course = read_course(tmp_path / "course.toml")
    moved = final_grades(results, w)["s1"]
    assert (moved.penalty, moved.final) == (0.0, 4.0)
    assert moved.late.late_by is None and grade.late.late_by < timedelta(days=1)


def _has_time_field() -> bool:
    return "submitted_at" in StudentResult.__dataclass_fields__


def test_course_points_that_are_not_the_notebooks_are_refused(tmp_path):
    """10 % of the course file's 30 points on a lab out of 6 would take half the lab a day:
    the two totals must agree, and the error says which number to write."""
    from tp_helpers.grading.week.course import CourseError

    text = '[late]\npenalty = "10%"\n[labs.tp7_qa]\npoints = 30\ndue = 2026-12-01T23:59:00Z\n'
    (tmp_path / "course.toml").write_text(text)
    w = week(tmp_path, "")
    w.course = read_course(tmp_path / "course.toml")
    with pytest.raises(CourseError, match=r"points = 30, but .* out of 6; set points = 6"):
        final_grades([result("s1")], w)
