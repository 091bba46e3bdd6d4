"""The class summary: statuses, the score histogram, pass rates per exercise, every student."""

from __future__ import annotations

import statistics
from collections import Counter
from html import escape
from urllib.parse import quote

from ..model.result import STATUS_WORDS, STATUSES, StudentResult, format_points, graded_date
from ..week.render import summary_sections
from .grades import exercise_ids
from .histogram import histogram_svg
from .page import header, page, points

#: exercises passed by fewer students than this stand out in the summary
LOW_PASS_RATE = 0.5


def summary_html(results: list[StudentResult]) -> str:
    """The instructor's page: status counts, score spread and histogram, pass rate per
    exercise, students."""
    lab = _lab_name(results)
    meta = [f"{len(results)} student(s)", escape(_graded_span(results))]
    return page(
        f"{lab} · class summary" if lab else "Class summary",
        header("Class summary", lab or "Class summary", meta)
        + _isolation(results)
        + "<h2>Status</h2>"
        + _status_table(results)
        + "<h2>Scores</h2>"
        + _spread(results)
        + histogram_svg(results)
        + "<h2>Pass rate per exercise (lowest first)</h2>"
        + _pass_rate_chart(results)
        + summary_sections({r.student_id: r.grade for r in results if r.grade is not None})
        + "<h2>Students</h2>"
        + _student_table(results),
    )


def _lab_name(results: list[StudentResult]) -> str:
    """The lab the results are about: the most common non-empty name ('' for old results)."""
    names = Counter(result.lab for result in results if result.lab)
    return names.most_common(1)[0][0] if names else ""


def _graded_span(results: list[StudentResult]) -> str:
    """``graded on 2 December 2026``, or the first and last day when grading took several."""
    stamps = sorted(r.graded_at for r in results if r.graded_at)
    if not stamps:
        return ""
    first, last = graded_date(stamps[0]), graded_date(stamps[-1])
    return f"graded on {first}" if first == last else f"graded from {first} to {last}"


def _status_table(results: list[StudentResult]) -> str:
    """Every known status (zeros too, so a clean run is visibly clean) and what it means."""
    counts = Counter(result.status for result in results)
    statuses = [*STATUSES, *sorted(set(counts) - set(STATUSES))]
    rows = "".join(
        f"<tr><td>{escape(status)}</td><td class='num'>{counts.get(status, 0)}</td>"
        f"<td class='muted'>{escape(STATUS_WORDS.get(status, ''))}</td></tr>"
        for status in statuses
    )
    return (
        "<table class='cards statuses'><thead><tr><th>status</th><th>students</th>"
        "<th>meaning</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _spread(results: list[StudentResult]) -> str:
    """Min, median and max in one line, above the histogram that shows the rest."""
    if not results:
        return "<p>No results yet.</p>"
    scores = [result.score for result in results]
    return (
        f"<p>Scores out of {format_points(max(r.max_score for r in results))}: "
        f"min {format_points(min(scores))}, median {format_points(statistics.median(scores))}, "
        f"max {format_points(max(scores))}</p>"
    )


def _isolation(results: list[StudentResult]) -> str:
    """What confined the runs: one line per distinct sandbox, warnings in red."""
    lines = sorted({r.sandbox for r in results if r.sandbox})
    if not lines:
        return ""
    items = "".join(
        f"<li class='{'fail' if line.startswith('WARNING') else ''}'>{escape(line)}</li>"
        for line in lines
    )
    return f"<h2>Isolation of the runs</h2><ul>{items}</ul>"


def pass_rates(results: list[StudentResult]) -> dict[str, float]:
    """Share of the students who passed each exercise (every status counts), notebook order."""
    rates = {}
    for exercise_id in exercise_ids(results):
        verdicts = [e.passed for r in results for e in r.exercises if e.id == exercise_id]
        rates[exercise_id] = sum(verdicts) / len(results) if results else 0.0
    return rates


def titles_of(results: list[StudentResult]) -> dict[str, str]:
    """Each exercise's title, the first one found (results of old runs have none)."""
    titles: dict[str, str] = {}
    for result in results:
        for exercise in result.exercises:
            if exercise.title and not titles.get(exercise.id):
                titles[exercise.id] = exercise.title
    return titles


def _pass_rate_chart(results: list[StudentResult]) -> str:
    """Hardest exercises first, each with its title (a column only when the lab gave titles)."""
    rates, titles = pass_rates(results), titles_of(results)
    order = sorted(rates, key=lambda i: (rates[i], list(rates).index(i)))
    rows = "".join(
        f"<tr class='{'low' if rates[i] < LOW_PASS_RATE else ''}'><td>ex{escape(i)}</td>"
        + (f"<td class='title'>{escape(titles.get(i, ''))}</td>" if titles else "")
        + f"<td class='rate'><div class='bar'><div style='width: {rates[i] * 100:.1f}%'></div>"
        f"</div></td><td class='num'>{rates[i] * 100:.0f}%</td></tr>"
        for i in order
    )
    kind, title = ("cards rates titled", "<th>title</th>") if titles else ("cards rates", "")
    return (
        f"<table class='{kind}'><thead><tr><th>exercise</th>{title}<th>pass rate</th>"
        f"<th></th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _student_table(results: list[StudentResult]) -> str:
    """Every student, linked to their feedback page; a name column when a platform gave names."""
    named = any(result.name for result in results)
    rows = "".join(
        "<tr>"
        f"<td class='who'><a href='feedback/{escape(quote(r.student_id), quote=True)}"
        f".html'>{escape(r.student_id)}</a></td>"
        + (f"<td class='name'>{escape(r.name)}</td>" if named else "")
        + f"<td class='state'>{escape(r.status)}</td>"
        f"<td class='num total'>{points(r.final, r.max_score)}</td>"
        f"<td class='num secs'>{r.seconds:.1f}</td>"
        f"<td class='reason'>{escape(r.reason)}</td></tr>"
        for r in sorted(results, key=lambda r: r.student_id)
    )
    name = "<th>name</th>" if named else ""
    return (
        f"<table class='cards students'><thead><tr><th>student</th>{name}<th>status</th>"
        f"<th>score</th><th>seconds</th><th>reason</th></tr></thead><tbody>{rows}</tbody></table>"
    )
