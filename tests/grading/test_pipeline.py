"""Grading one submission end to end on the tiny lab, real processes (scoring.pipeline).

Most scenarios are graded once, as one class (the ``graded_class`` fixture); each test reads the
result of the student named after its scenario.
"""

from __future__ import annotations

import dataclasses

import pytest

from tp_helpers.grading import PIPELINE, grade_batch, grade_submission
from tp_helpers.grading.model.submission import Submission

from . import students as S
from .conftest import CLASS_TIMEOUT


def result_of(run, student_id):
    return next(r for r in run.results if r.student_id == student_id)


def points(result) -> dict[str, float]:
    return {e.id: e.points for e in result.exercises}


def hints(result) -> dict[str, str]:
    return {e.id: e.hint for e in result.exercises}


def test_pipeline_is_a_declared_list_of_steps():
    assert [step.name for step in PIPELINE] == ["read", "inspect", "restore", "execute", "score"]


@pytest.mark.parametrize("student", ["solution-as-submitted", "solutions-typed-back"])
def test_the_solution_scores_max_and_pays_nothing_extra(graded_class, student):
    result = result_of(graded_class, student)
    assert (result.status, result.score, result.max_score) == ("ok", 10, 10)
    assert all(e.passed and e.hint == "" for e in result.exercises)
    assert result.executions == 3 + 4  # exercise cells and check cells once each; given: never


def test_untouched_stub_scores_zero_with_status_ok(graded_class):
    result = result_of(graded_class, "untouched-stub")
    assert (result.status, result.score, result.reason) == ("ok", 0, "")
    assert hints(result) == {
        "01": "NotImplementedError: Exercise 01: …",
        "02": "NotImplementedError: Exercise 02: …",
        "03": "NotImplementedError: Exercise 03: …",
        "04": "the exercise cell raised NotImplementedError: Exercise 04: …",
    }


@pytest.mark.parametrize(
    ("student", "lost", "hint"),
    [
        ("shared-cell-02-wrong", "02", "the mean of [1, 2, 6] should be 3, got 9;"),
        ("shared-cell-03-wrong", "03", "the range of [1, 2, 6] should be 5, got 6;"),
    ],
)
def test_one_wrong_exercise_of_a_shared_cell_loses_only_its_points(
    graded_class, student, lost, hint
):
    result = result_of(graded_class, student)
    expected = {"01": 1, "02": 2, "03": 3, "04": 4}
    expected[lost] = 0
    assert result.status == "ok" and points(result) == expected
    assert hint in hints(result)[lost]
    assert all(e.hint == "" for e in result.exercises if e.id != lost)


def test_both_regions_differing_are_graded_each_from_its_own_run(graded_class):
    result = result_of(graded_class, "shared-cell-both-differ")
    # 02 wrong (mean = 0); 03 right but typed differently: it needed its own run to pass
    assert points(result) == {"01": 1, "02": 0, "03": 3, "04": 4}
    assert "got 0;" in hints(result)["02"]
    assert result.executions == 7 + 2 + 2  # all once, then 02 alone + check, 03 alone + check


def test_a_raising_region_fails_only_its_exercise_and_no_cascade(graded_class):
    result = result_of(graded_class, "region-01-raises")
    assert points(result) == {"01": 0, "02": 2, "03": 3, "04": 4}  # 04 uses the restored square
    assert hints(result)["01"] == "ValueError: boom"
    cell = result_of(graded_class, "cell-04-raises")
    assert points(cell) == {"01": 1, "02": 2, "03": 3, "04": 0}
    assert hints(cell)["04"] == "the exercise cell raised ZeroDivisionError: division by zero"
    assert cell.notes == []  # the last given cell ran on the restored state


def test_a_cell_over_the_timeout_fails_only_its_exercise(graded_class):
    result = result_of(graded_class, "cell-04-sleeps")
    assert result.status == "timeout"  # flagged for the instructor; grading went on
    assert result.reason == f"the cell of exercise 04 timed out after {CLASS_TIMEOUT} s"
    assert points(result) == {"01": 1, "02": 2, "03": 3, "04": 0}
    assert hints(result)["04"] == f"timed out after {CLASS_TIMEOUT} s"
    assert result.notes == []  # the given cell after it ran (on the restored squares)


def test_an_exercise_cell_writing_to_stderr_still_passes(graded_class):
    """Only check cells must be quiet (nbgrader's rule); a warning in the exercise cell is fine."""
    result = result_of(graded_class, "cell-04-warns")
    assert (result.status, result.score) == ("ok", 10)


def test_deleted_markers_give_zero_for_that_exercise_only(graded_class):
    result = result_of(graded_class, "markers-03-deleted")
    assert points(result) == {"01": 1, "02": 2, "03": 0, "04": 4}
    assert hints(result)["03"] == "markers of exercise 03 not found"


def test_student_check_cells_and_given_code_are_ignored(graded_class):
    result = result_of(graded_class, "check-and-given-code-tampered")
    # the emptied check and the altered 'return' come from the source: 02-03 pass; 01's check
    # was edited: tampered, no points for 01 whatever its code
    assert points(result) == {"01": 0, "02": 2, "03": 3, "04": 4}
    assert result.status == "tampered"
    assert result.reason == "the check cell of exercise 01 (ex01_check) was edited"
    assert hints(result)["01"] == f"tampered: {result.reason}"


