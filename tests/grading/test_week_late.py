"""Late rules at their boundaries: grace, per-day and per-hour periods, the cap, "no late work",
time zones (DST included), extensions (one granted after the deadline), accommodations, and a
platform that only says "late"."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tp_helpers.grading.week.course import CourseError, parse_duration, read_course
from tp_helpers.grading.week.late import (
    SubmittedAt,
    lateness,
    moodle_submitted,
    parse_moment,
)

PARIS = ZoneInfo("Europe/Paris")
COURSE = """
timezone = "Europe/Paris"

[late]
grace = "15m"
penalty = "10%"
per = "day"
cap = "30%"

[labs.tp7_qa]
points = 30
due = 2026-12-01T23:59:00
"""


def course(tmp_path: Path, extra: str = "", text: str = COURSE):
    path = tmp_path / "course.toml"
    path.write_text(text + extra, encoding="utf-8")
    return read_course(path)


def late(c, student: str, moment: datetime, points: float = 30.0, flag: bool = False):
    return lateness(c, c.lab("tp7_qa"), student, SubmittedAt(moment, flag, "Moodle"), points)


DUE = datetime(2026, 12, 1, 23, 59, tzinfo=PARIS)


def test_on_time_and_grace_boundaries(tmp_path):
    c = course(tmp_path)
    assert late(c, "a", DUE).penalty == 0 and not late(c, "a", DUE).late
    at_grace = late(c, "a", DUE + timedelta(minutes=15))
    assert at_grace.penalty == 0 and "grace" in at_grace.words
    past_grace = late(c, "a", DUE + timedelta(minutes=15, seconds=1))
    assert past_grace.periods == 1 and past_grace.penalty == pytest.approx(3.0)


def test_started_days_and_the_cap(tmp_path):
    c = course(tmp_path)
    assert late(c, "a", DUE + timedelta(days=1)).penalty == pytest.approx(3.0)
    assert late(c, "a", DUE + timedelta(days=1, seconds=1)).penalty == pytest.approx(6.0)
    assert late(c, "a", DUE + timedelta(days=2, hours=1)).penalty == pytest.approx(9.0)
    capped = late(c, "a", DUE + timedelta(days=9))
    assert capped.periods == 9 and capped.penalty == pytest.approx(9.0)  # 30% of 30
    # never more than what is left
    assert late(c, "a", DUE + timedelta(days=9), points=4.0).penalty == pytest.approx(4.0)


def test_per_hour_in_points(tmp_path):
    text = COURSE.replace('penalty = "10%"', "penalty = 0.5").replace('"day"', '"hour"')
    c = course(tmp_path, text=text.replace('cap = "30%"', "cap = 2"))
    assert late(c, "a", DUE + timedelta(minutes=16)).penalty == pytest.approx(0.5)
    assert late(c, "a", DUE + timedelta(hours=2, minutes=1)).penalty == pytest.approx(1.5)
    assert late(c, "a", DUE + timedelta(hours=30)).penalty == pytest.approx(2.0)


def test_no_late_work(tmp_path):
    c = course(tmp_path, text=COURSE.replace('cap = "30%"', "accept = false"))
    assert late(c, "a", DUE + timedelta(minutes=15)).penalty == 0
    refused = late(c, "a", DUE + timedelta(minutes=16), points=27.0)
    assert refused.refused and refused.penalty == 27.0 and "no late work" in refused.words


def test_time_zones_and_daylight_saving(tmp_path):
    # the due date is Paris time (UTC+1 in December): 22:59 UTC
    c = course(tmp_path)
    assert late(c, "a", datetime(2026, 12, 1, 22, 59, tzinfo=timezone.utc)).penalty == 0
    assert late(c, "a", datetime(2026, 12, 1, 23, 15, 1, tzinfo=timezone.utc)).penalty == 3.0
    # a summer lab: Paris is UTC+2, the same wall-clock due date is 21:59 UTC
    summer = course(tmp_path, text=COURSE.replace("2026-12-01T23:59:00", "2026-07-01T23:59:00"))
    assert late(summer, "a", datetime(2026, 7, 1, 22, 15, 1, tzinfo=timezone.utc)).penalty == 3.0
    # a due date written with its own offset is that moment whatever the course's zone
    fixed = course(tmp_path, text=COURSE.replace("2026-12-01T23:59:00", "2026-12-01T23:59:00Z"))
    assert late(fixed, "a", datetime(2026, 12, 2, 0, 14, tzinfo=timezone.utc)).penalty == 0


def test_extensions_and_accommodations(tmp_path):
    extra = """
[[extensions]]
student = "s3"
due = 2026-12-04T23:59:00
reason = "medical certificate"

[[extensions]]
student = "s4"
extra = "48h"

