"""One student's feedback page: which lab, when, the score, the status in words, each exercise.

Every piece of text that comes from a student or a run goes through :func:`html.escape`."""

from __future__ import annotations

from html import escape

from ..model.result import STATUS_WORDS, StudentResult, format_points, graded_date
from ..platforms import PLATFORMS
from ..week.render import feedback_card
from .page import header, page, plural, points, share


def feedback_html(result: StudentResult) -> str:
    """One student's page: which lab, when, the score, the status in words, each exercise."""
    title = f"{result.lab} · feedback" if result.lab else "Feedback"
    return page(
        f"{title} for {result.student_id}",
        _feedbackheader(result)
        + _score_card(result)
        + feedback_card(result.grade)
        + _status_box(result)
        + "<h2>Exercises</h2>"
        + _exercise_table(result)
        + _remarks(result)
        + "<footer>This page was written by the autograder. If something here looks wrong, "
        "tell your instructor.</footer>",
    )


def _feedbackheader(result: StudentResult) -> str:
    """Lab, student and date first: a page saved or forwarded must say what it is about."""
    student = escape(result.student_id)
    if result.name:
        student = f"<b>{escape(result.name)}</b> ({student})"
    else:
        student = f"<b>{student}</b>"
    date = graded_date(result.graded_at)
    when = (
        f"Graded on <time datetime='{escape(result.graded_at, quote=True)}'>"
        f"<b>{escape(date)}</b></time>"
        if date
        else ""
    )
    kicker = "Feedback" if result.lab else "Autograder"
    return header(kicker, result.lab or "Feedback", [f"Student: {student}", when])


def _score_card(result: StudentResult) -> str:
    """The score as a number and a meter; the platform's late mark next to it."""
    passed = sum(exercise.passed for exercise in result.exercises)
    part = share(result.final, result.max_score)
    label = "Grade" if result.grade is not None else "Score"
    late = ""
    if result.late:
        platform = PLATFORMS.get(result.platform, result.platform) or "the platform"
        late = f"<p class='late'><b>Late:</b> {escape(platform)} marked this submission late.</p>"
    return (
        "<section class='card score-card' aria-label='score'>"
        f"<p class='score'>{label}: <b>{format_points(result.final)}</b> / "
        f"{format_points(result.max_score)} points</p>"
        f"<div class='meter' role='img' aria-label='{part * 100:.0f}% of the points'>"
        f"<div style='width: {part * 100:.1f}%'></div></div>"
        f"<p class='muted'>{passed} of {plural(len(result.exercises), 'exercise')} passed"
        "</p>"
        f"{late}</section>"
    )


def _status_box(result: StudentResult) -> str:
    """Anything but ``ok`` explained in words, with the run's own reason under it."""
    reason = f"<p><b>Reason:</b> {escape(result.reason)}</p>" if result.reason else ""
    if result.ok:
        return f"<div class='card'>{reason}</div>" if reason else ""
    words = STATUS_WORDS.get(result.status, "")
    words = f"<p>{escape(words[:1].upper() + words[1:])}.</p>" if words else ""
    return (
        "<section class='card status' role='note'>"
        f"<h2>Status: <code>{escape(result.status)}</code></h2>{words}{reason}</section>"
    )


def _exercise_label(exercise_id: str, title: str) -> str:
    """``06 · Last context token``, or the id alone when the lab gave no title."""
    label = f"<span class='ex-id'>{escape(exercise_id)}</span>"
    return label + (f" · <span class='ex-title'>{escape(title)}</span>" if title else "")


def _exercise_table(result: StudentResult) -> str:
    """One row per exercise; passed/failed said with a mark and a word, never by colour only."""
    rows = "\n".join(
        f"<tr class='{'passed' if exercise.passed else 'failed'}'>"
        f"<th scope='row' class='ex wide'>{_exercise_label(exercise.id, exercise.title)}</th>"
        f"<td class='num'>{points(exercise.points, exercise.max_points)}</td>"
        + (
            "<td class='verdict pass'><span>✓ passed</span></td>"
            if exercise.passed
            else "<td class='verdict fail'><span>✗ failed</span></td>"
        )
        + "<td class='hint wide'>"
        + (f"<pre class='hint'>{escape(exercise.hint)}</pre>" if exercise.hint else "")
        + "</td></tr>"
        for exercise in result.exercises
    )
    return (
        "<table class='exercises cards'><thead><tr><th scope='col'>exercise</th>"
        "<th scope='col'>points</th><th scope='col'>result</th><th scope='col'>hint</th></tr>"
        f"</thead><tbody>\n{rows}\n</tbody></table>"
    )


def _remarks(result: StudentResult) -> str:
    """The grader's own remarks (a given cell failed…): not about the student's code."""
    notes = "".join(f"<li>{escape(note)}</li>" for note in result.notes)
    return f"<h2>Remarks</h2><ul>{notes}</ul>" if notes else ""
