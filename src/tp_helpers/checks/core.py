"""Plumbing shared by every lab's checks: verdicts, hints, reference values, progress.

Nothing here knows about a particular lab. A lab's check module (for example
:mod:`tp_helpers.checks.tp7_qa`) holds the check functions, a table of hints (data, not code) and
per-profile reference values (one file per profile, which may start from another profile's with
an ``"inherits"`` key); this module turns a failed expectation into the message a student
reads, records each exercise's verdict for :func:`Lab.progress`, and records reference values
when the course team regenerates them (``tp-course build``).

A check cell in a notebook reads::

    with checks.exercise("03"):
        checks.ex03(tokenized_long_example, long_example, tokenizer, profile)

On success the check prints one line. On failure an ``AssertionError`` names the exercise, what
was expected, what was found and the likely mistake. A variable that does not exist yet (the
exercise cell was not run, or raised) becomes the same kind of message instead of a bare
``NameError``.
"""

from __future__ import annotations

import json
import os
import traceback
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

RECORD_ENV = "TP_CHECKS_RECORD"
REFERENCE_DIR = Path(__file__).with_name("reference")
#: key of a reference file naming the profile whose values it starts from (its own keys win)
INHERITS = "inherits"


class CheckFailed(AssertionError):
    """A failed check: an ``AssertionError`` (nbgrader's convention) with a student-ready text.

    In Jupyter it is shown as its message alone (IPython's ``_render_traceback_`` hook), not as a
    traceback through our plumbing; when the student's own code raised inside the check, that
    error's traceback comes first, since it points at the line to fix.
    """

    def _render_traceback_(self) -> list[str]:
        lines = []
        if self.__cause__ is not None:
            cause = self.__cause__
            lines += "".join(traceback.format_exception(cause)).rstrip().splitlines()
            lines.append("")
        first, *rest = str(self).splitlines() or [""]
        return [*lines, f"\x1b[1;31m{first}\x1b[0m", *rest]


@dataclass(frozen=True)
class Hint:
    """One entry of a lab's hint table: what the check expected, and the likely mistake."""

    expected: str
    hint: str


#: the entries every lab's hint table starts with: the failures :class:`ExerciseCheck` turns
#: a missing variable, a stub left in place or an error into, and a reference value missed
COMMON_HINTS = {
    "missing_variable": Hint(
        "`{name}` does not exist yet.",
        "run the exercise cell above (and every cell before it) without error, then this one.",
    ),
    "not_done": Hint(
        "your code, in place of the `raise NotImplementedError(...)` line.",
        "write the exercise between its START and END lines, run that cell, then this check.",
    ),
    "raised": Hint(
        "your code raised an error while the check ran it.",
        "read the error above (`found`); run your function on a small input to see where.",
    ),
    "reference": Hint(
        "the {profile} profile's reference value is {reference}.",
        "use the values of `profile` (never typed-in numbers) and compare your code with the "
        "instructions.",
    ),
}


@dataclass
class Verdict:
    exercise: str
    passed: bool
    message: str = ""


