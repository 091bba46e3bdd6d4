"""Moodle: the folders of its submissions download, and the grading worksheet it imports back.

* **Download**: a folder ``<Full Name>_<participant id>_assignsubmission_file`` (before 4.1
  with a trailing ``_``) per student, or flat files ``<that folder's name>_<file name>``.
* **Import**: the offline grading worksheet (Download grading worksheet) with ``Grade``,
  ``Last modified (grade)`` and ``Feedback comments`` filled, for Upload grading worksheet;
  students are matched by ``Identifier`` (``Participant 12345``), in English or French headers;
  the file edited in place (:mod:`.csvedit`).
* **Feedback**: a zip of ``<name>_<participant id>_…/feedback.html`` (Upload multiple feedback
  files in a zip); Moodle keeps the file's own name, so it gets the HTML page.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path, PurePosixPath

from ..model.result import MONTHS, StudentResult
from ..week.final import Week
from ..week.late import SubmittedAt, moodle_submitted
from .csvedit import Cell, Table, cell_text, column_index, number, read_table, with_cells
from .entries import Entry, Student
from .gradebook import (
    ExportError,
    ExportReport,
    check_all_present,
    check_outputs,
    feedback_pages,
    points,
    points_text,
    read_results,
    scale_in_use,
    write,
)

NAME = "moodle"
#: where Moodle gives the file its import reads
HOW = "Moodle: the assignment's View all submissions → Grading action → Download grading worksheet"
#: the download's names, for the error that shows a name that is not one
PATTERN = (
    "<Full Name>_<participant id>_assignsubmission_file[_]/<file name> (or "
    "..._assignsubmission_file_<file name>)"
)

# --- the download ----------------------------------------------------------------------------

_MOODLE = re.compile(
    r"(?P<name>.+)_(?P<pid>[0-9]+)_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<rest>.*))?"
)


def detect(names: list[str]) -> bool:
    """Whether the download's names are Moodle's (a top folder or file per student)."""
    return any(_MOODLE.fullmatch(PurePosixPath(name).parts[0]) for name in names)


def fits(name: str) -> bool:
    top, *inside = PurePosixPath(name).parts
    match = _MOODLE.fullmatch(top)
    return match is not None and bool(inside) != bool(match["rest"])


def parse(names: list[str], read, assignment: str | None = None) -> dict[str, Student]:
    """The students of the download by participant id."""
    students: dict[str, Student] = {}
    for name in names:
        _add(name, students)
    return students


def _add(name: str, students: dict[str, Student]) -> None:
    top, *inside = PurePosixPath(name).parts
    match = _MOODLE.fullmatch(top)
    # folder mode: <Full Name>_<pid>_assignsubmission_file[_]/<files>; flat mode:
    # <Full Name>_<pid>_assignsubmission_file_<name>
    original = "/".join(inside) if inside else match["rest"]
    student = students.setdefault(match["pid"], Student(match["pid"], match["name"]))
    student.feedback_name = f"{match['name']}_{match['pid']}_assignsubmission_file"
    student.entries.append(Entry(name, original if match["plugin"] == "file" else name))


# --- the grading worksheet ---------------------------------------------------------------------

#: the worksheet's headers and our comment's words, per interface language of the instructor who
#: downloaded it (Moodle names the columns in that language, and reads them back the same way)
MOODLE_LANGUAGES = {
    "en": {
        "identifier": ("Identifier",),
        "grade": ("Grade",),
        "maximum": ("Maximum Grade",),
        "modified": ("Last modified (grade)",),
        "comments": ("Feedback comments",),
        "scale": ("Scale",),
        "passed": "all exercises passed",
        "failed": "exercise {} failed",
        "failed_many": "exercises {} failed",
        "failed_count": "{} exercises failed",
        "and": "and",
        "status": "not graded normally ({})",
        "see": "see your feedback page: {}",
        "no_result": "no notebook was graded for you",
    },
    "fr": {
        "identifier": ("Identifiant",),
        "grade": ("Note",),
        "maximum": ("Note maximale",),
        "modified": ("Dernière modification (note)",),
        "comments": ("Feedback par commentaires", "Commentaires de feedback"),
        "scale": ("Barème",),
        "passed": "tous les exercices sont réussis",
        "failed": "exercice {} non réussi",
        "failed_many": "exercices {} non réussis",
        "failed_count": "{} exercices non réussis",
        "and": "et",
        "status": "non corrigé normalement ({})",
        "see": "voir votre page de feedback : {}",
        "no_result": "aucun notebook corrigé à votre nom",
    },
}
#: failed exercises listed by number up to this many, counted beyond
_LISTED_FAILURES = 5
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_PARTICIPANT = re.compile(r"\D*?([0-9]+)\s*")


def export_moodle(
    grades_dir: Path,
    worksheet: Path,
    out: Path,
    *,
    missing: str = "blank",
    scale: float | None = None,
    feedback_zip: Path | None = None,
    now: datetime | None = None,
    week: Week | None = None,
) -> ExportReport:
    """Fill a Moodle grading worksheet's grade, date and comment cells, for Upload grading
    worksheet.

    ``Last modified (grade)`` is set by :func:`moodle_stamp` so that Moodle's import, in any
    server time zone, does not skip a student as graded since the download.
    ``missing="zero"`` gives students without a result 0 and a comment saying so; ``"blank"``
    leaves their row as it was.
    """
    results = read_results(grades_dir, "moodle", week)
    check_outputs(out, feedback_zip, worksheet)
    table = read_table(worksheet, HOW)
    language, columns = _moodle_columns(table)
    words = MOODLE_LANGUAGES[language]
    _refuse_scale(table, columns.get("scale"), words["scale"][0])
    students = _moodle_students(table, columns["identifier"])
    declared = _moodle_maximum(table, students, columns.get("maximum"))
    scale = scale_in_use(results, scale, declared, f"{worksheet}: the assignment")
    check_all_present(results, set(students), f"the worksheet {worksheet}")
    pages = feedback_pages(grades_dir, results, NAME, feedback_entry) if feedback_zip else None

    header = table.header[columns["grade"]]
    report = ExportReport("moodle", Path(out), header, scale, zeroed=missing == "zero")
    if "comments" not in columns:
        report.notes.append(
            "the worksheet has no feedback comments column (the assignment's 'Feedback comments' "
            "type is off): grades only."
        )
    by_id = {r.student_id: r for r in results}
    stamp = moodle_stamp(now)
    edits: dict[Cell, str] = {}
    for student_id, row in students.items():
        result = by_id.get(student_id)
        if result is None:
            report.missing.append(student_id)
            if missing == "blank":
                continue
            grade, comment = 0.0, f"0 / {points_text(scale)} — {words['no_result']}"
        else:
            report.written.append(student_id)
            grade = points(result, scale)
            comment = moodle_comment(result, grade, scale, words, pages is not None)
        values = {"grade": points_text(grade), "modified": stamp, "comments": comment}
        for key, value in values.items():
            if key in columns:
                cell = table.cell(row, columns[key])
                edits[cell] = cell_text(value, table.delimiter, cell, quote_spaces=True)
    write(report, with_cells(table.text, edits), pages, feedback_zip)
    return report


#: the worksheet's ``Last modified (submission)`` column, per language
_SUBMITTED = ("Last modified (submission)", "Dernière modification (travail remis)")


def submission_times(worksheet: Path, zone: tzinfo) -> dict[str, SubmittedAt]:
    """Each student's submission time from the worksheet's ``Last modified (submission)``
    (the server's local time, read in ``zone``): Moodle's download has no times."""
    table = read_table(worksheet, HOW)
    _, columns = _moodle_columns(table)
    index = column_index(table, _SUBMITTED)
    if index is None:
        return {}
    times = {}
    for student_id, row in _moodle_students(table, columns["identifier"]).items():
        moment = moodle_submitted(table.cell(row, index).value, zone)
        if moment is not None:
            times[student_id] = SubmittedAt(moment, False, "Moodle's worksheet")
    return times


def _moodle_columns(table: Table) -> tuple[str, dict[str, int]]:
    """The worksheet's language and the index of each column we read or fill."""
    for language, words in MOODLE_LANGUAGES.items():
        keys = ("identifier", "grade", "maximum", "modified", "comments", "scale")
        found = {key: column_index(table, words[key]) for key in keys}
        if found["identifier"] is None or found["grade"] is None:
            continue
        if found["modified"] is None:
            raise ExportError(
                f"{table.path} has no {words['modified'][0]!r} column, which Moodle's import "
                f"needs. {HOW}."
            )
        return language, {key: index for key, index in found.items() if index is not None}
    expected = "; ".join(
        f"{language}: {words['identifier'][0]}, {words['grade'][0]}"
        for language, words in MOODLE_LANGUAGES.items()
    )
    raise ExportError(
        f"{table.path}: not a Moodle grading worksheet in a language we read. Its headers: "
        f"{', '.join(table.header)}. Expected ({expected}). Switch your Moodle language to "
        f"English or French and download it again ({HOW})."
    )


def _refuse_scale(table: Table, index: int | None, header: str) -> None:
    """A worksheet with a ``Scale`` column belongs to an assignment graded with a scale: Moodle's
    import looks each grade up among the scale's items (``array_search`` in
    ``mod/assign/feedback/offline/locallib.php``) and silently skips a row whose grade is a
    number. Refused: points cannot become scale items without the instructor's own mapping."""
    if index is None:
        return
    items = next(
        (row[index].value for row in table.rows[1:] if index < len(row) and row[index].value),
        "",
    )
    listed = ", ".join(item.strip() for item in items.splitlines() if item.strip())
    raise ExportError(
        f"{table.path}: the assignment is graded with a scale ({header!r} column: "
        f"{listed or 'no items shown'}), and Moodle's import skips, without a word, every "
        "grade that is not one of those items. Set the assignment's grade type to Point "
        "(Settings → Grade → Type: Point), download the grading worksheet again and export "
        "that one; or enter the grades by hand."
    )


def _moodle_students(table: Table, identifier: int) -> dict[str, list[Cell]]:
    """Rows by participant id: the number that ends ``Participant 12345`` (``Participant12345``
    in French), the id in the download's folder names."""
    students = {}
    for row in table.rows[1:]:
        if identifier < len(row) and (match := _PARTICIPANT.fullmatch(row[identifier].value)):
            students[match[1]] = row
    return students


def _moodle_maximum(
    table: Table, students: dict[str, list[Cell]], index: int | None
) -> float | None:
    """The assignment's maximum grade (the same on every row), if the worksheet shows it."""
    if index is None:
        return None
    values = {number(table.cell(row, index).value) for row in students.values()} - {None}
    if len(values) > 1:
        raise ExportError(
            f"{table.path}: the maximum grade differs between rows "
            f"({', '.join(points_text(v) for v in sorted(values))}); download it again."
        )
    return values.pop() if values else None


def moodle_comment(
    result: StudentResult, grade: float, scale: float, words: dict, page: bool
) -> str:
    """One line for the student: the score, and what failed (and where to read why)."""
    failed = [exercise.id for exercise in result.exercises if not exercise.passed]
    if not result.ok:
        detail = words["status"].format(result.status)
    elif not failed:
        detail = words["passed"]
    elif len(failed) > _LISTED_FAILURES:
        detail = words["failed_count"].format(len(failed))
    elif len(failed) == 1:
        detail = words["failed"].format(failed[0])
    else:
        listed = f"{', '.join(failed[:-1])} {words['and']} {failed[-1]}"
        detail = words["failed_many"].format(listed)
    if page and (failed or not result.ok):
        detail = words["see"].format(detail)
    return f"{points_text(grade)} / {points_text(scale)} — {detail}"


#: the most any time zone is ahead of UTC (Pacific/Kiritimati, UTC+14)
_MAX_UTC_OFFSET = timedelta(hours=14)


def moodle_stamp(now: datetime | None = None) -> str:
    """``Last modified (grade)``: the wall-clock time at UTC+14 now, rounded up to the minute.

    Moodle reads the cell with ``strtotime`` in the server's time zone, then skips a row whose
    grade changed more than 60 s after that moment. The grading machine's zone says nothing of
    the server's; no zone is ahead of UTC+14, so in every zone the stamp reads as now or later:
    no grade given before the export looks newer than the worksheet. (Grades changed in Moodle
    between the export and the upload are overwritten, as with any upload.) A naive ``now`` is
    the machine's local time."""
    moment = now or datetime.now(timezone.utc)
    moment = (moment if moment.tzinfo else moment.astimezone()).astimezone(timezone.utc)
    ahead = moment + _MAX_UTC_OFFSET
    if ahead.second or ahead.microsecond:
        ahead = ahead.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moodle_date(ahead)


def moodle_date(moment: datetime) -> str:
    """``Wednesday, 2 December 2026, 4:30 PM``: Moodle's English date format, whatever the
    worksheet's language, because its import reads the cell with PHP's ``strtotime``, which
    knows English names only (a French date would read as 1970, and the import would skip every
    student whose grade changed since)."""
    hour = moment.hour % 12 or 12
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year}, "
        f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    )


def feedback_entry(result: StudentResult) -> str:
    """The name under which Moodle (Upload multiple feedback files in a zip) attaches the page:
    it reads ``<name>_<participant id>_…`` folders."""
    return f"{result.feedback_name}/feedback.html"
