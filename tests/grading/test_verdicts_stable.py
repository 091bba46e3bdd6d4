"""Verdicts that never flip: the same class graded with --jobs 1 and --jobs 2 (their runs get
different thread counts) gives the same verdict for every exercise of every student; and
``tp-course flaky`` names a check whose verdict depends on the thread count or the seed."""

from __future__ import annotations

import pytest

from tp_helpers.grading.classrun import grade_class
from tp_helpers.grading.flaky import find_flaky, flips, verdicts

from . import students as S
from .similarity_class import SOLUTION


def _flaky_lab(path):
    """Exercise 01's check depends on the run's thread count, 02's on the seed, 03's on
    nothing but the code."""
    region = "# --- START CODE HERE ({0})\n### BEGIN SOLUTION\nv{0} = '{0}'\n### END SOLUTION\n"
    region += "# --- END CODE HERE"
    checks = {
        "01": 'import os\nassert os.environ["OMP_NUM_THREADS"] == "1", "Exercise 01: one thread"',
        "02": 'import os\nassert os.environ.get("TP_SEED", "42") != "7", "Exercise 02: seed"',
        "03": 'assert v03 == "03", "Exercise 03: v03 should be 03"',
    }
    cells = []
    for exercise, check in checks.items():
        cells.append(("exercise", region.format(exercise), f"ex{exercise}"))
        cells.append(("check", check, f"ex{exercise}_check"))
    return S.make_lab(path, cells)


def test_flaky_checks_are_named(tmp_path):
    lab = tmp_path / "lab.ipynb"
    nb = _flaky_lab(lab)
    handout = S.write(S.student_copy(nb), tmp_path / "handout.ipynb")
    found = find_flaky(lab, handout, settings=((1, None), (2, 42), (1, 7)))
    named = {(flip.student, flip.exercise) for flip in found}
    assert named == {("solution", "01"), ("solution", "02")}
    line = next(f for f in found if f.exercise == "01").line(((1, None), (2, 42), (1, 7)))
    assert line == (
        "exercise 01 on solution: passed with 1 thread(s), seed of the profile, failed with 2 "
        "thread(s), seed 42, passed with 1 thread(s), seed 7"
    )


def test_flips_compares_every_key():
    first = {("a", "01"): True, ("a", "02"): False}
    assert flips([first, dict(first)]) == []
    changed = flips([first, {("a", "01"): False, ("a", "02"): False}])
    assert [(f.exercise, f.verdicts) for f in changed] == [("01", (True, False))]


@pytest.mark.slow
def test_tp7_verdicts_equal_across_jobs(tmp_path):
    """Three TP7 students (the solution, the handout untouched, two mistakes) graded with
    --jobs 1 (2 threads per run on 2 cores) and --jobs 2 (1 thread each): same verdicts."""
    source = S.read(SOLUTION)
    handout = S.student_copy(source)
    mistakes = S.with_region(source, "06", "token_end_index = len(sequence_ids) - 2")
    mistakes = S.with_region(mistakes, "18", "start_indexes = []\nend_indexes = []")
    folder = tmp_path / "class"
    for name, nb in {"s1": source, "s2": handout, "s3": mistakes}.items():
        S.write(nb, folder / f"{name}.ipynb")
    one = grade_class(folder, tmp_path / "jobs1", SOLUTION, jobs=1, threads=2, progress=False)
    two = grade_class(folder, tmp_path / "jobs2", SOLUTION, jobs=2, threads=1, progress=False)
    assert one.ok and two.ok
    first, second = verdicts(one.results), verdicts(two.results)
    assert len(first) == 90 and first == second
    passed = {s: sum(v for (who, _), v in first.items() if who == s) for s in ("s1", "s2", "s3")}
    assert passed["s1"] == 30 and passed["s2"] == 0 and 0 < passed["s3"] < 30, passed
