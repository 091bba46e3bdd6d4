"""The grader's end of the zygote: starting it, talking to it and to its snapshots.

:class:`ZygoteProcess` starts ``python -m tp_helpers.grading.engine.child.zygote CONFIG`` and
turns its event lines into the scheduler's queue; :func:`send` is one job on a snapshot's socket;
:class:`StudentRuns` is one student's runs of one cell, each reply turned into a
:class:`~.protocol.JobRun` and the student's events (timeout, memory, a dead process, tampering).
Every message is spelt by :mod:`.protocol`.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..model.source import ExerciseCell, LabSource
from . import protocol
from .child import guard
from .policy import GradingSettings, Isolation, format_size, grading_env, job, scratch_env
from .protocol import CellRun, JobRun

if TYPE_CHECKING:
    from .scheduler import Slots

ZYGOTE_MODULE = "tp_helpers.grading.engine.child.zygote"
_MEMORY_SIGNS = ("can't allocate memory", "bad_alloc", "out of memory")
_MAX_LISTED = 3


class EngineError(RuntimeError):
    """The grader itself failed (the zygote, a snapshot, the sandbox): no student's fault; the
    students concerned are graded again by the next run."""


class Tampered(Exception):
    """The guard found the run's state altered (or did not answer)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(summarise(problems))
        self.problems = problems


def summarise(problems: list[str]) -> str:
    """The first problems in one line, and how many more."""
    shown = "; ".join(problems[:_MAX_LISTED])
    more = len(problems) - _MAX_LISTED
    return shown + (f" (and {more} more)" if more > 0 else "")


class Student(Protocol):
    """What the engine needs of a student being graded (scoring's ``GradingContext``)."""

    lock: threading.Lock
    done: bool
    executions: int
    run_seconds: float
    cpu_seconds: float
    replays: dict[int, str]
    notes: list[str]

    def flag(self, status: str, reason: str) -> None: ...

    def stop(self, status: str, reason: str) -> None: ...


# -- one student's runs of one cell ----------------------------------------------------------------
class StudentRuns:
    """``runs(cell_code, checks) -> JobRun`` for one student's cell: each call is a new process."""

    def __init__(
        self,
        settings: GradingSettings,
        slots: Slots,
        student: Student,
        step: ExerciseCell,
        path: str,
        replay: str,
    ) -> None:
        self.settings, self.slots, self.student = settings, slots, student
        self.step, self.path, self.replay = step, path, replay

    def __call__(self, code: str, checks: Sequence[str]) -> JobRun:
        settings = self.settings
        codes = [code, *checks]
        scratch = settings.run_root / "runs" / f"r-{uuid.uuid4().hex[:12]}"
        request = job(settings, codes, self.replay, scratch).message()
        backstop = settings.timeout * (len(codes) + 1) + 120
        with self.slots:
            reply = send(self.path, request, backstop)
        if protocol.FAILURE in reply:
            raise EngineError(
                f"a run of {where(self.step)} failed on the grader's side: "
                f"{reply[protocol.FAILURE]}"
            )
        if reply.get("exit") == f"exit status {protocol.CONFINE_FAILED}":
            raise EngineError("a run could not confine itself (the sandbox); see the zygote's log")
        records = reply.get("records", [])
        runs = [CellRun.from_record(record) for record in records]
        problems = [p for record in records for p in record.get("tamper", [])]
        student = self.student
        with student.lock:
            student.executions += len(runs)
            student.run_seconds += float(reply.get("seconds", 0))
            student.cpu_seconds += float(reply.get("cpu", 0))
            for position, run in enumerate(runs):
                self._memory(codes[position], run)
            if reply.get("outcome") != protocol.COMPLETE and len(runs) < len(codes):
                runs.append(self._ended(codes[len(runs)], reply))
        if problems:
            raise Tampered(problems)
        checks_run: list[CellRun | None] = list(runs[1:])
        checks_run += [None] * (len(checks) - len(checks_run))
        return JobRun(runs[0], checks_run)

    def _ended(self, code: str, reply: dict) -> CellRun:
        """The execution the run did not finish: timed out, or the process died."""
        what = self._what(code)
        outcome = reply.get("outcome")
        if outcome == protocol.TIMEOUT:
            timeout = self.settings.timeout
            self.student.flag("timeout", f"{what} timed out after {timeout:g} s")
            return CellRun(timed_out=True)
        how = reply.get("exit") or "no exit status"
        if outcome == protocol.GARBLED:
            how = "its report was unreadable"
        box = self.settings.sandbox
        if reply.get("signal") == signal.SIGXCPU and box is not None and box.limits.cpu:
            self.student.flag("timeout", f"{what} used its {box.limits.cpu:g} s of CPU time")
            return CellRun(died=f"it used its {box.limits.cpu:g} s of CPU time")
        self.student.flag("kernel_died", f"the process running {what} died ({how})")
        return CellRun(died=how)

    def _memory(self, code: str, run: CellRun) -> None:
        if run.error and _out_of_memory(run.error):
            box = self.settings.sandbox
            limit = (
                f" (limit {format_size(box.limits.memory)})" if box and box.limits.memory else ""
            )
            self.student.flag(
                "memory", f"{self._what(code)} ran out of memory{limit}: {run.error[0]}"
            )

    def _what(self, code: str) -> str:
        for check in self.step.checks:
            if code == check.source:
                return f"the check of exercise {check.exercise_id}"
        return where(self.step)


