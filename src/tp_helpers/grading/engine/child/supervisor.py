"""One job of a snapshot: the supervisor that confines and watches a run, and the run itself.

The snapshot (:mod:`.zygote`) forks a :class:`Supervisor` per job. It enters new namespaces and
arranges the mounts (:mod:`.confine`), forks the :class:`Run`, enforces its time limit, reads its
records (:mod:`..protocol`), kills it and everything it started, deletes its scratch folder and
replies. The run takes its limits and its uid, closes every inherited descriptor but its record
pipe, replays the student's earlier helpers, then runs the cell and its checks, asking the guard
(:mod:`.guard`) after the cell and after the last check whether anything was patched.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import select
import shutil
import signal
import sys
import time

from .. import protocol
from . import confine
from .shell import bound_names, captured, describe_error, forget_sources

PR_SET_PDEATHSIG = 1


class Supervisor:
    """One job: the run's namespaces and mounts, its deadline, its report, its end."""

    def __init__(self, zygote, request: dict, lifeline: int) -> None:
        self.zygote = zygote
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
            parent_death_signal(signal.SIGKILL)
            if self.init is None:
                os.setsid()  # one process group to kill
            elif self.policy.get("mounts"):  # a /proc of the run's own pid namespace
                with contextlib.suppress(confine.SandboxFailed):
                    flags = confine.MS_NOSUID | confine.MS_NODEV | confine.MS_NOEXEC
                    confine._mount("proc", "/proc", "proc", flags, None)
            Run(self.zygote, self.request, write, ident).execute()
        finally:
            os._exit(70)

    # the supervisor's side ------------------------------------------------------------------------
    def _watch(self, read: int, pid: int) -> dict:
        expected = len(self.request["codes"])
        timeout = float(self.request["timeout"])
        reader = protocol.RecordReader(read)
        records: list[dict] = []
        outcome = protocol.COMPLETE
        deadline = time.monotonic() + timeout + float(self.request.get("grace", 0))
        finished = False
        while not finished:
            left = deadline - time.monotonic()
            if left <= 0:
                outcome = protocol.TIMEOUT
                break
            ready, _, _ = select.select([read, self.lifeline], [], [], min(left, 1.0))
            if self.lifeline in ready:
                outcome = protocol.ABANDONED
                break
            if read not in ready:
                continue
            batch = reader.read()
            if batch is None:  # end of file: the run exited (or died) before reporting all
                outcome = protocol.COMPLETE if _ended_early(records) else protocol.DIED
                break
            for record in batch:
                if not isinstance(record, dict) or record.get("i") != len(records):
                    outcome, finished = protocol.GARBLED, True
                    break
                records.append(record)
                deadline = time.monotonic() + timeout
                if len(records) == expected or _ended_early(records):
                    finished = True
                    break
        status, usage = (None, 0.0)
        # it ends by itself: its exit status says how
        if outcome in (protocol.COMPLETE, protocol.DIED):
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


def parent_death_signal(sig: int) -> None:
    """Ask the kernel for ``sig`` when our parent dies (Linux)."""
    libc = getattr(confine, "_libc", None)
    if libc is not None and sys.platform.startswith("linux"):
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


# -- the run: the student's code -----------------------------------------------------------------
class Run:
    """The process that runs the student's code, then the checks, and reports each execution."""

    def __init__(self, zygote, request: dict, write: int, ident: int) -> None:
        self.shell = zygote.shell
        self.guard = zygote.guard
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
                os._exit(protocol.CONFINE_FAILED)
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
        if limits.get("memory"):  # on top of what the zygote's state already holds
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

        tempfile.tempdir = None  # the zygote's choice was cached: ours is TMPDIR
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
        with captured():
            for node in statements:
                names = bound_names(node)
                if names and all(name in self.shell.user_ns for name in names):
                    continue
                text = ast.unparse(node)
                self.shell.run_cell(text, store_history=False)
        forget_sources(self.shell)

    def _execute(self, index: int, code: str, guard: bool = True) -> dict:
        with captured() as (out, err):
            started = time.monotonic()
            result = self.shell.run_cell(code, store_history=False)
            seconds = time.monotonic() - started
        problems = []
        if guard and self.guard is not None:
            problems = self._guard_problems(f"run{index}")
        return protocol.record(index, describe_error(result), out.text, err.text, seconds, problems)

    def _guard_problems(self, nonce: str) -> list[str]:
        """Ask the guard; its answer is ``TPGUARD <nonce> <json list>``, for this nonce only
        (an answer written by the student's code for another question is not one)."""
        prefix = f"TPGUARD {nonce} "
        try:
            answer = self.guard(nonce)
            if not isinstance(answer, str) or not answer.startswith(prefix):
                return ["the integrity check gave no answer of its own"]
            problems = json.loads(answer[len(prefix) :])
        except BaseException as exc:  # noqa: BLE001
            return [f"the integrity check failed: {type(exc).__name__}"]
        return [str(problem) for problem in problems]

    def _send(self, record: dict) -> None:
        data = protocol.pack_record(record)
        while data:
            written = os.write(self.write, data)
            data = data[written:]


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
