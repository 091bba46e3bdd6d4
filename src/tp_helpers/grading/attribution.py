"""Grade one exercise cell: each exercise on its own, no cascade, no collateral (DESIGN.md §6).

1. Run the cell with every region the student wrote, then its check cells. All pass: done (an
   honest cell costs one run).
2. Otherwise, per exercise of the cell: a region equal to the solution's passes without a run;
   any other is run alone (the other regions from the solution) followed by its own check, and
   that run is its verdict. When only one region differs from the solution, step 1 already was
   that run.
3. After a failure, the pure solution cell runs once, so later cells see a correct state.

The kernel is reached through ``run(code) -> CellRun`` only, so this logic is testable without one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from .execute import CellRun
from .result import ExerciseResult
from .source import ExerciseCell, Region, normalised, substitute

Runner = Callable[[str], CellRun]
_HINT_CHARS = 1000
_WARNING_RE = re.compile(r"(\w+(?:Warning|Error)\b.*)")


@dataclass
class CellOutcome:
    results: list[ExerciseResult]
    executions: int
    restore_failure: str = ""  # how the pure solution cell failed when re-run, if it did


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

    first_cell = counter(substitute(cell.source, mine))
    first_checks = {}
    if not first_cell.raised:  # an exercise cell may warn: only check cells must be quiet
        first_checks = {check.exercise_id: counter(check.source) for check in cell.checks}
    honest = not first_cell.raised and all(r.passed for r in first_checks.values())

    results = []
    for check in cell.checks:
        rid = check.exercise_id
        if rid not in mine:
            verdict = (False, f"markers of exercise {rid} not found")
        elif honest or rid not in differs:
            verdict = (True, "")
        elif differs == [rid]:  # the first run had only this region from the student
            verdict = hint_of.verdict(first_cell, first_checks.get(rid))
        else:
            alone = counter(substitute(cell.source, {rid: mine[rid]}))
            verdict = hint_of.verdict(alone, counter(check.source) if not alone.raised else None)
        passed, hint = verdict
        results.append(
            ExerciseResult(rid, check.points if passed else 0.0, check.points, passed, hint)
        )
    restore_failure = ""
    if not honest:
        restored = counter(cell.source)
        if restored.raised:
            restore_failure = hint_of.cell(restored)
    return CellOutcome(results, counter.count, restore_failure)


class _Counter:
    def __init__(self, run: Runner) -> None:
        self.run, self.count = run, 0

    def __call__(self, code: str) -> CellRun:
        self.count += 1
        return self.run(code)


class _Hints:
    """Turns runs into one-line hints: exception name and message, never a traceback."""

    def __init__(self, timeout: float, hidden_lines: Collection[str]) -> None:
        self.timeout = timeout
        self.hidden = [line for line in hidden_lines if len(line) >= 6]

    def verdict(self, cell_run: CellRun, check_run: CellRun | None) -> tuple[bool, str]:
        if cell_run.raised or check_run is None:
            return False, self.cell(cell_run)
        if check_run.passed:
            return True, ""
        return False, self.check(check_run)

    def cell(self, run: CellRun) -> str:
        if run.timed_out:
            return f"timed out after {self.timeout:g} s"
        return self._safe("the exercise cell raised " + _exception(run.error or ("?", "")))

    def check(self, run: CellRun) -> str:
        if run.timed_out:
            return f"timed out after {self.timeout:g} s"
        if run.error:
            return self._safe(_exception(run.error))
        return self._safe(
            "the check wrote to stderr (warnings count as failures): " + _first_line(run.stderr)
        )

    def _safe(self, hint: str) -> str:
        """The hint, unless it quotes a hidden test's line (then only its first words)."""
        hint = hint if len(hint) <= _HINT_CHARS else hint[:_HINT_CHARS] + "…"
        if any(line in hint for line in self.hidden):
            return hint.split(":", 1)[0] + ": (details withheld: they quote a hidden test)"
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
