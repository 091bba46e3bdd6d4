"""A second lab dropped into solutions/ is built and graded with no change to the package.

The tiny lab of the grading tests goes through the whole product with the CLI only:
`tp-course build` makes its student notebook with nbgrader, then `tp-course grade` grades the
solution (full marks), the untouched student notebook (zero everywhere) and the student notebook
with the solutions typed back in (full marks).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import nbformat

from tp_helpers.grading.model.source import find_regions, substitute

from .conftest import REPO

TINY_LAB = REPO / "tests" / "fixtures" / "tiny_lab" / "tiny_lab.ipynb"


def _tp_course(*args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-m", "tp_helpers.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def _solutions_typed_back(student, solution):
    regions = {}
    for cell in solution.cells:
        for region in find_regions(cell.source)[0]:
            regions[region.exercise_id] = region
    for cell in student.cells:
        ids = [r.exercise_id for r in find_regions(cell.source)[0]]
        if ids:
            cell.source = substitute(cell.source, {i: regions[i] for i in ids})
    return student


def test_second_lab_builds_and_grades_round_trip(tmp_path):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copyfile(TINY_LAB, course / "solutions" / TINY_LAB.name)
    shutil.copyfile(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copyfile(REPO / "pyproject.toml", course / "pyproject.toml")
    _tp_course("build", "--root", str(course), cwd=course)
    student = nbformat.read(course / "notebooks" / TINY_LAB.name, as_version=4)
    assert "NotImplementedError" in nbformat.writes(student)

    solution = nbformat.read(TINY_LAB, as_version=4)
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    nbformat.write(solution, submissions / "solution.ipynb")
    nbformat.write(student, submissions / "untouched.ipynb")
    nbformat.write(_solutions_typed_back(student, solution), submissions / "typed_back.ipynb")
    out = tmp_path / "grades"
    source = course / "solutions" / TINY_LAB.name
    _tp_course("grade", str(submissions), "--out", str(out), "--source", str(source), cwd=course)

    with open(out / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    exercise_columns = [c for c in rows["solution"] if c.startswith("ex")]
    assert len(exercise_columns) == 4
    for student_id in ("solution", "typed_back"):
        assert rows[student_id]["status"] == "ok"
        assert rows[student_id]["score"] == rows[student_id]["max_score"] == "10"
    assert rows["untouched"]["status"] == "ok"
    assert {rows["untouched"][c] for c in exercise_columns} == {"0"}
