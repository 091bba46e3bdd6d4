"""``tp-course export``: put the grades back into the file a learning platform imports.

``tp-course grade`` reads a platform's download; this writes what the same platform takes back,
from the results in ``GRADES_DIR/results``: each platform's module does its own file
(:mod:`.canvas`, :mod:`.moodle`, :mod:`.blackboard`); this one checks the combination of options
the CLI received and picks the platform.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..week.final import Week
from . import PLATFORMS
from .blackboard import export_blackboard
from .canvas import export_canvas
from .gradebook import MISSING, ExportError, ExportReport
from .moodle import export_moodle

__all__ = ["ExportError", "ExportReport", "export", "export_blackboard", "export_canvas"]
__all__ += ["export_moodle"]


def export(
    grades_dir: Path,
    platform: str,
    out: Path,
    *,
    source: Path | None = None,
    column: str | None = None,
    missing: str = "blank",
    scale: float | None = None,
    feedback_zip: Path | None = None,
    now: datetime | None = None,
    week: Week | None = None,
) -> ExportReport:
    """Check the combination of options the CLI received, then run one platform's export.

    ``week``: the course file and the adjustments, applied to every grade written."""
    if missing not in MISSING:
        raise ExportError(f"--missing {missing}: choose one of {', '.join(MISSING)}.")
    if platform == "canvas":
        if source is None or not column:
            raise ExportError(
                "--canvas needs the gradebook and the column to fill: --canvas GRADEBOOK.csv "
                '--column "TP7 (12345)".'
            )
        return export_canvas(
            grades_dir,
            source,
            column,
            out,
            missing=missing,
            scale=scale,
            feedback_zip=feedback_zip,
            week=week,
        )
    if platform == "moodle":
        if source is None:
            raise ExportError("--moodle needs the grading worksheet: --moodle WORKSHEET.csv.")
        if column:
            raise ExportError(
                "--column is not used with --moodle: a grading worksheet holds one assignment."
            )
        return export_moodle(
            grades_dir,
            source,
            out,
            missing=missing,
            scale=scale,
            feedback_zip=feedback_zip,
            now=now,
            week=week,
        )
    if platform == "blackboard":
        return _export_blackboard_checked(
            grades_dir, column, out, missing, scale, feedback_zip, week
        )
    raise ExportError(f"unknown platform {platform!r}: choose one of {', '.join(PLATFORMS)}.")


def _export_blackboard_checked(
    grades_dir: Path,
    column: str | None,
    out: Path,
    missing: str,
    scale: float | None,
    feedback_zip: Path | None,
    week: Week | None = None,
) -> ExportReport:
    if not column:
        raise ExportError(
            '--blackboard needs the column to fill: --column "TP7 |12345" (title and column id), '
            "or the column's full header from a Grade Center download."
        )
    if feedback_zip is not None:
        raise ExportError(
            "--feedback-zip is for Canvas and Moodle: Blackboard's Grade Center upload takes "
            "grades only; attach the feedback pages in the Grade Center one by one."
        )
    if missing == "zero":
        raise ExportError(
            "--missing zero needs the class list, which a Blackboard upload file does not have; "
            "the file holds one row per graded student (students left out keep their grade)."
        )
    return export_blackboard(grades_dir, column, out, scale=scale, week=week)
