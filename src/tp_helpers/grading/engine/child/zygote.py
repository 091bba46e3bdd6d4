"""The reference process: the lab's source run once, every run of student code forked from it.

``python -m tp_helpers.grading.engine.child.zygote CONFIG.json`` is started by the grader
(:mod:`.engine`). It runs the source notebook's code cells in order in a plain IPython shell
(offline profile, training capped, one thread), and just before each exercise cell it forks a
**snapshot**: a paused copy of the state at that point, serving the grader on a Unix socket.
For each run of student code the grader asks (a whole exercise cell with its checks, or one
exercise's re-run), the snapshot forks a **supervisor**, which confines itself (namespaces,
mounts), then forks the **run**: limits, a uid of its own, every inherited descriptor closed but
its result pipe, then the student's code and the checks. The supervisor enforces the time limit,
relays what the run reported, kills the run and everything it started, deletes its scratch
folder and exits. Nothing a run does is seen by another run or by the reference.

Processes, from the grader down (each forks the next)::

    grader ── reference (walks the source) ── snapshot k ── supervisor ── run
                                                                      └── [init]

``[init]`` is pid 1 of the run's own pid namespace where namespaces are allowed (a ``sleep``
spawned by the supervisor, the run forked just after it): when the supervisor kills it, the
kernel kills every process the run left. Given cells run only in the reference.

Fork safety: the reference is single-threaded when it forks (IPython's history thread and
tqdm's monitor thread are off, torch uses one thread: GNU libgomp cannot rebuild its pool in a
forked child); it checks ``/proc/self/task`` before each fork. Before forking, the shell's
input history and ``linecache`` are cleared, so a snapshot holds no source text of the cells.

A snapshot first answers a ``prepare`` request (the grader sends it holding one of its
``--jobs`` slots): it imports what its cell's solution imports and takes the guard's baseline.

Protocol: the grader writes the JSON config (steps, policy, lookahead); the reference writes
events, one JSON object per line, on the descriptor it got as stdout (``want`` before a step,
``stepped`` after it, ``snapshot``, ``note``, ``done``, ``error``) and reads ``go`` (run the
step: the grader counts the reference among its ``--jobs`` processes) and ``release`` (a
snapshot ended) lines on stdin. A job is one JSON line sent to a
snapshot's socket; the reply is one JSON line. The run reports to its supervisor through a pipe
in length-prefixed JSON records; the supervisor trusts none of it beyond the shape, and the
grader uses it only for the exercises of that run.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import json
import os
import select
import shutil
import signal
import socket
import struct
import sys
import time

if __package__:
    from . import confine
else:  # run as a file by the grader: importing the package would import the whole grader
    import importlib.util

    _spec = importlib.util.spec_from_file_location(
        "_tp_grading_confine", os.path.join(os.path.dirname(__file__), "confine.py")
    )
    confine = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(confine)

#: bytes of stdout / stderr kept per execution
KEEP_CHARS = 10_000
#: the largest record a run may send (its hint text is cut long before)
MAX_RECORD = 256 * 1024
PR_SET_PDEATHSIG = 1
#: exit status of a run that could not confine itself (it never ran student code)
CONFINE_FAILED = 71
_HEADER = struct.Struct("!I")


# -- the shell ----------------------------------------------------------------------------------
def make_shell():
    """A plain IPython shell: no history file, no history thread, no colours."""
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.autocall = 0
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(config=config)
    # one line per error (a verbose traceback costs ~150 ms to format; only the exception's
    # name and message reach the grader anyway)
    shell.InteractiveTB.set_mode(mode="Minimal")
    with contextlib.suppress(Exception):
        shell.colors = "nocolor"
    return shell


def forget_sources(shell) -> None:
    """Drop every trace of the cells' text: IPython's input/output history and ``linecache``."""
    import linecache

    for name in ("_ih", "_oh", "In", "Out"):
        value = shell.user_ns.get(name)
        if isinstance(value, list):
            value[:] = [""] if value[:1] == [""] else []
        elif isinstance(value, dict):
            value.clear()
    for name in list(shell.user_ns):
        if name in ("_i", "_ii", "_iii", "_", "__", "___") or (
            name.startswith("_i") and name[2:].isdigit()
        ):
            shell.user_ns.pop(name, None)
    for key in [k for k in linecache.cache if str(k).startswith("<ipython-input-")]:
        linecache.cache.pop(key, None)
    for attr in ("_ipython_cache",):  # IPython >= 8.x keeps a second copy here
        cache = getattr(linecache, attr, None)
        if isinstance(cache, dict):
            cache.clear()
    sys.last_type = sys.last_value = sys.last_traceback = None
    if hasattr(sys, "last_exc"):
        sys.last_exc = None


def describe_error(result) -> list[str] | None:
    """``[name, message]`` of the exception a cell raised, or None."""
    error = result.error_before_exec or result.error_in_exec
    if error is None:
        return None
    try:
        message = str(error)
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise anything
        message = "(the exception's message could not be read)"
    return [type(error).__name__, message[:KEEP_CHARS]]


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


def quiet_libraries() -> None:
    """No background threads and no progress bars: every run is forked from this process.
    typing_extensions patches ``typing`` when imported: imported here, that is part of every
    run's baseline, not a run's tampering."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    with contextlib.suppress(ImportError):
        import typing_extensions  # noqa: F401
    with contextlib.suppress(ImportError):
        import tqdm

        tqdm.tqdm.monitor_interval = 0


