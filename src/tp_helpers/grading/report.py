"""Render the stored results: ``grades.csv``, ``feedback/<student_id>.html``, ``summary.html``.

Rendering is separate from scoring: everything here reads :class:`StudentResult` objects only.
Every piece of text that comes from a student or a run goes through :func:`html.escape`.
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import tempfile
from collections import Counter
from html import escape
from pathlib import Path
from urllib.parse import quote

from .result import STATUSES, StudentResult, format_points

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #1a7f37; font-weight: bold; }
.fail { color: #cf222e; font-weight: bold; }
.hint { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 0.9em; }
.bar { background: #eee; width: 20em; height: 1.1em; }
.bar > div { background: #2f81f7; height: 100%; }
tr.low .bar > div { background: #cf222e; }
tr.low td:first-child { font-weight: bold; color: #cf222e; }
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
    """``student_id,status,score,max_score,ex<NN>…,reason``, one row per student, by id."""
    ids = exercise_ids(results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["student_id", "status", "score", "max_score", *(f"ex{i}" for i in ids), "reason"]
    )
    for result in sorted(results, key=lambda r: r.student_id):
        points = {exercise.id: format_points(exercise.points) for exercise in result.exercises}
        writer.writerow(
            [
                result.student_id,
                result.status,
                format_points(result.score),
                format_points(result.max_score),
                *(points.get(i, "") for i in ids),
                " ".join(result.reason.split()),
            ]
        )
    return out.getvalue()


def feedback_html(result: StudentResult) -> str:
    """One student's page: status, score and each exercise's verdict and hint."""
    rows = "\n".join(
        "<tr>"
        f"<td>{escape(exercise.id)}</td>"
        f"<td class='num'>{format_points(exercise.points)} / "
        f"{format_points(exercise.max_points)}</td>"
        + ("<td class='pass'>✓</td>" if exercise.passed else "<td class='fail'>✗</td>")
        + f"<td class='hint'>{escape(exercise.hint)}</td>"
        "</tr>"
        for exercise in result.exercises
    )
    reason = f"<p>Reason: {escape(result.reason)}</p>" if result.reason else ""
    notes = "".join(f"<li>{escape(note)}</li>" for note in result.notes)
    notes = f"<h2>Remarks</h2><ul>{notes}</ul>" if notes else ""
    return _page(
        f"Feedback for {result.student_id}",
        f"<p>Status: <b>{escape(result.status)}</b></p>"
        f"<p>Score: <b>{format_points(result.score)} / {format_points(result.max_score)}</b></p>"
        f"{reason}"
        "<table><thead><tr><th>exercise</th><th>points</th><th>passed</th><th>hint</th></tr>"
        f"</thead><tbody>\n{rows}\n</tbody></table>{notes}",
    )


def summary_html(results: list[StudentResult]) -> str:
    """The instructor's page: status counts, score spread, pass rate per exercise, students."""
    counts = Counter(result.status for result in results)
    statuses = [*STATUSES, *sorted(set(counts) - set(STATUSES))]
    status_rows = "".join(
        f"<tr><td>{escape(status)}</td><td class='num'>{counts.get(status, 0)}</td></tr>"
        for status in statuses
    )
    scores = [result.score for result in results]
    spread = (
        f"<p>Scores out of {format_points(max(r.max_score for r in results))}: "
        f"min {format_points(min(scores))}, median {format_points(statistics.median(scores))}, "
        f"max {format_points(max(scores))}</p>"
        if results
        else "<p>No results yet.</p>"
    )
    return _page(
        "Class summary",
        f"<p>{len(results)} student(s).</p>"
        f"{_isolation(results)}"
        "<h2>Status</h2><table><thead><tr><th>status</th><th>students</th></tr></thead>"
        f"<tbody>{status_rows}</tbody></table>"
        f"<h2>Scores</h2>{spread}"
        "<h2>Pass rate per exercise (lowest first)</h2>"
        f"{_pass_rate_chart(results)}"
        "<h2>Students</h2>"
        f"{_student_table(results)}",
    )


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


def _pass_rate_chart(results: list[StudentResult]) -> str:
    rates = pass_rates(results)
    order = sorted(rates, key=lambda i: (rates[i], list(rates).index(i)))
    rows = "".join(
        f"<tr class='{'low' if rates[i] < LOW_PASS_RATE else ''}'>"
        f"<td>ex{escape(i)}</td>"
        f"<td><div class='bar'><div style='width: {rates[i] * 100:.1f}%'></div></div></td>"
        f"<td class='num'>{rates[i] * 100:.0f}%</td></tr>"
        for i in order
    )
    return (
        "<table><thead><tr><th>exercise</th><th>pass rate</th><th></th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _student_table(results: list[StudentResult]) -> str:
    rows = "".join(
        "<tr>"
        f"<td><a href='feedback/{escape(quote(r.student_id), quote=True)}.html'>"
        f"{escape(r.student_id)}</a></td>"
        f"<td>{escape(r.status)}</td>"
        f"<td class='num'>{format_points(r.score)} / {format_points(r.max_score)}</td>"
        f"<td class='num'>{r.seconds:.1f}</td>"
        f"<td>{escape(r.reason)}</td></tr>"
        for r in sorted(results, key=lambda r: r.student_id)
    )
    return (
        "<table><thead><tr><th>student</th><th>status</th><th>score</th><th>seconds</th>"
        f"<th>reason</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )


def write_reports(out_dir: Path, results: list[StudentResult]) -> None:
    """Write grades.csv, summary.html and one feedback page per result into ``out_dir``."""
    out_dir = Path(out_dir)
    atomic_write_text(out_dir / "grades.csv", grades_csv(results))
    for result in results:
        atomic_write_text(out_dir / "feedback" / f"{result.student_id}.html", feedback_html(result))
    atomic_write_text(out_dir / "summary.html", summary_html(results))
