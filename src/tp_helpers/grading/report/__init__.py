"""Render the stored results: ``grades.csv``, ``feedback/<student_id>.html``, ``summary.html``.

Rendering is separate from scoring: everything here reads :class:`StudentResult` objects only.
Every piece of text that comes from a student or a run goes through :func:`html.escape`.
The HTML pages are single self-contained files (inline CSS and SVG, nothing fetched): they are
mailed or re-attached to a learning platform, and opened offline, often on a phone.
"""

from __future__ import annotations

import csv
import io
import math
import os
import statistics
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..model.result import STATUSES, StudentResult, format_points

#: what each status means, in words a student understands (the feedback page, the summary)
STATUS_WORDS: dict[str, str] = {
    "ok": "graded normally: every exercise ran and was checked",
    "timeout": (
        "a cell, a check or the whole notebook ran past its time limit and was stopped; "
        "the exercises that did not finish in time scored 0"
    ),
    "memory": (
        "a cell or a check used more memory than allowed and was stopped; "
        "the exercises it was running scored 0"
    ),
    "kernel_died": (
        "the Python process running a cell or a check exited or crashed; "
        "the exercises it was running scored 0"
    ),
    "invalid_notebook": (
        "the file handed in could not be read as a Jupyter notebook, so nothing ran; "
        "every exercise scored 0"
    ),
    "tampered": (
        "a locked cell (a check or the given code) was edited, deleted or duplicated; "
        "the exercises it belongs to scored 0"
    ),
}
#: how the learning platforms spell their own names
PLATFORM_NAMES = {"canvas": "Canvas", "moodle": "Moodle", "blackboard": "Blackboard"}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)  # not strftime's %B, which follows the grader's locale
LOW_PASS_RATE = 0.5  # exercises passed by fewer students than this stand out in the summary
PER_POINT_BINS = 40  # up to this many points the histogram has one bar per point
HISTOGRAM_BINS = 20  # about this many bars above it

_STYLE = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9;
  --warn: #7d4e00; --warn-bg: #fff8c5; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--soft); color: var(--ink); line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
main { max-width: 62rem; margin: 0 auto; padding: 2rem 2rem 3rem; background: #fff;
  min-height: 100vh; }
h1 { font-size: 1.65rem; line-height: 1.25; margin: 0.15rem 0 0.6rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.6rem; }
a { color: var(--accent); }
.kicker { margin: 0; color: var(--muted); font-size: 0.8rem; font-weight: 600;
  letter-spacing: 0.06em; text-transform: uppercase; }
.meta { margin: 0; color: var(--muted); display: flex; flex-wrap: wrap; gap: 0.2rem 1.5rem;
  overflow-wrap: anywhere; }
.meta b { color: var(--ink); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem;
  margin: 1.25rem 0; }
.card > :first-child { margin-top: 0; }
.card > :last-child { margin-bottom: 0; }
.score { font-size: 1.1rem; margin: 0; }
.score b { font-size: 2.2rem; line-height: 1.1; }
.meter { height: 0.6rem; background: #e6eaef; border-radius: 999px; overflow: hidden;
  margin: 0.6rem 0; }
.meter > div { height: 100%; background: var(--accent); }
.late { background: var(--warn-bg); color: var(--warn); border-radius: 6px;
  padding: 0.45rem 0.75rem; }
