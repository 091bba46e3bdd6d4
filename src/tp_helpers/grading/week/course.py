"""The course file (``course.toml``): each lab's points and due date, the late rule, extensions
and standing accommodations. The course team writes it by hand and owns it; the grader only
reads it, at report and export time, so that editing it and exporting again changes the grades
without regrading anyone.

Why TOML, read with the standard library's :mod:`tomllib`:

* dates are part of the language: ``due = 2026-12-01T23:59:00`` is a local time (read in the
  course's ``timezone``) and ``2026-12-01T23:59:00+01:00`` a moment, with no parsing of our own
  and no ambiguity (YAML reads ``22:30`` as a number of seconds and ``NO`` as false);
* comments are allowed, so a team can write why a student got an extension next to it (JSON
  has none);
* :mod:`tomllib` has been in the standard library since Python 3.11 (``tomli``, the same code,
  on 3.10): nothing to install, and a file with a typo is a one-line error with its position.

A file looks like this (``docs/the-week-after-the-deadline.md`` has a whole example)::

    timezone = "Europe/Paris"

    [late]
    grace = "15m"          # on time up to 15 minutes after the due date
    penalty = "10%"        # of the lab's points, per started day after the due date
    per = "day"            # or "hour"
    cap = "50%"            # never more than this in all
    # accept = false       # "no late work": a late submission scores 0

    [labs.tp7_qa]
    points = 30
    due = 2026-12-01T23:59:00

    [[extensions]]
    student = "s003"
    lab = "tp7_qa"
    due = 2026-12-04T23:59:00     # or: extra = "48h"
    reason = "medical certificate"

    [[accommodations]]
    name = "one day of extra time"
    extra = "24h"
    students = ["s002", "s007"]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...errors import TPError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with tomli, tomllib's origin
    import tomli as tomllib

#: the name ``tp-course`` looks for at the course root when no ``--course`` is given
COURSE_FILE = "course.toml"

_DURATION = re.compile(r"\s*(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>min|d|h|m|s)\s*")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1}


class CourseError(TPError):
    """The course file cannot be used: the message names the file, the entry and the fix."""


@dataclass(frozen=True)
class LateRule:
    """How lateness costs points. ``accept=False`` is "no late work": late scores 0.

    ``penalty`` is a share of the lab's points (``percent=True``) or points, charged per started
    ``period`` after the due date once the lateness exceeds ``grace``; ``cap`` bounds the whole
    penalty in the same unit (``None``: no cap).
    """

    grace: timedelta = timedelta(0)
    penalty: float = 0.0
    percent: bool = True
    period: timedelta = timedelta(days=1)
    cap: float | None = None
    cap_percent: bool = True
    accept: bool = True

    def penalty_points(self, periods: int, max_points: float) -> float:
        """The points ``periods`` started periods of lateness cost, the cap applied."""
        each = self.penalty * max_points / 100 if self.percent else self.penalty
        total = each * periods
        if self.cap is not None:
            cap = self.cap * max_points / 100 if self.cap_percent else self.cap
            total = min(total, cap)
        return total

    def describe(self) -> str:
        """The rule in words, for the pages: ``10% of the points per day late after 15 minutes
        of grace, at most 50%``."""
        grace = f" after {duration_words(self.grace)} of grace" if self.grace else ""
        if not self.accept:
            return f"no late work: a submission after the due date{grace} scores 0"
        if not self.penalty:
            return "late work is accepted without penalty"
        unit = "%" if self.percent else " points"
        period = "day" if self.period == timedelta(days=1) else duration_words(self.period)
        text = f"{_number(self.penalty)}{unit} of the points per {period} late (started){grace}"
        if self.cap is not None:
            text += f", at most {_number(self.cap)}{'%' if self.cap_percent else ' points'}"
        return text


@dataclass(frozen=True)
class Lab:
    name: str
    points: float
    due: datetime  # aware
    late: LateRule


@dataclass(frozen=True)
class Extension:
    """One student's extension for one lab: a new due date, or extra time."""

    student: str
    lab: str
    due: datetime | None = None
    extra: timedelta = timedelta(0)
    reason: str = ""


@dataclass(frozen=True)
class Accommodation:
    """Standing extra time for listed students, on every lab's due date."""

    name: str
    extra: timedelta
    students: frozenset[str]