# -- the zygote process ----------------------------------------------------------------------------
class ZygoteProcess:
    """``python -m tp_helpers.grading.engine.child.zygote CONFIG``: its events come into the
    scheduler's queue."""

    def __init__(self, source: LabSource, settings: GradingSettings) -> None:
        self.source = source
        self.settings = settings
        self.folder = settings.run_root / "zygote"
        self.sockets = settings.run_root / f"snapshots-{uuid.uuid4().hex[:8]}"
        self.log = settings.run_root / "zygote.log"
        self.process: subprocess.Popen | None = None
        self.lifeline: int | None = None
        self.env: dict[str, str] = {}
        #: set once the datasets cache is warm (see warm_up): the zygote may load data then
        self.warm = threading.Event()
        self._stdin_lock = threading.Lock()

    def start(self, events: queue.Queue) -> None:
        settings = self.settings
        folders = ((self.folder, 0o755), (self.sockets, 0o700), (settings.run_root / "runs", 0o711))
        for folder, mode in folders:
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(mode)
        read, self.lifeline = os.pipe()
        token = uuid.uuid4().hex
        config = protocol.config(
            steps=[_step(step) for step in self.source.steps],
            socket_dir=str(self.sockets),
            lookahead=max(2, settings.lookahead),
            lifeline_fd=read,
            log=str(self.log),
            grader_pid=os.getpid(),
            guard={
                "source": Path(guard.__file__).read_text(encoding="utf-8"),
                "token": token,
                "registry": guard.REGISTRY + token,
                "arguments": [guard.PROTECTED_PREFIXES, guard.PRELOADED, guard.NOT_WATCHED],
            },
        )
        self.env = self._env()
        config_path = settings.run_root / "zygote.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        config_path.chmod(0o600)
        self.process = subprocess.Popen(
            [sys.executable, "-m", ZYGOTE_MODULE, str(config_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            pass_fds=(read,),
            cwd=self.folder,
            env=self.env,
            text=True,
        )
        os.close(read)
        threading.Thread(target=self._read_events, args=(events,), daemon=True).start()

    def warm_up(self, slots: Slots) -> None:
        """Warm the datasets cache the zygote reads (a process of its own, holding a slot: with
        ``--jobs 2`` it overlaps the zygote's imports), then let it load data."""
        try:
            if any("load_dataset" in step.source for step in self.source.steps):
                with slots.first():
                    _warm_datasets_cache(self.env, self.folder)
        finally:
            self.warm.set()

    def _env(self) -> dict[str, str]:
        box = self.settings.sandbox
        isolation = box.isolation if box is not None else Isolation()
        env = scratch_env(grading_env(1), self.folder, isolation)
        if box is not None:
            env.update(dict(box.env))
        env.update(  # no background threads: the zygote forks (docs/architecture.md)
            TOKENIZERS_PARALLELISM="false",
            JE_ARROW_MALLOC_CONF="background_thread:false",  # pyarrow's jemalloc purger
            TQDM_DISABLE="1",
            PYTHONSAFEPATH="1",  # `-m` puts no folder of ours ahead of the package
        )
        return env

    def _read_events(self, events: queue.Queue) -> None:
        for line in self.process.stdout:
            try:
                events.put(("event", json.loads(line)))
            except ValueError:
                continue
        events.put(("event", protocol.event(protocol.EXITED)))

    def release(self, step: int) -> None:
        self._tell({protocol.RELEASE: step})

    def go(self, step: int) -> None:
        self._tell({protocol.GO: step})

    def _tell(self, message: dict) -> None:
        with self._stdin_lock:  # two threads may speak: the scheduler's and a turn's
            try:
                self.process.stdin.write(protocol.line(message))
                self.process.stdin.flush()
            except (OSError, ValueError):
                pass

    def log_tail(self) -> str:
        try:
            text = self.log.read_text(errors="replace").strip()
        except OSError:
            return ""
        return f"; its log ends with: {text[-800:]}" if text else ""

    def close(self) -> None:
        if self.lifeline is not None:
            os.close(self.lifeline)  # every snapshot and supervisor sees it and ends
            self.lifeline = None
        if self.process is None:
            return
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.sockets, ignore_errors=True)


# -- a snapshot's socket ---------------------------------------------------------------------------
def send(path: str, request: dict, timeout: float) -> dict:
    """One request to a snapshot, its one-line reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        try:
            conn.connect(path)
            conn.sendall(protocol.line(request).encode())
            chunks = []
            while chunk := conn.recv(1 << 16):
                chunks.append(chunk)
        except OSError as exc:
            raise EngineError(f"the snapshot at {path} did not answer: {exc}") from None
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        raise EngineError(f"the snapshot at {path} gave no reply") from None


def quit_snapshot(path: str) -> None:
    """Tell a snapshot to exit (best effort: it also ends with the lifeline)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(10)
            conn.connect(path)
            conn.sendall(protocol.line({protocol.QUIT: True}).encode())
    except OSError:
        pass


def where(step) -> str:
    """A step of the source in words, for the students' pages and the errors."""
    if isinstance(step, ExerciseCell):
        return f"the cell of exercise {', '.join(step.exercise_ids)}"
    return f"cell {step.index}"


# -- helpers ---------------------------------------------------------------------------------------
#: builds the offline dataset's Arrow cache the zygote will read (see _warm_datasets_cache)
_WARM = (  # every lab's offline data: the source may be any lab's
    "import os, tp_helpers, datasets\n"
    "from tp_helpers.profiles import LAB_PROFILES\n"
    "for lab in LAB_PROFILES:\n"
    "    profile = tp_helpers.get_profile(lab=lab)\n"
    "    if os.path.isdir(profile.dataset):\n"
    "        datasets.load_dataset(profile.dataset)\n"
)


def _warm_datasets_cache(env: dict[str, str], cwd: Path) -> None:
    """Prepare, in a process of its own, the Arrow cache of the profile's local dataset.

    Building that cache reads parquet with Arrow's thread pools, whose idle threads would stay
    in the zygote and forbid forking it; read from a ready cache, the dataset is only
    memory-mapped. Best effort: a failure here shows up in the zygote's walk itself."""
    try:
        subprocess.run(
            [sys.executable, "-c", _WARM],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError):
        pass


def _step(step) -> dict:
    if isinstance(step, ExerciseCell):
        return protocol.step(
            protocol.EXERCISE, step.source, [check.source for check in step.checks]
        )
    return protocol.step(protocol.GIVEN, step.source)


def _out_of_memory(error: tuple[str, str]) -> bool:
    ename, evalue = error
    return ename in ("MemoryError", "OutOfMemoryError") or any(
        sign in evalue for sign in _MEMORY_SIGNS
    )
