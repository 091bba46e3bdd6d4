"""Tampering: what a submission did to the locked cells (read from the file) or to the checks
at run time (told by the guard inside each run, :mod:`..engine.child.guard`).

Grading never runs a submission's check cells: checks and hidden tests always come from the
source. Tampering is still reported, and the exercises it touched get no points, so that a
submission that tried never gets full marks and the instructor sees it (status ``tampered``).

* :func:`inspect_locked_cells`: a check cell edited, deleted or duplicated, an exercise cell
  duplicated (``grade_id`` twice: nbgrader itself refuses such a notebook). Check cells are
  compared with the source's visible part (hidden tests stripped), so a notebook that lost its
  metadata but kept the cells is fine. This supersedes nbgrader's checksums, which a student can
  recompute: the source cannot be.
* the guard (:mod:`..engine.child.guard`) is installed in each snapshot as it prepares (the
  state a run starts from is its baseline); each run asks it, after the cell and after the last
  check, whether anything the checks rely on was replaced; the engine raises
  :class:`..engine.client.Tampered` with the problems, and the pipeline costs the exercises
  whose code ran (:func:`.pipeline.grade_student_cell`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..model.source import ExerciseCell, LabSource, split_hidden_tests


@dataclass(frozen=True)
class Tampering:
    """One tampering found in the file: the exercises it touched and why, in one line."""

    exercises: tuple[str, ...]
    reason: str


def visible_part(text: str) -> tuple[str, ...]:
    """A check cell's lines without hidden tests, trailing blanks and blank lines."""
    return split_hidden_tests(text)[0]


def inspect_locked_cells(nb, source: LabSource) -> list[Tampering]:
    """Every tampering with the source's check cells and exercise cells found in ``nb``."""
    graded: dict[str, tuple[str, ...]] = {}  # grade_id -> exercises it holds or checks
    checks = []
    for step in source.steps:
        if isinstance(step, ExerciseCell):
            graded[step.grade_id] = step.exercise_ids
            for check in step.checks:
                graded[check.grade_id] = (check.exercise_id,)
                checks.append(check)
    cells = [cell for cell in nb.cells if isinstance(cell.get("source"), str)]
    ids = [_grade_id(cell) for cell in cells]
    found = []
    for grade_id, count in sorted(Counter(i for i in ids if i in graded).items()):
        if count > 1:
            found.append(Tampering(graded[grade_id], f"grade_id {grade_id} appears {count} times"))
    code_cells = {visible_part(c.source) for c in cells if c.get("cell_type") == "code"}
    for check in checks:
        expected = visible_part(check.source)
        mine = [cell for cell, i in zip(cells, ids) if i == check.grade_id]
        what = f"the check cell of exercise {check.exercise_id} ({check.grade_id})"
        if not mine:
            if expected not in code_cells:
                found.append(Tampering((check.exercise_id,), f"{what} was deleted"))
        elif all(visible_part(cell.source) != expected for cell in mine):
            found.append(Tampering((check.exercise_id,), f"{what} was edited"))
    return found


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) else None
