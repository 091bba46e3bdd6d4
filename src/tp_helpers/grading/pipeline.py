"""Grade one submission. The steps, in order, are the list :data:`PIPELINE`.

read → inspect (locked cells) → restore → execute (attribution inside, :mod:`.attribution`) →
score; rendering is done for the whole class from the stored results (:mod:`.report`).

A run may meet several events; the student's status is the most serious one
(:data:`~.result.SEVERITY` order, ``tampered`` first) and ``reason`` names them all in one line.
``timeout`` and ``memory`` in one cell cost that exercise and grading goes on; a dead or
unresponsive kernel, or the notebook's time limit, stops grading there (exercises graded before
keep their points).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .attribution import grade_cell
from .execute import CellRun, KernelDied, KernelSession, KernelUnresponsive, kernel_env
from .result import SEVERITY, ExerciseResult, StudentResult
from .sandbox import SandboxSettings, format_size, kernel_policy, scratch_env
from .source import ExerciseCell, GivenCell, LabSource, Region, normalised
from .submission import InvalidNotebook, Submission, read_notebook, student_regions
from .tamper import Guard, Tampered, inspect_locked_cells

#: kernel restarts after run-time tampering (each replays the source up to the tampered cell)
MAX_RESTARTS = 2
_MEMORY_SIGNS = ("can't allocate memory", "bad_alloc", "out of memory")


@dataclass(frozen=True)
class GradingSettings:
    """How every student of a run is graded."""

    kernel_dirs: Path  # tp_helpers.runner / sandbox write_kernelspec's return value
    scratch_root: Path  # each student runs in a new folder under it, deleted afterwards
    timeout: float = 600.0  # seconds per cell (exercise, check or given cell)
    threads: int = 1  # OMP/MKL/OpenBLAS threads of the kernel
    notebook_timeout: float | None = None  # seconds for the whole notebook (status 'timeout')
    interrupt_grace: float = 10.0  # seconds a timed-out cell has to honour the interrupt
    sandbox: SandboxSettings | None = None  # None: the kernel runs as the grader, unconfined


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
    done: bool = False  # a step decided that nothing more runs

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
    """Run the restored notebook top to bottom in one kernel, grading each exercise cell.

    The kernel's integrity is checked after every execution (:class:`.tamper.Guard`). When it
    was altered, the exercises whose code did it get no points, and a fresh kernel replays the
    source up to there before grading goes on.
    """

    name = "execute"

    def __call__(self, ctx: GradingContext) -> None:
        settings = ctx.settings
        settings.scratch_root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="s-", dir=settings.scratch_root))
        kernel = _Kernel(ctx, scratch)
        started = time.monotonic()
        try:
            kernel.start()
            self._run_steps(ctx, kernel, started)
        finally:
            kernel.close()
            ctx.cpu_seconds = kernel.cpu_seconds
            shutil.rmtree(scratch, ignore_errors=True)

    def _run_steps(self, ctx: GradingContext, kernel: _Kernel, started: float) -> None:
        limit = ctx.settings.notebook_timeout
        steps = ctx.source.steps
        for position, step in enumerate(steps):
            where = _where(step)
            if limit is not None and time.monotonic() - started > limit:
                ctx.stop(
                    "timeout", f"the notebook took more than {limit:g} s; stopped before {where}"
                )
                return
            kernel.step = step
            try:
                if isinstance(step, ExerciseCell):
                    outcome = grade_cell(
                        kernel.run,
                        step,
                        ctx.regions,
                        timeout=ctx.settings.timeout,
                        hidden_lines=ctx.source.hidden_lines,
                    )
                    ctx.verdicts.update({r.id: r for r in outcome.results})
                    if outcome.restore_failure:
                        ctx.notes.append(
                            f"the solution of {where} failed when re-run: {outcome.restore_failure}"
                        )
                else:
                    run = kernel.run(step.source)
                    if run.raised:
                        ctx.notes.append(f"{where} (given code) failed: {_given_failure(run)}")
            except Tampered as exc:
                self._tampered(ctx, step, where, exc)
                if kernel.restarts >= MAX_RESTARTS:
                    ctx.stop(
                        "tampered", f"the kernel was altered again; grading stopped at {where}"
                    )
                    return
                if not self._replay(ctx, kernel, steps[: position + 1]):
                    return
            except KernelDied:
                status, how = kernel.death_status()
                ctx.stop(status, f"the kernel died while running {where}{how}")
                return
            except KernelUnresponsive as exc:
                ctx.stop("timeout", f"{where} timed out and {exc}; grading stopped there")
                return
            kernel.read_cpu()  # a reading per step: the kernel may die at the next one

    def _tampered(self, ctx: GradingContext, step, where: str, exc: Tampered) -> None:
        """No points for the exercises whose code altered the kernel."""
        if isinstance(step, ExerciseCell):
            touched = [rid for rid in step.exercise_ids if _differs(ctx, rid)]
            for rid in step.exercise_ids:  # the others are the solution's code: they pass
                if rid not in touched and rid in ctx.regions:
                    points = next(c.points for c in step.checks if c.exercise_id == rid)
                    ctx.verdicts[rid] = ExerciseResult(rid, points, points, True)
        else:
            touched = []
        if not touched:  # altered by code defined earlier (a function called here)
            touched = [rid for rid in ctx.verdicts if _differs(ctx, rid)]
        reason = f"{exc} (while running {where})"
        ctx.flag("tampered", reason)
        for rid in touched:
            ctx.tampered.setdefault(rid, reason)

    def _replay(self, ctx: GradingContext, kernel: _Kernel, steps) -> bool:
        """A fresh kernel; the source's code up to here. False when that failed."""
        try:
            kernel.restart()
            for step in steps:
                code = step.source
                run = kernel.run(code, trusted=True)
                if run.raised:
                    ctx.notes.append(f"{_where(step)} failed when replayed: {_given_failure(run)}")
        except (KernelDied, KernelUnresponsive, Tampered) as exc:
            ctx.stop("kernel_died", f"the kernel restarted after tampering failed: {exc}")
            return False
        return True


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


