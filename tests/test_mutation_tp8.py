"""TP8's checks catch plausible mistakes, each in its own exercise (the same harness as TP7's).

One warm kernel runs the TP8 source once, with each mutant of tests/mutation/mutants_tp8.py tried
at its exercise cell; the goal is TP7's, at least 90 % caught.
"""

from __future__ import annotations

import pytest

from .conftest import REPO
from .mutation.harness import report, run_mutants
from .mutation.mutants_tp8 import MUTANTS

SOURCE = REPO / "solutions" / "tp8_unanswerable.ipynb"
GOAL = 0.90


@pytest.mark.slow
def test_tp8_checks_catch_single_mistakes_in_their_own_exercise():
    results = run_mutants(SOURCE, MUTANTS)
    table = report(results)
    print(table)
    assert len(results) == len(MUTANTS)
    counted = [r for r in results if not r.mutant.survives]
    share = sum(r.caught for r in counted) / len(counted)
    assert share >= GOAL, table
    undeclared = [r.mutant for r in counted if not r.caught]
    assert not undeclared, f"mutants surviving without a stated reason:\n{table}"


def test_every_tp8_exercise_has_mutants():
    import nbformat

    from tp_helpers.grading.model.source import START_RE

    nb = nbformat.read(SOURCE, as_version=4)
    exercises = {
        m["id"] for c in nb.cells for line in c.source.splitlines() if (m := START_RE.match(line))
    }
    assert exercises == {m.exercise for m in MUTANTS}
