"""One Gradescope submission, graded on Gradescope: what its ``run_autograder`` script starts.

``python -m tp_helpers.grading.autograder --root /autograder --source NOTEBOOK`` finds the
student's notebook, grades it with the same class run as ``tp-course grade`` (the notebook as
the class's only student) and writes ``results.json`` in Gradescope's format
(:mod:`.platforms.gradescope`). It sits on top of the class run, as the CLI does: the platform
modules below never import the class run.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .classrun import GradingError, grade_class, usable_cores
from .model.source import read_source
from .platforms.gradescope import (
    CELL_TIMEOUT,
    STUDENT,
    OutOfTime,
    SubmissionProblem,
    container_line,
    cpu_quota,
    failure_results,
    find_notebook,
    problem_results,
    student_results,
    write_results,
)
from .platforms.gradescope import late as gradescope_late


def run_autograder(
    root: Path,
    source: Path,
    *,
    timeout: float = CELL_TIMEOUT,
    notebook_timeout: float | None = None,
) -> dict:
    """Grade the notebook in ``root/submission`` against ``source``; return results.json's data.

    The same engine as ``tp-course grade``: the notebook goes, as the class's only student,
    through :func:`.classrun.grade_class`. Raises only for the grader's own failures.
    """
    started = time.monotonic()
    root, source = Path(root), Path(source)
    lab = read_source(source)
    _protect(source)
    try:
        notebook = find_notebook(root / "submission", source.name)
    except SubmissionProblem as exc:
        print(f"no notebook graded: {exc}")
        return problem_results(str(exc), lab, time.monotonic() - started)
    print(f"grading {notebook.relative_to(root)} against {source.name}; {container_line()}")
    with tempfile.TemporaryDirectory(prefix="tp-gradescope-") as tmp:
        flat = Path(tmp) / "submissions"
        flat.mkdir()
        shutil.copyfile(notebook, flat / f"{STUDENT}.ipynb")
        run = grade_class(
            flat,
            Path(tmp) / "out",
            source,
            jobs=1,
            progress=False,
            timeout=timeout,
            notebook_timeout=notebook_timeout,
            threads=_cpu_threads(),
        )
    print(run.sandbox)
    if run.failed:
        raise GradingError(run.failed[STUDENT])
    result = run.results[0]
    print(result.line(), *(f"note: {note}" for note in result.notes), sep="\n")
    results = student_results(result, time.monotonic() - started)
    return _late(results, root, source, result.max_score)


def _late(results: dict, root: Path, source: Path, max_score: float) -> dict:
    """The course file's late rule on Gradescope's times (:mod:`.platforms.gradescope.late`
    says why the penalty goes into the score): unchanged without a course file in the zip or
    without Gradescope's metadata, and the instructors' log says which."""
    course = gradescope_late.course_beside(source)
    if course is None:
        print("lateness: no course file in the autograder zip, no late rule applied")
        return results
    times = gradescope_late.read_metadata(root / gradescope_late.METADATA)
    if times is None:
        print(f"lateness: no readable {gradescope_late.METADATA}, no late rule applied")
        return results
    print(gradescope_late.log_line(course, source.stem, times))
    late = gradescope_late.gradescope_lateness(
        course, source.stem, times, results["score"], max_score
    )
    return gradescope_late.with_late_penalty(results, late, max_score)


def _protect(source: Path) -> None:
    """Make the solution unreadable to the student's runs. A root grader runs them under a uid
    of their own (:mod:`.engine.policy`), and Gradescope leaves ``source/`` readable by everyone."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        for path, mode in ((source, 0o600), (source.parent, 0o700)):
            with contextlib.suppress(OSError):
                path.chmod(mode)


def _cpu_threads() -> int | None:
    """Threads per run: a container's quota, not the host's cores its affinity shows (torch
    with 32 threads on half a CPU crawls)."""
    quota = cpu_quota()
    return max(1, min(usable_cores(), math.ceil(quota))) if quota else None


@contextlib.contextmanager
def _deadline(seconds: float | None):
    """Raise :class:`OutOfTime` after ``seconds``, or when Gradescope sends SIGTERM."""

    def stop(signum, frame):
        raise OutOfTime(
            f"out of time after {seconds:g} s"
            if signum == signal.SIGALRM
            else "stopped by Gradescope"
        )

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGALRM, signal.SIGTERM)}
    if seconds is not None:
        signal.setitimer(signal.ITIMER_REAL, max(1.0, seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _max_score(source: Path) -> float:
    try:
        return read_source(source).max_score
    except Exception:
        return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m tp_helpers.grading.autograder --root /autograder --source NOTEBOOK``.

    Exit status 0 whenever results.json was written (Gradescope reads it, whatever happened).
    """
    started = time.monotonic()
    parser = argparse.ArgumentParser(description="Grade one Gradescope submission.")
    parser.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    parser.add_argument("--source", required=True, help="the lab's source (solution) notebook")
    parser.add_argument("--deadline", type=float, help="seconds before results must be written")
    parser.add_argument("--timeout", type=float, default=CELL_TIMEOUT, help="seconds per cell")
    args = parser.parse_args(argv)
    path = Path(args.root) / "results" / "results.json"
    source = Path(args.source)
    try:
        # written first: a grader killed (memory, time) leaves this one, not nothing
        stopped = OutOfTime("the grader was stopped: out of time or out of memory")
        write_results(path, failure_results(stopped, 0))
        # the student's runs get half the time: the source's run and a stuck cell need the rest
        notebook_timeout = 0.5 * args.deadline if args.deadline else None
        with _deadline(args.deadline):
            results = run_autograder(
                Path(args.root), source, timeout=args.timeout, notebook_timeout=notebook_timeout
            )
    except BaseException as exc:  # noqa: BLE001 - the student must get a results.json
        traceback.print_exc(file=sys.stdout)  # the instructor's log, hidden from students
        results = failure_results(exc, time.monotonic() - started, _max_score(source))
    try:
        write_results(path, results)
    except BaseException:  # noqa: BLE001
        traceback.print_exc(file=sys.stdout)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