@dataclass(frozen=True)
class Course:
    path: Path
    timezone: tzinfo
    labs: dict[str, Lab]
    extensions: tuple[Extension, ...] = ()
    accommodations: tuple[Accommodation, ...] = ()
    #: the zone of times a platform writes without an offset (Moodle's worksheet, Blackboard's
    #: attempt names): its server's zone, by default the course's
    platform_timezone: tzinfo | None = None

    def lab(self, name: str) -> Lab:
        """The lab called ``name``, or the course's only lab; an error naming the choices."""
        if name in self.labs:
            return self.labs[name]
        if len(self.labs) == 1 and not name:
            return next(iter(self.labs.values()))
        known = ", ".join(sorted(self.labs)) or "none"
        raise CourseError(
            f"{self.path}: no [labs.{name or '?'}] section (labs: {known}); add the lab with its "
            "points and due date."
        )

    def zone_of_platform(self) -> tzinfo:
        return self.platform_timezone or self.timezone


def read_course(path: Path) -> Course:
    """Read and check ``path``; every problem is a :class:`CourseError` naming the entry."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{path}: not found; write the course file or pass --course.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(f"{path}: cannot be read ({exc}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: not valid TOML ({exc}); fix that line.") from None
    return parse_course(data, path)


def parse_course(data: dict, path: Path = Path(COURSE_FILE)) -> Course:
    """A :class:`Course` from the TOML's tables (the tests build them directly)."""
    reader = _Reader(path)
    zone = reader.zone(data.get("timezone", "UTC"), "timezone")
    platform = reader.table(data.get("platform", {}), "platform")
    platform_zone = None
    if "timezone" in platform:
        platform_zone = reader.zone(platform["timezone"], "platform.timezone")
    default_rule = reader.rule(data.get("late", {}), "late")
    labs = {}
    for name, table in reader.table(data.get("labs", {}), "labs").items():
        where = f"labs.{name}"
        lab_zone = zone
        if "timezone" in table:
            lab_zone = reader.zone(table["timezone"], f"{where}.timezone")
        if "due" not in table or "points" not in table:
            raise CourseError(f"{path}: [{where}] needs 'points' and 'due'.")
        rule = reader.rule(table["late"], f"{where}.late") if "late" in table else default_rule
        due = reader.moment(table["due"], lab_zone, f"{where}.due")
        labs[name] = Lab(name, reader.number(table["points"], f"{where}.points"), due, rule)
    if not labs:
        raise CourseError(f"{path}: no lab; add a [labs.<name>] section with points and due.")
    extensions = tuple(
        reader.extension(item, i, zone, labs) for i, item in enumerate(data.get("extensions", []))
    )
    accommodations = tuple(
        reader.accommodation(item, i) for i, item in enumerate(data.get("accommodations", []))
    )
    _refuse_duplicates(path, extensions)
    return Course(path, zone, labs, extensions, accommodations, platform_zone)


def _refuse_duplicates(path: Path, extensions: tuple[Extension, ...]) -> None:
    seen = set()
    for ext in extensions:
        if (ext.student, ext.lab) in seen:
            raise CourseError(
                f"{path}: two extensions for student {ext.student} in lab {ext.lab}; keep one."
            )
        seen.add((ext.student, ext.lab))


