"""Each lab's checks catch plausible mistakes, each in its own exercise (docs/grading-contract.md).

For each lab, every mutant of its table in tests/mutation/ (``mutants.py`` for TP7,
``mutants_tp8.py`` for TP8) runs through the harness: one warm kernel runs the source once, each
mutant tried at its exercise cell. ``python bench/mutation.py --lab LAB`` prints the same table
on its own.
"""

from __future__ import annotations

import nbformat
import pytest

from tp_helpers.grading.model.source import START_RE

from .mutation.harness import LABS, lab_source, report, run_lab

GOAL = 0.90


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_checks_catch_single_mistakes_in_their_own_exercise(lab):
    results = run_lab(lab)
    table = report(results)
    print(table)
    assert len(results) == len(LABS[lab])
    counted = [r for r in results if not r.mutant.survives]
    share = sum(r.caught for r in counted) / len(counted)
    assert share >= GOAL, table
    undeclared = [r.mutant for r in counted if not r.caught]
    assert not undeclared, f"mutants surviving without a stated reason:\n{table}"


@pytest.mark.parametrize("lab", LABS)
def test_every_exercise_has_mutants(lab):
    nb = nbformat.read(lab_source(lab), as_version=4)
    exercises = {
        m["id"] for c in nb.cells for line in c.source.splitlines() if (m := START_RE.match(line))
    }
    assert exercises == {m.exercise for m in LABS[lab]}
