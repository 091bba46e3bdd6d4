"""Grade a class: resumable, in parallel processes, in shards that merge into one CSV.

``DIR/results/<student_id>.json`` holds each student's :class:`StudentResult` (written atomically,
with the sha256 of the submission and of the source). A re-run skips every student whose result
was made from the same two files. ``grades.csv``, ``feedback/`` and ``summary.html`` are always
rendered again from every result in ``DIR/results`` (each file through a temporary file and
``os.replace``), so shards writing into one folder, or a merge of shard folders, give one CSV, and
a grader killed at any moment leaves the previous complete CSV, never half of one.

Runs of student code work in a folder of the system's temporary directory (``tp-grade-*``:
the zygote's folder, the runs' scratch folders, data shared read-only with them), never in
``DIR``: the output folder, the submissions and the source are hidden from runs where the
machine allows it (:mod:`.engine.policy`). A folder left by a grader that was killed is removed
by the next run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TPError
from .engine import policy as sb
from .engine import shield
from .engine.client import EngineError
from .engine.policy import GradingSettings
from .model.result import StudentResult
from .model.source import LabSource, read_source
from .model.store import RESULTS, load_results, save_result
from .model.submission import Submission
from .platforms.download import read_download
from .report import write_reports
from .scoring.pipeline import grade_batch
from .week.adjustments import check_known
from .week.final import Week, attach
from .week.regrade import check_names, merge_exercises

RUN_PREFIX = "tp-grade-"
#: students graded per walk of the source: larger batches pay the zygote's walk less often,
#: smaller ones lose less work to an interruption (results are saved as each student ends)
BATCH = 32
_OWNER_FILE = "grader.json"


class GradingError(TPError):
    """Bad arguments or folders for ``tp-course grade`` / ``merge``."""

    exit_code = 2


class GradingInterrupted(TPError):
    """The grader was interrupted (Ctrl-C); what was graded is saved."""

    exit_code = 130


@dataclass
class ClassRun:
    """What a class run did; ``results`` is everything now rendered in ``out_dir``."""

    out_dir: Path
    results: list[StudentResult]
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # student id -> grader error
    sandbox: str = ""  # what confined the runs (a WARNING line when something is missing)
    download: str = ""  # what was read (``Canvas download: 42 students, 3 late``)

    @property
    def ok(self) -> bool:
        """False when the grader itself failed on some student (they are retried on re-run)."""
        return not self.failed

    def line(self) -> str:
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.status] = counts.get(result.status, 0) + 1
        statuses = " ".join(f"{status}={n}" for status, n in sorted(counts.items()))
        text = (
            f"graded {len(self.graded)}, skipped {len(self.skipped)} already graded; "
            f"{len(self.results)} in {self.out_dir / 'grades.csv'} ({statuses or 'none'})"
        )
        if self.failed:
            text += f"; grader failed on {len(self.failed)}: {', '.join(sorted(self.failed))}"
        return text + (f"\n{self.sandbox}" if self.sandbox else "")


def usable_cores() -> int:
    """The cores this process may use: its CPU affinity (a Slurm allocation, a container's
    cpuset), not the whole machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` → ``(I, N)`` with 1 ≤ I ≤ N."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        index = count = 0
    if not 1 <= index <= count:
        raise GradingError(f"--shard {text!r}: expected I/N with 1 <= I <= N, e.g. --shard 1/4.")
    return index, count


def in_shard(submissions: list[Submission], shard: tuple[int, int] | None) -> list[Submission]:
    """The deterministic slice: students sorted by id, those with position % N == I - 1."""
    ordered = sorted(submissions, key=lambda s: s.student_id)
    if shard is None:
        return ordered
    index, count = shard
    return [s for position, s in enumerate(ordered) if position % count == index - 1]


def default_source(root: Path | None = None, submissions: Path | None = None) -> Path:
    """The solution notebook to grade against, from ``solutions/`` (relative to ``root``).

    One notebook there: that one. Several (a course of several labs): the one whose lab the
    ``submissions`` name, in their file names or in the notebooks' text (every lab's notebook
    imports its own checks, ``from tp_helpers.checks import <lab>``); when they name none, or
    more than one, ``--source`` must say it.
    """
    folder = (root or Path.cwd()) / "solutions"
    notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    if len(notebooks) == 1:
        return notebooks[0]
    found = ", ".join(p.name for p in notebooks) or "none"
    named = (
        _labs_named(submissions, [p.stem for p in notebooks]) if notebooks and submissions else []
    )
    if len(named) == 1:
        return folder / f"{named[0]}.ipynb"
    raise GradingError(
        f"cannot choose the source notebook: {folder} holds {found}"
        + (f", and the submissions name {' and '.join(named)}" if named else "")
        + "; pass --source path/to/solution.ipynb."
    )


#: how much of each submitted notebook :func:`_labs_named` reads: the checks' import sits early
LAB_SNIFF_BYTES = 2 << 20


def _labs_named(submissions: Path, labs: list[str], most: int = 50) -> list[str]:
    """The labs among ``labs`` that the first ``most`` submitted files name, by file name or (a
    notebook outside a zip) by the import of the lab's checks in its first bytes."""
    texts: list[str] = []
    if submissions.is_file() and zipfile.is_zipfile(submissions):
        with zipfile.ZipFile(submissions) as archive:
            texts = archive.namelist()[:most]
    elif submissions.is_dir():
        for path in sorted(submissions.rglob("*.ipynb"))[:most]:
            texts.append(path.name)
            with contextlib.suppress(OSError), path.open("rb") as handle:
                texts.append(handle.read(LAB_SNIFF_BYTES).decode("utf-8", "replace"))
    return [lab for lab in labs if any(lab in text for text in texts)]


def render(out_dir: Path, week: Week | None = None) -> list[StudentResult]:
    """Render grades.csv, feedback/ and summary.html from every stored result, with the
    course team's decisions (``week``: the course file, the adjustments) when given."""
    results = load_results(out_dir)
    if week is not None:
        attach(results, week)
    write_reports(out_dir, results)
    return results


def grade_class(
    submissions_dir: Path,
    out_dir: Path,
    source_path: Path,
    *,
    jobs: int = 1,
    shard: tuple[int, int] | None = None,
    timeout: float = 300.0,
    notebook_timeout: float | None = None,
    threads: int | None = None,
    assignment: str | None = None,
    progress: bool = True,
    sandbox: bool = True,
    limits: sb.Limits | None = None,
    batch: int | None = None,
    layout: str | None = None,
    week: Week | None = None,
    only_students: list[str] | None = None,
    only_exercises: list[str] | None = None,
) -> ClassRun:
    """Grade every submission of ``submissions_dir`` (or one shard of them) into ``out_dir``.

    ``timeout`` is per execution (a cell or check over it fails its run's exercises, status
    ``timeout``, grading goes on); ``notebook_timeout`` per student (grading stops there).
    Students are graded ``batch`` at a time (default :data:`BATCH`; the source runs once per
    batch), ``jobs`` runs at once. Each run gets ``threads`` OpenMP/MKL/torch threads
    (default: cores // jobs), the resource ``limits`` (default :class:`.engine.policy.Limits`) and,
    with ``sandbox`` (default), every isolation the machine allows (:mod:`.engine.policy`). Students
    whose result was made from the same submission and source files are skipped.
    ``submissions_dir`` may also be a learning platform's download, zip or folder (``layout``
    forces how it is read, see :mod:`.downloads`); the notebooks chosen from a zip are written
    under ``out_dir/downloads``. Student-side
    failures become statuses; an exception is raised only for the grader's own errors (bad
    arguments, unreadable source, no submissions) and for an interruption
    (:class:`GradingInterrupted`, after saving what was graded).

    ``week`` (the course file, the adjustments) is applied to the reports; an adjustment
    naming no student or exercise of the class stops the run before grading.
    ``only_students`` grades those students alone and ``only_exercises`` replaces those
    exercises' verdicts alone (:mod:`.week.regrade`); everyone else's results are kept.
    """
    if jobs < 1:
        raise GradingError(f"--jobs {jobs}: give at least 1 run at a time.")
    if batch is not None and batch < 1:
        raise GradingError(f"--batch {batch}: give at least 1 student per run of the source.")
    if not hasattr(os, "fork"):
        raise GradingError(
            "grading forks every run from a warm process (the zygote), and this system has no fork "
            "(Windows): grade in WSL or a Linux machine, or with plain nbgrader (README)."
        )
    if timeout <= 0:
        raise GradingError(f"--timeout {timeout:g}: give a positive number of seconds per cell.")
    source = read_source(Path(source_path))
    submissions_dir = Path(submissions_dir)
    out_dir = Path(out_dir).absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    download = read_download(
        submissions_dir,
        source.path.name,
        out_dir / "downloads",
        layout=layout,
        assignment=assignment,
    )
    if progress:
        print(f"tp-course: {download.line()}", file=sys.stderr)
    students = in_shard(download.submissions, shard)
    only_students, only_exercises = list(only_students or []), list(only_exercises or [])
    ids = list(source.exercise_ids)
    check_names([s.student_id for s in students], ids, only_students, only_exercises)
    if week is not None and week.adjustments:
        known = {s.student_id: set(ids) for s in download.submissions}
        check_known(week.adjustments_path or Path("adjustments.csv"), week.adjustments, known)
    if only_students:
        students = [s for s in students if s.student_id in only_students]
    _remove_stale_runs()
    run_root = _new_run_root()
    run = ClassRun(out_dir, [], download=download.line())
    try:
        box = sb.prepare(
            run_root,
            private=[out_dir, submissions_dir, source.path.parent, source.path],
            course=sb.course_dirs(source.path),
            limits=limits or sb.Limits(),
            enabled=sandbox,
        )
        run.sandbox = box.description
        if progress and not box.isolation.complete:
            print(f"tp-course: {box.description}", file=sys.stderr)
        settings = GradingSettings(
            run_root=run_root,
            timeout=timeout,
            threads=threads or max(1, usable_cores() // jobs),
            notebook_timeout=notebook_timeout,
            jobs=jobs,
            sandbox=box,
        )
        pending = []
        for submission in students:
            forced = only_students or only_exercises
            if not forced and _up_to_date(out_dir, submission, source):
                run.skipped.append(submission.student_id)
            else:
                pending.append(submission)
        _grade_all(
            pending, source, settings, batch or BATCH, progress, out_dir, run, only_exercises
        )
    finally:
        shutil.rmtree(run_root, ignore_errors=True)
        run.results = render(out_dir, week)
    return run


def _new_run_root() -> Path:
    """``$TMPDIR/tp-grade-*``: crossable (0711) by runs with a uid of their own."""
    root = Path(tempfile.mkdtemp(prefix=RUN_PREFIX))
    root.chmod(0o711)
    (root / "runs").mkdir(mode=0o711)
    (root / "runs").chmod(0o711)
    owner = {"pid": os.getpid(), "started": _process_start(os.getpid())}
    (root / _OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")
    return root


def _process_start(pid: int) -> float | None:
    try:
        import psutil

        return psutil.Process(pid).create_time()
    except Exception:
        return None


def _remove_stale_runs() -> None:
    """Remove the run folders of graders that no longer run (killed, or machine restarted)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{RUN_PREFIX}*"):
        try:
            owner = json.loads((folder / _OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            if time.time() - folder.stat().st_mtime > 3600:  # half-made and old
                shutil.rmtree(folder, ignore_errors=True)
            continue
        started = _process_start(int(owner.get("pid", 0)))
        if started is None or (owner.get("started") and abs(started - owner["started"]) > 1):
            shutil.rmtree(folder, ignore_errors=True)


def _stored(out_dir: Path, student_id: str) -> StudentResult | None:
    """The student's stored result, None when there is none or it cannot be read."""
    try:
        path = out_dir / RESULTS / f"{student_id}.json"
        return StudentResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _up_to_date(out_dir: Path, submission: Submission, source: LabSource) -> bool:
    path = out_dir / RESULTS / f"{submission.student_id}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        stored.get("submission_sha256") == submission.sha256()
        and stored.get("source_sha256") == source.sha256
    )


def _grade_all(
    pending, source, settings, batch, progress, out_dir, run: ClassRun, only_exercises=()
) -> None:
    """Grade ``pending`` in batches; save each result as soon as its student is done (with
    ``only_exercises``, merged into the stored one: those verdicts replaced, the rest kept)."""
    from tqdm import tqdm

    bar = tqdm(
        total=len(pending), desc="grading", unit="student", file=sys.stderr, disable=not progress
    )

    def record(result: StudentResult) -> None:
        if only_exercises:
            result = merge_exercises(_stored(out_dir, result.student_id), result, only_exercises)
        save_result(out_dir, result)
        run.graded.append(result.student_id)
        bar.set_postfix_str(result.line()[:60], refresh=False)
        bar.update(1)

    try:
        with _sticky_interrupt() as interrupted:
            for start in range(0, len(pending), batch):
                group = pending[start : start + batch]
                try:
                    grade_batch(group, source, settings, on_result=record)
                except EngineError as exc:  # the grader failed: retried by the next run
                    for submission in group:
                        if submission.student_id not in run.graded:
                            run.failed[submission.student_id] = str(exc)
                            bar.update(1)
                if interrupted.is_set():
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        left = len(pending) - len(run.graded) - len(run.failed)
        raise GradingInterrupted(
            f"interrupted: {len(run.graded)} student(s) graded by this run are saved in "
            f"{out_dir / RESULTS}; run the same command again to grade the {left} left."
        ) from None
    finally:
        bar.close()
        run.graded.sort()


@contextlib.contextmanager
def _sticky_interrupt():
    """Ctrl-C raises ``KeyboardInterrupt`` as usual, and is also remembered: one that lands in
    a finaliser (``__del__``, where Python only prints and ignores it) or in a shielded cleanup
    (:mod:`.engine.shield`) still stops the run at the end of the batch."""
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield interrupted
        return

    def on_interrupt(signum, frame) -> None:
        interrupted.set()
        if not shield.active():  # a shielded cleanup finishes first; the batch's end stops
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def merge(shard_dirs: list[Path], out_dir: Path) -> ClassRun:
    """Copy the results of several shard folders into ``out_dir`` and render them together."""
    out_dir = Path(out_dir)
    found: list[tuple[Path, StudentResult]] = []
    for shard_dir in map(Path, shard_dirs):
        folder = shard_dir / RESULTS
        if not folder.is_dir():
            raise GradingError(
                f"{shard_dir} has no {RESULTS}/ folder; pass folders written by "
                "'tp-course grade --out'."
            )
        for path in sorted(folder.glob("*.json")):
            try:
                result = StudentResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                raise GradingError(
                    f"{path} is not a result file; remove it and merge again."
                ) from None
            found.append((path, result))
    if len({result.source_sha256 for _, result in found}) > 1:
        raise GradingError(
            "the shards were graded from different source notebooks; grade them again with the "
            "same --source."
        )
    copied = []
    for path, result in found:
        if path.resolve() != (out_dir / RESULTS / path.name).resolve():
            save_result(out_dir, result)
        copied.append(result.student_id)
    results = render(out_dir)
    return ClassRun(out_dir, results, graded=sorted(copied))
