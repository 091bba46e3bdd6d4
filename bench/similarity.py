"""``tp-course similarity`` on a class of 200 TP7 submissions: seconds and peak memory.

The class comes from tests/grading/similarity_class.py: each student's six free exercises drawn
from six hand-written ways, renamed and commented at random, every tenth student a disguised
copy of the one before; the rest of the notebook is the solution (what everyone writes alike).
Prints the time to write the notebooks (not counted), then to read, fingerprint, compare and
write the report, and the peak RSS.

    python bench/similarity.py [--students 200]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.grading import similarity_class  # noqa: E402
from tp_helpers.grading.similarity import similarity_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        start = time.perf_counter()
        similarity_class.write_class(folder, similarity_class.random_class(args.students))
        written = time.perf_counter() - start
        start = time.perf_counter()
        result = similarity_report(folder, similarity_class.SOLUTION, Path(tmp) / "out")
        seconds = time.perf_counter() - start
        page = (Path(tmp) / "out" / "similarity.html").stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    copies = {(f"b{n - 1:03d}", f"b{n:03d}") for n in range(9, args.students, 10)}
    top = {(p.a, p.b) for p in result.pairs[: len(copies)]}
    print(f"students: {args.students} (notebooks written in {written:.1f} s, not counted)")
    print(f"similarity: {seconds:.1f} s, peak RSS {peak:.0f} MiB, page {page / 1024:.0f} KiB")
    print(f"pairs sharing code: {len(result.pairs)} of {args.students * (args.students - 1) // 2}")
    print(f"planted whole copies in the top {len(copies)}: {len(copies & top)} of {len(copies)}")


if __name__ == "__main__":
    main()
