"""A regrade of one exercise keeps every other verdict; unknown names are refused."""

from __future__ import annotations

import pytest

from tp_helpers.grading.model.result import ExerciseResult, StudentResult
from tp_helpers.grading.week.regrade import RegradeError, check_names, merge_exercises


def result(points: dict[str, float]) -> StudentResult:
    exercises = [ExerciseResult(i, p, 2.0, p == 2.0) for i, p in points.items()]
    return StudentResult("s1", "ok", "", exercises, sum(points.values()), 6.0)


def test_only_the_named_exercise_changes():
    old = result({"01": 2.0, "02": 0.0, "03": 2.0})
    new = result({"01": 0.0, "02": 2.0, "03": 0.0})  # a fixed check, and two others flipped
    merged = merge_exercises(old, new, ["02"])
    assert [e.points for e in merged.exercises] == [2.0, 2.0, 2.0] and merged.score == 6.0
    assert "regraded exercise(s) 02" in merged.notes[-1]
    assert merge_exercises(None, new, ["02"]) is new


def test_unknown_names_are_refused():
    check_names(["s1", "s2"], ["01", "02"], ["s2"], ["01"])
    with pytest.raises(RegradeError, match="--student s9"):
        check_names(["s1"], ["01"], ["s9"], [])
    with pytest.raises(RegradeError, match="--exercise 31"):
        check_names(["s1"], ["01"], [], ["31"])
