"""Render the stored results: ``grades.csv``, ``feedback/<student_id>.html``, ``summary.html``.

Rendering is separate from scoring: everything here reads :class:`..model.result.StudentResult`
objects only. :mod:`.grades` writes the CSV, :mod:`.feedback` a student's page, :mod:`.summary`
the class's page (with :mod:`.histogram`), :mod:`.page` the frame they share and ``style.css``
their stylesheet.
"""

from __future__ import annotations

from pathlib import Path

from ..model.result import STATUS_WORDS, StudentResult, graded_date
from ..model.store import atomic_write
from .feedback import feedback_html
from .grades import exercise_ids, grades_csv
from .histogram import HistogramBin, score_histogram
from .summary import LOW_PASS_RATE, pass_rates, summary_html, titles_of

__all__ = [
    "LOW_PASS_RATE",
    "STATUS_WORDS",
    "HistogramBin",
    "exercise_ids",
    "feedback_html",
    "graded_date",
    "grades_csv",
    "pass_rates",
    "score_histogram",
    "summary_html",
    "titles_of",
    "write_reports",
]


def write_reports(out_dir: Path, results: list[StudentResult]) -> None:
    """Write grades.csv, summary.html and one feedback page per result into ``out_dir``."""
    out_dir = Path(out_dir)
    atomic_write(out_dir / "grades.csv", grades_csv(results))
    for result in results:
        atomic_write(out_dir / "feedback" / f"{result.student_id}.html", feedback_html(result))
    atomic_write(out_dir / "summary.html", summary_html(results))
