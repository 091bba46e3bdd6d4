"""The grader's side of the execution engine: one reference state, disposable runs.

:class:`ForkEngine` starts the reference process (:mod:`.reference`), which walks the lab's
source once and forks a snapshot before each exercise cell. As each snapshot comes up, every
student's runs of that cell are sent to it (``--jobs`` at a time, from a thread pool); each run
is a fresh process forked from the snapshot, confined, and thrown away. Attribution
(:mod:`.attribution`) decides which runs a cell needs; this module turns each run's report into a
:class:`~.attribution.JobRun` and the student's events (timeout, memory, a dead process,
tampering). When every student is done with a cell, its snapshot is told to quit, which lets the
reference go further (at most ``lookahead`` snapshots are alive at once).
"""

from __future__ import annotations

import ast
import contextlib
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
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..execute import THREAD_VARS, CellRun, kernel_env
from ..model.result import ExerciseResult
from ..model.source import ExerciseCell, LabSource, Region, normalised
from ..scoring.attribution import JobRun, grade_cell
from ..scoring.tamper import NOT_WATCHED, PRELOADED, PROTECTED_PREFIXES, Tampered
from .child import guard as kernel_guard
from .child import zygote as reference
from .policy import Isolation, format_size, kernel_policy, needed_paths, scratch_env

#: folders that get an empty tmpfs of the run's own (where namespaces are allowed)
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")
_MEMORY_SIGNS = ("can't allocate memory", "bad_alloc", "out of memory")
_REPLAYED = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_MIN_WITHHELD = 12  # characters: shorter solution lines are too common to withhold hints for


class EngineError(RuntimeError):
    """The grader itself failed (the reference run, a snapshot, the sandbox): no student's
    fault; the students concerned are graded again by the next run."""


