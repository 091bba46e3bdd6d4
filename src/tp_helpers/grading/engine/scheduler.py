"""The scheduler: one zygote per batch, every student's runs sent to the right snapshot.

:class:`ForkEngine` starts the zygote (:class:`.client.ZygoteProcess`), which walks the lab's
source once and forks a snapshot before each exercise cell. As each snapshot comes up and has
prepared itself, every student's cell is handed to the grading function the caller gave (the
scoring side decides which runs a cell needs), from a thread pool; each run is a fresh process
forked from the snapshot, confined, and thrown away. When every student is done with a cell, its
snapshot is told to quit, which lets the zygote go further (at most ``lookahead`` snapshots are
alive at once). ``--jobs`` is a count of processes at work (:class:`Slots`): the runs, the
zygote's steps and the snapshots' preparation.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from ..model.source import ExerciseCell, LabSource
from . import protocol
from .client import EngineError, Student, StudentRuns, ZygoteProcess, quit_snapshot, send, where
from .policy import GradingSettings
from .shield import shielded

#: ``grade(student, step_index, step, runs)``: grade one student's exercise cell with ``runs``
CellGrader = Callable[[Student, int, ExerciseCell, StudentRuns], None]


class ForkEngine:
    """Grades a batch of students: ``execute(students, finished)``."""

    def __init__(self, source: LabSource, settings: GradingSettings, grade: CellGrader) -> None:
        self.source = source
        self.settings = settings
        self.grade = grade
        #: ``--jobs`` processes at work at once: the runs, and the zygote's steps
        self.slots = Slots(max(1, settings.jobs))
        self.first_cell = 0

    # -- the walk --------------------------------------------------------------------------------
    def execute(self, students: list[Student], finished: Callable[[Student], None]) -> None:
        """Grade every exercise cell of every student; ``finished(student)`` as each is done."""
        steps = self.source.steps
        cells = [i for i, step in enumerate(steps) if isinstance(step, ExerciseCell)]
        left = {id(student): len(cells) for student in students}
        if not cells or not students:
            for student in students:
                finished(student)
            return
        done: queue.Queue = queue.Queue()
        zygote = ZygoteProcess(self.source, self.settings)
        pool = ThreadPoolExecutor(max_workers=max(1, self.settings.jobs))
        outstanding: dict[int, int] = {}
        sockets: dict[int, str] = {}
        self.first_cell = cells[0]
        try:
            zygote.start(done)
            threading.Thread(target=zygote.warm_up, args=(self.slots,), daemon=True).start()
            while left and any(left.values()):
                kind, payload = done.get()
                if kind == "event":
                    self._event(payload, zygote, students, pool, done, outstanding, sockets)
                elif kind == "cell":
                    student, index = payload
                    left[id(student)] -= 1
                    outstanding[index] -= 1
                    if left[id(student)] == 0:
                        finished(student)
                    if outstanding[index] == 0:
                        quit_snapshot(sockets.pop(index))
                        zygote.release(index)
                elif kind == "ready":  # the snapshot is prepared: its runs may start
                    for student in students:
                        pool.submit(self._grade_safely, student, payload, sockets[payload], done)
                elif kind == "failure":
                    raise EngineError(payload)
        finally:
            with shielded():  # a Ctrl-C now is handled once the zygote is gone
                pool.shutdown(wait=False, cancel_futures=True)
                zygote.close()

    def _event(
        self,
        event: dict,
        zygote: ZygoteProcess,
        students: list[Student],
        pool: ThreadPoolExecutor,
        done: queue.Queue,
        outstanding: dict[int, int],
        sockets: dict[int, str],
    ) -> None:
        kind = event.get(protocol.EVENT)
        if kind == protocol.WANT:  # the zygote's next step, when a slot is free
            threading.Thread(target=self._turn, args=(zygote, event["step"]), daemon=True).start()
            return
        if kind == protocol.STEPPED:
            self.slots.release()
            return
        if kind == protocol.ERROR:
            raise EngineError(
                f"the zygote's run of the source failed: {event.get('text')}{zygote.log_tail()}"
            )
        if kind == protocol.EXITED:
            raise EngineError(f"the zygote exited early{zygote.log_tail()}")
        if kind == protocol.NOTE:
            step = self.source.steps[event["step"]]
            note = f"the source's {where(step)} failed in the zygote's run: {event['text']}"
            for student in students:
                student.notes.append(note)
        if kind != protocol.SNAPSHOT:
            return
        index = event["step"]
        sockets[index] = event["socket"]
        outstanding[index] = len(students)
        pool.submit(self._prepare_safely, index, event["socket"], done)

    def _prepare_safely(self, index: int, path: str, done: queue.Queue) -> None:
        """The snapshot's preparation (imports, guard), holding a slot: a process at work."""
        try:
            with self.slots:
                reply = send(path, {protocol.PREPARE: True}, 600)
        except EngineError as exc:
            reply = {protocol.FAILURE: str(exc)}
        if protocol.FAILURE in reply:
            failure = reply[protocol.FAILURE]
            done.put(("failure", f"the snapshot of step {index} failed: {failure}"))
        else:
            done.put(("ready", index))

    def _turn(self, zygote: ZygoteProcess, step: int) -> None:
        if step >= self.first_cell:  # exercise cells may load data: from a warm cache only
            zygote.warm.wait()
        self.slots.acquire(first=True)  # the zygote's progress is what the runs wait for
        zygote.go(step)

    def _grade_safely(self, student: Student, index: int, path: str, done: queue.Queue) -> None:
        step = self.source.steps[index]
        runs = StudentRuns(
            self.settings, self.slots, student, step, path, student.replays.get(index, "")
        )
        try:
            self.grade(student, index, step, runs)
        except EngineError as exc:
            done.put(("failure", str(exc)))
            return
        except Exception as exc:  # a bug of ours: the batch fails, loudly
            done.put(("failure", f"{type(exc).__name__}: {exc}"))
            return
        done.put(("cell", (student, index)))


class Slots:
    """``n`` processes at work at once; those asking ``first`` get the next free slot before
    any other waiter (a semaphore with one level of priority)."""

    def __init__(self, n: int) -> None:
        self.free = n
        self.first_waiting = 0
        self.condition = threading.Condition()

    def acquire(self, first: bool = False) -> None:
        with self.condition:
            self.first_waiting += first
            try:
                while self.free == 0 or (not first and self.first_waiting):
                    self.condition.wait()
                self.free -= 1
            finally:
                self.first_waiting -= first

    def release(self) -> None:
        with self.condition:
            self.free += 1
            self.condition.notify_all()

    def __enter__(self) -> Slots:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    @contextlib.contextmanager
    def first(self) -> Iterator[Slots]:
        self.acquire(first=True)
        try:
            yield self
        finally:
            self.release()
