"""Canvas: the names of its submissions download, and the gradebook export it imports back.

* **Download**: ``<sortablename>[_LATE]_<user_id>_<attachment_id>_<original name>``, top level;
  ``anon_<id>`` replaces the user id under anonymous grading; text and URL entries arrive as
  ``<sortablename>_<user_id>_text.html`` / ``_link.html``; a re-upload as ``tp7_qa-1.ipynb``.
* **Import**: the gradebook export (Grades → Export) with one assignment column filled, for
  Grades → Import; students are matched by the ``ID`` column (the Canvas user id), the file
  edited in place (:mod:`.csvedit`).
* **Feedback**: Canvas attaches a re-uploaded file under the display name of the submission's
  attachment (canvas-lms issue #2406: ``FileInContext.attach(…, display_name)``), so the
  feedback reaches the student named like the notebook they submitted, whatever we call it. It
  is therefore a notebook (:func:`feedback_notebook`): under that name it opens in Jupyter or
  Colab and reads as the feedback.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model.result import STATUS_WORDS, StudentResult, format_points, graded_date
from ..week.final import Week
from ..week.render import parts_lines
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

NAME = "canvas"
#: where Canvas gives the file its import reads
HOW = "Canvas: Grades → Export → Export Entire Gradebook"
#: the download's names, for the error that shows a name that is not one
PATTERN = (
    "<sortablename>[_LATE]_<user_id>_<attachment_id>_<file name> (or anon_<id> for the user id)"
)

# --- the download ----------------------------------------------------------------------------

#: Canvas's names (lib/content_zipper.rb): ``[users_name, late ? "LATE" : nil, id].compact
#: .join("_")``, where ``id`` is the user id or ``anon_<anonymous id>`` (and ``users_name`` is nil
#: under anonymous grading); an upload adds ``_<attachment id>_<display name>``, a text or URL
#: entry ``_text.html`` / ``_link.html``. Canvas removes ``_<digits>_`` from ``users_name``, so
#: the first ``_<digits>_<digits>_`` ends the key: whatever follows is the student's own name.
_CANVAS_WHO = (
    r"(?:(?P<late_anon>LATE_)?anon_(?P<anon>[A-Za-z0-9]+)"
    r"|(?P<sortable>.+?)(?P<late>_LATE)?_(?P<user>[0-9]+))"
)
_CANVAS_FILE = re.compile(rf"(?P<prefix>{_CANVAS_WHO}_(?P<attachment>[0-9]+))_(?P<original>.+)")
_CANVAS_ENTRY = re.compile(rf"{_CANVAS_WHO}_(?P<kind>text|link)\.html")


def detect(names: list[str]) -> bool:
    """Whether the download's names are Canvas's (top-level files only)."""
    return any(name_fields(name) for name in names if "/" not in name)


def fits(name: str) -> bool:
    return "/" not in name and name_fields(name) is not None


def name_fields(name: str) -> dict | None:
    """``{key, sortable, late, original, prefix}`` of a Canvas file name, else ``None``.

    Read by Canvas's grammar (:data:`_CANVAS_FILE`), never by searching tokens: a student's own
    file name may hold ``anon``, ``LATE``, digits and underscores. ``original`` is ``None`` for
    a text or URL entry; ``prefix`` is the name up to the attachment id, what Canvas matches a
    feedback file on.
    """
    match = _CANVAS_FILE.fullmatch(name) or _CANVAS_ENTRY.fullmatch(name)
    if match is None:
        return None
    if match["anon"]:
        key, sortable, late = f"anon_{match['anon']}", "", bool(match["late_anon"])
    else:
        key, sortable, late = match["user"], match["sortable"], bool(match["late"])
    upload = match.re is _CANVAS_FILE
    return {
        "key": key,
        "sortable": sortable,
        "late": late,
        "original": match["original"] if upload else None,
        "prefix": match["prefix"] if upload else "",
    }


def parse(names: list[str], read, assignment: str | None = None) -> dict[str, Student]:
    """The students of the download by user id (or ``anon_<id>``)."""
    students: dict[str, Student] = {}
    for name in names:
        _add(name, students)
    return students


def _add(name: str, students: dict[str, Student]) -> None:
    fields = name_fields(name)
    student = students.setdefault(fields["key"], Student(fields["key"], fields["sortable"]))
    student.late = student.late or fields["late"]
    if fields["original"] is not None:  # the feedback goes under the graded notebook's prefix
        student.entries.append(Entry(name, fields["original"], prefix=fields["prefix"]))
    else:
        student.entries.append(Entry(name, name))  # a text or URL entry: never a notebook


# --- the gradebook -----------------------------------------------------------------------------

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
    week: Week | None = None,
) -> ExportReport:
    """Fill ``column`` of a Canvas gradebook export with the scores, for Grades → Import.

    ``missing="blank"`` leaves the cell of a student without a result as it was; ``"zero"``
    writes 0 there. The Test Student, excused (``EX``) and hidden (``N/A``) cells are left alone.
    """
    results = read_results(grades_dir, "canvas", week)
    check_outputs(out, feedback_zip, gradebook)
    _refuse_anonymous(results)
    table = read_table(gradebook, HOW)
    id_index = _canvas_id_column(table)
    target = _canvas_column(table, column)
    header = table.header[target]
    declared = _canvas_points_possible(table, target)
    scale = scale_in_use(results, scale, declared, f"{gradebook}: {header!r}")
    students = _canvas_students(table, id_index)
    check_all_present(results, set(students), f"the gradebook {gradebook}")
    pages = (
        feedback_pages(grades_dir, results, NAME, feedback_entry, _notebook_bytes)
        if feedback_zip
        else None
    )

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
    write(report, with_cells(table.text, edits), pages, feedback_zip)
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
            f"{', '.join(table.header[:8])}…). {HOW}."
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
            return number(row[target].value)
    return None


def _canvas_students(table: Table, id_index: int) -> dict[str, list[Cell]]:
    """The rows of students by Canvas user id (the header, ``Points Possible`` and
    ``Manual Posting`` rows have no id)."""
    students = {}
    for row in table.rows[1:]:
        if id_index < len(row) and row[id_index].value.strip().isdigit():
            students[row[id_index].value.strip()] = row
    return students


# --- the feedback --------------------------------------------------------------------------------


def feedback_entry(result: StudentResult) -> str:
    """The name under which Canvas (Re-Upload Submissions) attaches the page: it reads the first
    two numeric tokens of a file name as the user id and the attachment id, so the download's
    leading part, kept whole, does that."""
    return f"{result.feedback_name}_feedback.ipynb"


def _notebook_bytes(result: StudentResult) -> bytes:
    return feedback_notebook(result).encode()


def feedback_notebook(result: StudentResult) -> str:
    """The feedback page as a notebook of Markdown cells. It reaches the student under their
    own notebook's name (Canvas renames it), so its first cell says what it is."""
    import nbformat

    when = graded_date(result.graded_at)
    head = [
        f"# Feedback on your {result.lab or 'lab'}",
        "",
        "**This file is your grader's feedback, not your notebook**: Canvas gives it the name "
        "of the notebook you submitted. Save it under another name (for example "
        "`feedback.ipynb`) so that it never replaces your work.",
        "",
        f"**{'Grade' if result.grade is not None else 'Score'}: "
        f"{format_points(result.final)} / {format_points(result.max_score)}**"
        + (f" (graded {when})" if when else ""),
    ]
    parts = parts_lines(result.grade)
    head += ["", *parts] if parts else []
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
