"""What every platform's import shares: the results read back, the points on the platform's
scale, the checks made before anything is written, the feedback zip and the writing itself.

Nothing is written until every check has passed, and every file goes through
:func:`..model.store.atomic_write`: an export either writes complete files or none.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ...errors import TPError
from ..model.result import StudentResult
from ..model.store import RESULTS, atomic_write, load_results
from ..week.final import Week, attach

MISSING = ("blank", "zero")


class ExportError(TPError):
    """Bad arguments or input files for ``tp-course export``; nothing was written."""


@dataclass
class ExportReport:
    """What an export wrote: what the CLI prints and the tests read."""

    platform: str
    out: Path
    column: str  # the column filled, as its header reads
    scale: float  # the points a full score is worth in the written file
    written: list[str] = field(default_factory=list)  # student ids given a score
    missing: list[str] = field(default_factory=list)  # the platform's students without a result
    zeroed: bool = False  # the missing students were given 0
    skipped: dict[str, str] = field(default_factory=dict)  # student id -> why left as it was
    feedback_zip: Path | None = None
    feedback_pages: int = 0
    notes: list[str] = field(default_factory=list)  # things the user should know before importing

    def line(self) -> str:
        """``canvas: 41 scores (out of 30) in 'TP7 (12345)' of OUT; 2 without a result …``."""
        text = (
            f"{self.platform}: {len(self.written)} scores (out of {points_text(self.scale)}) "
            f"in {self.column!r} of {self.out}"
        )
        if self.missing:
            what = "given 0" if self.zeroed else "left as they were"
            text += f"; {len(self.missing)} without a result {what}: {', '.join(self.missing)}"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped: {', '.join(self.skipped)}"
        if self.feedback_zip is not None:
            text += f"; {self.feedback_pages} feedback pages in {self.feedback_zip}"
        return text


def read_results(grades_dir: Path, platform: str, week: Week | None = None) -> list[StudentResult]:
    """The results of ``grades_dir``, refused when empty or read from another platform's download
    (their student ids would match nobody, or the wrong student)."""
    results = load_results(Path(grades_dir))
    if not results:
        raise ExportError(
            f"no results in {Path(grades_dir) / RESULTS}: pass the --out folder of "
            "`tp-course grade`."
        )
    others = sorted({r.platform for r in results if r.platform not in ("", platform)})
    if others:
        raise ExportError(
            f"the results in {grades_dir} were graded from a {others[0].capitalize()} download: "
            f"their student ids are not {platform.capitalize()}'s. Export them with "
            f"--{others[0]}."
        )
    if week is not None:
        attach(results, week)
    return results


def lab_max(results: list[StudentResult]) -> float:
    """The points of a full score, the same for every result (else they come from two labs)."""
    maxima = sorted({r.max_score for r in results})
    if len(maxima) > 1:
        found = ", ".join(points_text(m) for m in maxima)
        raise ExportError(
            f"the results are out of different totals ({found} points): they were graded with "
            "different versions of the lab. Grade every submission with the same source notebook."
        )
    return maxima[0]


def scale_in_use(
    results: list[StudentResult], scale: float | None, declared: float | None, where: str
) -> float:
    """``--scale`` (default: the lab's maximum), checked against the points the platform's file
    declares for the column: a mismatch would import every score on the wrong scale."""
    maximum = lab_max(results)
    if scale is not None and not (math.isfinite(scale) and scale > 0):
        raise ExportError(f"--scale {scale}: pass the points of a full score, a number above 0.")
    used = maximum if scale is None else scale
    if declared is not None and abs(declared - used) > 0.005:
        raise ExportError(
            f"{where} is worth {points_text(declared)} points, but the scores would be written "
            f"out of {points_text(used)}: pass --scale {points_text(declared)} to map them to "
            f"{points_text(declared)} points."
        )
    return used


def points(result: StudentResult, scale: float) -> float:
    """The result's score on the scale in use, rounded to hundredths."""
    if not result.max_score:
        return 0.0
    return round(result.final * scale / result.max_score, 2)


def points_text(value: float) -> str:
    """``18.5`` for 18.50, ``30`` for 30.00: the number as a platform's import reads it."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def check_outputs(out: Path, feedback_zip: Path | None, source: Path | None) -> None:
    """Refuse to write over the platform's file, or the gradebook over the zip: keeping the
    download untouched is what lets the user export again after a regrade."""
    if source is not None and _same_file(out, source):
        raise ExportError(
            f"--out {out} is the file you passed in: write to a new file (e.g. "
            f"{Path(source).stem}-graded.csv) and import that one; the download stays as it was."
        )
    if feedback_zip is not None and (
        _same_file(feedback_zip, out) or (source is not None and _same_file(feedback_zip, source))
    ):
        raise ExportError(f"--feedback-zip {feedback_zip}: choose a file other than --out's.")


def _same_file(one: Path, other: Path) -> bool:
    one, other = Path(one), Path(other)
    if one.exists() and other.exists():
        return os.path.samefile(one, other)
    return one.resolve() == other.resolve()


def check_all_present(results: list[StudentResult], present: set[str], where: str) -> None:
    """Every graded student must be in the platform's file: a score silently dropped is a student
    who never gets one."""
    absent = [r for r in results if r.student_id not in present]
    if absent:
        names = ", ".join(f"{r.student_id} ({r.name})" if r.name else r.student_id for r in absent)
        raise ExportError(
            f"{len(absent)} graded students are not in {where}: {names}. Download the file again "
            "(it may predate their enrolment, or hold one group only), or, if they left the "
            "course, delete their results/<student_id>.json and export again. Nothing was written."
        )


@dataclass
class FeedbackPages:
    """The feedback zip to write: entry name → file bytes, and the students it cannot reach."""

    entries: dict[str, bytes]
    without_file: list[str]  # no notebook to attach the feedback to (Canvas text entries…)


def feedback_pages(
    grades_dir: Path,
    results: list[StudentResult],
    platform: str,
    entry_name: Callable[[StudentResult], str],
    make: Callable[[StudentResult], bytes] | None = None,
) -> FeedbackPages:
    """Every file the zip will hold, read or made before anything is written.

    ``entry_name`` names each entry as the platform re-attaches it; ``make`` makes a student's
    file (Canvas: a notebook), else the student's HTML page is read from ``feedback/``.
    """
    foreign = [r.student_id for r in results if r.platform != platform]
    if foreign:
        raise ExportError(
            f"--feedback-zip: {len(foreign)} results were not graded from a "
            f"{platform.capitalize()} download ({', '.join(foreign[:5])}): the zip names each page "
            "after the download's file, so grade the platform's download (zip or folder) itself."
        )
    found, pages = FeedbackPages({}, []), Path(grades_dir) / "feedback"
    for result in results:
        if not result.feedback_name:
            found.without_file.append(result.student_id)
        elif make is not None:
            found.entries[entry_name(result)] = make(result)
        else:
            found.entries[entry_name(result)] = _page_bytes(pages, result)
    return found


def _page_bytes(pages: Path, result: StudentResult) -> bytes:
    page = pages / f"{result.student_id}.html"
    try:
        return page.read_bytes()
    except OSError:
        raise ExportError(
            f"--feedback-zip: {page} is missing. Run `tp-course grade` again with the same "
            "--out (graded students are not graded again; the pages are rendered anew)."
        ) from None


def _zip_bytes(entries: dict[str, bytes]) -> bytes:
    """The zip in memory (a class's pages are small): nothing lands on disk half written."""
    buffer = io.BytesIO()
    stamp = datetime.now().timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=stamp)
            archive.writestr(info, entries[name], compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write(
    report: ExportReport, text: str, pages: FeedbackPages | None, feedback_zip: Path | None
) -> None:
    """Write the zip (built first: reading the pages is what can still fail), then the file."""
    try:
        _write_files(report, text, pages, feedback_zip)
    except OSError as exc:
        where = exc.filename or report.out
        raise ExportError(
            f"cannot write {where}: {exc.strerror or exc}. Choose a folder you can write to."
        ) from None


def _write_files(
    report: ExportReport, text: str, pages: FeedbackPages | None, feedback_zip: Path | None
) -> None:
    if pages is not None and feedback_zip is not None:
        atomic_write(feedback_zip, _zip_bytes(pages.entries))
        report.feedback_zip, report.feedback_pages = Path(feedback_zip), len(pages.entries)
        if pages.without_file:
            report.notes.append(
                f"{len(pages.without_file)} students submitted no notebook their feedback could "
                f"be attached to ({', '.join(pages.without_file)}): send them their page "
                "(feedback/<id>.html) yourself."
            )
    atomic_write(report.out, text)
