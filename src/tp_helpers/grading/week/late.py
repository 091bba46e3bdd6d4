"""Lateness and its penalty, computed when grades are reported or exported, never stored.

A result keeps what the platform said (when the notebook was handed in, or only that the
platform marked it late); the due date, the extensions and the rule come from the course file
at the moment of the report. Changing a due date and exporting again therefore gives the right
grades without grading anyone again.

Where the time of a submission comes from: the time the platform recorded for it (Moodle's
worksheet ``Last modified (submission)``, read at export; Blackboard's attempt time and
nbgrader's ``timestamp.txt``, kept in the result as written). Gradescope runs the grader itself,
one submission at a time, and its ``submission_metadata.json`` gives the time and the student's
own due date (:mod:`..platforms.gradescope.late`). Canvas's download only says
``LATE`` in the file's name, with no time: then the rule charges what any late submission costs
at the least (one period after the grace; 0 under "no late work"), and a student with an
extension or an accommodation is charged nothing and listed for review, because Canvas compared
the time with its own due date, which knows nothing of the course file's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from ..model.result import MONTHS
from .course import Course, Lab, duration_words


@dataclass(frozen=True)
class SubmittedAt:
    """What is known of when a student handed in: a moment, or only a platform's late flag."""

    moment: datetime | None = None  # aware
    flagged_late: bool = False
    source: str = ""  # where it was read, in words: "Moodle's worksheet"


@dataclass(frozen=True)
class Lateness:
    """One student's lateness in one lab and what it costs, in points and in words."""

    due: datetime
    submitted: SubmittedAt
    late_by: timedelta | None  # None: not late, or unknown (flag only)
    periods: int
    penalty: float
    words: str  # for the feedback page and the summary ("" when on time and nothing to say)
    review: bool = False  # the team should look (a flag with an extension)
    refused: bool = False  # "no late work": the submission scores 0

    @property
    def late(self) -> bool:
        return self.penalty > 0 or self.refused or self.late_by is not None


def due_for(course: Course, lab: Lab, student: str) -> tuple[datetime, list[str]]:
    """The student's own due date and why it differs from the lab's (in words).

    The lab's date plus every standing accommodation the student is listed in; an extension
    with ``extra`` adds to that; an extension with ``due`` is the date the team chose, kept when
    it is later. The later of the two wins: an extension never takes time away.
    """
    due, why = lab.due, []
    for accommodation in course.accommodations:
        if student in accommodation.students:
            due += accommodation.extra
            why.append(f"accommodation: {accommodation.name}")
    for extension in course.extensions:
        if extension.student != student or extension.lab != lab.name:
            continue
        reason = f" ({extension.reason})" if extension.reason else ""
        if extension.due is not None:
            if extension.due > due:
                due = extension.due
            why.append(f"extension to {moment_words(extension.due, course.timezone)}{reason}")
        else:
            due += extension.extra
            why.append(f"extension of {duration_words(extension.extra)}{reason}")
    return due, why


def lateness(
    course: Course, lab: Lab, student: str, submitted: SubmittedAt, points: float
) -> Lateness:
    """The student's lateness and its penalty on ``points`` (the score after adjustments)."""
    due, why = due_for(course, lab, student)
    rule = lab.late
    because = f" (due date: {moment_words(due, course.timezone)}; {'; '.join(why)})" if why else ""
    if submitted.moment is None:
        return _flag_only(course, lab, student, submitted, due, points, because)
    late_by = submitted.moment - due
    if late_by <= timedelta(0):
        return Lateness(due, submitted, None, 0, 0.0, "")
    when = f"handed in {duration_words(late_by)} after the due date{because}"
    if late_by <= rule.grace:
        return Lateness(due, submitted, late_by, 0, 0.0, f"{when}: within the grace period.")
    if not rule.accept:
        return Lateness(
            due, submitted, late_by, 0, points, f"{when}: no late work is accepted.", refused=True
        )
    periods = math.ceil(late_by / rule.period)
    penalty = min(rule.penalty_points(periods, lab.points), points)
    return Lateness(due, submitted, late_by, periods, penalty, f"{when}: {rule.describe()}.")


def _flag_only(course, lab, student, submitted, due, points, because) -> Lateness:
    """Canvas's ``LATE`` flag without a time (see the module's docstring)."""
    if not submitted.flagged_late:
        return Lateness(due, submitted, None, 0, 0.0, "")
    rule = lab.late
    source = submitted.source or "the platform"
    if because:
        return Lateness(
            due,
            submitted,
            None,
            0,
            0.0,
            f"{source} marked the submission late against its own due date{because}; "
            "no penalty applied: the course team reviews it.",
            review=True,
        )
    if not rule.accept:
        return Lateness(
            due,
            submitted,
            None,
            0,
            points,
            f"{source} marked the submission late: no late work is accepted.",
            refused=True,
        )
    penalty = min(rule.penalty_points(1, lab.points), points)
    return Lateness(
        due,
        submitted,
        None,
        1,
        penalty,
        f"{source} marked the submission late without saying when it was handed in: the "
        f"penalty of one period ({rule.describe()}).",
    )


def moment_words(moment: datetime, zone: tzinfo) -> str:
    """``1 December 2026, 23:59 (Europe/Paris)``: a moment in the course's zone."""
    local = moment.astimezone(zone)
    name = getattr(zone, "key", None) or local.tzname() or ""
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M} ({name})"


# --- the time each platform gives ---------------------------------------------------------------

_MOODLE_EN = re.compile(
    r"(?:[^\W\d_]+,?\s+)?(?P<day>[0-9]{1,2})\s+(?P<month>[^\W\d_]+)\s+(?P<year>[0-9]{4}),\s*"
    r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})\s*(?P<ampm>AM|PM|am|pm)?"
)
_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip


def moodle_submitted(text: str, zone: tzinfo) -> datetime | None:
    """Moodle's ``Last modified (submission)`` cell (``Monday, 1 December 2026, 11:58 PM``, or
    in French ``lundi 1 décembre 2026, 23:58``), read in the server's ``zone``; None for ``-``.

    The worksheet writes the server's local time with no offset, hence the course file's
    ``[platform] timezone``."""
    match = _MOODLE_EN.search(text.strip())
    if not match:
        return None
    month = match["month"].lower()
    names = [m.lower() for m in MONTHS]
    if month in names:
        number = names.index(month) + 1
    elif month in _MONTHS_FR:
        number = _MONTHS_FR.index(month) + 1
    else:
        return None
    hour = int(match["hour"])
    if match["ampm"]:
        hour = hour % 12 + (12 if match["ampm"].lower() == "pm" else 0)
    return datetime(
        int(match["year"]), number, int(match["day"]), hour, int(match["minute"]), tzinfo=zone
    )


def parse_moment(text: str, zone: tzinfo = timezone.utc) -> datetime | None:
    """An ISO 8601 time with an offset, or with a trailing ``UTC``/``Z`` (what nbgrader
    writes); a time without either is read in ``zone``. None when unreadable."""
    text = text.strip()
    for suffix in (" UTC", "UTC", "Z"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip() + "+00:00"
            break
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