class ForkEngine:
    """Grades a batch of students: ``execute(contexts, finished)``."""

    def __init__(self, source: LabSource, settings) -> None:
        self.source = source
        self.settings = settings
        self.withheld = sorted(set(source.hidden_lines) | _solution_lines(source))
        #: ``--jobs`` processes at work at once: the runs, and the reference's steps
        self.slots = Slots(max(1, settings.jobs))

    # -- the walk --------------------------------------------------------------------------------
    def execute(self, contexts: list, finished: Callable[[object], None]) -> None:
        """Grade every exercise cell of every context; ``finished(ctx)`` as each is done."""
        cells = [i for i, step in enumerate(self.source.steps) if isinstance(step, ExerciseCell)]
        left = {id(ctx): len(cells) for ctx in contexts}
        for ctx in contexts:
            ctx.replays = _replays(self.source, ctx.regions)
        if not cells or not contexts:
            for ctx in contexts:
                finished(ctx)
            return
        done: queue.Queue = queue.Queue()
        ref = ReferenceProcess(self.source, self.settings)
        pool = ThreadPoolExecutor(max_workers=max(1, self.settings.jobs))
        outstanding: dict[int, int] = {}
        sockets: dict[int, str] = {}
        self.first_cell = cells[0]
        try:
            ref.start(done)
            threading.Thread(target=ref.warm_up, args=(self.slots,), daemon=True).start()
            while left and any(left.values()):
                kind, payload = done.get()
                if kind == "event":
                    self._event(payload, ref, contexts, pool, done, outstanding, sockets)
                elif kind == "cell":
                    ctx, index = payload
                    left[id(ctx)] -= 1
                    outstanding[index] -= 1
                    if left[id(ctx)] == 0:
                        finished(ctx)
                    if outstanding[index] == 0:
                        _quit(sockets.pop(index))
                        ref.release(index)
                elif kind == "ready":  # the snapshot is prepared: its runs may start
                    step = self.source.steps[payload]
                    for ctx in contexts:
                        pool.submit(
                            self._grade_cell_safely, ctx, payload, step, sockets[payload], done
                        )
                elif kind == "failure":
                    raise EngineError(payload)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            ref.close()

    def _event(self, event, ref, contexts, pool, done, outstanding, sockets) -> None:
        kind = event.get("event")
        if kind == "want":  # the reference's next step, when a slot is free
            threading.Thread(target=self._turn, args=(ref, event["step"]), daemon=True).start()
            return
        if kind == "stepped":
            self.slots.release()
            return
        if kind == "error":
            raise EngineError(
                f"the reference run of the source failed: {event.get('text')}{ref.log_tail()}"
            )
        if kind == "exited":
            raise EngineError(f"the reference process exited early{ref.log_tail()}")
        if kind == "note":
            step = self.source.steps[event["step"]]
            note = f"the source's {_where(step)} failed in the reference run: {event['text']}"
            for ctx in contexts:
                ctx.notes.append(note)
        if kind != "snapshot":
            return
        index = event["step"]
        sockets[index] = event["socket"]
        outstanding[index] = len(contexts)
        pool.submit(self._prepare_safely, index, event["socket"], done)

    def _prepare_safely(self, index: int, path: str, done: queue.Queue) -> None:
        """The snapshot's preparation (imports, guard), holding a slot: a process at work."""
        try:
            with self.slots:
                reply = _send(path, {"prepare": True}, 600)
        except EngineError as exc:
            reply = {"failure": str(exc)}
        if "failure" in reply:
            done.put(("failure", f"the snapshot of step {index} failed: {reply['failure']}"))
        else:
            done.put(("ready", index))

    def _turn(self, ref: ReferenceProcess, step: int) -> None:
        if step >= self.first_cell:  # exercise cells may load data: from a warm cache only
            ref.warm.wait()
        self.slots.acquire(first=True)  # the reference's progress is what the runs wait for
        ref.go(step)

    def _grade_cell_safely(self, ctx, index, step, path, done) -> None:
        try:
            self.grade_cell(ctx, index, step, path)
        except EngineError as exc:
            done.put(("failure", str(exc)))
            return
        except Exception as exc:  # a bug of ours: the batch fails, loudly
            done.put(("failure", f"{type(exc).__name__}: {exc}"))
            return
        done.put(("cell", (ctx, index)))

    # -- one student, one cell -----------------------------------------------------------------
    def grade_cell(self, ctx, index: int, step: ExerciseCell, path: str) -> None:
        where = _where(step)
        limit = self.settings.notebook_timeout
        with ctx.lock:
            if ctx.done:
                return
            if limit is not None and ctx.run_seconds >= limit:
                ctx.stop(
                    "timeout", f"the notebook took more than {limit:g} s; stopped before {where}"
                )
                return
        runs = _StudentRuns(self, ctx, step, path, ctx.replays.get(index, ""))
        try:
            outcome = grade_cell(
                runs, step, ctx.regions, timeout=self.settings.timeout, hidden_lines=self.withheld
            )
        except Tampered as exc:
            with ctx.lock:
                _tampered(ctx, step, where, exc)
            return
        with ctx.lock:
            ctx.verdicts.update({r.id: r for r in outcome.results})

    # -- one run ---------------------------------------------------------------------------------
    def request(self, codes: Sequence[str], replay: str, scratch: Path) -> dict:
        settings = self.settings
        box = settings.sandbox
        isolation = box.isolation if box is not None else Isolation()
        policy = {"scratch": str(scratch), "limits": {}}
        if box is not None:
            policy = kernel_policy(
                isolation,
                box.limits,
                scratch,
                settings.run_root / "runs",
                box.hide,
                {top: list(paths) for top, paths in box.reveal},
            )
            namespaces = isolation.mounts
            policy.update(ipc=namespaces, pid=namespaces, private={})
            if namespaces:
                shared = [scratch, *self._shared_paths()]
                tops = list(PRIVATE_TMP)
                run_root = settings.run_root.resolve()
                if not any(Path(top) in run_root.parents for top in tops):
                    tops.append(str(run_root))  # the snapshots' sockets, other runs: covered
                policy["private"] = {
                    top: [str(p) for p in shared if Path(top) in p.parents] for top in tops
                }
        return {
            "codes": list(codes),
            "replay": replay,
            "timeout": settings.timeout,
            "policy": policy,
            "env": _run_env(scratch, isolation, settings.threads),
            "threads": settings.threads,
        }

    def _shared_paths(self) -> list[Path]:
        """What a run reads under a folder it gets empty (``/tmp``…): the reference's folder,
        the offline data, and the interpreter and its libraries (a virtual environment made
        under ``/tmp`` must still import)."""
        paths = [self.settings.run_root / "reference", *needed_paths()]
        box = self.settings.sandbox
        if box is not None:
            paths += [Path(value) for key, value in box.env if key == "TP_DATA_DIR"]
        return [path.resolve() for path in paths]


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

    def __exit__(self, *exc_info) -> None:
        self.release()

    @contextlib.contextmanager
    def first(self):
        self.acquire(first=True)
        try:
            yield self
        finally:
            self.release()


