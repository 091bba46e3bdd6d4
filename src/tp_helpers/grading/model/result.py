"""The result of grading one student: what the CLI, the reports and the tests all read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone

#: every status a student can get, in the order the summary lists them
STATUSES = ("ok", "timeout", "memory", "kernel_died", "invalid_notebook", "tampered")
#: when a run meets several events, its status is the first of these it met
SEVERITY = ("tampered", "invalid_notebook", "memory", "kernel_died", "timeout")
#: what each status means, in words a student understands: the one vocabulary of the feedback
#: page, the summary, Canvas's feedback notebook and Gradescope's results
STATUS_WORDS: dict[str, str] = {
    "ok": "graded normally: every exercise ran and was checked",
    "timeout": (
        "a cell, a check or the whole notebook ran past its time limit and was stopped; "
        "the exercises that did not finish in time scored 0"
    ),
    "memory": (
        "a cell or a check used more memory than allowed and was stopped; "
        "the exercises it was running scored 0"
    ),
    "kernel_died": (
        "the Python process running a cell or a check exited or crashed; "
        "the exercises it was running scored 0"
    ),
    "invalid_notebook": (
        "the file handed in could not be read as a Jupyter notebook, so nothing ran; "
        "every exercise scored 0"
    ),
    "tampered": (
        "a locked cell (a check or the given code) was edited, deleted or duplicated, or the "
        "code changed what the checks rely on while it ran; the exercises concerned scored 0"
    ),
}
#: month names for dates in words (the pages, Moodle's worksheet)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)  # not strftime's %B, which follows the grader's locale


@dataclass
class ExerciseResult:
    """The verdict of one exercise. ``hint`` is never a traceback (it could quote hidden tests)."""

    id: str
    points: float
    max_points: float
    passed: bool
    hint: str = ""
    title: str = ""  # the exercise's title in the lab ("Last context token")

    @property
    def column(self) -> str:
        return f"ex{self.id}"


@dataclass
class StudentResult:
    """Uniform result of one student, also stored as ``results/<student_id>.json``."""

    student_id: str
    status: str
    reason: str
    exercises: list[ExerciseResult]
    score: float
    max_score: float
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    submission_sha256: str = ""
    source_sha256: str = ""
    executions: int = 0  # code executions in the runs (cells, checks, re-runs)
    notes: list[str] = field(default_factory=list)  # grader-side remarks (e.g. a given cell failed)
    sandbox: str = ""  # what confined the runs (engine.policy.Isolation.describe), "" if none
    lab: str = ""  # the lab's name (the source's title)
    graded_at: str = ""  # when: ISO 8601, UTC, to the second
    # from a learning platform's download (:mod:`.downloads`); empty for a plain folder
    platform: str = ""  # canvas, moodle, blackboard
    name: str = ""  # the student's name as the platform wrote it
    late: bool = False  # the platform marked the submission late
    feedback_name: str = ""  # the name under which the platform re-attaches a feedback file
    # when the platform says the notebook was handed in (ISO 8601; without an offset, the
    # platform's own zone) and where that was read: raw facts, never a penalty (week/late.py)
    submitted_at: str = ""
    submitted_from: str = ""
    # the course team's decisions for one report or export (week.final.Grade), set by
    # week.final.attach and never stored
    grade: object | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def line(self) -> str:
        """One plain-text line for logs."""
        text = f"{self.student_id}: {self.status} {format_points(self.score)}/"
        text += format_points(self.max_score)
        return text + (f" ({self.reason})" if self.reason else "")

    @property
    def final(self) -> float:
        """The grade the platforms receive: the course team's final grade when one is
        attached, else the automatic score."""
        return self.grade.final if self.grade is not None else self.score

    def to_dict(self) -> dict:
        data = asdict(replace(self, grade=None))
        del data["grade"]  # computed at each report, never stored
        return data

    @classmethod
    def from_dict(cls, data: dict) -> StudentResult:
        data = dict(data)
        data["exercises"] = [ExerciseResult(**item) for item in data.get("exercises", [])]
        known = cls.__dataclass_fields__
        return cls(**{key: value for key, value in data.items() if key in known})


def format_points(value: float) -> str:
    """``3`` for 3.0, ``1.5`` for 1.5: what the CSV and the reports print."""
    value = round(float(value), 4)
    return str(int(value)) if value == int(value) else f"{value:g}"


def graded_date(graded_at: str) -> str:
    """``2 December 2026`` from an ISO 8601 time; '' when empty, the text itself when unreadable.

    A page must render whatever an old or hand-edited result file holds, so this never raises.
    """
    if not graded_at:
        return ""
    try:
        when = datetime.fromisoformat(graded_at.strip().replace("Z", "+00:00"))
    except ValueError:
        return graded_at
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"
