"""The result of grading one student: what the CLI, the reports and the tests all read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: every status a student can get, in the order the summary lists them
STATUSES = ("ok", "timeout", "memory", "kernel_died", "invalid_notebook", "tampered")
#: when a run meets several events, its status is the first of these it met
SEVERITY = ("tampered", "invalid_notebook", "memory", "kernel_died", "timeout")


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
    executions: int = 0  # code executions sent to the kernel (cells, checks, re-runs)
    notes: list[str] = field(default_factory=list)  # grader-side remarks (e.g. a given cell failed)
    sandbox: str = ""  # what confined the kernel (sandbox.Isolation.describe), '' if nothing
    lab: str = ""  # the lab's name (the source's title)
    graded_at: str = ""  # when: ISO 8601, UTC, to the second
    # from a learning platform's download (:mod:`.downloads`); empty for a plain folder
    platform: str = ""  # canvas, moodle, blackboard
    name: str = ""  # the student's name as the platform wrote it
    late: bool = False  # the platform marked the submission late
    feedback_name: str = ""  # the name under which the platform re-attaches a feedback file

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def line(self) -> str:
        """One plain-text line for logs."""
        text = f"{self.student_id}: {self.status} {format_points(self.score)}/"
        text += format_points(self.max_score)
        return text + (f" ({self.reason})" if self.reason else "")

    def to_dict(self) -> dict:
        return asdict(self)

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
