"""Mutation harness: does each plausible mistake fail the check of its own exercise?

One warm kernel runs the lab's source notebook top to bottom, as the grader does. At each
exercise cell, after the solution and its checks have passed, every mutant of that cell's
exercises is run in turn: the cell with that one region mutated, then the exercise's check cell
(visible and hidden tests). A mutant is *caught* when the mutated cell raises or that check
fails, as in grading (an exercise cell that raises loses its exercise). The solution cell is run
again afterwards, so later cells see the right state. Whole notebooks are never re-run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tp_helpers.grading.engine.policy import grading_env
from tp_helpers.grading.model.source import (
    ExerciseCell,
    Region,
    read_source,
    reindent,
    substitute,
)
from tp_helpers.runner import write_kernelspec

from . import mutants, mutants_tp8
from .kernel import KernelSession
from .mistakes import Mutant

REPO = Path(__file__).resolve().parents[2]

#: each lab's mutants, by the name of its source notebook in solutions/
LABS: dict[str, tuple[Mutant, ...]] = {
    "tp7_qa": mutants.MUTANTS,
    "tp8_unanswerable": mutants_tp8.MUTANTS,
}


@dataclass
class MutantResult:
    mutant: Mutant
    caught: bool
    hint: str  # the first line of what the check said (or why the mutant could not run)


class MutantError(Exception):
    """A mutant that does not apply to the source (its text is not found exactly once)."""


def mutate(region: Region, mutant: Mutant) -> Region:
    """The region with the mutant's mistake in it, at the region's own indentation.

    Mistakes are written as if the START marker stood at the left margin, so that one mistake
    serves every exercise that repeats the same code at another depth.
    """
    text = "\n".join(reindent(region, ""))
    if text.count(mutant.old) != 1:
        raise MutantError(
            f"mutant {mutant.exercise} {mutant.name!r}: {mutant.old!r} occurs "
            f"{text.count(mutant.old)} times in the region; fix its lab's table in tests/mutation/"
        )
    at_margin = Region(
        region.exercise_id, "", tuple(text.replace(mutant.old, mutant.new).split("\n"))
    )
    return Region(region.exercise_id, region.indent, tuple(reindent(at_margin, region.indent)))


def run_mutants(
    source_path: Path, mutants: Iterable[Mutant], threads: int = 2, timeout: float = 120
) -> list[MutantResult]:
    source = read_source(source_path)
    by_exercise: dict[str, list[Mutant]] = {}
    for mutant in mutants:
        by_exercise.setdefault(mutant.exercise, []).append(mutant)
    results: list[MutantResult] = []
    with tempfile.TemporaryDirectory(prefix="tp-mutants-") as tmp:
        kernels = write_kernelspec(Path(tmp))
        with KernelSession(kernels, Path(tmp), grading_env(threads), timeout=timeout) as kernel:
            for step in source.steps:
                run = kernel.run(step.source)
                if not isinstance(step, ExerciseCell):
                    continue
                if not run.passed:
                    raise RuntimeError(f"the solution cell {step.grade_id} failed: {run.error}")
                for check in step.checks:
                    outcome = kernel.run(check.source)
                    if not outcome.passed:
                        raise RuntimeError(
                            f"{check.grade_id} fails on the solution: "
                            f"{outcome.error or outcome.stderr}"
                        )
                for region in step.regions:
                    check = next(c for c in step.checks if c.exercise_id == region.exercise_id)
                    for mutant in by_exercise.get(region.exercise_id, []):
                        mutated = substitute(
                            step.source, {region.exercise_id: mutate(region, mutant)}
                        )
                        cell_run = kernel.run(mutated)
                        check_run = kernel.run(check.source)
                        hint = (cell_run.error or check_run.error or ("", check_run.stderr))[1]
                        raised = cell_run.error is not None or cell_run.timed_out
                        results.append(
                            MutantResult(
                                mutant,
                                raised or not check_run.passed,
                                hint.strip().splitlines()[0] if hint.strip() else "",
                            )
                        )
                        kernel.run(step.source)  # restore the state later cells need
    return results


def lab_source(lab: str) -> Path:
    """The source notebook of ``lab`` (a key of :data:`LABS`)."""
    return REPO / "solutions" / f"{lab}.ipynb"


def run_lab(lab: str, threads: int = 2, timeout: float = 120) -> list[MutantResult]:
    """Every mutant of ``lab`` tried on its source notebook."""
    return run_mutants(lab_source(lab), LABS[lab], threads, timeout)


def report(results: list[MutantResult]) -> str:
    counted = [r for r in results if not r.mutant.survives]
    caught = sum(r.caught for r in counted)
    lines = [
        f"mutants caught in their own exercise: {caught}/{len(counted)} "
        f"({100 * caught / max(len(counted), 1):.1f} %); "
        f"{len(results) - len(counted)} declared equivalent"
    ]
    for r in results:
        mark = "caught " if r.caught else "SURVIVED"
        why = f"  [{r.mutant.survives}]" if r.mutant.survives else ""
        lines.append(f"  {mark} {r.mutant.exercise} {r.mutant.name}: {r.hint[:90]}{why}")
    return "\n".join(lines)