#: the grading steps of one submission, in order
PIPELINE = (
    ReadSubmission(),
    InspectLockedCells(),
    RestoreRegions(),
    ExecuteAndAttribute(),
    Score(),
)


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
        reason=ctx.reason,
        exercises=exercises,
        score=sum(e.points for e in exercises),
        max_score=source.max_score,
        seconds=round(time.monotonic() - started, 2),
        cpu_seconds=round(ctx.cpu_seconds, 2),
        submission_sha256=submission.sha256(),
        source_sha256=source.sha256,
        executions=ctx.executions,
        notes=ctx.notes,
        sandbox=settings.sandbox.description if settings.sandbox else "",
    )


class _Kernel:
    """The kernel of one submission: its session, its guard, the events its runs raise."""

    def __init__(self, ctx: GradingContext, scratch: Path) -> None:
        self.ctx, self.scratch = ctx, scratch
        self.session: KernelSession | None = None
        self.guard: Guard | None = None
        self.step: GivenCell | ExerciseCell | None = None
        self.restarts = 0
        self.cpu_seconds = 0.0

    def _new_session(self) -> KernelSession:
        settings = self.ctx.settings
        env = kernel_env(settings.threads)
        policy = None
        box = settings.sandbox
        if box is not None:
            env = scratch_env(env, self.scratch, box.isolation)
            env.update(dict(box.env))
            policy = kernel_policy(
                box.isolation,
                box.limits,
                self.scratch,
                settings.scratch_root,
                box.hide,
                {top: list(paths) for top, paths in box.reveal},
            )
        return KernelSession(
            settings.kernel_dirs,
            self.scratch,
            env,
            timeout=settings.timeout,
            interrupt_grace=settings.interrupt_grace,
            policy=policy,
        )

    def start(self) -> None:
        self.session = self._new_session()
        self.session.start()
        self.guard = Guard()
        self.guard.install(self.session)

    def restart(self) -> None:
        self.close()
        self.restarts += 1
        self.start()

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.cpu_seconds += self.session.cpu_seconds()
            self.session = None

    def read_cpu(self) -> None:
        if self.session is not None:
            self.session.cpu_seconds()

    def run(self, code: str, trusted: bool = False) -> CellRun:
        """Run ``code``; record its timeout or memory error; then check the kernel's integrity
        (raises :class:`Tampered`)."""
        run = self.session.run(code)
        if not trusted:
            self.ctx.executions += 1
            self._record(code, run)
        problems = self.guard.check(self.session)
        if problems:
            raise Tampered(problems)
        return run

    def _record(self, code: str, run: CellRun) -> None:
        what = self._what(code)
        if run.timed_out:
            self.ctx.flag("timeout", f"{what} timed out after {self.ctx.settings.timeout:g} s")
        elif run.error and _out_of_memory(run.error):
            box = self.ctx.settings.sandbox
            limit = (
                f" (limit {format_size(box.limits.memory)})" if box and box.limits.memory else ""
            )
            self.ctx.flag("memory", f"{what} ran out of memory{limit}: {run.error[0]}")

    def _what(self, code: str) -> str:
        step = self.step
        if isinstance(step, ExerciseCell):
            for check in step.checks:
                if code == check.source:
                    return f"the check of exercise {check.exercise_id}"
        return _where(step) if step is not None else "a cell"

    def death_status(self) -> tuple[str, str]:
        """(status, ' (how)') of a kernel that died: CPU limit → timeout, else kernel_died."""
        how = self.session.death() if self.session is not None else ""
        box = self.ctx.settings.sandbox
        if how == "killed by SIGXCPU" and box is not None and box.limits.cpu:
            return "timeout", f" (it used its {box.limits.cpu:g} s of CPU time)"
        return "kernel_died", f" ({how})" if how else ""


def _out_of_memory(error: tuple[str, str]) -> bool:
    ename, evalue = error
    return ename in ("MemoryError", "OutOfMemoryError") or any(
        sign in evalue for sign in _MEMORY_SIGNS
    )


def _differs(ctx: GradingContext, exercise_id: str) -> bool:
    mine = ctx.regions.get(exercise_id)
    if mine is None:
        return False
    return normalised(mine) != normalised(ctx.source.solution_region(exercise_id))


def _where(step) -> str:
    if isinstance(step, ExerciseCell):
        return f"the cell of exercise {', '.join(step.exercise_ids)}"
    return f"cell {step.index}"


def _given_failure(run: CellRun) -> str:
    if run.timed_out:
        return "timed out"
    ename, evalue = run.error
    return f"{ename}: {evalue}" if evalue else ename
