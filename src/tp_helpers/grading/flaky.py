"""``tp-course flaky``: grade the solution several times under different thread counts and seeds,
and name every check whose verdict changes, before the lab meets a class.

A check that passes on the course team's machine and fails on a student's run for a reason that
is not the student's code (a float compared too tightly, a result that depends on the thread
count or on the training's seed) is found here by the team, not by a student. Each setting is
a real class run (:func:`.classrun.grade_class`) of the solution typed back as a student would
(each region's solution followed by a ``pass``: a region identical to the solution passes
whatever its check says, by the grading contract, so the checks would not be tested) and of the
lab as students receive it (every exercise left as given), so the reference's training runs
with that seed and each run with that many threads. The verdicts of the same student and
exercise must agree across every setting.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .model.result import StudentResult
from .model.source import Region, find_regions, substitute

#: (threads per run, TP_SEED) of each setting; None: the profile's own seed
SETTINGS: tuple[tuple[int, int | None], ...] = ((1, None), (2, 7), (1, 1234), (2, 2024))


@dataclass(frozen=True)
class Flip:
    """One exercise of one notebook whose verdict was not the same in every setting."""

    student: str
    exercise: str
    verdicts: tuple[bool, ...]  # one per setting, in order

    def line(self, settings: tuple[tuple[int, int | None], ...]) -> str:
        seen = ", ".join(
            f"{'passed' if ok else 'failed'} with {threads} thread(s), seed "
            f"{seed if seed is not None else 'of the profile'}"
            for ok, (threads, seed) in zip(self.verdicts, settings)
        )
        return f"exercise {self.exercise} on {self.student}: {seen}"


def verdicts(results: list[StudentResult]) -> dict[tuple[str, str], bool]:
    """(student, exercise) -> passed, for comparing runs."""
    return {(r.student_id, e.id): e.passed for r in results for e in r.exercises}


def flips(runs: list[dict[tuple[str, str], bool]]) -> list[Flip]:
    """Every (student, exercise) whose verdict differs between runs, or is missing in one."""
    keys = sorted(set().union(*runs)) if runs else []
    found = []
    for key in keys:
        seen = tuple(run.get(key) for run in runs)
        if len(set(seen)) > 1:
            found.append(Flip(key[0], key[1], tuple(bool(v) for v in seen)))
    return found


def typed_back(source: Path, path: Path) -> Path:
    """The solution as a student would submit it: each region's code with a ``pass`` after it,
    so that it differs from the source's text and its checks decide its verdict."""
    import nbformat

    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        regions, _ = find_regions(cell.source)
        if regions:
            more = {
                r.exercise_id: Region(r.exercise_id, r.indent, (*r.lines, f"{r.indent}pass"))
                for r in regions
            }
            cell.source = substitute(cell.source, more)
    nbformat.write(nb, path)
    return path


@contextmanager
def _seed(seed: int | None) -> Iterator[None]:
    """``TP_SEED`` for the reference run (the grader's environment reaches it), then restored."""
    before = os.environ.get("TP_SEED")
    if seed is None:
        os.environ.pop("TP_SEED", None)
    else:
        os.environ["TP_SEED"] = str(seed)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TP_SEED", None)
        else:
            os.environ["TP_SEED"] = before


def find_flaky(
    source: Path,
    student_notebook: Path | None = None,
    settings: tuple[tuple[int, int | None], ...] = SETTINGS,
    *,
    progress: bool = False,
) -> list[Flip]:
    """Grade the solution (and ``student_notebook``, the lab as handed out) once per setting;
    the flips, none when every check is stable."""
    from .classrun import grade_class

    runs = []
    with tempfile.TemporaryDirectory(prefix="tp-flaky-") as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        typed_back(source, folder / "solution.ipynb")
        if student_notebook is not None:
            shutil.copy(student_notebook, folder / "handout.ipynb")
        for index, (threads, seed) in enumerate(settings):
            if progress:
                seed_text = seed if seed is not None else "of the profile"
                print(
                    f"tp-course: setting {index + 1}/{len(settings)}: {threads} thread(s), "
                    f"seed {seed_text}"
                )
            with _seed(seed):
                run = grade_class(
                    folder, Path(tmp) / f"run{index}", source, jobs=1, threads=threads,
                    progress=False,
                )  # fmt: skip
            runs.append(verdicts(run.results))
    return flips(runs)