class _StudentRuns:
    """``run(cell_code, checks) -> JobRun`` for one student's cell: each call is a new process."""

    def __init__(self, engine: ForkEngine, ctx, step: ExerciseCell, path: str, replay: str):
        self.engine, self.ctx, self.step, self.path, self.replay = engine, ctx, step, path, replay

    def __call__(self, code: str, checks: Sequence[str]) -> JobRun:
        settings = self.engine.settings
        codes = [code, *checks]
        scratch = settings.run_root / "runs" / f"r-{uuid.uuid4().hex[:12]}"
        request = self.engine.request(codes, self.replay, scratch)
        backstop = settings.timeout * (len(codes) + 1) + 120
        with self.engine.slots:
            reply = _send(self.path, request, backstop)
        if "failure" in reply:
            raise EngineError(
                f"a run of {_where(self.step)} failed on the grader's side: {reply['failure']}"
            )
        if reply.get("exit") == f"exit status {reference.CONFINE_FAILED}":
            raise EngineError("a run could not confine itself (the sandbox); see the reference log")
        runs = [_cell_run(record) for record in reply.get("records", [])]
        outcome = reply.get("outcome")
        problems = [p for record in reply.get("records", []) for p in record.get("tamper", [])]
        with self.ctx.lock:
            self.ctx.executions += len(runs)
            self.ctx.run_seconds += float(reply.get("seconds", 0))
            self.ctx.cpu_seconds += float(reply.get("cpu", 0))
            for position, run in enumerate(runs):
                self._record(codes[position], run)
            if outcome != "complete" and len(runs) < len(codes):
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
        if outcome == "timeout":
            timeout = self.engine.settings.timeout
            self.ctx.flag("timeout", f"{what} timed out after {timeout:g} s")
            return CellRun(timed_out=True)
        how = reply.get("exit") or "no exit status"
        if outcome == "garbled":
            how = "its report was unreadable"
        box = self.engine.settings.sandbox
        if reply.get("signal") == signal.SIGXCPU and box is not None and box.limits.cpu:
            self.ctx.flag("timeout", f"{what} used its {box.limits.cpu:g} s of CPU time")
            return CellRun(died=f"it used its {box.limits.cpu:g} s of CPU time")
        self.ctx.flag("kernel_died", f"the process running {what} died ({how})")
        return CellRun(died=how)

    def _record(self, code: str, run: CellRun) -> None:
        if run.error and _out_of_memory(run.error):
            box = self.engine.settings.sandbox
            limit = (
                f" (limit {format_size(box.limits.memory)})" if box and box.limits.memory else ""
            )
            self.ctx.flag("memory", f"{self._what(code)} ran out of memory{limit}: {run.error[0]}")

    def _what(self, code: str) -> str:
        for check in self.step.checks:
            if code == check.source:
                return f"the check of exercise {check.exercise_id}"
        return _where(self.step)


