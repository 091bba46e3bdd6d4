"""Grade one exercise cell: each exercise on its own, no cascade, no collateral.

Every run starts from the zygote's state just before the cell (a fresh process forked from it,
:mod:`..engine`), so nothing one run does reaches the next one. docs/grading-contract.md is the
contract this implements.

1. Run the cell with every region the student wrote, then its check cells. All pass: done (an
   honest cell costs one run).
2. Otherwise, per exercise of the cell: a region equal to the solution's passes without a run;
   any other is run alone (the other regions from the solution) followed by its own check, and
   that run is its verdict. When only one region differs from the solution and the first run
   checked it, the first run already was that run.

A run alone holds the solution's code of the cell-mates, and what a student's code prints or
raises there could carry it: the hint of an exercise that fails alone is therefore never taken
from that run's messages, but from the first run (only the student's own code) or, failing
that, a fixed sentence. Time-outs and dead processes are the grader's words: they are shown.

The runs are reached through ``run(cell_code, check_codes) -> JobRun`` only, so this logic is
testable without processes.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from ..engine.protocol import CellRun, JobRun
from ..model.result import ExerciseResult
from ..model.source import ExerciseCell, Region, normalised, substitute

_HINT_CHARS = 1000
#: exception names a hint may show after a run alone (a student's own class name could carry
#: anything): Python's, and the checks' own
_KNOWN_ERRORS = frozenset(
    name for name in dir(builtins) if isinstance(getattr(builtins, name), type)
) | {"CheckFailed"}
_WARNING_RE = re.compile(r"(\w+(?:Warning|Error)\b.*)")


Runner = Callable[[str, Sequence[str]], JobRun]


@dataclass
class CellOutcome:
    results: list[ExerciseResult]
    executions: int
    runs: int = 0


def grade_cell(
    run: Runner,
    cell: ExerciseCell,
    student: Mapping[str, Region],
    *,
    timeout: float,
    hidden_lines: Collection[str] = (),
) -> CellOutcome:
    """Grade every exercise of ``cell`` from ``student``'s regions (an id missing: no markers)."""
    counter = _Counter(run)
    mine = {rid: student[rid] for rid in cell.exercise_ids if rid in student}
    solution = {region.exercise_id: region for region in cell.regions}
    differs = [rid for rid in mine if normalised(mine[rid]) != normalised(solution[rid])]
    hint_of = _Hints(timeout, hidden_lines)

    first = counter(substitute(cell.source, mine), [check.source for check in cell.checks])
    first_checks = dict(zip([check.exercise_id for check in cell.checks], first.checks))
    honest = not first.cell.raised and all(
        r is not None and r.passed for r in first_checks.values()
    )

    results = []
    for check in cell.checks:
        rid = check.exercise_id
        if rid not in mine:
            verdict = (False, f"markers of exercise {rid} not found")
        elif honest or rid not in differs:
            verdict = (True, "")
        elif differs == [rid] and (first.cell.raised or first_checks.get(rid) is not None):
            verdict = hint_of.verdict(first.cell, first_checks.get(rid))
        else:
            alone = counter(substitute(cell.source, {rid: mine[rid]}), [check.source])
            check_run = alone.checks[0] if alone.checks else None
            verdict = hint_of.verdict(alone.cell, check_run)
            if not verdict[0] and _student_words(alone.cell, check_run):
                own = _own_hints(hint_of, first.cell, first_checks.get(rid))
                verdict = (False, hint_of.alone(verdict[1], alone.cell, check_run, own, mine[rid]))
        passed, hint = verdict
        results.append(
            ExerciseResult(rid, check.points if passed else 0.0, check.points, passed, hint)
        )
    return CellOutcome(results, counter.executions, counter.runs)


def _own_hints(hints: _Hints, cell_run: CellRun, check_run: CellRun | None) -> set[str]:
    """The hints the first run (the student's own code only) gives for one exercise."""
    found = set()
    if cell_run.raised:
        found.add(hints.cell(cell_run))
    elif check_run is not None and not check_run.passed:
        found.add(hints.check(check_run))
    return found


def _student_words(cell_run: CellRun, check_run: CellRun | None) -> bool:
    """Whether the verdict's hint would quote what the run printed or raised."""
    ended = cell_run if cell_run.raised else check_run
    return ended is not None and not (ended.timed_out or ended.died)


class _Counter:
    def __init__(self, run: Runner) -> None:
        self.run, self.runs, self.executions = run, 0, 0

    def __call__(self, code: str, checks: Sequence[str]) -> JobRun:
        self.runs += 1
        job = self.run(code, checks)
        self.executions += 1 + sum(check is not None for check in job.checks)
        return job


class _Hints:
    """Turns runs into one-line hints: exception name and message, never a traceback."""

    def __init__(self, timeout: float, hidden_lines: Collection[str]) -> None:
        self.timeout = timeout
        self.hidden = [line for line in hidden_lines if len(line) >= 6]

    def verdict(self, cell_run: CellRun, check_run: CellRun | None) -> tuple[bool, str]:
        if cell_run.raised:
            return False, self.cell(cell_run)
        if check_run is None:
            return False, "the check did not run: the run ended before it"
        if check_run.passed:
            return True, ""
        return False, self.check(check_run)

    def alone(
        self,
        hint: str,
        cell_run: CellRun,
        check_run: CellRun | None,
        own: set[str],
        region: Region,
    ) -> str:
        """The hint of an exercise that failed in its run alone, when it is safe to show: the
        same words came out of the student's own run, or the message is written in the
        student's own block (a stub's ``raise NotImplementedError("…")``). Otherwise only the
        exception's name, when Python or the checks define it."""
        if hint in own:
            return hint
        ended = cell_run if cell_run.raised else check_run
        ename, evalue = ended.error or ("", "")
        if evalue and evalue in "\n".join(region.lines):
            return hint
        where = "the exercise cell raised " if cell_run.raised else ""
        name = ename if ename in _KNOWN_ERRORS else "an exception"
        return (
            f"{where}{name} when graded on its own (the cell's other blocks replaced by the "
            "solution's); the message is not shown, as that run held code you did not write"
        )

    def cell(self, run: CellRun) -> str:
        if run.timed_out:
            return f"timed out after {self.timeout:g} s"
        if run.died:
            return f"the process running the exercise cell died ({run.died})"
        return self._safe("the exercise cell raised " + _exception(run.error or ("?", "")))

    def check(self, run: CellRun) -> str:
        if run.timed_out:
            return f"timed out after {self.timeout:g} s"
        if run.died:
            return f"the process running the check died ({run.died})"
        if run.error:
            return self._safe(_exception(run.error))
        return self._safe(
            "the check wrote to stderr (warnings count as failures): " + _first_line(run.stderr)
        )

    def _safe(self, hint: str) -> str:
        """The hint, unless it quotes a line of a hidden test or of a solution (then only its
        first words): a run sees the solution of its cell-mates, its messages reach the
        student."""
        hint = hint if len(hint) <= _HINT_CHARS else hint[:_HINT_CHARS] + "…"
        if any(line in hint for line in self.hidden):
            return hint.split(":", 1)[0] + ": (details withheld: they quote the instructor's code)"
        return hint


def _exception(error: tuple[str, str]) -> str:
    ename, evalue = error
    return f"{ename}: {evalue}" if evalue else ename


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    match = _WARNING_RE.search(lines[0])  # drop the file:line prefix of warnings
    return match.group(1) if match else lines[0]
