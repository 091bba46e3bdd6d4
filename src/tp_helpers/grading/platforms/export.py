"""Put the grades back: fill the file a learning platform imports, and zip the feedback pages.

``tp-course grade`` reads a platform's download; this module writes what the same platform takes
back, from the results in ``GRADES_DIR/results``:

* **Canvas**: the gradebook export (Grades → Export) with one assignment column filled, for
  Grades → Import; students are matched by the ``ID`` column (the Canvas user id).
* **Moodle**: the offline grading worksheet (Download grading worksheet) with ``Grade``, ``Last
  modified (grade)`` and ``Feedback comments`` filled, for Upload grading worksheet; students are
  matched by ``Identifier`` (``Participant 12345``), in English or French headers.
* **Blackboard**: a Grade Center upload file (``Username`` and one grade column) for Work Offline
  → Upload.

Canvas and Moodle files are edited in place, not re-serialised: only the bytes of the cells we
fill change, so the byte order mark, the line endings, the quoting of every other cell and the
columns Canvas marks read-only reach the platform exactly as it wrote them. A feedback zip holds
each student's page under the name the platform re-attaches it by: the download's own file or
folder name for that student (``StudentResult.feedback_name``).

Nothing is written until every check has passed, and every file goes through a temporary file and
:func:`os.replace`: an export either writes complete files or none.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..errors import TPError
from .classrun import RESULTS, load_results
from .model.result import StudentResult
from .report import atomic_write_text

PLATFORMS = ("canvas", "moodle", "blackboard")
MISSING = ("blank", "zero")
#: where each platform's help page says how to obtain its file
_HOW = {
    "canvas": "Canvas: Grades → Export → Export Entire Gradebook",
    "moodle": "Moodle: the assignment's View all submissions → Grading action → "
    "Download grading worksheet",
}


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
) -> ExportReport:
    """Check the combination of options the CLI received, then run one platform's export."""
    if missing not in MISSING:
        raise ExportError(f"--missing {missing}: choose one of {', '.join(MISSING)}.")
    if platform == "canvas":
        if source is None or not column:
            raise ExportError(
                "--canvas needs the gradebook and the column to fill: --canvas GRADEBOOK.csv "
                '--column "TP7 (12345)".'
            )
        return export_canvas(
            grades_dir, source, column, out, missing=missing, scale=scale, feedback_zip=feedback_zip
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
        )
    if platform == "blackboard":
        return _export_blackboard_checked(grades_dir, column, out, missing, scale, feedback_zip)
    raise ExportError(f"unknown platform {platform!r}: choose one of {', '.join(PLATFORMS)}.")