# -- the reference's walk -----------------------------------------------------------------------
class Reference:
    """Runs the source's steps; forks a snapshot before each exercise cell."""

    def __init__(self, config: dict, events) -> None:
        self.config = config
        self.events = events
        self.lifeline = config["lifeline_fd"]
        self.alive: list[int] = []  # step indexes of the snapshots not yet released
        self.turn: int | None = None  # the step the grader last let us run
        self.shell = make_shell()
        self.guard = None

    def emit(self, **event) -> None:
        self.events.write(json.dumps(event) + "\n")
        self.events.flush()

    def install_guard(self) -> None:
        """The guard's references taken now: the state a run starts from is the baseline (the
        reference's own cells may patch libraries; only what a run changes is tampering)."""
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
        last = max((i for i, step in enumerate(steps) if step["kind"] == "exercise"), default=-1)
        for index, step in enumerate(steps[: last + 1]):
            if step["kind"] == "exercise":
                self.wait_for_room()
            self.wait_for_turn(index)
            if step["kind"] == "exercise":
                self.snapshot(index, [step["code"]])
            if index < last:
                self.run_step(index, step)
            self.emit(event="stepped", step=index)
        self.emit(event="done")

    def run_step(self, index: int, step: dict) -> None:
        for position, code in enumerate([step["code"], *step.get("checks", [])]):
            result = self.shell.run_cell(code, store_history=False)
            error = describe_error(result)
            sys.stdout.flush()
            sys.stderr.flush()
            if error:
                what = "code" if position == 0 else f"check {position}"
                self.emit(event="note", step=index, text=f"{what} raised {': '.join(error)}")

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
        """``--jobs`` counts the reference as one of the processes at work: ask for a turn."""
        self.emit(event="want", step=index)
        self.turn = None
        while self.turn != index:
            self.read_control()

    def read_control(self) -> None:
        """One line from the grader: a snapshot released, or our turn to run a step."""
        line = sys.stdin.readline()
        if not line:
            raise SystemExit(0)  # the grader is gone
        message = json.loads(line)
        if message.get("release") in self.alive:
            self.alive.remove(message["release"])
        if "go" in message:
            self.turn = message["go"]
        self.reap()

    def reap(self) -> None:
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass

    def snapshot(self, index: int, codes: list[str]) -> None:
        """Fork the snapshot of the state before step ``index``; asked by the grader, it
        prepares itself (imports what ``codes`` import, the guard's baseline) while the
        reference goes on."""
        path = os.path.join(self.config["socket_dir"], f"{index}.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(64)
        forget_sources(self.shell)
        sys.stdout.flush()
        sys.stderr.flush()
        alone, threads = single_threaded()
        if not alone:
            raise RuntimeError(f"cannot fork the reference safely: it runs {threads}")
        gc.freeze()  # objects of the reference: never traversed (nor copied) by a run's GC
        pid = os.fork()
        if pid == 0:
            try:
                Snapshot(self, listener, codes).serve()
            finally:
                os._exit(0)
        listener.close()
        self.alive.append(index)
        self.emit(event="snapshot", step=index, socket=path, pid=pid)


# -- a snapshot: serves jobs ----------------------------------------------------------------------
class Snapshot:
    """A paused copy of the reference; one supervisor forked per job."""

    def __init__(self, reference: Reference, listener: socket.socket, codes: list[str]) -> None:
        self.reference = reference
        self.listener = listener
        self.codes = codes
        self.lifeline = reference.lifeline
        for fd in (0, reference.events.fileno()):  # the reference's channels are not ours
            with contextlib.suppress(OSError):
                os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)

    def serve(self) -> None:
        while True:
            ready, _, _ = select.select([self.listener, self.lifeline], [], [], 2.0)
            self.reference.reap()
            if self.lifeline in ready:  # the grader is gone (or done): so are we
                return
            if self.listener not in ready:
                continue
            conn, _ = self.listener.accept()
            request = _read_request(conn)
            if request is None or request.get("quit"):
                conn.close()
                if request is not None:
                    return
                continue
            if request.get("prepare"):  # the grader's first request, holding one of its slots
                with conn:
                    conn.sendall((json.dumps(self.prepare()) + "\n").encode())
                continue
            if os.fork() == 0:
                self.listener.close()
                code = 0
                try:
                    reply = Supervisor(self.reference, request, self.lifeline).run()
                except BaseException as exc:  # noqa: BLE001 - the grader must get an answer
                    reply = {"failure": f"{type(exc).__name__}: {exc}"}
                    code = 1
                with contextlib.suppress(OSError):
                    conn.sendall((json.dumps(reply) + "\n").encode())
                os._exit(code)
            conn.close()

    def prepare(self) -> dict:
        """Import what the cell's solution imports, then take the guard's baseline (after the
        imports: only what a run changes is tampering); the state is then frozen."""
        self.reference.preimport(self.codes)
        self.reference.install_guard()
        gc.freeze()
        alone, threads = single_threaded()
        if not alone:
            return {"failure": f"cannot fork the snapshot safely: it runs {threads}"}
        return {"ready": True}


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


