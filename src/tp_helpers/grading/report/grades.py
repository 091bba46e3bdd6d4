"""``grades.csv``: one row per student, one column per exercise; the file scripts read."""

from __future__ import annotations

import csv
import io

from ..model.result import StudentResult, format_points
from ..week.render import CSV_COLUMNS, csv_values


def exercise_ids(results: list[StudentResult]) -> list[str]:
    """The exercise ids of the results, in notebook order (first appearance)."""
    ids: dict[str, None] = {}
    for result in results:
        ids.update({exercise.id: None for exercise in result.exercises})
    return list(ids)


def grades_csv(results: list[StudentResult]) -> str:
    """``student_id,status,score,max_score,ex<NN>…,reason``, one row per student, by id.

    Results from a learning platform's download add ``name`` and ``late`` after ``student_id``;
    with the course team's decisions (a course file, adjustments) ``score`` is the automatic
    score and ``adjustments,late_penalty,final`` follow ``max_score``.
    """
    week = any(result.grade is not None for result in results)
    ids = exercise_ids(results)
    platform = any(result.platform for result in results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    who = ["student_id", "name", "late"] if platform else ["student_id"]
    parts = list(CSV_COLUMNS) if week else []
    writer.writerow([*who, "status", "score", "max_score", *parts, *(f"ex{i}" for i in ids)]
                    + ["reason"])  # fmt: skip
    for result in sorted(results, key=lambda r: r.student_id):
        points = {exercise.id: format_points(exercise.points) for exercise in result.exercises}
        # only Canvas writes lateness into its download's names; elsewhere it is unknown here
        late = ("yes" if result.late else "no") if result.platform == "canvas" else ""
        writer.writerow(
            [
                result.student_id,
                *((result.name, late) if platform else ()),
                result.status,
                format_points(result.score),
                format_points(result.max_score),
                *(csv_values(result.grade) if week else ()),
                *(points.get(i, "") for i in ids),
                " ".join(result.reason.split()),
            ]
        )
    return out.getvalue()
