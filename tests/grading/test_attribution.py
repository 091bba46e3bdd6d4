"""Each exercise on its own: the runs grade_cell asks for, with scripted runs.

Every run starts from the zygote's state (a fresh process in the engine): no run restores
anything, and a run's checks run only when its cell did not raise."""

from __future__ import annotations

import pytest

from tp_helpers.grading.engine.protocol import CellRun, JobRun
from tp_helpers.grading.model.source import Region
from tp_helpers.grading.scoring.attribution import grade_cell


class ScriptedKernel:
    """Cells fail when they contain BOOM/SLOW; check NN fails when the last cell has WRONGNN."""

    def __init__(self, cell, stderr_checks=()):
        self.checks = {check.source: check.exercise_id for check in cell.checks}
        self.stderr_checks = set(stderr_checks)
        self.calls: list[str] = []
        self.last_cell = ""

    def __call__(self, code: str) -> CellRun:
        self.calls.append(code)
        if code in self.checks:
            rid = self.checks[code]
            if rid in self.stderr_checks:
                return CellRun(stderr="/tmp/ipykernel_1/2.py:3: UserWarning: loud\n  warn()\n")
            if f"WRONG{rid}" in self.last_cell:
                return CellRun(error=("AssertionError", f"Exercise {rid}: expected 3, got 4"))
            return CellRun()
        self.last_cell = code
        if "SLOW" in code:
            return CellRun(error=("KeyboardInterrupt", ""), timed_out=True)
        if "BOOM" in code:
            return CellRun(error=("ValueError", "boom"))
        if "NOISY" in code:
            return CellRun(stderr="UserWarning: deprecated\n")
        return CellRun()

    def job(self, code: str, checks) -> JobRun:
        """One run: the cell, then its checks unless it raised (what the engine does)."""
        self.jobs += 1
        cell = self(code)
        return JobRun(cell, [None if cell.raised else self(check) for check in checks])

    jobs = 0

    @property
    def kinds(self) -> list[str]:
        return ["check" if code in self.checks else "cell" for code in self.calls]


@pytest.fixture
def shared(tiny_source):
    return tiny_source.steps[2]  # exercises 02 and 03 in one cell


@pytest.fixture
def single(tiny_source):
    return tiny_source.steps[1]  # exercise 01


def regions(**codes: str) -> dict[str, Region]:
    return {
        rid.lstrip("r"): Region(rid.lstrip("r"), "    ", (f"    {code}",))
        for rid, code in codes.items()
    }


def solution_regions(cell) -> dict[str, Region]:
    return {region.exercise_id: region for region in cell.regions}


def verdicts(outcome):
    return [(r.id, r.points, r.passed, r.hint) for r in outcome.results]


def test_honest_cell_runs_once_with_its_checks(shared):
    kernel = ScriptedKernel(shared)
    outcome = grade_cell(kernel.job, shared, regions(r02="mean = 2", r03="spread = 5"), timeout=9)
    assert kernel.kinds == ["cell", "check", "check"] and outcome.executions == 3
    assert verdicts(outcome) == [("02", 2, True, ""), ("03", 3, True, "")]
    assert "mean = 2" in kernel.calls[0] and "spread = 5" in kernel.calls[0]


def test_solution_typed_back_is_honest(shared):
    kernel = ScriptedKernel(shared)
    outcome = grade_cell(kernel.job, shared, solution_regions(shared), timeout=9)
    assert outcome.executions == 3 and all(r.passed for r in outcome.results)


def test_one_wrong_region_costs_only_its_points(shared):
    kernel = ScriptedKernel(shared)
    student = {**solution_regions(shared), **regions(r03="spread = WRONG03")}
    outcome = grade_cell(kernel.job, shared, student, timeout=9)
    assert verdicts(outcome) == [
        ("02", 2, True, ""),
        ("03", 0, False, "AssertionError: Exercise 03: expected 3, got 4"),
    ]
    # the first run was already 03 alone (02 is the solution's): nothing more runs
    assert kernel.kinds == ["cell", "check", "check"] and kernel.jobs == 1


def test_each_differing_region_is_rerun_alone(shared):
    kernel = ScriptedKernel(shared)
    student = regions(r02="mean = BOOM", r03="spread = other_but_right")
    outcome = grade_cell(kernel.job, shared, student, timeout=9)
    assert verdicts(outcome) == [
        ("02", 0, False, "the exercise cell raised ValueError: boom"),
        ("03", 3, True, ""),
    ]
    # all together (raises) → 02 alone (raises, no check) → 03 alone + its check
    assert kernel.kinds == ["cell", "cell", "cell", "check"] and kernel.jobs == 3
    alone_02, alone_03 = kernel.calls[1], kernel.calls[2]
    assert "mean = BOOM" in alone_02 and "spread = other_but_right" not in alone_02
    assert "spread = other_but_right" in alone_03 and "mean = BOOM" not in alone_03
    assert "mean = sum(values) / len(values)" in alone_03  # the solution's 02


