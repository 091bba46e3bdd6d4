"""Grade one submission. The steps, in order, are the list :data:`PIPELINE`.

read → restore → execute (attribution inside, :mod:`.attribution`) → score; rendering is done for
the whole class from the stored results (:mod:`.report`).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from .attribution import grade_cell
from .execute import CellRun, KernelDied, KernelSession, KernelUnresponsive, kernel_env
from .result import ExerciseResult, StudentResult
from .source import ExerciseCell, LabSource, Region
from .submission import InvalidNotebook, Submission, read_notebook, student_regions


@dataclass(frozen=True)
class GradingSettings:
    """How every student of a run is graded."""

    kernel_dirs: Path  # tp_helpers.runner.write_kernelspec's return value
    scratch_root: Path  # each student runs in scratch_root/<student_id>, deleted afterwards
    timeout: float = 600.0  # seconds per cell (exercise, check or given cell)
    threads: int = 1  # OMP/MKL/OpenBLAS threads of the kernel
    notebook_timeout: float | None = None  # seconds for the whole notebook (status 'timeout')
    interrupt_grace: float = 10.0  # seconds a timed-out cell has to honour the interrupt


@dataclass
class GradingContext:
    """What the steps share while one submission is graded."""

    submission: Submission
    source: LabSource
    settings: GradingSettings
    notebook: object = None
    regions: dict[str, Region] = field(default_factory=dict)
    verdicts: dict[str, ExerciseResult] = field(default_factory=dict)
    status: str = "ok"
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    executions: int = 0
    cpu_seconds: float = 0.0
    done: bool = False  # a step decided that nothing more runs

    def stop(self, status: str, reason: str) -> None:
        self.status, self.reason, self.done = status, reason, True


class ReadSubmission:
    """Read the file as an nbformat 4 notebook; an unreadable one is graded 0 everywhere."""

    name = "read"

    def __call__(self, ctx: GradingContext) -> None:
        try:
            ctx.notebook = read_notebook(ctx.submission.path)
        except InvalidNotebook as exc:
            ctx.stop("invalid_notebook", str(exc))


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
    """Run the restored notebook top to bottom in one kernel, grading each exercise cell."""

    name = "execute"

    def __call__(self, ctx: GradingContext) -> None:
        settings = ctx.settings
        scratch = settings.scratch_root / ctx.submission.student_id
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        session = KernelSession(
            settings.kernel_dirs,
            scratch,
            kernel_env(settings.threads),
            timeout=settings.timeout,
            interrupt_grace=settings.interrupt_grace,
        )
        started = time.monotonic()
        try:
            session.start()
            self._run_steps(ctx, session, started)
        finally:
            session.close()
            ctx.cpu_seconds = session.cpu_seconds()
            shutil.rmtree(scratch, ignore_errors=True)

    def _run_steps(self, ctx: GradingContext, session: KernelSession, started: float) -> None:
        limit = ctx.settings.notebook_timeout
        for step in ctx.source.steps:
            where = _where(step)
            if limit is not None and time.monotonic() - started > limit:
                ctx.stop(
                    "timeout", f"the notebook took more than {limit:g} s; stopped before {where}"
                )
                return
            try:
                if isinstance(step, ExerciseCell):
                    outcome = grade_cell(
                        session.run,
                        step,
                        ctx.regions,
                        timeout=ctx.settings.timeout,
                        hidden_lines=ctx.source.hidden_lines,
                    )
                    ctx.executions += outcome.executions
                    ctx.verdicts.update({r.id: r for r in outcome.results})
                    if outcome.restore_failure:
                        ctx.notes.append(
                            f"the solution of {where} failed when re-run: {outcome.restore_failure}"
                        )
                else:
                    ctx.executions += 1
                    run = session.run(step.source)
                    if run.raised:
                        ctx.notes.append(f"{where} (given code) failed: {_given_failure(run)}")
            except KernelDied:
                ctx.stop("kernel_died", f"the kernel died while running {where}")
                return
            except KernelUnresponsive as exc:
                ctx.stop("timeout", f"{where} timed out and {exc}; grading stopped there")
                return
            session.cpu_seconds()  # a reading per step: the kernel may die at the next one


class Score:
    """Fill in the exercises never graded (0 with the run's reason) and add up the points."""

    name = "score"

    def __call__(self, ctx: GradingContext) -> None:
        for exercise in ctx.source.exercises:
            if exercise.id not in ctx.verdicts:
                hint = f"not graded: {ctx.reason}" if ctx.reason else "not graded"
                if ctx.status == "ok" and exercise.id not in ctx.regions:
                    hint = f"markers of exercise {exercise.id} not found"
                ctx.verdicts[exercise.id] = ExerciseResult(
                    exercise.id, 0.0, exercise.max_points, False, hint
                )


#: the grading steps of one submission, in order
PIPELINE = (ReadSubmission(), RestoreRegions(), ExecuteAndAttribute(), Score())


def grade_submission(
    submission: Submission, source: LabSource, settings: GradingSettings
) -> StudentResult:
    """Grade one submission; a bad notebook gives a status, never an exception."""
    started = time.monotonic()
    ctx = GradingContext(submission, source, settings)
    for step in PIPELINE:
        if ctx.done and not isinstance(step, Score):
            continue
        step(ctx)
    exercises = [ctx.verdicts[exercise.id] for exercise in source.exercises]
    return StudentResult(
        student_id=submission.student_id,
        status=ctx.status,
        reason=" ".join(ctx.reason.split()),
        exercises=exercises,
        score=sum(e.points for e in exercises),
        max_score=source.max_score,
        seconds=round(time.monotonic() - started, 2),
        cpu_seconds=round(ctx.cpu_seconds, 2),
        submission_sha256=submission.sha256(),
        source_sha256=source.sha256,
        executions=ctx.executions,
        notes=ctx.notes,
    )


def _where(step) -> str:
    if isinstance(step, ExerciseCell):
        return f"the cell of exercise {', '.join(step.exercise_ids)}"
    return f"cell {step.index}"


def _given_failure(run: CellRun) -> str:
    if run.timed_out:
        return "timed out"
    ename, evalue = run.error
    return f"{ename}: {evalue}" if evalue else ename
