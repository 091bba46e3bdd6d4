"""Grade submissions. The steps, in order, are the list :data:`PIPELINE`.

read → inspect (locked cells) → restore → execute (attribution inside, :mod:`.attribution`) →
score; rendering is done for the whole class from the stored results (:mod:`..report`).
``execute`` works on a batch of students at once (:class:`..engine.scheduler.ForkEngine`: the
lab's source runs once in the zygote, every run of student code is a process forked from it);
the other steps on each student.

A run may meet several events; the student's status is the most serious one
(:data:`~..model.result.SEVERITY` order, ``tampered`` first) and ``reason`` names them all in one
line. A run that times out, runs out of memory, exits or dies costs the exercises of that run
only, and grading goes on from the zygote's state; the notebook's time limit stops grading there
(exercises graded before keep their points).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from ..engine.client import StudentRuns, Tampered, where
from ..engine.policy import GradingSettings
from ..engine.scheduler import ForkEngine
from ..model.result import SEVERITY, ExerciseResult, StudentResult
from ..model.source import ExerciseCell, LabSource, Region, normalised
from ..model.submission import InvalidNotebook, Submission, read_notebook, student_regions
from .attribution import grade_cell
from .replay import replays, solution_lines
from .tamper import inspect_locked_cells

__all__ = ["PIPELINE", "GradingContext", "GradingSettings", "grade_batch", "grade_submission"]


@dataclass
class GradingContext:
    """What the steps share while one submission is graded."""

    submission: Submission
    source: LabSource
    settings: GradingSettings
    notebook: object = None
    regions: dict[str, Region] = field(default_factory=dict)
    verdicts: dict[str, ExerciseResult] = field(default_factory=dict)
    tampered: dict[str, str] = field(default_factory=dict)  # exercise id -> what was done
    events: list[tuple[str, str]] = field(default_factory=list)  # (status, reason), in order
    notes: list[str] = field(default_factory=list)
    executions: int = 0
    cpu_seconds: float = 0.0
    run_seconds: float = 0.0  # wall seconds of this student's runs
    replays: dict[int, str] = field(default_factory=dict)  # step index -> code replayed first
    done: bool = False  # a step decided that nothing more runs
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def flag(self, status: str, reason: str) -> None:
        """Record an event; the first reason of each status is kept, later ones counted."""
        self.events.append((status, " ".join(reason.split())))

    def stop(self, status: str, reason: str) -> None:
        self.flag(status, reason)
        self.done = True

    @property
    def status(self) -> str:
        found = {status for status, _ in self.events}
        return next((status for status in SEVERITY if status in found), "ok")

    @property
    def reason(self) -> str:
        """The main event first, then the others of other kinds, in one line."""
        if not self.events:
            return ""
        by_status: dict[str, list[str]] = {}
        for status, reason in self.events:
            by_status.setdefault(status, []).append(reason)
        parts = []
        for status in [s for s in SEVERITY if s in by_status]:
            reasons = by_status[status]
            more = len(reasons) - 1
            parts.append(reasons[0] + (f" (and {more} more)" if more else ""))
        return "; also ".join(parts)


class ReadSubmission:
    """Read the file as an nbformat 4 notebook; an unreadable one is graded 0 everywhere."""

    name = "read"

    def __call__(self, ctx: GradingContext) -> None:
        if ctx.submission.problem:
            ctx.stop("invalid_notebook", ctx.submission.problem)
            return
        try:
            ctx.notebook = read_notebook(ctx.submission.path)
        except InvalidNotebook as exc:
            ctx.stop("invalid_notebook", str(exc))


class InspectLockedCells:
    """Check cells edited, deleted or duplicated, ``grade_id`` twice: ``tampered``."""

    name = "inspect"

    def __call__(self, ctx: GradingContext) -> None:
        for tampering in inspect_locked_cells(ctx.notebook, ctx.source):
            ctx.flag("tampered", tampering.reason)
            for exercise_id in tampering.exercises:
                ctx.tampered.setdefault(exercise_id, tampering.reason)


class RestoreRegions:
    """Take the student's region of every exercise; the rest of the notebook is the source's.

    Student cells outside regions and student check cells are never used. An exercise whose
    markers are gone gets 0 later, and runs with the solution's region.
    """

    name = "restore"

    def __call__(self, ctx: GradingContext) -> None:
        home = {}
        for step in ctx.source.steps:
            if isinstance(step, ExerciseCell):
                home.update({rid: step.grade_id for rid in step.exercise_ids})
        found = student_regions(ctx.notebook, home)
        ctx.regions = {rid: found[rid] for rid in ctx.source.exercise_ids if rid in found}


class ExecuteAndAttribute:
    """Every exercise cell of every student of the batch, each run forked from the zygote's
    state before the cell (:class:`..engine.scheduler.ForkEngine`); attribution decides the runs
    of each cell. Tampering found in a run costs the exercises whose code ran in it."""

    name = "execute"
    batch = True

    def __call__(self, contexts: list[GradingContext], finished: Callable) -> None:
        if not contexts:
            return
        source = contexts[0].source
        for ctx in contexts:
            ctx.replays = replays(source, ctx.regions)
        withheld = sorted(set(source.hidden_lines) | solution_lines(source))

        def grade(ctx: GradingContext, index: int, step: ExerciseCell, runs: StudentRuns) -> None:
            grade_student_cell(ctx, step, runs, withheld)

        ForkEngine(source, contexts[0].settings, grade).execute(contexts, finished)


def grade_student_cell(
    ctx: GradingContext, step: ExerciseCell, runs: StudentRuns, withheld: list[str]
) -> None:
    """One student's exercise cell: attribution through ``runs``, unless the notebook's time
    is spent; a run the guard found altered costs the exercises whose code ran in it."""
    settings = ctx.settings
    limit = settings.notebook_timeout
    with ctx.lock:
        if ctx.done:
            return
        if limit is not None and ctx.run_seconds >= limit:
            ctx.stop(
                "timeout", f"the notebook took more than {limit:g} s; stopped before {where(step)}"
            )
            return
    try:
        outcome = grade_cell(
            runs, step, ctx.regions, timeout=settings.timeout, hidden_lines=withheld
        )
    except Tampered as exc:
        with ctx.lock:
            _tampered(ctx, step, exc)
        return
    with ctx.lock:
        ctx.verdicts.update({r.id: r for r in outcome.results})


def _tampered(ctx: GradingContext, step: ExerciseCell, exc: Tampered) -> None:
    """No points for the exercises whose code altered the run; the others of the cell pass."""
    touched = [rid for rid in step.exercise_ids if _differs(ctx, rid)]
    for rid in step.exercise_ids:
        if rid not in touched and rid in ctx.regions:
            points = next(c.points for c in step.checks if c.exercise_id == rid)
            ctx.verdicts[rid] = ExerciseResult(rid, points, points, True)
    if not touched:  # altered by code replayed from an earlier cell
        touched = [rid for rid in ctx.regions if _differs(ctx, rid)]
    reason = f"{exc} (while running {where(step)})"
    ctx.flag("tampered", reason)
    for rid in touched:
        ctx.tampered.setdefault(rid, reason)


def _differs(ctx: GradingContext, exercise_id: str) -> bool:
    mine = ctx.regions.get(exercise_id)
    if mine is None:
        return False
    return normalised(mine) != normalised(ctx.source.solution_region(exercise_id))


class Score:
    """Fill in the exercises never graded (0 with the run's reason), zero the tampered ones."""

    name = "score"

    def __call__(self, ctx: GradingContext) -> None:
        fatal = ctx.reason if ctx.done else ""
        for exercise in ctx.source.exercises:
            rid = exercise.id
            if rid in ctx.tampered:
                ctx.verdicts[rid] = ExerciseResult(
                    rid, 0.0, exercise.max_points, False, f"tampered: {ctx.tampered[rid]}"
                )
            elif rid not in ctx.verdicts:
                hint = f"not graded: {fatal}" if fatal else "not graded"
                if not ctx.done and rid not in ctx.regions:
                    hint = f"markers of exercise {rid} not found"
                ctx.verdicts[rid] = ExerciseResult(rid, 0.0, exercise.max_points, False, hint)


#: the grading steps of a submission, in order
PIPELINE = (
    ReadSubmission(),
    InspectLockedCells(),
    RestoreRegions(),
    ExecuteAndAttribute(),
    Score(),
)


def grade_batch(
    submissions: list[Submission],
    source: LabSource,
    settings: GradingSettings,
    on_result: Callable[[StudentResult], None] | None = None,
) -> list[StudentResult]:
    """Grade ``submissions`` together (the source runs once for all of them); a bad notebook
    gives a status, never an exception. ``on_result`` gets each result as soon as it is made.
    Raises :class:`..engine.client.EngineError` when the grader itself fails."""
    contexts = [GradingContext(submission, source, settings) for submission in submissions]
    batch_step = next(step for step in PIPELINE if getattr(step, "batch", False))
    position = PIPELINE.index(batch_step)
    results: list[StudentResult] = []

    def finish(ctx: GradingContext) -> None:
        for step in PIPELINE[position + 1 :]:
            if not ctx.done or isinstance(step, Score):
                step(ctx)
        result = _result(ctx)
        results.append(result)
        if on_result is not None:
            on_result(result)

    for ctx in contexts:
        for step in PIPELINE[:position]:
            if not ctx.done:
                step(ctx)
    running = [ctx for ctx in contexts if not ctx.done]
    for ctx in contexts:
        if ctx.done:
            finish(ctx)
    batch_step(running, finish)
    order = {submission.student_id: i for i, submission in enumerate(submissions)}
    return sorted(results, key=lambda result: order[result.student_id])


def grade_submission(
    submission: Submission, source: LabSource, settings: GradingSettings
) -> StudentResult:
    """Grade one submission (a batch of one)."""
    return grade_batch([submission], source, settings)[0]


def _result(ctx: GradingContext) -> StudentResult:
    source, submission = ctx.source, ctx.submission
    exercises = [
        replace(ctx.verdicts[exercise.id], title=source.titles.get(exercise.id, ""))
        for exercise in source.exercises
    ]
    box = ctx.settings.sandbox
    return StudentResult(
        student_id=submission.student_id,
        status=ctx.status,
        reason=ctx.reason,
        exercises=exercises,
        score=sum(e.points for e in exercises),
        max_score=source.max_score,
        seconds=round(ctx.run_seconds, 2),
        cpu_seconds=round(ctx.cpu_seconds, 2),
        submission_sha256=submission.sha256(),
        source_sha256=source.sha256,
        executions=ctx.executions,
        notes=ctx.notes,
        sandbox=box.description if box else "",
        lab=source.title,
        graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        platform=submission.platform,
        name=submission.name,
        late=submission.late,
        feedback_name=submission.feedback_name,
        submitted_at=submission.submitted_at,
        submitted_from=submission.submitted_from,
    )
