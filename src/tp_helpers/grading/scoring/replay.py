"""What a run carries besides the cell: the student's earlier helpers, and what hints withhold.

A run of exercise cell k starts from the zygote's state before k, where the cells before it ran
with the solution's code. A student whose later code calls a helper they defined (or an import
they made) in an earlier exercise cell needs it: :func:`replays` gives, per exercise step, the
student's top-level imports and definitions of the earlier exercise cells, where they differ
from the solution. :func:`solution_lines` gives the solution's lines a hint must never quote.
"""

from __future__ import annotations

import ast

from ..model.source import ExerciseCell, LabSource, Region, normalised

_REPLAYED = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_MIN_WITHHELD = 12  # characters: shorter solution lines are too common to withhold hints for


def replays(source: LabSource, regions: dict[str, Region]) -> dict[int, str]:
    """Per exercise step: the student's top-level imports and definitions of the earlier
    exercise cells (where they differ from the solution), to replay in the run."""
    found: dict[int, str] = {}
    earlier: list[str] = []
    for index, step in enumerate(source.steps):
        if not isinstance(step, ExerciseCell):
            continue
        found[index] = "\n".join(earlier)
        for region in step.regions:
            mine = regions.get(region.exercise_id)
            if mine is None or mine.indent or normalised(mine) == normalised(region):
                continue
            text = "\n".join(mine.lines)
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            kept = [node for node in tree.body if isinstance(node, _REPLAYED)]
            if kept:
                earlier.append(ast.unparse(ast.Module(body=kept, type_ignores=[])))
    return found


def solution_lines(source: LabSource) -> set[str]:
    """The solution's lines long enough to be recognised in a message (comments aside)."""
    lines = set()
    for step in source.steps:
        if isinstance(step, ExerciseCell):
            for region in step.regions:
                lines.update(
                    line.strip() for line in region.lines if len(line.strip()) >= _MIN_WITHHELD
                )
    return {line for line in lines if not line.startswith(("#", "###"))}