def test_collateral_failure_of_a_cell_mate_is_not_charged(shared):
    kernel = ScriptedKernel(shared)
    student = regions(r02="mean = WRONG02 WRONG03", r03="spread = same_but_retyped")
    outcome = grade_cell(kernel.job, shared, student, timeout=9)
    assert [r.passed for r in outcome.results] == [False, True]


def test_missing_markers_give_zero_and_the_solution_runs(shared):
    kernel = ScriptedKernel(shared)
    outcome = grade_cell(kernel.job, shared, {"02": solution_regions(shared)["02"]}, timeout=9)
    assert verdicts(outcome) == [
        ("02", 2, True, ""),
        ("03", 0, False, "markers of exercise 03 not found"),
    ]
    assert kernel.calls[0] == "\n".join(shared.source.splitlines())  # solution's 03 used
    assert outcome.executions == 3  # checks pass: nothing re-run


def test_single_exercise_cell_needs_no_extra_run(single):
    kernel = ScriptedKernel(single)
    outcome = grade_cell(kernel.job, single, regions(r01="return SLOW"), timeout=7)
    assert verdicts(outcome) == [("01", 0, False, "timed out after 7 s")]
    assert kernel.kinds == ["cell"] and kernel.jobs == 1  # the student's cell, nothing else


def test_stderr_in_a_check_fails_with_the_warning_line_only(single):
    kernel = ScriptedKernel(single, stderr_checks={"01"})
    outcome = grade_cell(kernel.job, single, regions(r01="return x * x + 0"), timeout=9)
    (result,) = outcome.results
    assert not result.passed
    assert result.hint == (
        "the check wrote to stderr (warnings count as failures): UserWarning: loud"
    )


def test_hints_quoting_hidden_tests_are_withheld(single):
    hidden = 'assert square(-7) == 49, "secret"'

    def run(code, checks):
        return JobRun(CellRun(), [CellRun(error=("AssertionError", f"failed: {hidden}"))])

    outcome = grade_cell(run, single, regions(r01="return 0"), timeout=9, hidden_lines=[hidden])
    assert outcome.results[0].hint == (
        "AssertionError: (details withheld: they quote the instructor's code)"
    )


def test_a_run_that_ended_before_a_check_fails_that_exercise_only(shared):
    def run(code, checks):  # the process dies in every check of exercise 03
        return JobRun(
            CellRun(), [None if "Exercise 03" in check else CellRun() for check in checks]
        )

    student = regions(r02="mean = 2", r03="spread = 5")
    outcome = grade_cell(run, shared, student, timeout=9)
    assert verdicts(outcome) == [
        ("02", 2, True, ""),
        ("03", 0, False, "the check did not run: the run ended before it"),
    ]


def test_an_exercise_cell_may_write_to_stderr(single):
    kernel = ScriptedKernel(single)
    outcome = grade_cell(kernel.job, single, regions(r01="return NOISY"), timeout=9)
    assert verdicts(outcome) == [("01", 1, True, "")] and outcome.executions == 2


def test_a_hint_from_a_run_alone_is_never_its_own_message(shared):
    """A run alone holds the cell-mates' solutions: its messages could carry them."""

    def run(code, checks):
        if "mean = LEAK" in code and "spread = mine" in code:  # the student's whole cell
            return JobRun(CellRun(), [CellRun(error=("AssertionError", "got 9")), CellRun()])
        if "mean = LEAK" in code:  # 02 alone, beside the solution's 03
            return JobRun(CellRun(), [CellRun(error=("AssertionError", "got 9"))])
        return JobRun(CellRun(), [CellRun(error=("AssertionError", "03: stolen text"))])

    student = regions(r02="mean = LEAK", r03="spread = mine")
    outcome = grade_cell(run, shared, student, timeout=9)
    assert verdicts(outcome) == [
        ("02", 0, False, "AssertionError: got 9"),  # the same words came from their own run
        (
            "03",
            0,
            False,
            "AssertionError when graded on its own (the cell's other blocks replaced by the "
            "solution's); the message is not shown, as that run held code you did not write",
        ),
    ]
