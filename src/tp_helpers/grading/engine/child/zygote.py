"""The zygote: the lab's source run once, every run of student code forked from it.

``python -m tp_helpers.grading.engine.child.zygote CONFIG.json`` is started by the grader
(:mod:`..client`). Named after PrairieLearn's warm forking process: "reference" keeps its one
meaning, the recorded values of ``tp_helpers/checks/reference/``. The zygote runs the source
notebook's code cells in order in a plain IPython shell (:mod:`.shell`) and, just before each
exercise cell, forks a **snapshot**: a paused copy of the state at that point, serving the grader
on a Unix socket. Each job a snapshot gets is a **supervisor** it forks (:mod:`.supervisor`).

The processes, the messages (:mod:`..protocol`) and why forking is safe are in
docs/architecture.md. This package imports the standard library only (and what the lab's own
cells import): started with ``-m``, it goes through ``tp_helpers.grading.engine``, whose
``__init__`` imports nothing.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import socket
import sys

from .. import protocol
from .shell import describe_error, forget_sources, make_shell, quiet_libraries
from .supervisor import Supervisor, parent_death_signal


def call_in_child(function):
    """``function()`` in a forked child (what it changes stays there); its JSON result here,
    None when it gave none."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            data = json.dumps(function()).encode()
        except BaseException:  # noqa: BLE001 - the parent gets None
            data = b"null"
        with contextlib.suppress(OSError):
            while data:
                data = data[os.write(write, data) :]
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 1 << 16):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks) or b"null")
    except ValueError:
        return None


def single_threaded() -> tuple[bool, str]:
    """Whether this process has one thread (what ``fork`` needs), and the threads' names."""
    try:
        count = len(os.listdir("/proc/self/task"))
    except OSError:  # not Linux: trust threading's view
        import threading

        count = threading.active_count()
    if count == 1:
        return True, ""
    import threading

    names = [thread.name for thread in threading.enumerate()]
    with contextlib.suppress(OSError):
        for task in sorted(os.listdir("/proc/self/task"))[1:]:
            with open(f"/proc/self/task/{task}/comm") as handle:
                names.append(f"native: {handle.read().strip()}")
    return False, f"{count} threads ({', '.join(names)})"