def test_a_process_that_exits_costs_only_its_run(graded_class):
    result = result_of(graded_class, "kernel-killed-at-04")
    assert result.status == "kernel_died"
    assert result.reason == "the process running the cell of exercise 04 died (exit status 1)"
    assert points(result) == {"01": 1, "02": 2, "03": 3, "04": 0}
    assert hints(result)["04"] == "the process running the exercise cell died (exit status 1)"


def test_invalid_json_is_an_invalid_notebook(graded_class):
    result = result_of(graded_class, "not-json")
    assert result.status == "invalid_notebook" and result.score == 0
    assert result.reason.startswith("not a notebook:")
    assert [e.points for e in result.exercises] == [0, 0, 0, 0]


def test_result_object_is_uniform(tmp_path, tiny_source, settings, tiny_nb):
    path = S.write(tiny_nb, tmp_path / "s1.ipynb")
    result = grade_submission(Submission("s1", path), tiny_source, settings)
    data = result.to_dict()
    assert {
        "student_id",
        "status",
        "reason",
        "exercises",
        "score",
        "max_score",
        "seconds",
        "cpu_seconds",
    } <= set(data)
    assert result.seconds > 0 and result.cpu_seconds > 0
    assert result.source_sha256 == tiny_source.sha256 and len(result.submission_sha256) == 64
    assert list((settings.run_root / "runs").iterdir()) == []  # every run's folder removed


def test_nbgrader_generated_copy_grades_zero(tmp_path, tiny_source, settings, tiny_nb):
    """The stub nbgrader itself writes (generate_assignment's preprocessors) is understood."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

    nb, resources = tiny_nb, {}
    for preprocessor in (ClearSolutions(), ClearHiddenTests(), ClearOutput()):
        nb, resources = preprocessor.preprocess(nb, resources)
    path = S.write(nb, tmp_path / "s2.ipynb")
    result = grade_submission(Submission("s2", path), tiny_source, settings)
    assert (result.status, result.score) == ("ok", 0)
    assert hints(result)["04"] == "the exercise cell raised NotImplementedError"


def test_a_cell_ignoring_interrupts_is_killed_at_the_timeout(
    tmp_path, tiny_source, settings, solved_nb
):
    stubborn = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    stubborn += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    time.sleep(5)"
    path = S.write(S.with_region(solved_nb, "04", stubborn), tmp_path / "s3.ipynb")
    quick = dataclasses.replace(settings, timeout=1)
    result = grade_submission(Submission("s3", path), tiny_source, quick)
    assert result.status == "timeout"
    assert result.reason == "the cell of exercise 04 timed out after 1 s"
    assert points(result) == {"01": 1, "02": 2, "03": 3, "04": 0}


def test_a_whole_notebook_limit_gives_status_timeout(tmp_path, tiny_source, settings, tiny_nb):
    path = S.write(tiny_nb, tmp_path / "s4.ipynb")
    limited = dataclasses.replace(settings, notebook_timeout=0)
    result = grade_submission(Submission("s4", path), tiny_source, limited)
    assert (result.status, result.score) == ("timeout", 0)
    assert (
        result.reason == "the notebook took more than 0 s; stopped before the cell of exercise 01"
    )
    assert hints(result)["01"] == f"not graded: {result.reason}"


def _helper_lab(path):
    """Two exercises in two cells; the solution of 02 uses a helper defined by 01."""
    return S.make_lab(
        path,
        [
            (
                "exercise",
                "# --- START CODE HERE (01)\n### BEGIN SOLUTION\ndef plus_one(x):\n"
                "    return x + 1\n\nfirst = plus_one(1)\n### END SOLUTION\n# --- END CODE HERE",
                "ex01",
            ),
            ("check", 'assert first == 2, "Exercise 01: first should be 2"', "ex01_check"),
            (
                "exercise",
                "# --- START CODE HERE (02)\n### BEGIN SOLUTION\nsecond = plus_one(first)\n"
                "### END SOLUTION\n# --- END CODE HERE",
                "ex02",
            ),
            ("check", 'assert second == 3, "Exercise 02: second should be 3"', "ex02_check"),
        ],
    )


def test_names_defined_by_earlier_blocks_exist_in_later_runs(tmp_path, settings):
    """An honest student relying on their own helper (and import) of an earlier block keeps
    their points; a name the reference already has is not replaced by theirs (no cascade)."""
    from tp_helpers.grading import read_source

    source_nb = _helper_lab(tmp_path / "lab.ipynb")
    source = read_source(tmp_path / "lab.ipynb")
    stub = S.student_copy(source_nb)
    own = S.with_region(
        stub, "01", "import math as m\ndef inc(x):\n    return x + 1\n\nfirst = inc(1)"
    )
    own = S.with_region(own, "02", "second = inc(first) * m.floor(1.5)")
    broken_helper = S.with_region(stub, "01", "def plus_one(x):\n    return x - 1\n\nfirst = 2")
    broken_helper = S.with_region(broken_helper, "02", "second = plus_one(first)  # mine")
    results = grade_batch(
        [
            Submission("own", S.write(own, tmp_path / "own.ipynb")),
            Submission("shadow", S.write(broken_helper, tmp_path / "shadow.ipynb")),
        ],
        source,
        settings,
    )
    assert [(r.student_id, points(r)) for r in results] == [
        ("own", {"01": 1, "02": 1}),
        ("shadow", {"01": 1, "02": 1}),  # 02 runs with the reference's plus_one
    ]
