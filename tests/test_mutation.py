"""The checks catch plausible mistakes, each in its own exercise (docs/grading-contract.md).

Runs every mutant of tests/mutation/mutants.py through the harness (one warm kernel, about a
minute and a half here). ``python bench/mutation.py`` prints the same table on its own.
"""

from __future__ import annotations

import pytest

from .conftest import SOLUTION
from .mutation.harness import report, run_mutants
from .mutation.mutants import MUTANTS

GOAL = 0.90


@pytest.mark.slow
def test_checks_catch_single_mistakes_in_their_own_exercise():
    results = run_mutants(SOLUTION, MUTANTS)
    table = report(results)
    print(table)
    assert len(results) == len(MUTANTS)
    counted = [r for r in results if not r.mutant.survives]
    share = sum(r.caught for r in counted) / len(counted)
    assert share >= GOAL, table
    undeclared = [r.mutant for r in counted if not r.caught]
    assert not undeclared, f"mutants surviving without a stated reason:\n{table}"


def test_every_exercise_has_mutants():
    import nbformat

    from tp_helpers.grading.model.source import START_RE

    nb = nbformat.read(SOLUTION, as_version=4)
    exercises = {
        m["id"] for c in nb.cells for line in c.source.splitlines() if (m := START_RE.match(line))
    }
    assert exercises == {m.exercise for m in MUTANTS}