# -- the reference process -------------------------------------------------------------------------
class ReferenceProcess:
    """``python reference.py CONFIG``: its events come into the engine's queue."""

    def __init__(self, source: LabSource, settings) -> None:
        self.source = source
        self.settings = settings
        self.folder = settings.run_root / "reference"
        self.sockets = settings.run_root / f"snapshots-{uuid.uuid4().hex[:8]}"
        self.log = settings.run_root / "reference.log"
        self.process: subprocess.Popen | None = None
        self.lifeline: int | None = None
        self.env: dict[str, str] = {}
        #: set once the datasets cache is warm (see warm_up): the reference may load data then
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
        config = {
            "steps": [_step(step) for step in self.source.steps],
            "socket_dir": str(self.sockets),
            "lookahead": max(2, settings.lookahead),
            "lifeline_fd": read,
            "log": str(self.log),
            "grader_pid": os.getpid(),
            "guard": {
                "source": Path(kernel_guard.__file__).read_text(encoding="utf-8"),
                "token": token,
                "registry": kernel_guard.REGISTRY + token,
                "arguments": [PROTECTED_PREFIXES, PRELOADED, NOT_WATCHED],
            },
        }
        env = self._env()
        self.env = env
        config_path = settings.run_root / "reference.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        config_path.chmod(0o600)
        self.process = subprocess.Popen(
            [sys.executable, reference.__file__, str(config_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            pass_fds=(read,),
            cwd=self.folder,
            env=env,
            text=True,
        )
        os.close(read)
        threading.Thread(target=self._read_events, args=(events,), daemon=True).start()

    def warm_up(self, slots: Slots) -> None:
        """Warm the datasets cache the reference reads (a process of its own, holding a slot:
        with ``--jobs 2`` it overlaps the reference's imports), then let it load data."""
        try:
            if any("load_dataset" in step.source for step in self.source.steps):
                with slots.first():
                    _warm_datasets_cache(self.env, self.folder)
        finally:
            self.warm.set()

    def _env(self) -> dict[str, str]:
        box = self.settings.sandbox
        isolation = box.isolation if box is not None else Isolation()
        env = scratch_env(kernel_env(1), self.folder, isolation)
        if box is not None:
            env.update(dict(box.env))
        env.update(  # no background threads: the reference forks (reference.py, "Fork safety")
            TOKENIZERS_PARALLELISM="false",
            JE_ARROW_MALLOC_CONF="background_thread:false",  # pyarrow's jemalloc purger
            TQDM_DISABLE="1",
            PYTHONSAFEPATH="1",
        )
        return env

    def _read_events(self, events: queue.Queue) -> None:
        for line in self.process.stdout:
            try:
                events.put(("event", json.loads(line)))
            except ValueError:
                continue
        events.put(("event", {"event": "exited"}))

    def release(self, step: int) -> None:
        self._tell({"release": step})

    def go(self, step: int) -> None:
        self._tell({"go": step})

    def _tell(self, message: dict) -> None:
        with self._stdin_lock:  # two threads may speak: the engine's and a turn's
            try:
                self.process.stdin.write(json.dumps(message) + "\n")
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


# -- helpers ---------------------------------------------------------------------------------------
#: builds the offline dataset's Arrow cache the reference will read (see _warm_datasets_cache)
_WARM = (
    "import os, tp_helpers, datasets\n"
    "profile = tp_helpers.get_profile()\n"
    "if os.path.isdir(profile.dataset):\n"
    "    datasets.load_dataset(profile.dataset)\n"
)


def _warm_datasets_cache(env: dict[str, str], cwd: Path) -> None:
    """Prepare, in a process of its own, the Arrow cache of the profile's local dataset.

    Building that cache reads parquet with Arrow's thread pools, whose idle threads would stay
    in the reference and forbid forking it; read from a ready cache, the dataset is only
    memory-mapped. Best effort: a failure here shows up in the reference run itself."""
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
        return {
            "kind": "exercise",
            "code": step.source,
            "checks": [check.source for check in step.checks],
        }
    return {"kind": "given", "code": step.source}


def _send(path: str, request: dict, timeout: float) -> dict:
    """One job: the request to a snapshot, its one-line reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        try:
            conn.connect(path)
            conn.sendall((json.dumps(request) + "\n").encode())
            chunks = []
            while chunk := conn.recv(1 << 16):
                chunks.append(chunk)
        except OSError as exc:
            raise EngineError(f"the snapshot at {path} did not answer: {exc}") from None
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        raise EngineError(f"the snapshot at {path} gave no reply") from None


def _quit(path: str) -> None:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(10)
            conn.connect(path)
            conn.sendall(b'{"quit": true}\n')
    except OSError:
        pass


def _cell_run(record: dict) -> CellRun:
    error = record.get("error")
    if error is not None:
        error = (str(error[0]), str(error[1])) if len(error) == 2 else ("?", "")
    return CellRun(
        error=error,
        stdout=str(record.get("stdout", "")),
        stderr=str(record.get("stderr", "")),
        seconds=float(record.get("seconds", 0)),
    )


def _run_env(scratch: Path, isolation: Isolation, threads: int) -> dict[str, str]:
    """What a run's environment changes from the reference's: its home, caches, temp, threads."""
    env = {
        "HOME": str(scratch),
        "TMPDIR": str(scratch / "tmp"),
        "XDG_CACHE_HOME": str(scratch / ".cache"),
        "XDG_CONFIG_HOME": str(scratch / ".config"),
        "MPLCONFIGDIR": str(scratch / ".config" / "matplotlib"),
        "IPYTHONDIR": str(scratch / ".ipython"),
    }
    env.update({var: str(threads) for var in THREAD_VARS})
    if isolation.user:
        env.update(USER="tp-grading", LOGNAME="tp-grading")
    return env


def _replays(source: LabSource, regions: dict[str, Region]) -> dict[int, str]:
    """Per exercise step: the student's top-level imports and definitions of the earlier
    exercise cells (where they differ from the solution), to replay in the run."""
    replays: dict[int, str] = {}
    earlier: list[str] = []
    for index, step in enumerate(source.steps):
        if not isinstance(step, ExerciseCell):
            continue
        replays[index] = "\n".join(earlier)
        for region in step.regions:
            mine = regions.get(region.exercise_id)
            if mine is None or mine.indent or normalised(mine) == normalised(region):
                continue
            text = "\n".join(mine.lines)
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            kept = [node for node in tree.body if isinstance(node, _REPLAYED)]
            if kept:
                earlier.append(ast.unparse(ast.Module(body=kept, type_ignores=[])))
    return replays


def _solution_lines(source: LabSource) -> set[str]:
    lines = set()
    for step in source.steps:
        if isinstance(step, ExerciseCell):
            for region in step.regions:
                lines.update(
                    line.strip() for line in region.lines if len(line.strip()) >= _MIN_WITHHELD
                )
    return {line for line in lines if not line.startswith(("#", "###"))}


def _out_of_memory(error: tuple[str, str]) -> bool:
    ename, evalue = error
    return ename in ("MemoryError", "OutOfMemoryError") or any(
        sign in evalue for sign in _MEMORY_SIGNS
    )


def _tampered(ctx, step: ExerciseCell, where: str, exc: Tampered) -> None:
    """No points for the exercises whose code altered the run; the others of the cell pass."""
    touched = [rid for rid in step.exercise_ids if _differs(ctx, rid)]
    for rid in step.exercise_ids:
        if rid not in touched and rid in ctx.regions:
            points = next(c.points for c in step.checks if c.exercise_id == rid)
            ctx.verdicts[rid] = ExerciseResult(rid, points, points, True)
    if not touched:  # altered by code replayed from an earlier cell
        touched = [rid for rid in ctx.regions if _differs(ctx, rid)]
    reason = f"{exc} (while running {where})"
    ctx.flag("tampered", reason)
    for rid in touched:
        ctx.tampered.setdefault(rid, reason)


def _differs(ctx, exercise_id: str) -> bool:
    mine = ctx.regions.get(exercise_id)
    if mine is None:
        return False
    return normalised(mine) != normalised(ctx.source.solution_region(exercise_id))


def _where(step) -> str:
    if isinstance(step, ExerciseCell):
        return f"the cell of exercise {', '.join(step.exercise_ids)}"
    return f"cell {step.index}"
