"""Mutation score of the TP7 checks: which single mistakes fail their own exercise's check.

    python bench/mutation.py

Prints one line per mutant (caught / SURVIVED, with the first line of the hint the student
would read) and the share caught, then the seconds it took. Offline profile, training capped as
in grading.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.mutation.harness import report, run_mutants  # noqa: E402
from tests.mutation.mutants import MUTANTS  # noqa: E402


def main() -> int:
    started = time.perf_counter()
    results = run_mutants(REPO / "solutions" / "tp7_qa.ipynb", MUTANTS)
    print(report(results))
    print(f"{len(results)} mutants in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
