"""Each student's grade, kept apart in its four parts: the automatic score, the team's
adjustments, the late penalty and the final grade.

:func:`final_grades` is the one place these are put together; ``grades.csv``, the exports, the
feedback pages and the summary all read its :class:`Grade`. It reads the raw results, the course
file and the adjustments file each time it is called and stores nothing: the results stay what
the autograder found.

Order: adjustments first (a TA's accepted answer is part of the work), then the late penalty on
that (a share of the lab's points per period, never more than what is left), and the final
grade is never below 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

from ..model.result import StudentResult, format_points
from .adjustments import (
    ADJUSTMENTS_FILE,
    Adjustment,
    AdjustmentError,
    Applied,
    apply_adjustments,
    check_orphans,
    read_adjustments,
)
from .course import COURSE_FILE, Course, CourseError, read_course
from .late import Lateness, SubmittedAt, lateness, parse_moment


@dataclass(frozen=True)
class Grade:
    student_id: str
    automatic: float
    adjusted_points: dict[str, float]  # per exercise, after the adjustments
    adjustments: tuple[Applied, ...]
    late: Lateness | None
    final: float
    max_score: float

    @property
    def adjustment(self) -> float:
        """The adjustments' net change of the total."""
        return sum(item.delta for item in self.adjustments)

    @property
    def penalty(self) -> float:
        return self.late.penalty if self.late else 0.0


@dataclass
class Week:
    """What the course team decided, as read for one report or export."""

    course: Course | None = None
    lab: str = ""
    adjustments: list[Adjustment] = field(default_factory=list)
    adjustments_path: Path | None = None
    #: submission times known only at export (Moodle's worksheet), by student
    submitted: dict[str, SubmittedAt] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether the pages and files show the four parts (a course file or adjustments)."""
        return self.course is not None or bool(self.adjustments)


def final_grades(
    results: list[StudentResult], week: Week, submitted: dict[str, SubmittedAt] | None = None
) -> dict[str, Grade]:
    """Every student's :class:`Grade`, by id; an orphan adjustment stops it (named).

    ``submitted`` overrides a result's own record of when it was handed in (Moodle's worksheet,
    read at export time, knows it; its download does not)."""
    submitted = submitted or week.submitted
    if week.adjustments:
        check_orphans(week.adjustments_path or Path("adjustments.csv"), week.adjustments, results)
    lab = week.course.lab(week.lab) if week.course else None
    if lab is not None:
        _check_points(week.course, lab, results)
    grades = {}
    for result in results:
        points, total, applied = apply_adjustments(result, week.adjustments)
        late = None
        if week.course is not None and lab is not None:
            when = submitted.get(result.student_id) or submitted_of(result, week.course)
            late = lateness(week.course, lab, result.student_id, when, total)
        penalty = late.penalty if late else 0.0
        grades[result.student_id] = Grade(
            result.student_id,
            result.score,
            points,
            tuple(applied),
            late,
            max(total - penalty, 0.0),
            result.max_score,
        )
    return grades


def _check_points(course: Course, lab, results: list[StudentResult]) -> None:
    """A penalty in per cent is a share of the course file's ``points`` while the grade is in
    the notebook's: they must be the same number, or every late penalty would be off."""
    totals = sorted({result.max_score for result in results if result.max_score})
    if totals and totals != [lab.points]:
        found = " / ".join(format_points(t) for t in totals)
        raise CourseError(
            f"{course.path}: [labs.{lab.name}] says points = {format_points(lab.points)}, but "
            f"the graded notebooks are out of {found}; set points = {found} in the course file."
        )


def submitted_of(result: StudentResult, course: Course | None = None) -> SubmittedAt:
    """What the result recorded of the submission's time (see :mod:`.late`): a time without an
    offset is the platform's local time (the course file's ``[platform] timezone``)."""
    moment = None
    stamp = getattr(result, "submitted_at", "")
    if stamp:
        moment = parse_moment(stamp, course.zone_of_platform() if course else timezone.utc)
    source = getattr(result, "submitted_from", "") or result.platform.capitalize()
    return SubmittedAt(moment, bool(result.late), source)


def load_week(
    course: Path | None = None,
    adjustments: Path | None = None,
    lab: str = "",
    root: Path | None = None,
) -> Week:
    """The course file and the adjustments in force: the paths given, else ``course.toml`` in
    ``root`` (default: the current folder) and ``adjustments.csv`` beside the course file, when
    they exist. Nothing found: an inactive :class:`Week` (the automatic score is the grade)."""
    root = Path.cwd() if root is None else Path(root)
    if course is None and (root / COURSE_FILE).is_file():
        course = root / COURSE_FILE
    if adjustments is None:
        beside = (Path(course).parent if course else root) / ADJUSTMENTS_FILE
        adjustments = beside if beside.is_file() else None
    elif not Path(adjustments).is_file():
        raise AdjustmentError(f"{adjustments}: not found; pass the team's adjustments file.")
    return Week(
        read_course(Path(course)) if course else None,
        lab,
        read_adjustments(Path(adjustments)) if adjustments else [],
        Path(adjustments) if adjustments else None,
    )


def attach(
    results: list[StudentResult], week: Week, submitted: dict[str, SubmittedAt] | None = None
) -> dict[str, Grade]:
    """Give each result its :class:`Grade` (``result.grade``, never stored) for the pages and
    exports to read; none when the week is inactive (the automatic score is the grade)."""
    grades = final_grades(results, week, submitted) if week.active else {}
    for result in results:
        result.grade = grades.get(result.student_id)
    return grades