# -- the zygote's walk --------------------------------------------------------------------------
class Zygote:
    """Runs the source's steps; forks a snapshot before each exercise cell."""

    def __init__(self, config: dict, events) -> None:
        self.config = config
        self.events = events
        self.lifeline = config["lifeline_fd"]
        self.alive: list[int] = []  # step indexes of the snapshots not yet released
        self.turn: int | None = None  # the step the grader last let us run
        self.shell = make_shell()
        self.guard = None

    def emit(self, kind: str, **fields) -> None:
        self.events.write(protocol.line(protocol.event(kind, **fields)))
        self.events.flush()

    def install_guard(self) -> None:
        """The guard's references taken now: the state a run starts from is the baseline (the
        zygote's own cells may patch libraries; only what a run changes is tampering)."""
        spec = self.config.get("guard")
        if not spec:
            return
        namespace = {"__name__": "_tp_grading_guard"}
        exec(compile(spec["source"], "<tp-grading-guard>", "exec"), namespace)
        namespace["install"](spec["token"], *spec["arguments"])
        holder = sys.modules[spec["registry"]]
        self.guard = holder.check

    def walk(self) -> None:
        """Every step up to the last exercise cell's snapshot: what comes after it is graded
        by no run, so it never runs here."""
        steps = self.config["steps"]
        exercises = [i for i, step in enumerate(steps) if step["kind"] == protocol.EXERCISE]
        last = max(exercises, default=-1)
        for index, step in enumerate(steps[: last + 1]):
            if step["kind"] == protocol.EXERCISE:
                self.wait_for_room()
            self.wait_for_turn(index)
            if step["kind"] == protocol.EXERCISE:
                self.snapshot(index, [step["code"]])
            if index < last:
                self.run_step(index, step)
            self.emit(protocol.STEPPED, step=index)
        self.emit(protocol.DONE)

    def run_step(self, index: int, step: dict) -> None:
        for position, code in enumerate([step["code"], *step.get("checks", [])]):
            result = self.shell.run_cell(code, store_history=False)
            error = describe_error(result)
            sys.stdout.flush()
            sys.stderr.flush()
            if error:
                what = "code" if position == 0 else f"check {position}"
                self.emit(protocol.NOTE, step=index, text=f"{what} raised {': '.join(error)}")

    def preimport(self, codes: list[str]) -> None:
        """Import, here (in a snapshot), the modules the solution of its cell imports.

        A dry run of the cell in a throwaway child tells which modules it imports (loading
        a model imports its classes: seconds, paid once per snapshot instead of once per run).
        Only modules are added to the state, never a name of the notebook."""

        def imported() -> list[str]:
            before = set(sys.modules)
            with contextlib.suppress(BaseException):
                for code in codes:
                    self.shell.run_cell(code, store_history=False)
            return sorted(set(sys.modules) - before)

        names = call_in_child(imported)
        if not isinstance(names, list):
            return
        import importlib

        for name in names:
            if name.startswith(("_tp", "__main__")) or name in sys.modules:
                continue
            with contextlib.suppress(BaseException):
                importlib.import_module(name)

    def wait_for_room(self) -> None:
        """At most ``lookahead`` snapshots alive: wait for the grader to release one."""
        while len(self.alive) >= self.config["lookahead"]:
            self.read_control()

    def wait_for_turn(self, index: int) -> None:
        """``--jobs`` counts the zygote as one of the processes at work: ask for a turn."""
        self.emit(protocol.WANT, step=index)
        self.turn = None
        while self.turn != index:
            self.read_control()

    def read_control(self) -> None:
        """One line from the grader: a snapshot released, or our turn to run a step."""
        line = sys.stdin.readline()
        if not line:
            raise SystemExit(0)  # the grader is gone
        message = json.loads(line)
        if message.get(protocol.RELEASE) in self.alive:
            self.alive.remove(message[protocol.RELEASE])
        if protocol.GO in message:
            self.turn = message[protocol.GO]
        self.reap()

    def reap(self) -> None:
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass

    def snapshot(self, index: int, codes: list[str]) -> None:
        """Fork the snapshot of the state before step ``index``; asked by the grader, it
        prepares itself (imports what ``codes`` import, the guard's baseline) while the
        zygote goes on."""
        path = os.path.join(self.config["socket_dir"], f"{index}.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(64)
        forget_sources(self.shell)
        sys.stdout.flush()
        sys.stderr.flush()
        alone, threads = single_threaded()
        if not alone:
            raise RuntimeError(f"cannot fork the zygote safely: it runs {threads}")
        gc.freeze()  # objects of the zygote: never traversed (nor copied) by a run's GC
        pid = os.fork()
        if pid == 0:
            try:
                Snapshot(self, listener, codes).serve()
            finally:
                os._exit(0)
        listener.close()
        self.alive.append(index)
        self.emit(protocol.SNAPSHOT, step=index, socket=path, pid=pid)


# -- a snapshot: serves jobs ----------------------------------------------------------------------
class Snapshot:
    """A paused copy of the zygote; one supervisor forked per job."""

    def __init__(self, zygote: Zygote, listener: socket.socket, codes: list[str]) -> None:
        self.zygote = zygote
        self.listener = listener
        self.codes = codes
        self.lifeline = zygote.lifeline
        for fd in (0, zygote.events.fileno()):  # the zygote's channels are not ours
            with contextlib.suppress(OSError):
                os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)

    def serve(self) -> None:
        while True:
            ready, _, _ = select.select([self.listener, self.lifeline], [], [], 2.0)
            self.zygote.reap()
            if self.lifeline in ready:  # the grader is gone (or done): so are we
                return
            if self.listener not in ready:
                continue
            conn, _ = self.listener.accept()
            request = _read_request(conn)
            if request is None or request.get(protocol.QUIT):
                conn.close()
                if request is not None:
                    return
                continue
            if request.get(protocol.PREPARE):  # the grader's first, holding one of its slots
                with conn:
                    conn.sendall(protocol.line(self.prepare()).encode())
                continue
            if os.fork() == 0:
                self.listener.close()
                code = 0
                try:
                    reply = Supervisor(self.zygote, request, self.lifeline).run()
                except BaseException as exc:  # noqa: BLE001 - the grader must get an answer
                    reply = {protocol.FAILURE: f"{type(exc).__name__}: {exc}"}
                    code = 1
                with contextlib.suppress(OSError):
                    conn.sendall(protocol.line(reply).encode())
                os._exit(code)
            conn.close()

    def prepare(self) -> dict:
        """Import what the cell's solution imports, then take the guard's baseline (after the
        imports: only what a run changes is tampering); the state is then frozen."""
        self.zygote.preimport(self.codes)
        self.zygote.install_guard()
        gc.freeze()
        alone, threads = single_threaded()
        if not alone:
            return {protocol.FAILURE: f"cannot fork the snapshot safely: it runs {threads}"}
        return {protocol.READY: True}


def _read_request(conn: socket.socket) -> dict | None:
    conn.settimeout(30)
    chunks = []
    try:
        while not chunks or not chunks[-1].endswith(b"\n"):
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        return json.loads(b"".join(chunks))
    except (OSError, ValueError):
        return None


# -- entry point ---------------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as handle:
        config = json.load(handle)
    parent_death_signal(signal.SIGKILL)
    if os.getppid() != config["grader_pid"]:
        return 1  # the grader died while we started
    events = os.fdopen(os.dup(1), "w", buffering=1)
    log = os.open(config["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    quiet_libraries()
    zygote = Zygote(config, events)
    try:
        zygote.walk()
    except BaseException as exc:  # noqa: BLE001 - the grader reads it
        zygote.emit(protocol.ERROR, text=f"{type(exc).__name__}: {exc}")
        return 1
    while sys.stdin.readline():  # until the grader closes our stdin: reap the snapshots
        zygote.reap()
    zygote.reap()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