[[accommodations]]
name = "one day of extra time"
extra = "24h"
students = ["s2", "s4"]
"""
    c = course(tmp_path, extra)
    three_days = DUE + timedelta(days=3)
    assert late(c, "s1", three_days).penalty == pytest.approx(9.0)
    assert late(c, "s3", three_days).penalty == 0  # extension
    assert late(c, "s2", DUE + timedelta(hours=23)).penalty == 0  # accommodation
    assert late(c, "s2", DUE + timedelta(days=1, minutes=16)).penalty == pytest.approx(3.0)
    # accommodation and extension add up: 24 h + 48 h
    assert late(c, "s4", DUE + timedelta(hours=72)).penalty == 0
    words = late(c, "s4", DUE + timedelta(hours=73)).words
    assert "accommodation: one day of extra time" in words and "extension of 2 days" in words


def test_an_extension_granted_after_the_deadline_changes_the_grade(tmp_path):
    """The course file is read at report time: the same submission, reported before and after
    the team adds an extension, is penalised then not."""
    handed_in = DUE + timedelta(days=1, hours=2)
    before = course(tmp_path)
    assert late(before, "s5", handed_in).penalty == pytest.approx(6.0)
    after = course(tmp_path, '\n[[extensions]]\nstudent = "s5"\ndue = 2026-12-03T12:00:00\n')
    assert late(after, "s5", handed_in).penalty == 0


def test_an_extension_before_the_due_date_is_refused(tmp_path):
    with pytest.raises(CourseError, match=r"extensions\[0\].*s6.*before the lab's own"):
        course(tmp_path, '\n[[extensions]]\nstudent = "s6"\ndue = 2026-11-30T12:00:00\n')


def test_flag_only(tmp_path):
    """Canvas's LATE flag, no time: one period's penalty; with an extension, none and review."""
    c = course(tmp_path, '\n[[extensions]]\nstudent = "s7"\nextra = "2d"\n')
    flagged = late(c, "s1", None, flag=True)
    assert flagged.penalty == pytest.approx(3.0) and "without saying when" in flagged.words
    reviewed = late(c, "s7", None, flag=True)
    assert reviewed.penalty == 0 and reviewed.review
    assert late(c, "s1", None, flag=False).penalty == 0


@pytest.mark.parametrize(
    "text, problem",
    [
        ('timezone = "Mars/Olympus"\n[labs.a]\npoints = 1\ndue = 2026-01-01', "unknown time zone"),
        ('[labs.a]\npoints = 1\ndue = "tomorrow"', "is not a date"),
        ('[late]\ngrace = "soon"\n[labs.a]\npoints = 1\ndue = 2026-01-01', "not a duration"),
        ('[late]\npenalty = "120%"\n[labs.a]\npoints = 1\ndue = 2026-01-01', "write a share"),
        ('[late]\nper = "week"\n[labs.a]\npoints = 1\ndue = 2026-01-01', 'write "day" or "hour"'),
        ("[labs.a]\npoints = 1\ndue = 2026-01-01\n[labs.b", "not valid TOML"),
        ('platform = "moodle"\n[labs.a]\npoints = 1\ndue = 2026-01-01', "expected a table"),
    ],
)
def test_a_wrong_course_file_is_one_line_naming_it(tmp_path, text, problem):
    with pytest.raises(CourseError, match=problem) as info:
        course(tmp_path, text=text)
    assert str(tmp_path / "course.toml") in str(info.value) and "\n" not in str(info.value)


def test_durations():
    assert parse_duration("1d 12h") == timedelta(hours=36)
    assert parse_duration("90min") == timedelta(minutes=90)
    with pytest.raises(ValueError):
        parse_duration("12 parsecs")


def test_platform_times(tmp_path):
    assert moodle_submitted("Tuesday, 1 December 2026, 11:58 PM", PARIS) == datetime(
        2026, 12, 1, 23, 58, tzinfo=PARIS
    )
    assert moodle_submitted("mardi 1 décembre 2026, 23:58", PARIS) == datetime(
        2026, 12, 1, 23, 58, tzinfo=PARIS
    )
    assert moodle_submitted("-", PARIS) is None
    # Blackboard's attempt time as the download keeps it: the server's zone
    assert parse_moment("2026-12-02T00:10:00", PARIS) == datetime(2026, 12, 2, 0, 10, tzinfo=PARIS)
    # nbgrader's timestamp.txt
    assert parse_moment("2026-12-01 22:58:07.123456 UTC") == datetime(
        2026, 12, 1, 22, 58, 7, 123456, tzinfo=timezone.utc
    )
    assert parse_moment("2026-12-01T23:58:00.5+01:00") == datetime(
        2026, 12, 1, 22, 58, 0, 500000, tzinfo=timezone.utc
    )