def _export_blackboard_checked(
    grades_dir: Path,
    column: str | None,
    out: Path,
    missing: str,
    scale: float | None,
    feedback_zip: Path | None,
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
    return export_blackboard(grades_dir, column, out, scale=scale)


# --- results and points ------------------------------------------------------------------------


def read_results(grades_dir: Path, platform: str) -> list[StudentResult]:
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
    return round(result.score * scale / result.max_score, 2)


def points_text(value: float) -> str:
    """``18.5`` for 18.50, ``30`` for 30.00: the number as a platform's import reads it."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _number(text: str) -> float | None:
    """A number as a platform wrote it (``30.00``, or ``30,00`` in a French Moodle), else None."""
    text = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# --- reading a CSV file as cell spans ----------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One field of a CSV file: where its text lies in the file, and what it says."""

    start: int
    end: int
    value: str
    quoted: bool


@dataclass
class Table:
    """A CSV file kept as text, with every field's span: editing a cell touches nothing else."""

    path: Path
    text: str
    delimiter: str
    rows: list[list[Cell]]

    @property
    def header(self) -> list[str]:
        return [cell.value.strip() for cell in self.rows[0]] if self.rows else []

    def line(self, cell: Cell) -> int:
        """The 1-based line of the file where ``cell`` starts (for messages)."""
        return self.text.count("\n", 0, cell.start) + 1

    def cell(self, row: list[Cell], index: int) -> Cell:
        """``row[index]``, or an error naming the line when the row is cut short."""
        if index >= len(row):
            raise ExportError(
                f"{self.path}, line {self.line(row[0])}: {len(row)} fields where the header has "
                f"{len(self.header)}; the file was cut or edited. Download it again."
            )
        return row[index]


def read_table(path: Path, platform: str) -> Table:
    """The file at ``path`` as a :class:`Table` (UTF-8, with or without a byte order mark)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror}. {_HOW[platform]}.") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError(
            f"{path} is not UTF-8 text (a spreadsheet saved it in another encoding?). Download "
            f"it again and pass it as it came, or save it as 'CSV UTF-8'. {_HOW[platform]}."
        ) from None
    delimiter = _delimiter(text)
    rows = _records(text, delimiter, path)
    if not rows:
        raise ExportError(f"{path} is empty. {_HOW[platform]}.")
    return Table(path, text, delimiter, rows)


def _delimiter(text: str) -> str:
    """``,`` unless the header line holds more ``;`` or tabs (a spreadsheet in some locales)."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)  # a tie keeps ","


def _records(text: str, delimiter: str, path: Path) -> list[list[Cell]]:
    """Every record's cells. Quoted fields may hold the delimiter, ``""`` and line breaks."""
    position = 1 if text.startswith("\ufeff") else 0
    records: list[list[Cell]] = []
    record: list[Cell] = []
    while position < len(text):
        cell, position = _field(text, position, delimiter, path)
        record.append(cell)
        if position < len(text) and text[position] == delimiter:
            position += 1
            if position == len(text):  # a last empty field
                record.append(Cell(position, position, "", False))
            continue
        position += 2 if text.startswith("\r\n", position) else 1
        records.append(record)
        record = []
    return records


def _field(text: str, start: int, delimiter: str, path: Path) -> tuple[Cell, int]:
    """The field at ``start`` and the position after it (a delimiter, a line break or the end)."""
    if not text.startswith('"', start):
        stop = start
        while stop < len(text) and text[stop] not in (delimiter, "\r", "\n"):
            stop += 1
        return Cell(start, stop, text[start:stop], False), stop
    close = start + 1
    while True:
        close = text.find('"', close)
        if close < 0:
            line = text.count("\n", 0, start) + 1
            raise ExportError(
                f"{path}, line {line}: a quoted field is never closed; the file was cut or "
                "edited. Download it again."
            )
        if not text.startswith('""', close):
            break
        close += 2
    stop = close + 1
    if stop < len(text) and text[stop] not in (delimiter, "\r", "\n"):
        line = text.count("\n", 0, start) + 1
        raise ExportError(
            f"{path}, line {line}: text after a closing quote; the file is not valid CSV. "
            "Download it again."
        )
    return Cell(start, stop, text[start + 1 : close].replace('""', '"'), True), stop


def cell_text(value: str, delimiter: str, old: Cell, quote_spaces: bool = False) -> str:
    """``value`` as a CSV field in the style of the cell it replaces.

    Quoted when the value needs it, or when the old cell was quoted though it did not need to be
    (a writer that quotes every field); ``quote_spaces`` follows PHP's ``fputcsv`` (Moodle),
    which quotes any field with a space.
    """
    special = (delimiter, '"', "\r", "\n", *((" ", "\t") if quote_spaces else ()))

    def needs_quotes(text: str) -> bool:
        return any(char in text for char in special)

    if needs_quotes(value) or (old.quoted and not needs_quotes(old.value)):
        return '"' + value.replace('"', '""') + '"'
    return value


def with_cells(text: str, edits: dict[Cell, str]) -> str:
    """``text`` with each edited cell's span replaced by its new field text, nothing else."""
    parts, position = [], 0
    for cell in sorted(edits, key=lambda c: c.start):
        parts += [text[position : cell.start], edits[cell]]
        position = cell.end
    return "".join([*parts, text[position:]])


def column_index(table: Table, names: tuple[str, ...]) -> int | None:
    """The index of the first header among ``names`` (case and spacing aside), else None."""
    wanted = {" ".join(name.split()).casefold() for name in names}
    for index, header in enumerate(table.header):
        if " ".join(header.split()).casefold() in wanted:
            return index
    return None


# --- checks shared by the platforms -------------------------------------------------------------


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


# --- Canvas ------------------------------------------------------------------------------------

#: an assignment's column in a Canvas gradebook export: ``Title (assignment id)``
_CANVAS_ASSIGNMENT = re.compile(r"(?P<title>.*\S)\s*\((?P<id>[0-9]+)\)")
#: cells Canvas writes for students a score must not reach: left as they are
_CANVAS_KEEP = {
    "EX": "excused in Canvas",
    "N/A": "Canvas hides this assignment for them (not assigned, or anonymous and unposted)",
}
_CANVAS_TEST_STUDENT = {("Student, Test",), ("Student", "Test")}


def export_canvas(
    grades_dir: Path,
    gradebook: Path,
    column: str,
    out: Path,
    *,
    missing: str = "blank",
    scale: float | None = None,
    feedback_zip: Path | None = None,
) -> ExportReport:
    """Fill ``column`` of a Canvas gradebook export with the scores, for Grades → Import.

    ``missing="blank"`` leaves the cell of a student without a result as it was; ``"zero"``
    writes 0 there. The Test Student, excused (``EX``) and hidden (``N/A``) cells are left alone.
    """
    results = read_results(grades_dir, "canvas")
    check_outputs(out, feedback_zip, gradebook)
    _refuse_anonymous(results)
    table = read_table(gradebook, "canvas")
    id_index = _canvas_id_column(table)
    target = _canvas_column(table, column)
    header = table.header[target]
    declared = _canvas_points_possible(table, target)
    scale = scale_in_use(results, scale, declared, f"{gradebook}: {header!r}")
    students = _canvas_students(table, id_index)
    check_all_present(results, set(students), f"the gradebook {gradebook}")
    pages = _feedback_pages(grades_dir, results, "canvas") if feedback_zip else None

    report = ExportReport("canvas", Path(out), header, scale, zeroed=missing == "zero")
    by_id = {r.student_id: r for r in results}
    edits: dict[Cell, str] = {}
    for student_id, row in students.items():
        cell = table.cell(row, target)
        if cell.value.strip() in _CANVAS_KEEP:
            report.skipped[student_id] = _CANVAS_KEEP[cell.value.strip()]
        elif student_id in by_id:
            edits[cell] = points_text(points(by_id[student_id], scale))
            report.written.append(student_id)
        elif _is_test_student(row, id_index):
            continue  # never graded, never reported
        else:
            report.missing.append(student_id)
            if missing == "zero":
                edits[cell] = "0"
    edits = {cell: cell_text(text, table.delimiter, cell) for cell, text in edits.items()}
    _write(report, with_cells(table.text, edits), pages, feedback_zip)
    return report


def _is_test_student(row: list[Cell], id_index: int) -> bool:
    """Canvas's Test Student (Student View), named ``Student, Test`` in the name cells before
    ``ID`` (``Student``, or ``LastName``/``FirstName`` when the course shows them split)."""
    names = tuple(cell.value.strip() for cell in row[:id_index])
    return names in _CANVAS_TEST_STUDENT


def _refuse_anonymous(results: list[StudentResult]) -> None:
    anonymous = [r.student_id for r in results if r.student_id.startswith("anon_")]
    if anonymous:
        raise ExportError(
            f"{len(anonymous)} results come from an anonymous Canvas download "
            f"({', '.join(anonymous[:3])}…): the gradebook lists students by user ID, which the "
            "anonymous download hides. Turn anonymous grading off (or post the grades), download "
            "the submissions again and grade that download."
        )


def _canvas_id_column(table: Table) -> int:
    index = column_index(table, ("ID",))
    if index is None:
        raise ExportError(
            f"{table.path} has no 'ID' column: it is not a Canvas gradebook export (its header: "
            f"{', '.join(table.header[:8])}…). {_HOW['canvas']}."
        )
    return index


def _canvas_column(table: Table, column: str) -> int:
    """The assignment column named ``column``: its full header ``Title (id)``, or its title or
    id alone when that names one column only."""
    wanted = " ".join(column.split())
    assignments = {
        index: match
        for index, name in enumerate(table.header)
        if (match := _CANVAS_ASSIGNMENT.fullmatch(name))
    }
    exact = [i for i in assignments if " ".join(table.header[i].split()) == wanted]
    partial = [i for i, m in assignments.items() if wanted in (m["id"], m["title"])]
    if len(exact or partial) == 1:
        return (exact or partial)[0]
    listed = "\n  ".join(table.header[i] for i in assignments) or "(none)"
    problem = "several columns match" if partial else "there is no assignment column"
    raise ExportError(
        f"{table.path}: {problem} {column!r}. Its assignment columns are:\n  {listed}\n"
        'Pass one of them as written, e.g. --column "TP7 (12345)".'
    )


def _canvas_points_possible(table: Table, target: int) -> float | None:
    """The target column's points from the ``    Points Possible`` row, if the export has one."""
    for row in table.rows[1:4]:
        if row[0].value.strip() == "Points Possible" and target < len(row):
            return _number(row[target].value)
    return None


def _canvas_students(table: Table, id_index: int) -> dict[str, list[Cell]]:
    """The rows of students by Canvas user id (the header, ``Points Possible`` and
    ``Manual Posting`` rows have no id)."""
    students = {}
    for row in table.rows[1:]:
        if id_index < len(row) and row[id_index].value.strip().isdigit():
            students[row[id_index].value.strip()] = row
    return students


# --- Moodle ------------------------------------------------------------------------------------

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
_MONTHS = tuple(
    "January February March April May June July August September October November December".split()
)
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
) -> ExportReport:
    """Fill a Moodle grading worksheet's grade, date and comment cells, for Upload grading
    worksheet.

    ``Last modified (grade)`` is set by :func:`moodle_stamp` so that Moodle's import, in any
    server time zone, does not skip a student as graded since the download.
    ``missing="zero"`` gives students without a result 0 and a comment saying so; ``"blank"``
    leaves their row as it was.
    """
    results = read_results(grades_dir, "moodle")
    check_outputs(out, feedback_zip, worksheet)
    table = read_table(worksheet, "moodle")
    language, columns = _moodle_columns(table)
    words = MOODLE_LANGUAGES[language]
    _refuse_scale(table, columns.get("scale"), words["scale"][0])
    students = _moodle_students(table, columns["identifier"])
    declared = _moodle_maximum(table, students, columns.get("maximum"))
    scale = scale_in_use(results, scale, declared, f"{worksheet}: the assignment")
    check_all_present(results, set(students), f"the worksheet {worksheet}")
    pages = _feedback_pages(grades_dir, results, "moodle") if feedback_zip else None

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
    _write(report, with_cells(table.text, edits), pages, feedback_zip)
    return report


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
                f"needs. {_HOW['moodle']}."
            )
        return language, {key: index for key, index in found.items() if index is not None}
    expected = "; ".join(
        f"{language}: {words['identifier'][0]}, {words['grade'][0]}"
        for language, words in MOODLE_LANGUAGES.items()
    )
    raise ExportError(
        f"{table.path}: not a Moodle grading worksheet in a language we read. Its headers: "
        f"{', '.join(table.header)}. Expected ({expected}). Switch your Moodle language to "
        f"English or French and download it again ({_HOW['moodle']})."
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
    values = {_number(table.cell(row, index).value) for row in students.values()} - {None}
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
        f"{_DAYS[moment.weekday()]}, {moment.day} {_MONTHS[moment.month - 1]} {moment.year}, "
        f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    )


