"""Mutation score of a lab's checks: which single mistakes fail their own exercise's check.

    python bench/mutation.py [--lab tp7_qa|tp8_unanswerable]

Prints one line per mutant (caught / SURVIVED, with the first line of the hint the student
would read) and the share caught, then the seconds it took. Offline profile, training capped as
in grading. Without ``--lab``, TP7.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.mutation.harness import LABS, report, run_lab  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", choices=sorted(LABS), default="tp7_qa")
    lab = parser.parse_args().lab
    started = time.perf_counter()
    results = run_lab(lab)
    print(report(results))
    print(f"{len(results)} mutants of {lab} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
