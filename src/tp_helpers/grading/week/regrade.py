"""A regrade of one student or one exercise after a check is fixed, keeping everyone else's
results.

Fixing a check changes the source, and a plain ``tp-course grade`` then grades the whole class
again. ``--student ID`` grades only the students named; ``--exercise NN`` keeps every verdict
but those of the exercises named, taken from the new run (the student's other exercises keep
the points they had). Adjustments live in their own file and are never touched.
"""

from __future__ import annotations

from dataclasses import replace

from ...errors import TPError
from ..model.result import StudentResult


class RegradeError(TPError):
    """A ``--student`` or ``--exercise`` that names nothing in the class."""


def check_names(
    students: list[str], exercises: list[str], only_students: list[str], only_exercises: list[str]
) -> None:
    """Refuse a ``--student`` not in the submissions or an ``--exercise`` not in the lab."""
    unknown = sorted(set(only_students) - set(students))
    if unknown:
        raise RegradeError(
            f"--student {', '.join(unknown)}: not among the submissions; check the id "
            "(grades.csv's student_id column)."
        )
    unknown = sorted(set(only_exercises) - set(exercises))
    if unknown:
        raise RegradeError(
            f"--exercise {', '.join(unknown)}: not an exercise of the lab ({', '.join(exercises)})."
        )


def merge_exercises(
    old: StudentResult | None, new: StudentResult, exercises: list[str]
) -> StudentResult:
    """``new``'s verdicts for ``exercises``, ``old``'s for every other exercise; the score is
    their sum. Without an old result, the new one whole."""
    if old is None or not exercises:
        return new
    wanted = set(exercises)
    kept = {exercise.id: exercise for exercise in old.exercises}
    merged = [
        exercise if exercise.id in wanted else kept.get(exercise.id, exercise)
        for exercise in new.exercises
    ]
    note = f"regraded exercise(s) {', '.join(sorted(wanted))}; the others kept from the last run"
    return replace(
        new,
        exercises=merged,
        score=sum(exercise.points for exercise in merged),
        notes=[*new.notes, note],
    )
