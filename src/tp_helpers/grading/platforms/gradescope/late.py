"""Late work on Gradescope: the time and the due date from Gradescope's submission metadata,
the penalty from the course file's late rule, both in the ``results.json`` the student reads.

Gradescope writes ``/autograder/submission_metadata.json`` before it runs the autograder::

    {"id": 123456, "created_at": "2026-12-02T10:02:11.123456-08:00",
     "assignment": {"due_date": "2026-12-01T23:59:00.000000-08:00", "late_due_date": ...},
     "users": [{"email": ..., "name": ..., "assignment": {"due_date": ...}}], ...}

``created_at`` is when the student submitted (kept on a rerun); ``users[].assignment`` holds
each student's own dates, an extension granted on Gradescope included (``assignment`` holds
the assignment's). The student's due date is the latest of the group's own (an extension never
takes time away), else the assignment's.

**Why the penalty goes into the score Gradescope shows, not only into a report.** On Gradescope
the score in ``results.json`` is the grade: Gradescope applies no late penalty of its own (it
only marks a submission late and closes at the late due date), and its grade export and its
LMS sync carry that score. Written only in a report, the rule would be applied by hand in a
spreadsheet, which the course file is there to replace. So the exercises keep their automatic
points (the tests), one more test, *Late penalty*, takes the penalty off, and the score is the
final grade; the output says how late, and what the rule charged, in words.

**Which dates, which rule.** The due date is Gradescope's: it is the one the student saw, the
one Gradescope's "late" mark and late due date use, and the one its extensions move; a second
due date in the course file could contradict it. The rule (grace, penalty, period, cap, "no
late work") is the course file's entry for the lab, which ``tp-course gradescope`` puts in the
zip; its extensions and accommodations are granted on Gradescope instead (Extensions), where
they reach ``users[].assignment``. Nothing is stored outside ``results.json``: a due date moved
or an extension granted on Gradescope takes effect when the submissions are regraded
(*Regrade All Submissions*), which runs the notebooks again, unlike ``tp-course export``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from ...model.result import format_points
from ...week.course import COURSE_FILE, Course, read_course
from ...week.late import Lateness, SubmittedAt, lateness, moment_words, parse_moment

#: the file Gradescope writes beside ``submission/`` and ``source/``
METADATA = "submission_metadata.json"
#: where the submission's time comes from, in the student's words
SOURCE = "Gradescope's submission time"


@dataclass(frozen=True)
class SubmissionTimes:
    """What Gradescope's metadata says of one submission's time."""

    submitted: datetime
    due: datetime  # the student's own due date (the latest of a group's)
    assignment_due: datetime  # the assignment's, for the log
    students: tuple[str, ...]  # emails or names, for the log


def read_metadata(path: Path) -> SubmissionTimes | None:
    """The times in Gradescope's ``submission_metadata.json``; None when the file is absent or
    holds no readable ``created_at`` and due date (the grader then charges nothing and says so
    in the instructors' log)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    assignment = data.get("assignment") or {}
    submitted = _moment(data.get("created_at"))
    assignment_due = _moment(assignment.get("due_date"))
    if submitted is None or assignment_due is None:
        return None
    users = [user for user in data.get("users") or [] if isinstance(user, dict)]
    own = [_moment((user.get("assignment") or {}).get("due_date")) for user in users]
    dues = [due for due in own if due is not None]
    students = tuple(str(user.get("email") or user.get("name") or user.get("id")) for user in users)
    return SubmissionTimes(submitted, max(dues, default=assignment_due), assignment_due, students)


def _moment(value) -> datetime | None:
    """An ISO time with its offset, as Gradescope writes them (microseconds and all)."""
    return parse_moment(value) if isinstance(value, str) and value.strip() else None


def course_beside(source: Path) -> Course | None:
    """The course file ``tp-course gradescope`` put in the zip, beside the source; None when
    there is none (no late rule: Gradescope's score is the automatic one)."""
    path = Path(source).parent / COURSE_FILE
    return read_course(path) if path.is_file() else None


def gradescope_lateness(
    course: Course, lab_name: str, times: SubmissionTimes, score: float, max_score: float
) -> Lateness:
    """The course file's rule for ``lab_name`` applied to Gradescope's times, on ``score``
    (the penalty a share of ``max_score``, the points Gradescope shows)."""
    lab = course.lab(lab_name if lab_name in course.labs else "")
    lab = replace(lab, points=max_score, due=times.due)
    # extensions and accommodations are Gradescope's, already in times.due
    on_gradescope = replace(course, extensions=(), accommodations=())
    submitted = SubmittedAt(times.submitted, False, SOURCE)
    return lateness(on_gradescope, lab, ",".join(times.students), submitted, score)


def with_late_penalty(results: dict, late: Lateness, max_score: float) -> dict:
    """``results`` (results.json's data) with the lateness: nothing when on time, a line of
    output within the grace period, else the *Late penalty* test and the final score."""
    if not late.words:
        return results
    results = dict(results)
    if not (late.penalty or late.refused):
        results["output"] = f"{results['output']}\n{late.words[:1].upper()}{late.words[1:]}"
        return results
    final = max(results["score"] - late.penalty, 0.0)
    penalty = round(-float(late.penalty), 4)
    results["tests"] = [
        *results["tests"],
        {
            "name": "Late penalty",
            "score": penalty,
            "max_score": 0.0,
            "status": "failed",
            "output": late.words[:1].upper() + late.words[1:],
            "visibility": "visible",
        },
    ]
    results["output"] = (
        f"{results['output']}\nLate penalty −{format_points(late.penalty)}: "
        f"{late.words[:1].upper()}{late.words[1:]} Final score: {format_points(final)}/"
        f"{format_points(max_score)}."
    )
    results["score"] = round(float(final), 4)
    return results


def log_line(course: Course, lab_name: str, times: SubmissionTimes) -> str:
    """For the instructors' log (hidden from students): the times read and the dates used."""
    zone = course.timezone
    line = (
        f"lateness: submitted {moment_words(times.submitted, zone)}, due "
        f"{moment_words(times.due, zone)} (Gradescope's date for this student)"
    )
    lab = course.labs.get(lab_name)
    if lab is not None and lab.due != times.assignment_due:
        line += (
            f"; note: {course.path.name} gives [labs.{lab_name}] the due date "
            f"{moment_words(lab.due, zone)}, Gradescope {moment_words(times.assignment_due, zone)}"
            ": Gradescope's applies here"
        )
    return line