@dataclass
class Lab:
    """The checks of one lab: its name, exercise titles, hint table and reference values."""

    name: str
    titles: dict[str, str]
    hints: dict[str, Hint]
    verdicts: dict[str, Verdict] = field(default_factory=dict)

    # -- failing -----------------------------------------------------------------------------
    def fail(self, exercise: str, key: str, found: Any = None, **values: Any) -> CheckFailed:
        """The exception for hint ``key``; ``values`` fill the ``{placeholders}`` of its text."""
        entry = self.hints[key]
        lines = [f"Exercise {exercise}: {entry.expected.format(**values)}"]
        if found is not None:
            lines.append(f"  found: {found}")
        lines.append(f"  hint: {entry.hint.format(**values)}")
        return CheckFailed("\n".join(lines))

    def expect(self, condition: bool, exercise: str, key: str, found: Any = None, **values):
        """Raise the failure for ``key`` unless ``condition`` holds."""
        if not condition:
            raise self.fail(exercise, key, found, **values)

    # -- reference values --------------------------------------------------------------------
    def reference(self, profile_name: str, key: str, observed: Any) -> Any:
        """The reference value of ``key`` for this profile (``None`` if there is none).

        When ``TP_CHECKS_RECORD`` names a file (``tp-course build`` sets it while running the
        solution), ``observed`` is written there instead and returned, so the check passes.
        """
        record_path = os.environ.get(RECORD_ENV)
        observed = _plain(observed)
        if record_path:
            path = Path(record_path)
            recorded = json.loads(path.read_text("utf-8")) if path.is_file() else {}
            recorded[key] = observed
            path.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n", "utf-8")
            return observed
        return self._reference_values(profile_name).get(key)

    def _reference_values(self, profile_name: str, _seen: tuple[str, ...] = ()) -> dict:
        """The profile's reference values: its file's, over those of the profile it names under
        :data:`INHERITS` (the cpu profile keeps every data value of the full one)."""
        path = REFERENCE_DIR / f"{self.name}.{profile_name}.json"
        if not path.is_file():
            return {}
        values = json.loads(path.read_text("utf-8"))
        parent = values.pop(INHERITS, None)
        if parent is None:
            return values
        if parent in (*_seen, profile_name):
            chain = " -> ".join((*_seen, profile_name, parent))
            raise ValueError(f"{path}: {INHERITS!r} makes a loop ({chain}); fix the chain.")
        return {**self._reference_values(parent, (*_seen, profile_name)), **values}

    def check_reference(self, profile, exercise: str, key: str, observed: Any, hint: str):
        """Compare ``observed`` with the profile's reference value, if the profile has one."""
        expected = self.reference(profile.name, key, observed)
        if expected is not None and _plain(observed) != expected:
            raise self.fail(
                exercise, hint, _plain(observed), reference=expected, profile=profile.name
            )

    # -- verdicts ------------------------------------------------------------------------------
    def exercise(self, exercise: str) -> ExerciseCheck:
        """``with lab.exercise("03"): ...``: run one check, record its verdict, turn a missing
        variable or a stub left in place into a hint."""
        return ExerciseCheck(self, exercise)

    def passed(self, exercise: str, summary: str) -> None:
        """Print the one success line of an exercise."""
        print(f"✓ Exercise {exercise}: {summary}")

    def progress(self) -> Progress:
        """Every exercise of the lab with its latest verdict in this kernel (otter's check_all)."""
        rows = []
        for exercise, title in self.titles.items():
            verdict = self.verdicts.get(exercise)
            status = (
                "not checked yet" if verdict is None else "passed" if verdict.passed else "failed"
            )
            rows.append((exercise, title, status, "" if verdict is None else verdict.message))
        return Progress(rows)


class ExerciseCheck:
    """The context manager behind :meth:`Lab.exercise`: records the verdict, and turns what
    went wrong into a :class:`CheckFailed` naming the exercise."""

    def __init__(self, lab: Lab, exercise: str) -> None:
        self.lab, self.exercise = lab, exercise

    def __enter__(self) -> ExerciseCheck:
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        lab, exercise = self.lab, self.exercise
        if error is None:
            lab.verdicts[exercise] = Verdict(exercise, True)
            return False
        if not isinstance(error, Exception):  # KeyboardInterrupt and the like: not ours
            return False
        cause = None
        if isinstance(error, CheckFailed):
            failure = CheckFailed(str(error))
        elif isinstance(error, NameError):
            name = getattr(error, "name", None) or str(error)
            failure = lab.fail(exercise, "missing_variable", name=name)
        elif isinstance(error, NotImplementedError):
            failure = lab.fail(exercise, "not_done", f"NotImplementedError: {error}")
        else:  # the student's function raised while the check ran it: keep its traceback
            failure = lab.fail(exercise, "raised", f"{type(error).__name__}: {error}")
            cause = error
        lab.verdicts[exercise] = Verdict(exercise, False, str(failure))
        raise failure from cause


@dataclass
class Progress:
    """The progress table: plain text for logs, HTML in Jupyter."""

    rows: list[tuple[str, str, str, str]]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, _, status, _ in self.rows:
            counts[status] = counts.get(status, 0) + 1
        return counts

    def __repr__(self) -> str:
        marks = {"passed": "✓", "failed": "✗", "not checked yet": "·"}
        lines = [", ".join(f"{n} {status}" for status, n in self.counts().items())]
        for exercise, title, status, message in self.rows:
            lines.append(f"{marks[status]} {exercise} {title}: {status}")
            if status == "failed":
                lines.extend(f"      {line}" for line in message.splitlines()[1:])
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colours = {"passed": "#1a7f37", "failed": "#cf222e", "not checked yet": "#6e7781"}
        body = "".join(
            f"<tr><td>{escape(ex)}</td><td>{escape(title)}</td>"
            f"<td style='color:{colours[status]}'>{escape(status)}</td>"
            f"<td><pre style='margin:0;white-space:pre-wrap'>"
            f"{escape(chr(10).join(message.splitlines()[1:]))}</pre></td></tr>"
            for ex, title, status, message in self.rows
        )
        summary = escape(", ".join(f"{n} {status}" for status, n in self.counts().items()))
        return (
            f"<p><b>Your progress</b>: {summary}</p><table><thead><tr><th>exercise</th>"
            f"<th>task</th><th>status</th><th>hint</th></tr></thead><tbody>{body}</tbody></table>"
        )


def _plain(value: Any) -> Any:
    """JSON-comparable form: tuples and numpy values become lists and Python numbers."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "tolist"):
        return value.tolist()
    return value