class _Reader:
    """Checks each value and names the entry when it is wrong."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, what: str) -> CourseError:
        return CourseError(f"{self.path}: {where}: {what}")

    def table(self, value, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, "expected a table ([section]).")
        return value

    def zone(self, value, where: str) -> tzinfo:
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                where, f"unknown time zone {value!r}; write an IANA name like 'Europe/Paris'."
            ) from None

    def number(self, value, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self.fail(where, f"{value!r} is not a number of points (0 or more).")
        return float(value)

    def moment(self, value, zone: tzinfo, where: str) -> datetime:
        """A TOML date-time: with an offset it is a moment; without, a time in ``zone``; a
        date alone is the end of that day (23:59:59) in ``zone``."""
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=zone)
        if isinstance(value, date):
            return datetime.combine(value, time(23, 59, 59), tzinfo=zone)
        if isinstance(value, str):
            try:
                return self.moment(datetime.fromisoformat(value), zone, where)
            except ValueError:
                pass
        raise self.fail(where, f"{value!r} is not a date; write it like 2026-12-01T23:59:00.")

    def duration(self, value, where: str) -> timedelta:
        try:
            return parse_duration(value)
        except ValueError:
            raise self.fail(
                where, f'{value!r} is not a duration; write it like "15m", "48h" or "2d".'
            ) from None

    def amount(self, value, where: str) -> tuple[float, bool]:
        """``"10%"`` -> (10, True), ``2`` or ``"2"`` -> (2, False)."""
        text = str(value).strip()
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%").strip())
        except ValueError:
            number = -1.0
        if isinstance(value, bool) or number < 0 or (percent and number > 100):
            raise self.fail(where, f'{value!r}: write a share like "10%" or points like 2.')
        return number, percent

    def rule(self, value, where: str) -> LateRule:
        table = self.table(value, where)
        known = {"grace", "penalty", "per", "cap", "accept"}
        unknown = sorted(set(table) - known)
        if unknown:
            keys = ", ".join(sorted(known))
            raise self.fail(where, f"unknown key {unknown[0]!r} (keys: {keys}).")
        accept = table.get("accept", True)
        if not isinstance(accept, bool):
            raise self.fail(f"{where}.accept", "write true or false.")
        penalty, percent = self.amount(table.get("penalty", 0), f"{where}.penalty")
        cap, cap_percent = (None, True)
        if "cap" in table:
            cap, cap_percent = self.amount(table["cap"], f"{where}.cap")
        per = table.get("per", "day")
        periods = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
        if per not in periods:
            raise self.fail(f"{where}.per", f'{per!r}: write "day" or "hour".')
        grace = self.duration(table.get("grace", "0m"), f"{where}.grace")
        return LateRule(grace, penalty, percent, periods[per], cap, cap_percent, accept)

    def extension(self, item, index: int, zone: tzinfo, labs: dict[str, Lab]) -> Extension:
        where = f"extensions[{index}]"
        item = self.table(item, where)
        student, lab = str(item.get("student", "")), str(item.get("lab", ""))
        if not student:
            raise self.fail(where, "needs 'student'.")
        if not lab and len(labs) == 1:
            lab = next(iter(labs))
        if lab not in labs:
            raise self.fail(where, f"lab {lab!r} is not a [labs.<name>] of this file.")
        if ("due" in item) == ("extra" in item):
            raise self.fail(where, f"student {student}: give either 'due' or 'extra', not both.")
        if "due" in item:
            due = self.moment(item["due"], zone, f"{where}.due")
            if due < labs[lab].due:
                raise self.fail(
                    where,
                    f"student {student}: the extension's due date is before the lab's own; "
                    "an extension gives time, check the date.",
                )
            return Extension(student, lab, due=due, reason=str(item.get("reason", "")))
        extra = self.duration(item["extra"], f"{where}.extra")
        return Extension(student, lab, extra=extra, reason=str(item.get("reason", "")))

    def accommodation(self, item, index: int) -> Accommodation:
        where = f"accommodations[{index}]"
        item = self.table(item, where)
        students = item.get("students", [])
        if not isinstance(students, list) or not students:
            raise self.fail(where, "needs 'students', a list of student ids.")
        extra = self.duration(item.get("extra", ""), f"{where}.extra")
        name = str(item.get("name", "")) or f"{duration_words(extra)} of extra time"
        return Accommodation(name, extra, frozenset(str(s) for s in students))


def parse_duration(value) -> timedelta:
    """``"15m"``, ``"48h"``, ``"2d"``, ``"1d 12h"`` -> :class:`timedelta`; ValueError otherwise."""
    text = str(value).strip()
    if not text:
        raise ValueError(value)
    total, position = 0.0, 0
    for match in _DURATION.finditer(text):
        if match.start() != position:
            raise ValueError(value)
        total += float(match["number"]) * _UNITS[match["unit"]]
        position = match.end()
    if position != len(text):
        raise ValueError(value)
    return timedelta(seconds=total)


def duration_words(delta: timedelta) -> str:
    """``2 days 3 hours``, ``15 minutes``: a duration as the pages write it."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts[:2]) or "0 minutes"


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"