.status { border-left: 5px solid var(--bad); background: var(--bad-bg); }
.status h2 { margin: 0 0 0.3rem; font-size: 1.1rem; }
.status p { margin: 0.3rem 0 0; overflow-wrap: anywhere; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.75rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: 0.5rem 0.6rem; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
thead th { color: var(--muted); font-size: 0.85rem; border-bottom: 2px solid var(--line);
  white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.statuses td:first-child, table.rates td:first-child { white-space: nowrap; }
.pass { color: var(--ok); font-weight: bold; }
.fail { color: var(--bad); font-weight: bold; }
.muted { color: var(--muted); }
table.exercises { width: 100%; }
table.exercises th.ex { font-weight: 600; width: 32%; min-width: 12rem;
  border-left: 4px solid var(--line); }
table.exercises tr.passed th.ex { border-left-color: var(--ok); }
table.exercises tr.failed th.ex { border-left-color: var(--bad); }
.ex-id { font-variant-numeric: tabular-nums; color: var(--muted); }
.verdict { white-space: nowrap; }
.verdict span { display: inline-block; border-radius: 999px; padding: 0.05rem 0.6rem;
  font-weight: 600; font-size: 0.9rem; }
.pass > span { background: var(--ok-bg); }
.fail > span { background: var(--bad-bg); }
pre.hint { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft);
  border-radius: 6px; padding: 0.35rem 0.6rem; font-size: 0.85rem;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.bar { background: #e6eaef; width: 20em; height: 1.1em; border-radius: 3px; }
.bar > div { background: var(--accent); height: 100%; border-radius: 3px; }
tr.low .bar > div { background: var(--bad); }
tr.low td:first-child { font-weight: bold; color: var(--bad); }
figure.histogram { margin: 0.75rem 0; max-width: 34rem; }
figure.histogram svg { display: block; width: 100%; height: auto; }
figure.histogram figcaption { color: var(--muted); font-size: 0.9rem; }
svg text { fill: var(--ink); font-family: inherit; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .column { fill: var(--accent); }
svg .bin:hover .column { fill: #0550ae; }
svg .count { font-weight: 600; text-anchor: middle; }
svg .tick, svg .label { fill: var(--muted); }
footer { margin-top: 2.5rem; color: var(--muted); font-size: 0.85rem; }
/* phones: each table row becomes a block, laid out by a small grid; nothing scrolls sideways */
@media (max-width: 40rem) {
  main { padding: 1rem 1rem 2rem; }
  h1 { font-size: 1.35rem; }
  table.cards, table.cards tbody { display: block; width: 100%; }
  table.cards thead { display: none; }
  table.cards tr { display: grid; grid-template-columns: 1fr auto; gap: 0.2rem 0.75rem;
    align-items: baseline; border-bottom: 1px solid var(--line); padding: 0.5rem 0; }
  table.cards th, table.cards td { display: block; border: 0; padding: 0; min-width: 0;
    overflow-wrap: anywhere; }
  table.cards td:empty { display: none; }
  table.cards .wide { grid-column: 1 / -1; }
  table.cards td.num { text-align: right; }
  table.exercises tr { align-items: center; border: 1px solid var(--line);
    border-left: 5px solid var(--line); border-radius: 8px; padding: 0.6rem 0.75rem;
    margin: 0 0 0.75rem; }
  table.exercises tr.passed { border-left-color: var(--ok); }
  table.exercises tr.failed { border-left-color: var(--bad); }
  table.exercises th.ex { border: 0; min-width: 0; }
  table.exercises td.num { text-align: left; }
  table.exercises td.num::after { content: " points"; color: var(--muted); }
  table.exercises td.verdict { justify-self: end; }
  table.statuses td.muted { grid-column: 1 / -1; }
  table.rates tr { grid-template-columns: 3.5rem 1fr 3rem; }
  table.rates td.rate { align-self: center; }
  table.rates.titled td.title { grid-column: 2 / 4; }
  table.rates.titled td.rate { grid-column: 1 / 3; }
  table.rates .bar { width: 100%; }
  table.students td.who { grid-area: 1 / 1; font-weight: 600; }
  table.students td.total { grid-area: 1 / 2; font-weight: 600; }
  table.students td.name { grid-area: 2 / 1 / 3 / 3; }
  table.students td.state { grid-area: 3 / 1; color: var(--muted); }
  table.students td.secs { grid-area: 3 / 2; color: var(--muted); }
  table.students td.secs::after { content: " s"; }
  table.students td.reason { grid-area: 4 / 1 / 5 / 3; }
}
"""


LOW_PASS_RATE = 0.5  # exercises passed by fewer students than this stand out in the summary


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and :func:`os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def exercise_ids(results: list[StudentResult]) -> list[str]:
    """The exercise ids of the results, in notebook order (first appearance)."""
    ids: dict[str, None] = {}
    for result in results:
        ids.update({exercise.id: None for exercise in result.exercises})
    return list(ids)


def grades_csv(results: list[StudentResult]) -> str:
    """``student_id,status,score,max_score,ex<NN>…,reason``, one row per student, by id.

    Results from a learning platform's download add ``name`` and ``late`` after ``student_id``.
    """
    ids = exercise_ids(results)
    platform = any(result.platform for result in results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    who = ["student_id", "name", "late"] if platform else ["student_id"]
    writer.writerow([*who, "status", "score", "max_score", *(f"ex{i}" for i in ids), "reason"])
    for result in sorted(results, key=lambda r: r.student_id):
        points = {exercise.id: format_points(exercise.points) for exercise in result.exercises}
        # only Canvas writes lateness into its download's names; elsewhere it is unknown here
        late = ("yes" if result.late else "no") if result.platform == "canvas" else ""
        writer.writerow(
            [
                result.student_id,
                *((result.name, late) if platform else ()),
                result.status,
                format_points(result.score),
                format_points(result.max_score),
                *(points.get(i, "") for i in ids),
                " ".join(result.reason.split()),
            ]
        )
    return out.getvalue()


# --- shared helpers -------------------------------------------------------------------------------


def graded_date(graded_at: str) -> str:
    """``2 December 2026`` from an ISO 8601 time; '' when empty, the text itself when unreadable.

    A page must render whatever an old or hand-edited result file holds, so this never raises.
    """
    if not graded_at:
        return ""
    try:
        when = datetime.fromisoformat(graded_at.strip().replace("Z", "+00:00"))
    except ValueError:
        return graded_at
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"


def _points(points: float, max_points: float) -> str:
    """``2.5 / 3``: every score on the pages is written the same way."""
    return f"{format_points(points)} / {format_points(max_points)}"


def _share(part: float, whole: float) -> float:
    """``part / whole`` in [0, 1], 0 for an empty whole: widths of bars."""
    return min(max(part / whole, 0.0), 1.0) if whole else 0.0


def _plural(count: int, word: str) -> str:
    """``1 student``, ``2 students``: labels read aloud by screen readers must be right."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _page(title: str, body: str) -> str:
    """A whole HTML file: one inline style sheet, a viewport for phones, nothing to fetch."""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>\n{body}\n</main></body></html>\n"
    )


def _header(kicker: str, heading: str, meta: list[str]) -> str:
    """The top of a page; ``meta`` items are HTML already escaped by the caller."""
    items = "".join(f"<span>{item}</span>" for item in meta if item)
    return (
        f"<header><p class='kicker'>{escape(kicker)}</p><h1>{escape(heading)}</h1>"
        f"<p class='meta'>{items}</p></header>"
    )


# --- one student's feedback -----------------------------------------------------------------------


def feedback_html(result: StudentResult) -> str:
    """One student's page: which lab, when, the score, the status in words, each exercise."""
    title = f"{result.lab} · feedback" if result.lab else "Feedback"
    return _page(
        f"{title} for {result.student_id}",
        _feedback_header(result)
        + _score_card(result)
        + _status_box(result)
        + "<h2>Exercises</h2>"
        + _exercise_table(result)
        + _remarks(result)
        + "<footer>This page was written by the autograder. If something here looks wrong, "
        "tell your instructor.</footer>",
    )


def _feedback_header(result: StudentResult) -> str:
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
    return _header(kicker, result.lab or "Feedback", [f"Student: {student}", when])


def _score_card(result: StudentResult) -> str:
    """The score as a number and a meter; the platform's late mark next to it."""
    passed = sum(exercise.passed for exercise in result.exercises)
    share = _share(result.score, result.max_score)
    late = ""
    if result.late:
        platform = PLATFORM_NAMES.get(result.platform, result.platform) or "the platform"
        late = f"<p class='late'><b>Late:</b> {escape(platform)} marked this submission late.</p>"
    return (
        "<section class='card score-card' aria-label='score'>"
        f"<p class='score'>Score: <b>{format_points(result.score)}</b> / "
        f"{format_points(result.max_score)} points</p>"
        f"<div class='meter' role='img' aria-label='{share * 100:.0f}% of the points'>"
        f"<div style='width: {share * 100:.1f}%'></div></div>"
        f"<p class='muted'>{passed} of {_plural(len(result.exercises), 'exercise')} passed"
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
        f"<td class='num'>{_points(exercise.points, exercise.max_points)}</td>"
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


# --- the class summary ----------------------------------------------------------------------------


def summary_html(results: list[StudentResult]) -> str:
    """The instructor's page: status counts, score spread and histogram, pass rate per
    exercise, students."""
    lab = _lab_name(results)
    meta = [f"{len(results)} student(s)", escape(_graded_span(results))]
    return _page(
        f"{lab} · class summary" if lab else "Class summary",
        _header("Class summary", lab or "Class summary", meta)
        + _isolation(results)
        + "<h2>Status</h2>"
        + _status_table(results)
        + "<h2>Scores</h2>"
        + _spread(results)
        + _histogram(results)
        + "<h2>Pass rate per exercise (lowest first)</h2>"
        + _pass_rate_chart(results)
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


@dataclass(frozen=True)
class HistogramBin:
    """Scores ``low <= score < high`` (the last bin also holds ``high``)."""

    low: float
    high: float
    count: int
    last: bool = False

    @property
    def label(self) -> str:
        """``7`` for a one-point bin (scores 7 to 7.99), ``10–14`` for a wider one."""
        if self.high - self.low == 1 and not self.last:
            return format_points(self.low)
        top = self.high if self.last else self.high - 1
        return f"{format_points(self.low)}–{format_points(top)}"

    @property
    def title(self) -> str:
        """What a screen reader or a tooltip says about the bar."""
        if self.high - self.low == 1 and not self.last:
            where = f"{format_points(self.low)} point{'' if self.low == 1 else 's'}"
        else:
            upper = "" if self.last else "under "
            where = f"{format_points(self.low)} to {upper}{format_points(self.high)} points"
        return f"{where}: {_plural(self.count, 'student')}"


def score_histogram(scores: list[float], max_score: float) -> list[HistogramBin]:
    """Bins of the scores from 0 to ``max_score``: one per point up to :data:`PER_POINT_BINS`
    points (a bar per score a student can get), else about :data:`HISTOGRAM_BINS` bins of a
    whole number of points."""
    top = max([max_score, *scores, 0.0])
    if top <= PER_POINT_BINS:
        width, count = 1, math.floor(top) + 1
    else:
        width = math.ceil(top / HISTOGRAM_BINS)
        count = math.ceil(top / width)
    counts = [0] * count
    for score in scores:
        counts[min(max(int(score // width), 0), count - 1)] += 1
    bins = [HistogramBin(i * width, (i + 1) * width, n) for i, n in enumerate(counts[:-1])]
    if width == 1:  # the last bar is the top score, like every other one-point bar
        return [*bins, HistogramBin(count - 1, count, counts[-1])]
    return [*bins, HistogramBin((count - 1) * width, top, counts[-1], last=True)]


@dataclass(frozen=True)
class _Frame:
    """The histogram's drawing area, in SVG user units (the picture scales to the page)."""

    width: float = 440
    height: float = 230
    left: float = 44
    right: float = 16
    top: float = 20
    bottom: float = 48

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def base(self) -> float:
        return self.top + self.plot_height


def _histogram(results: list[StudentResult]) -> str:
    """How many students got each score, as an inline SVG (no script, no external file)."""
    if not results:
        return ""
    max_score = max(result.max_score for result in results)
    bins = score_histogram([result.score for result in results], max_score)
    largest = max(item.count for item in bins)
    frame, step = _Frame(), _count_step(largest)
    scale = step * max(1, math.ceil(largest / step))  # the top of the count axis, on a tick
    parts = [
        *_y_axis(frame, step, scale),
        *_bars(frame, bins, scale),
        *_x_axis(frame, bins),
    ]
    return (
        "<figure class='histogram'>"
        f"<svg viewBox='0 0 {frame.width:g} {frame.height:g}' role='group' "
        "aria-label='Histogram of the scores'>"
        + "".join(parts)
        + "</svg><figcaption>Number of students per score, out of "
        f"{format_points(max_score)} points"
        f"{'' if bins[0].high - bins[0].low == 1 else ' (bars of several points)'}."
        "</figcaption></figure>"
    )


def _count_step(largest: int) -> int:
    """A whole step between the count axis' ticks: at most five ticks above 0."""
    return max(1, math.ceil(largest / 5))


def _y_axis(frame: _Frame, step: int, scale: int) -> list[str]:
    """Counts of students up the left side, with light grid lines to read the bars against."""
    parts = []
    for value in range(0, scale + 1, step):
        y = frame.base - value / scale * frame.plot_height
        parts.append(
            f"<line class='{'axis' if value == 0 else 'grid'}' x1='{frame.left:g}' "
            f"y1='{y:.1f}' x2='{frame.width - frame.right:g}' y2='{y:.1f}'/>"
            f"<text class='tick' x='{frame.left - 6:g}' y='{y + 4:.1f}' text-anchor='end' "
            f"font-size='12'>{value}</text>"
        )
    middle = frame.top + frame.plot_height / 2
    parts.append(
        f"<text class='label' x='14' y='{middle:.1f}' text-anchor='middle' font-size='13' "
        f"transform='rotate(-90 14 {middle:.1f})'>students</text>"
    )
    return parts


def _bars(frame: _Frame, bins: list[HistogramBin], scale: int) -> list[str]:
    """One labelled group per bin (even an empty one): a bar and its count above it."""
    slot = frame.plot_width / len(bins)
    width, size = slot * 0.8, min(12.0, max(slot * 0.8, 7.0))
    parts = []
    for index, item in enumerate(bins):
        x = frame.left + index * slot + (slot - width) / 2
        height = item.count / scale * frame.plot_height
        count = (
            f"<text class='count' x='{x + width / 2:.1f}' y='{frame.base - height - 4:.1f}' "
            f"font-size='{size:.1f}'>{item.count}</text>"
            if item.count
            else ""
        )
        parts.append(
            f"<g class='bin' role='img' aria-label='{escape(item.title, quote=True)}' "
            f"data-count='{item.count}'><title>{escape(item.title)}</title>"
            f"<rect class='column' x='{x:.1f}' y='{frame.base - height:.1f}' width='{width:.1f}' "
            f"height='{height:.1f}' rx='1.5'/>{count}</g>"
        )
    return parts


def _ticks(last: int, every: int) -> list[int]:
    """``0, every, 2·every, …, last``, without a tick too close before ``last`` (they would
    overlap)."""
    return [i for i in range(0, last, every) if last - i >= every] + [last]


def _x_axis(frame: _Frame, bins: list[HistogramBin]) -> list[str]:
    """Scores under the bars: one-point bars are labelled at their middle, wider bars at their
    edges; every k-th label only when they would overlap, the first and the last always."""
    slot = frame.plot_width / len(bins)
    one_point = bins[0].high - bins[0].low == 1
    y = frame.base + 16
    if one_point:
        every = math.ceil(len(bins) / 16)
        marks = [(i + 0.5, bins[i].low) for i in _ticks(len(bins) - 1, every)]
    else:
        every = math.ceil(len(bins) / 10)
        edges = [b.low for b in bins] + [bins[-1].high]
        marks = [(i, edges[i]) for i in _ticks(len(bins), every)]
    parts = [
        f"<text class='tick' x='{frame.left + at * slot:.1f}' y='{y:g}' text-anchor='middle' "
        f"font-size='12'>{format_points(value)}</text>"
        for at, value in marks
    ]
    parts.append(
        f"<text class='label' x='{frame.left + frame.plot_width / 2:.1f}' "
        f"y='{frame.height - 8:g}' text-anchor='middle' font-size='13'>score (points)</text>"
    )
    return parts


def _isolation(results: list[StudentResult]) -> str:
    """What confined the kernels: one line per distinct sandbox, warnings in red."""
    lines = sorted({r.sandbox for r in results if r.sandbox})
    if not lines:
        return ""
    items = "".join(
        f"<li class='{'fail' if line.startswith('WARNING') else ''}'>{escape(line)}</li>"
        for line in lines
    )
    return f"<h2>Isolation of the kernels</h2><ul>{items}</ul>"


def pass_rates(results: list[StudentResult]) -> dict[str, float]:
    """Share of the students who passed each exercise (every status counts), notebook order."""
    rates = {}
    for exercise_id in exercise_ids(results):
        verdicts = [e.passed for r in results for e in r.exercises if e.id == exercise_id]
        rates[exercise_id] = sum(verdicts) / len(results) if results else 0.0
    return rates


def exercise_titles(results: list[StudentResult]) -> dict[str, str]:
    """Each exercise's title, the first one found (results of old runs have none)."""
    titles: dict[str, str] = {}
    for result in results:
        for exercise in result.exercises:
            if exercise.title and not titles.get(exercise.id):
                titles[exercise.id] = exercise.title
    return titles


def _pass_rate_chart(results: list[StudentResult]) -> str:
    """Hardest exercises first, each with its title (a column only when the lab gave titles)."""
    rates, titles = pass_rates(results), exercise_titles(results)
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
        f"<td class='num total'>{_points(r.score, r.max_score)}</td>"
        f"<td class='num secs'>{r.seconds:.1f}</td>"
        f"<td class='reason'>{escape(r.reason)}</td></tr>"
        for r in sorted(results, key=lambda r: r.student_id)
    )
    name = "<th>name</th>" if named else ""
    return (
        f"<table class='cards students'><thead><tr><th>student</th>{name}<th>status</th>"
        f"<th>score</th><th>seconds</th><th>reason</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def write_reports(out_dir: Path, results: list[StudentResult]) -> None:
    """Write grades.csv, summary.html and one feedback page per result into ``out_dir``."""
    out_dir = Path(out_dir)
    atomic_write_text(out_dir / "grades.csv", grades_csv(results))
    for result in results:
        atomic_write_text(out_dir / "feedback" / f"{result.student_id}.html", feedback_html(result))
    atomic_write_text(out_dir / "summary.html", summary_html(results))