# --- Blackboard --------------------------------------------------------------------------------

#: a Grade Center column's header: ``TP7 [Total Pts: 30 Score] |12345``
_BLACKBOARD_HEADER = re.compile(
    r"(?P<title>.*?)\s*\[Total Pts:\s*(?:up to\s*)?(?P<points>[0-9.,]+)\s*(?P<kind>[^\]]*)\]"
    r"\s*\|\s*(?P<id>[0-9]+)"
)
_BLACKBOARD_SHORT = re.compile(r"(?P<title>.*?)\s*(?:\|\s*(?P<id>[0-9]+))?")


def export_blackboard(
    grades_dir: Path, column: str, out: Path, *, scale: float | None = None
) -> ExportReport:
    """Write a Grade Center upload file: ``Username`` and one column, a row per result.

    ``column`` is a full header copied from a Grade Center download (it declares the column's
    points), ``"TP7 |12345"`` (title and column id: the points must then come from ``scale``) or
    ``"TP7"``: without an id, Blackboard adds a new column on upload.
    """
    results = read_results(grades_dir, "blackboard")
    title, declared, column_id, full = _blackboard_column(column)
    if column_id and declared is None and scale is None:
        raise ExportError(
            f"--column {column!r} does not say how many points the column is worth, and "
            "Blackboard writes a score into it as it is, whatever the column's points: pass "
            "--scale N with the column's points possible, or the column's full header from a "
            "Grade Center download (Work Offline → Download), e.g. "
            "'TP7 [Total Pts: 30 Score] |12345'."
        )
    scale = scale_in_use(results, scale, declared, f"the Grade Center column {column!r}")
    header = full or _blackboard_header(title, scale, column_id)
    report = ExportReport("blackboard", Path(out), header, scale)
    if not column_id:
        report.notes.append(
            f"{column!r} has no column id: Blackboard will add a new Grade Center column "
            f"{title!r} on upload, a Text column worth 0 points (it counts in no total). Set "
            "its type and points in the Grade Center (Edit Column Information), or, better, "
            "create the column first and pass 'TITLE |ID' with --scale N, or the header of a "
            "Grade Center download."
        )
    out_text = io.StringIO()
    writer = csv.writer(out_text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(["Username", header])
    for result in sorted(results, key=lambda r: r.student_id):
        writer.writerow([result.student_id, points_text(points(result, scale))])
        report.written.append(result.student_id)
    _write(report, out_text.getvalue(), None, None)
    return report


def _blackboard_header(title: str, scale: float, column_id: str) -> str:
    """``TP7 [Total Pts: 30 Score] |12345``, or without `` |id`` for a new column."""
    header = f"{title} [Total Pts: {points_text(scale)} Score]"
    return f"{header} |{column_id}" if column_id else header


def _blackboard_column(column: str) -> tuple[str, float | None, str, str]:
    """``(title, declared points or None, column id or '', full header or '')``."""
    text = " ".join(column.split())
    if full := _BLACKBOARD_HEADER.fullmatch(text):
        return full["title"], _number(full["points"]), full["id"], text
    if "[" in text:
        raise ExportError(
            f"--column {column!r}: not a Grade Center header ('TP7 [Total Pts: 30 Score] "
            "|12345'). Copy it from a Grade Center download, or pass 'TP7 |12345'."
        )
    short = _BLACKBOARD_SHORT.fullmatch(text)
    if not short or not short["title"] or "|" in short["title"]:
        raise ExportError(
            f"--column {column!r}: pass the column's title and its numeric id, e.g. "
            "'TP7 |12345', or the title alone for a new column."
        )
    return short["title"], None, short["id"] or "", ""


# --- feedback zip and writing --------------------------------------------------------------------


def feedback_entry_name(result: StudentResult) -> str:
    """The name under which the platform attaches a page to the student's submission.

    Canvas (Re-Upload Submissions) reads the first two numeric tokens of a file name as the user
    id and the attachment id, so the download's leading part, kept whole, does that; Moodle
    (Upload multiple feedback files in a zip) reads ``<name>_<participant id>_…`` folders.
    """
    if result.platform == "canvas":
        return f"{result.feedback_name}_feedback.ipynb"
    return f"{result.feedback_name}/feedback.html"


@dataclass
class FeedbackPages:
    """The feedback zip to write: entry name → file bytes, and the students it cannot reach."""

    entries: dict[str, bytes]
    without_file: list[str]  # no notebook to attach the feedback to (Canvas text entries…)


def _feedback_pages(grades_dir: Path, results: list[StudentResult], platform: str) -> FeedbackPages:
    """Every file the zip will hold, read or made before anything is written.

    Canvas attaches a re-uploaded file under the display name of the submission's attachment
    (canvas-lms issue #2406: ``FileInContext.attach(…, display_name)``), so the feedback reaches
    the student named like the notebook they submitted, whatever we call it. It is therefore a
    notebook: under that name it opens in Jupyter or Colab and reads as the feedback. Moodle
    keeps the file's own name: it gets the HTML page.
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
        elif platform == "canvas":
            found.entries[feedback_entry_name(result)] = feedback_notebook(result).encode()
        else:
            found.entries[feedback_entry_name(result)] = _page_bytes(pages, result)
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


def feedback_notebook(result: StudentResult) -> str:
    """The feedback page as a notebook of Markdown cells. It reaches the student under their
    own notebook's name (Canvas renames it), so its first cell says what it is."""
    import nbformat

    from .model.result import format_points
    from .report import STATUS_WORDS, graded_date

    when = graded_date(result.graded_at)
    head = [
        f"# Feedback on your {result.lab or 'lab'}",
        "",
        "**This file is your grader's feedback, not your notebook**: Canvas gives it the name "
        "of the notebook you submitted. Save it under another name (for example "
        "`feedback.ipynb`) so that it never replaces your work.",
        "",
        f"**Score: {format_points(result.score)} / {format_points(result.max_score)}**"
        + (f" (graded {when})" if when else ""),
    ]
    if not result.ok:
        words = STATUS_WORDS.get(result.status, result.status)
        head += ["", f"Status `{result.status}`: {words}."]
    if result.reason:
        head += ["", f"Reason: {result.reason}"]
    cells = [nbformat.v4.new_markdown_cell("\n".join(head))]
    for exercise in result.exercises:
        verdict = "✓ passed" if exercise.passed else "✗ failed"
        title = f"Exercise {exercise.id}" + (f" · {exercise.title}" if exercise.title else "")
        points = f"{format_points(exercise.points)} / {format_points(exercise.max_points)}"
        text = [f"## {title}", "", f"{points} points, {verdict}"]
        if exercise.hint:  # a fence of four backticks: a hint may quote code in three
            text += ["", "````text", exercise.hint, "````"]
        cells.append(nbformat.v4.new_markdown_cell("\n".join(text)))
    if result.notes:
        notes = "\n".join(f"* {note}" for note in result.notes)
        cells.append(nbformat.v4.new_markdown_cell(f"## Remarks\n\n{notes}"))
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells))


def _zip_bytes(entries: dict[str, bytes]) -> bytes:
    """The zip in memory (a class's pages are small): nothing lands on disk half written."""
    buffer = io.BytesIO()
    stamp = datetime.now().timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=stamp)
            archive.writestr(info, entries[name], compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and :func:`os.replace`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(
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
        atomic_write_bytes(feedback_zip, _zip_bytes(pages.entries))
        report.feedback_zip, report.feedback_pages = Path(feedback_zip), len(pages.entries)
        if pages.without_file:
            report.notes.append(
                f"{len(pages.without_file)} students submitted no notebook their feedback could "
                f"be attached to ({', '.join(pages.without_file)}): send them their page "
                "(feedback/<id>.html) yourself."
            )
    atomic_write_text(report.out, text)