# -- a supervisor: confines, forks the run, enforces its time -----------------------------------
class Supervisor:
    """One job: the run's namespaces and mounts, its deadline, its report, its end."""

    def __init__(self, reference: Reference, request: dict, lifeline: int) -> None:
        self.reference = reference
        self.request = request
        self.lifeline = lifeline
        self.policy = request["policy"]
        self.scratch = self.policy["scratch"]

    def run(self) -> dict:
        started = time.monotonic()
        os.makedirs(os.path.join(self.scratch, "tmp"), mode=0o700, exist_ok=True)
        ident = confine.PRIVATE_ID_BASE + os.getpid()  # unique: our pid in the grader's view
        self.init = None
        try:
            confine.enter_namespaces(self.policy)
            confine.arrange_mounts(self.policy)
            if self.policy.get("pid"):
                self.init = self._spawn_init()
            confined = time.monotonic()
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read)
                self._child(write, ident)  # never returns
            os.close(write)
            reply = self._watch(read, pid)
            watched = time.monotonic()
        finally:
            if self.init is not None:  # pid 1 of the run's namespace: everything left goes
                with contextlib.suppress(OSError):
                    os.kill(self.init, signal.SIGKILL)
                    os.waitpid(self.init, 0)
            shutil.rmtree(self.scratch, ignore_errors=True)
        ended = time.monotonic()
        reply["seconds"] = round(ended - started, 3)
        reply["phases"] = {  # where a run's time goes (bench/grade.py prints them)
            "confine": round(confined - started, 4),
            "run": round(watched - confined, 4),
            "clean": round(ended - watched, 4),
        }
        return reply

    def _spawn_init(self) -> int:
        """pid 1 of the run's pid namespace: ``sleep`` spawned (no copy of this big process),
        for at most the run's longest possible time. When it is killed, every process of the
        namespace is killed with it."""
        codes = len(self.request["codes"]) + 2
        seconds = int(float(self.request["timeout"]) * codes + 60)
        sleep = shutil.which("sleep") or "/bin/sleep"
        return os.posix_spawn(sleep, [sleep, str(seconds)], {})

    # the child side ---------------------------------------------------------------------------
    def _child(self, write: int, ident: int) -> None:
        try:
            _parent_death_signal(signal.SIGKILL)
            if self.init is None:
                os.setsid()  # one process group to kill
            elif self.policy.get("mounts"):  # a /proc of the run's own pid namespace
                with contextlib.suppress(confine.SandboxFailed):
                    flags = confine.MS_NOSUID | confine.MS_NODEV | confine.MS_NOEXEC
                    confine._mount("proc", "/proc", "proc", flags, None)
            Run(self.reference, self.request, write, ident).execute()
        finally:
            os._exit(70)

    # the supervisor's side ------------------------------------------------------------------------
    def _watch(self, read: int, pid: int) -> dict:
        expected = len(self.request["codes"])
        timeout = float(self.request["timeout"])
        reader = _Records(read)
        records: list[dict] = []
        outcome = "complete"
        deadline = time.monotonic() + timeout + float(self.request.get("grace", 0))
        finished = False
        while not finished:
            left = deadline - time.monotonic()
            if left <= 0:
                outcome = "timeout"
                break
            ready, _, _ = select.select([read, self.lifeline], [], [], min(left, 1.0))
            if self.lifeline in ready:
                outcome = "abandoned"
                break
            if read not in ready:
                continue
            batch = reader.read()
            if batch is None:  # end of file: the run exited (or died) before reporting all
                outcome = "complete" if _ended_early(records) else "died"
                break
            for record in batch:
                if not isinstance(record, dict) or record.get("i") != len(records):
                    outcome, finished = "garbled", True
                    break
                records.append(record)
                deadline = time.monotonic() + timeout
                if len(records) == expected or _ended_early(records):
                    finished = True
                    break
        status, usage = (None, 0.0)
        if outcome in ("complete", "died"):  # it ends by itself: its exit status says how
            status, usage = _wait(pid, 2.0)
        if status is None:
            self._kill(pid)
            status, usage = _wait(pid, None)
        os.close(read)
        return {
            "records": records,
            "outcome": outcome,
            "cpu": usage,
            "exit": _exit_words(status),
            "signal": _exit_signal(status),
        }

    def _kill(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            if self.init is not None:
                os.kill(self.init, signal.SIGKILL)  # pid 1 of the namespace: all of it goes
            else:
                os.killpg(pid, signal.SIGKILL)


def _ended_early(records: list[dict]) -> bool:
    """The run stops by itself after a raising cell or a tampered execution."""
    if not records:
        return False
    last = records[-1]
    return bool(last.get("tamper")) or (last.get("i") == 0 and last.get("error") is not None)


def _wait(pid: int, timeout: float | None) -> tuple[int | None, float]:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            done, status, usage = os.wait4(pid, 0 if timeout is None else os.WNOHANG)
        except ChildProcessError:
            return None, 0.0
        if done == pid:
            return status, round(usage.ru_utime + usage.ru_stime, 3)
        if deadline is not None and time.monotonic() >= deadline:
            return None, 0.0
        time.sleep(0.01)


def _exit_signal(status: int | None) -> int:
    if status is None or not os.WIFSIGNALED(status):
        return 0
    return os.WTERMSIG(status)


def _exit_words(status: int | None) -> str:
    number = _exit_signal(status)
    if number:
        try:
            return f"killed by {signal.Signals(number).name}"
        except ValueError:
            return f"killed by signal {number}"
    if status is None:
        return ""
    return f"exit status {os.waitstatus_to_exitcode(status)}"


class _Records:
    """Length-prefixed JSON records from a pipe, parsed as they complete."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def read(self) -> list | None:
        """The records completed by the next chunk (anything unreadable as the string
        'garbled'); None at end of file."""
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            return None
        self.buffer += chunk
        found: list = []
        while len(self.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.buffer)
            if size > MAX_RECORD:
                return [*found, "garbled"]
            if len(self.buffer) < _HEADER.size + size:
                break
            data = self.buffer[_HEADER.size : _HEADER.size + size]
            self.buffer = self.buffer[_HEADER.size + size :]
            try:
                found.append(json.loads(data))
            except ValueError:
                return [*found, "garbled"]
        return found


def _parent_death_signal(sig: int) -> None:
    libc = getattr(confine, "_libc", None)
    if libc is not None and sys.platform.startswith("linux"):
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


# -- the run: the student's code -----------------------------------------------------------------
class Run:
    """The process that runs the student's code, then the checks, and reports each execution."""

    def __init__(self, reference: Reference, request: dict, write: int, ident: int) -> None:
        self.shell = reference.shell
        self.guard = reference.guard
        self.request = request
        self.write = write
        self.ident = ident
        self.scratch = request["policy"]["scratch"]

    def execute(self) -> None:
        try:
            try:
                self._confine()
            except BaseException as exc:  # noqa: BLE001 - never run unconfined
                print(f"tp-course sandbox: {type(exc).__name__}: {exc}", file=sys.__stderr__)
                os._exit(CONFINE_FAILED)
            self._prepare_libraries()
            self._replay(self.request.get("replay", ""))
            codes = self.request["codes"]
            for index, code in enumerate(codes):
                # the guard after the student's cell, and after the last check (checks are the
                # instructor's code: what they call of the student's shows by then)
                record = self._execute(index, code, guard=index in (0, len(codes) - 1))
                self._send(record)
                if record["tamper"] or (index == 0 and record["error"] is not None):
                    break
        finally:
            os._exit(0)

    def _confine(self) -> None:
        policy = self.request["policy"]
        limits = dict(policy.get("limits", {}))
        if limits.get("memory"):  # on top of what the reference state already holds
            limits["memory"] = int(limits["memory"]) + _data_size()
        confine.apply_limits(limits)
        confine.drop_privileges(policy, self.ident)
        os.umask(0o077)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.close(devnull)
        keep = sorted({0, 1, 2, self.write})
        for low, high in zip(keep, [*keep[1:], _max_fd()]):
            if high > low + 1:
                os.closerange(low + 1, high)
        os.environ.update(self.request.get("env", {}))
        import tempfile

        tempfile.tempdir = None  # the reference's choice was cached: ours is TMPDIR
        os.chdir(self.scratch)

    def _prepare_libraries(self) -> None:
        threads = int(self.request.get("threads", 1))
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(threads)
        datasets = sys.modules.get("datasets")
        if datasets is not None:  # results of .map in our TMPDIR, never in the shared cache
            datasets.disable_caching()
            cache = os.path.join(self.scratch, ".cache", "huggingface", "datasets")
            config = datasets.config
            config.HF_DATASETS_CACHE = cache  # load_dataset takes its locks there: ours
            config.DOWNLOADED_DATASETS_PATH = os.path.join(cache, "downloads")
            config.EXTRACTED_DATASETS_PATH = os.path.join(cache, "downloads", "extracted")

    def _replay(self, code: str) -> None:
        """The student's earlier top-level imports and definitions whose names are missing."""
        if not code.strip():
            return
        try:
            statements = ast.parse(code).body
        except SyntaxError:
            return
        with _captured() as (out, err):
            for node in statements:
                names = _bound_names(node)
                if names and all(name in self.shell.user_ns for name in names):
                    continue
                text = ast.unparse(node)
                self.shell.run_cell(text, store_history=False)
        forget_sources(self.shell)

    def _execute(self, index: int, code: str, guard: bool = True) -> dict:
        with _captured() as (out, err):
            started = time.monotonic()
            result = self.shell.run_cell(code, store_history=False)
            seconds = time.monotonic() - started
        problems = []
        if guard and self.guard is not None:
            try:
                text = self.guard(f"run{index}")
                problems = json.loads(text.split(" ", 2)[2])
            except BaseException as exc:  # noqa: BLE001
                problems = [f"the integrity check failed: {type(exc).__name__}"]
        return {
            "i": index,
            "error": describe_error(result),
            "stdout": out.text,
            "stderr": err.text,
            "seconds": round(seconds, 3),
            "tamper": [str(p) for p in problems][:20],
        }

    def _send(self, record: dict) -> None:
        data = json.dumps(record).encode()
        data = _HEADER.pack(len(data)) + data
        while data:
            written = os.write(self.write, data)
            data = data[written:]


class _Capture:
    def __init__(self) -> None:
        import tempfile

        self.file = tempfile.TemporaryFile()
        self.text = ""

    def collect(self) -> None:
        self.file.seek(0)
        raw = self.file.read(KEEP_CHARS * 4)
        self.text = raw.decode("utf-8", errors="replace")[:KEEP_CHARS]
        self.file.close()


@contextlib.contextmanager
def _captured():
    """fd 1 and 2 (and so sys.stdout / stderr and C libraries) into files, per execution."""
    out, err = _Capture(), _Capture()
    saved = [os.dup(1), os.dup(2)]
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os.dup2(out.file.fileno(), 1)
    os.dup2(err.file.fileno(), 2)
    try:
        yield out, err
    finally:
        for stream in (sys.__stdout__, sys.__stderr__, sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        out.collect()
        err.collect()


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    return []


def _data_size() -> int:
    """This process's data segment (what RLIMIT_DATA counts), in bytes."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _max_fd() -> int:
    try:
        return max(int(name) for name in os.listdir("/proc/self/fd")) + 1
    except (OSError, ValueError):
        return os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024


# -- entry point ---------------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as handle:
        config = json.load(handle)
    _parent_death_signal(signal.SIGKILL)
    if os.getppid() != config["grader_pid"]:
        return 1  # the grader died while we started
    events = os.fdopen(os.dup(1), "w", buffering=1)
    log = os.open(config["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    quiet_libraries()
    reference = Reference(config, events)
    try:
        reference.walk()
    except BaseException as exc:  # noqa: BLE001 - the grader reads it
        reference.emit(event="error", text=f"{type(exc).__name__}: {exc}")
        return 1
    while sys.stdin.readline():  # until the grader closes our stdin: reap the snapshots
        reference.reap()
    reference.reap()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
