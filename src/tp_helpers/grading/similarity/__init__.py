"""``tp-course similarity SUBMISSIONS --out DIR``: which students' own code is alike, exercise
by exercise, as evidence to review (:mod:`.compare` says how, :mod:`.page` shows it).

Submissions are read the way ``tp-course grade`` reads them (a platform's download, a flat folder,
an nbgrader tree); only the code between each exercise's markers is compared. Nothing runs.
"""

from __future__ import annotations

import csv
import io
import tempfile
import textwrap
from pathlib import Path

from ..model.source import ExerciseCell, LabSource, read_source
from ..model.store import atomic_write
from ..model.submission import InvalidNotebook, read_notebook, student_regions
from ..platforms.download import read_download
from .compare import COMMON_SHARE, Similarity, base_code, compare
from .page import similarity_html

__all__ = ["COMMON_SHARE", "Similarity", "compare", "similarity_report", "student_code"]


def student_code(submissions: Path, source: LabSource, **reading) -> dict[str, dict[str, str]]:
    """Each student's code per exercise (student -> exercise id -> code); a submission with no
    notebook, or one that cannot be read, is left out (grading reports it)."""
    grade_ids = {
        region.exercise_id: step.grade_id
        for step in source.steps
        if isinstance(step, ExerciseCell)
        for region in step.regions
    }
    code: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="tp-similarity-") as unpack:
        download = read_download(Path(submissions), source.path.name, Path(unpack), **reading)
        for submission in download.submissions:
            if submission.problem:
                continue
            try:
                nb = read_notebook(submission.path)
            except InvalidNotebook:
                continue
            regions = student_regions(nb, grade_ids)
            code[submission.student_id] = {
                exercise: textwrap.dedent("\n".join(region.lines) + "\n")
                for exercise, region in regions.items()
                if exercise in grade_ids
            }
    return code


def similarity_report(
    submissions: Path,
    source_path: Path,
    out_dir: Path,
    *,
    common_share: float = COMMON_SHARE,
    layout: str | None = None,
    assignment: str | None = None,
) -> Similarity:
    """Compare the class and write ``similarity.html`` and ``pairs.csv`` into ``out_dir``."""
    source = read_source(Path(source_path))
    regions = student_code(submissions, source, layout=layout, assignment=assignment)
    bases = {
        exercise: base_code(source.solution_region(exercise).lines)
        for exercise in source.exercise_ids
    }
    result = compare(regions, bases, common_share)
    out_dir = Path(out_dir)
    atomic_write(out_dir / "similarity.html", similarity_html(result, source.title))
    atomic_write(out_dir / "pairs.csv", pairs_csv(result))
    return result


def pairs_csv(result: Similarity) -> str:
    """``rank,student_a,student_b,shared,exercises``: the ranking, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rank", "student_a", "student_b", "shared", "exercises"])
    for rank, pair in enumerate(result.pairs, 1):
        exercises = " ".join(meeting.exercise for meeting in pair.meetings)
        writer.writerow([rank, pair.a, pair.b, pair.shared, exercises])
    return out.getvalue()
