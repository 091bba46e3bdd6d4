"""What the pages and ``grades.csv`` show of a :class:`.final.Grade`: the automatic score, the
adjustments, the late penalty and the final grade, apart and in words.

The report modules call these; each returns "" when there is nothing to show, so a class
without a course file or adjustments renders as before.
"""

from __future__ import annotations

from html import escape

from ..model.result import format_points
from .final import Grade

#: the columns ``grades.csv`` gains when the course team's decisions are in use
CSV_COLUMNS = ("adjustments", "late_penalty", "final")


def signed(value: float) -> str:
    """``+2``, ``−1.5``, ``0``: a change of points as the pages print it."""
    if not value:
        return "0"
    return ("+" if value > 0 else "−") + format_points(abs(value))


def csv_values(grade: Grade | None) -> list[str]:
    """The row's values for :data:`CSV_COLUMNS` (net adjustment, penalty, final grade)."""
    if grade is None:
        return ["", "", ""]
    adjustment = format_points(grade.adjustment) if grade.adjustments else "0"
    return [adjustment, format_points(grade.penalty), format_points(grade.final)]


def feedback_card(grade: Grade | None) -> str:
    """The student's grade in its four parts, each adjustment with its comment, the lateness in
    words; "" when the grade is the automatic score with nothing to say."""
    if grade is None or (not grade.adjustments and not (grade.late and grade.late.words)):
        return ""
    rows = [_row("Automatic score", f"{format_points(grade.automatic)} / " + _max(grade))]
    for item in grade.adjustments:
        adjustment = item.adjustment
        when = f", {escape(adjustment.when)}" if adjustment.when else ""
        rows.append(
            _row(
                f"Adjustment: {escape(adjustment.words())}",
                signed(item.delta),
                f"{escape(adjustment.comment)} <span class='muted'>({escape(adjustment.who)}"
                f"{when})</span>",
            )
        )
    if grade.late and grade.late.words:
        rows.append(_row("Late penalty", signed(-grade.penalty), escape(grade.late.words)))
    rows.append(_row("<b>Final grade</b>", f"<b>{format_points(grade.final)}</b> / " + _max(grade)))
    return (
        "<section class='card grade-parts' aria-label='grade'><h2>Your grade</h2>"
        f"<table class='cards parts'><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _max(grade: Grade) -> str:
    return format_points(grade.max_score)


def _row(label: str, value: str, words: str = "") -> str:
    why = f"<td class='why wide'>{words}</td>" if words else "<td class='why wide'></td>"
    return f"<tr><th scope='row' class='part'>{label}</th><td class='num'>{value}</td>{why}</tr>"


def summary_sections(grades: dict[str, Grade]) -> str:
    """The summary's list of adjustments (who made them) and of late submissions."""
    return _adjustments_table(grades) + _late_table(grades)


def _adjustments_table(grades: dict[str, Grade]) -> str:
    rows = "".join(
        f"<tr><td class='who'>{escape(student)}</td>"
        f"<td class='what'>{escape(item.adjustment.words())}</td>"
        f"<td class='num change'>{signed(item.delta)}</td>"
        f"<td class='comment'>{escape(item.adjustment.comment)}</td>"
        f"<td class='by'>{escape(item.adjustment.who)}</td>"
        f"<td class='when'>{escape(item.adjustment.when)}</td></tr>"
        for student, grade in sorted(grades.items())
        for item in grade.adjustments
    )
    if not rows:
        return ""
    return (
        "<h2>Adjustments by the course team</h2>"
        "<table class='cards adjustments'><thead><tr><th>student</th><th>adjustment</th>"
        "<th>change</th><th>comment</th><th>who</th><th>when</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _late_table(grades: dict[str, Grade]) -> str:
    late = [(s, g) for s, g in sorted(grades.items()) if g.late and g.late.words]
    if not late:
        return ""
    rows = "".join(
        f"<tr class='{'review' if grade.late.review else ''}'><td class='who'>{escape(student)}"
        f"</td><td class='num penalty'>{signed(-grade.penalty)}</td>"
        f"<td class='num final'>{format_points(grade.final)} / {_max(grade)}</td>"
        f"<td class='lateness'>{'<b>To review:</b> ' if grade.late.review else ''}"
        f"{escape(grade.late.words)}</td></tr>"
        for student, grade in late
    )
    return (
        "<h2>Late submissions</h2>"
        "<table class='cards late-list'><thead><tr><th>student</th><th>penalty</th>"
        "<th>final</th><th>lateness</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def parts_lines(grade: Grade | None) -> list[str]:
    """The four parts as Markdown list items (Canvas's feedback notebook); [] when none."""
    if grade is None or (not grade.adjustments and not (grade.late and grade.late.words)):
        return []
    lines = [f"* Automatic score: {format_points(grade.automatic)} / {_max(grade)}"]
    for item in grade.adjustments:
        adjustment = item.adjustment
        lines.append(
            f"* Adjustment, {adjustment.words()} ({signed(item.delta)}): {adjustment.comment} "
            f"({adjustment.who}{', ' + adjustment.when if adjustment.when else ''})"
        )
    if grade.late and grade.late.words:
        lines.append(f"* Late penalty ({signed(-grade.penalty)}): {grade.late.words}")
    lines.append(f"* Final grade: {format_points(grade.final)} / {_max(grade)}")
    return lines
