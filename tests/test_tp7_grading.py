"""Class grading of the real lab: real nbgrader metadata, real kernels, the `tp-course grade` CLI.

One class run grades: the solution submitted as a student, the untouched student notebook, and
nine notebooks with exactly one plausible mistake in one exercise (taken from the mutation
harness). Each broken notebook must lose exactly that exercise's points, its cell-mates' included.

The whole class takes about three minutes on 2 cores (two kernels of one thread each), which
`.ci/run` cannot afford beside the rest: by default it grades a sample of three broken notebooks,
one per kind of multi-exercise cell, and skips the others with the reason. `TP_WHOLE_CLASS=1`
grades all nine (the GitHub workflow sets it).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import nbformat
import pytest

from tp_helpers.grading.model.source import find_regions, substitute

from .conftest import REPO, SOLUTION
from .mutation.harness import mutate
from .mutation.mutants import MUTANTS

STUDENT = REPO / "notebooks" / "tp7_qa.ipynb"
BROKEN = {  # exercise -> mutant name; cell-mates in brackets
    "03": "stride 0",
    "06": "question sequence id",  # [05, 07]
    "07": "missing - 1",  # [05, 06]
    "10": "question sequence id",  # [08, 09, 11, 12]
    "12": "missing + 1",  # [08-11]
    "19": ">= for >",  # [18]
    "22": "question offsets kept",  # [20, 21]
    "26": "length without + 1",  # [24, 25]
    "28": "question tokens kept",  # [27, 29]
}
SAMPLE = ("06", "12", "22")  # training windows, the label loop's bound, validation features
WHOLE_CLASS = os.environ.get("TP_WHOLE_CLASS", "") == "1"
GRADED = sorted(BROKEN) if WHOLE_CLASS else sorted(SAMPLE)


def _broken(exercise: str, name: str) -> nbformat.NotebookNode:
    mutant = next(m for m in MUTANTS if m.exercise == exercise and m.name == name)
    nb = nbformat.read(SOLUTION, as_version=4)
    for cell in nb.cells:
        regions, _ = find_regions(cell.source)
        for region in regions:
            if region.exercise_id == exercise:
                cell.source = substitute(cell.source, {exercise: mutate(region, mutant)})
                return nb
    raise LookupError(exercise)


def _student_notebook() -> nbformat.NotebookNode:
    if STUDENT.is_file():
        return nbformat.read(STUDENT, as_version=4)
    pytest.skip(f"{STUDENT} does not exist yet: run `tp-course build`")


@pytest.fixture(scope="module")
def class_run(tmp_path_factory):
    submissions = tmp_path_factory.mktemp("submissions")
    nbformat.write(nbformat.read(SOLUTION, as_version=4), submissions / "perfect.ipynb")
    nbformat.write(_student_notebook(), submissions / "untouched.ipynb")
    for exercise in GRADED:
        broken = _broken(exercise, BROKEN[exercise])
        nbformat.write(broken, submissions / f"broken_{exercise}.ipynb")
    out = tmp_path_factory.mktemp("graded")
    env = dict(os.environ, TP_PROFILE="offline")
    command = [
        sys.executable,
        "-m",
        "tp_helpers.cli",
        "grade",
        str(submissions),
        "--out",
        str(out),
        "--source",
        str(SOLUTION),
        "--jobs",
        "2",
    ]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return out, rows


def _exercise_columns(row: dict) -> dict[str, float]:
    return {k[2:]: float(v) for k, v in row.items() if k.startswith("ex") and v != ""}


def test_solution_scores_the_maximum(class_run):
    _, rows = class_run
    row = rows["perfect"]
    assert row["status"] == "ok"
    assert float(row["score"]) == float(row["max_score"]) == 30


def test_untouched_student_notebook_scores_zero(class_run):
    _, rows = class_run
    row = rows["untouched"]
    assert row["status"] == "ok"
    assert set(_exercise_columns(row).values()) == {0.0}


@pytest.mark.parametrize("exercise", sorted(BROKEN))
def test_one_mistake_costs_exactly_its_own_exercise(class_run, exercise):
    if exercise not in GRADED:
        pytest.skip(f"exercise {exercise} is sampled out of this run; TP_WHOLE_CLASS=1 grades it")
    out, rows = class_run
    row = rows[f"broken_{exercise}"]
    assert row["status"] == "ok", row
    lost = {ex for ex, points in _exercise_columns(row).items() if points == 0}
    assert lost == {exercise}, row
    result = json.loads((out / "results" / f"broken_{exercise}.json").read_text())
    feedback = (out / "feedback" / f"broken_{exercise}.html").read_text()
    assert f"Exercise {exercise}" in feedback  # the hint names the exercise
    assert result["score"] == 29


def test_feedback_holds_results_and_hints_but_no_hidden_test(class_run):
    from tp_helpers.grading.model.source import read_source

    out, _ = class_run
    hidden = read_source(SOLUTION).hidden_lines
    assert len(hidden) >= 10
    for page in (out / "feedback").glob("*.html"):
        text = page.read_text()
        leaked = [line for line in hidden if line in text]
        assert not leaked, (page.name, leaked)
        assert "Traceback" not in text
    assert "22" in GRADED  # the sample keeps the notebook this test reads
    broken = (out / "feedback" / "broken_22.html").read_text()
    assert "a question token kept its offset" in broken  # the hint of the check that failed
    summary = (out / "summary.html").read_text()
    assert "ex22" in summary or "22" in summary
