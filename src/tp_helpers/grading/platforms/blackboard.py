"""Blackboard: the names of its submissions download, and the Grade Center upload file.

* **Download**: ``<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<original name>``, and a
  ``.txt`` receipt per attempt (``Name: Ada Lovelace (alovelace)``).
* **Import**: a Grade Center upload file (``Username`` and one grade column) for Work Offline →
  Upload, written whole (Blackboard's upload takes grades only: no feedback zip).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..week.final import Week
from .csvedit import number
from .entries import DownloadError, Entry, Student
from .gradebook import (
    ExportError,
    ExportReport,
    points,
    points_text,
    read_results,
    scale_in_use,
    write,
)

NAME = "blackboard"
#: the download's names, for the error that shows a name that is not one
PATTERN = "<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file name> (and .txt)"

# --- the download ----------------------------------------------------------------------------

_BLACKBOARD = re.compile(
    r"(?P<head>.+)_attempt_(?P<ts>[0-9]{4}(?:-[0-9]{2}){5})(?:_(?P<name>.+)|(?P<receipt>\.txt))"
)


def detect(names: list[str]) -> bool:
    """Whether the download's names are Blackboard's (top-level files only)."""
    return any(_BLACKBOARD.fullmatch(name) for name in names if "/" not in name)


def fits(name: str) -> bool:
    return "/" not in name and _BLACKBOARD.fullmatch(name) is not None


def parse(names: list[str], read, assignment: str | None = None) -> dict[str, Student]:
    """Students by username: what lies between the assignment's name and ``_attempt_`` in the
    file name (Blackboard's pattern), checked against the receipt's ``(username)``.

    Usernames may hold ``_``, so the assignment's name must be known: ``--assignment``, else
    the receipt line that holds it (``Assignment: TP7``, in any language). Never guessed.
    """
    matches = {name: _BLACKBOARD.fullmatch(name) for name in names}
    receipts = {
        match["head"]: read(name).decode("utf-8", "replace")
        for name, match in matches.items()
        if match["receipt"]
    }
    title = assignment or _blackboard_assignment(matches, receipts)
    students: dict[str, Student] = {}
    for name, match in matches.items():
        head = match["head"]
        if not head.startswith(f"{title}_") or len(head) <= len(title) + 1:
            raise DownloadError(
                f"{name}: the name does not start with the assignment's name {title!r} and "
                "'_'; pass --assignment with the assignment's name exactly as the file names "
                "begin."
            )
        user = head[len(title) + 1 :]
        student = students.setdefault(user, Student(user))
        if match["receipt"]:
            student.name = student.name or _receipt_name(name, receipts[head], user, title)
        else:
            student.entries.append(Entry(name, match["name"], attempt=match["ts"]))
    return students


def _blackboard_assignment(matches: dict, receipts: dict[str, str]) -> str:
    """The assignment's name: the value of a receipt line (``<label>: <value>``) that every
    file name starts with, followed by ``_``."""
    heads = {match["head"] for match in matches.values()}
    found = set()
    for text in receipts.values():
        for line in text.splitlines():
            value = line.partition(":")[2].strip()
            if value and all(head.startswith(f"{value}_") for head in heads):
                found.add(value)
    if len(found) == 1:
        return found.pop()
    what = (
        f"several receipt lines could be its name ({', '.join(sorted(found))})"
        if found
        else "no receipt names it"
    )
    raise DownloadError(
        f"Blackboard download: cannot tell where the assignment's name ends and the username "
        f"begins in the file names ({what}; usernames may hold '_'). Pass --assignment with "
        "the assignment's name as the file names begin, e.g. --assignment 'TP7'."
    )


#: a receipt's name line in any language: ``Name: Ada Lovelace (alovelace)``, ``Nom : …``
_RECEIPT_LINE = re.compile(r"^[^:\n]*:\s*(?P<name>.*?)\s*\((?P<user>[^()\s]+)\)\s*$", re.M)


def _receipt_name(name: str, text: str, user: str, title: str) -> str:
    """The student's full name from the receipt, which must name the same username."""
    lines = list(_RECEIPT_LINE.finditer(text))
    for line in lines:
        if line["user"] == user:
            return line["name"]
    first = next((line for line in text.splitlines() if line.strip()), "")
    if lines and lines[0].group(0).strip() == first.strip():
        raise DownloadError(
            f"{name}: the receipt names the username {lines[0]['user']!r}, the file name "
            f"{user!r} (after the assignment's name {title!r}). Pass --assignment with the "
            "assignment's name exactly as the file names begin."
        )
    return ""


# --- the Grade Center upload ---------------------------------------------------------------------

#: a Grade Center column's header: ``TP7 [Total Pts: 30 Score] |12345``
_BLACKBOARD_HEADER = re.compile(
    r"(?P<title>.*?)\s*\[Total Pts:\s*(?:up to\s*)?(?P<points>[0-9.,]+)\s*(?P<kind>[^\]]*)\]"
    r"\s*\|\s*(?P<id>[0-9]+)"
)
_BLACKBOARD_SHORT = re.compile(r"(?P<title>.*?)\s*(?:\|\s*(?P<id>[0-9]+))?")


def export_blackboard(
    grades_dir: Path,
    column: str,
    out: Path,
    *,
    scale: float | None = None,
    week: Week | None = None,
) -> ExportReport:
    """Write a Grade Center upload file: ``Username`` and one column, a row per result.

    ``column`` is a full header copied from a Grade Center download (it declares the column's
    points), ``"TP7 |12345"`` (title and column id: the points must then come from ``scale``) or
    ``"TP7"``: without an id, Blackboard adds a new column on upload.
    """
    results = read_results(grades_dir, "blackboard", week)
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
    write(report, out_text.getvalue(), None, None)
    return report


def _blackboard_header(title: str, scale: float, column_id: str) -> str:
    """``TP7 [Total Pts: 30 Score] |12345``, or without `` |id`` for a new column."""
    header = f"{title} [Total Pts: {points_text(scale)} Score]"
    return f"{header} |{column_id}" if column_id else header


def _blackboard_column(column: str) -> tuple[str, float | None, str, str]:
    """``(title, declared points or None, column id or '', full header or '')``."""
    text = " ".join(column.split())
    if full := _BLACKBOARD_HEADER.fullmatch(text):
        return full["title"], number(full["points"]), full["id"], text
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
