"""The course team's adjustments (``adjustments.csv``): applied after the autograde, never
touched by it.

A TA who accepts an alternative answer, a regrade request granted: one row each, kept in a file
the team owns beside the course file. The grader reads it at every report and export; no run
writes to it, so a regrade of the whole class leaves every adjustment in force. A row whose
student or exercise no longer exists (a student removed from the download, an exercise renumbered)
is an error naming the row: an adjustment is never dropped without a word.

The columns (a header row, any order)::

    student,exercise,action,points,comment,who,when
    s004,07,set,2,"Alternative loop accepted: same positions",TA Lina,2026-12-03
    s009,total,add,1,"Regrade request granted: ambiguous wording",Prof. M,2026-12-04

``exercise``: an exercise id (``07`` or ``ex07``) or ``total``; ``action``: ``add`` (points may
be negative) or ``set``. ``comment`` is shown to the student, ``who`` and ``when`` in the summary.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ...errors import TPError
from ..model.result import StudentResult, format_points

#: the file ``tp-course`` looks for beside the course file when no ``--adjustments`` is given
ADJUSTMENTS_FILE = "adjustments.csv"
COLUMNS = ("student", "exercise", "action", "points", "comment", "who", "when")
TOTAL = "total"


class AdjustmentError(TPError):
    """The adjustments file cannot be applied: the message names the file, the row, the fix."""


@dataclass(frozen=True)
class Adjustment:
    """One row of the file. ``exercise`` is an id without ``ex``, or :data:`TOTAL`."""

    line: int
    student: str
    exercise: str
    action: str  # add | set
    points: float
    comment: str
    who: str
    when: str

    def words(self) -> str:
        """``exercise 07 set to 2 points`` / ``1 point added to the total``."""
        target = "the total" if self.exercise == TOTAL else f"exercise {self.exercise}"
        amount = format_points(abs(self.points))
        unit = "point" if abs(self.points) == 1 else "points"
        if self.action == "set":
            return f"{target} set to {amount} {unit}"
        verb = "added to" if self.points >= 0 else "taken from"
        return f"{amount} {unit} {verb} {target}"


@dataclass(frozen=True)
class Applied:
    """One adjustment as it acted on a student's points: ``delta`` is the change it made."""

    adjustment: Adjustment
    delta: float


def read_adjustments(path: Path) -> list[Adjustment]:
    """Every row of ``path`` (none when the file does not exist), each checked."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AdjustmentError(f"{path}: cannot be read ({exc}); save it as UTF-8 CSV.") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise AdjustmentError(
            f"{path}: missing column(s) {', '.join(missing)}; the header must hold "
            f"{','.join(COLUMNS)}."
        )
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any((value or "").strip() for value in row.values()):
            continue
        rows.append(_adjustment(path, number, row))
    return rows


def _adjustment(path: Path, line: int, row: dict) -> Adjustment:
    def fail(what: str) -> AdjustmentError:
        return AdjustmentError(f"{path}, line {line}: {what}")

    values = {key: (row.get(key) or "").strip() for key in COLUMNS}
    for key in ("student", "exercise", "action", "points", "comment", "who"):
        if not values[key]:
            raise fail(f"'{key}' is empty; every adjustment says who, for whom, what and why.")
    exercise = values["exercise"].lower()
    exercise = TOTAL if exercise == TOTAL else exercise.removeprefix("ex")
    action = values["action"].lower()
    if action not in ("add", "set"):
        raise fail(f"action {values['action']!r}: write add or set.")
    try:
        points = float(values["points"])
    except ValueError:
        raise fail(f"points {values['points']!r} is not a number.") from None
    if action == "set" and points < 0:
        raise fail(f"set to {values['points']}: a score cannot be negative.")
    return Adjustment(
        line, values["student"], exercise, action, points, values["comment"], values["who"],
        values["when"],
    )  # fmt: skip


def check_orphans(path: Path, adjustments: list[Adjustment], results: list[StudentResult]) -> None:
    """Refuse adjustments whose student or exercise is not in the results, naming each one."""
    students = {r.student_id: {e.id for e in r.exercises} for r in results}
    check_known(path, adjustments, students)


def check_known(path: Path, adjustments: list[Adjustment], students: dict[str, set[str]]) -> None:
    """Refuse adjustments whose student is not in ``students`` (id -> exercise ids) or whose
    exercise is not one of that student's, naming each row; before grading, from the download
    and the lab, as after, from the results."""
    problems = []
    for item in adjustments:
        exercises = students.get(item.student)
        if exercises is None:
            problems.append(f"line {item.line}: student {item.student} has no result")
        elif item.exercise != TOTAL and item.exercise not in exercises:
            problems.append(
                f"line {item.line}: exercise {item.exercise} is not an exercise of the lab "
                f"(student {item.student})"
            )
    if problems:
        raise AdjustmentError(
            f"{path}: {'; '.join(problems)}. An adjustment is never dropped: fix or delete "
            "the row(s), then run the command again."
        )


def apply_adjustments(
    result: StudentResult, adjustments: list[Adjustment]
) -> tuple[dict[str, float], float, list[Applied]]:
    """The student's points after the team's adjustments: per exercise, the total, and what
    each adjustment changed. Exercise rows first, in file order, each exercise kept within
    [0, its points]; then total rows, the total kept within [0, the lab's points]."""
    mine = [a for a in adjustments if a.student == result.student_id]
    points = {exercise.id: exercise.points for exercise in result.exercises}
    limits = {exercise.id: exercise.max_points for exercise in result.exercises}
    applied = []
    for item in (a for a in mine if a.exercise != TOTAL):
        before = points[item.exercise]
        after = item.points if item.action == "set" else before + item.points
        points[item.exercise] = min(max(after, 0.0), limits[item.exercise])
        applied.append(Applied(item, points[item.exercise] - before))
    total = result.score + sum(item.delta for item in applied)
    for item in (a for a in mine if a.exercise == TOTAL):
        before = total
        after = item.points if item.action == "set" else before + item.points
        total = min(max(after, 0.0), result.max_score)
        applied.append(Applied(item, total - before))
    return points, total, applied
