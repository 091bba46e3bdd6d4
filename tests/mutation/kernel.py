"""A Jupyter kernel of this interpreter, one cell at a time: what the mutation harness runs on.

:class:`KernelSession` runs code one cell at a time in a kernel, with a timeout per cell and an
environment of its own (the caller's ``os.environ`` is never changed). The mutation harness uses
it to run the lab's checks against single mistakes, in one warm kernel. Grading does not use it:
it forks every run from the zygote (``tp_helpers.grading.engine``).
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

from tp_helpers.grading.engine.protocol import KEEP_CHARS, CellRun
from tp_helpers.runner import KERNEL_NAME

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class KernelDied(Exception):
    """The kernel process exited while running a cell."""


class KernelUnresponsive(Exception):
    """The kernel ignored the interrupt sent after a cell's timeout."""


class KernelStartFailed(RuntimeError):
    """The kernel did not start."""


@dataclass
class KernelSession:
    """One kernel, started by :meth:`start` (or ``with``), shut down by :meth:`close`."""

    kernel_dirs: Path  # folder holding kernels/<KERNEL_NAME> (write_kernelspec's return value)
    cwd: Path
    env: dict[str, str]
    timeout: float = 600.0
    interrupt_grace: float = 10.0
    startup_timeout: float = 120.0
    _km: object = field(default=None, repr=False)
    _kc: object = field(default=None, repr=False)
    _cpu_seconds: float = field(default=0.0, repr=False)
    _exit_status: int | None = field(default=None, repr=False)

    def __enter__(self) -> KernelSession:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def start(self) -> None:
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager

        ksm = KernelSpecManager(kernel_dirs=[str(self.kernel_dirs)])
        km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
        km.start_kernel(
            cwd=str(self.cwd),
            env=dict(self.env),
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._km = km
        kc = km.client()
        kc.start_channels()
        self._kc = kc
        try:
            kc.wait_for_ready(timeout=self.startup_timeout)
        except RuntimeError as exc:
            self.close()
            raise KernelStartFailed(str(exc)) from None

    def exit_status(self) -> int | None:
        """The kernel process's exit status once it is gone (negative: killed by that signal)."""
        process = getattr(getattr(self._km, "provisioner", None), "process", None)
        if process is not None:
            self._exit_status = process.poll()
        return self._exit_status

    def death(self) -> str:
        """How the kernel process ended, in words ('' when unknown or a plain exit)."""
        status = self.exit_status()
        if status is None or status >= 0:
            return ""
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self._km, "provisioner", None)
        return getattr(provisioner, "pid", None)

    def is_alive(self) -> bool:
        return self._km is not None and self._km.is_alive()

    def run(self, code: str, *, silent: bool = False) -> CellRun:
        """Execute ``code``; interrupt it after ``timeout`` seconds.

        ``silent``: not in the history, no execution count (the grader's own probes).
        Raises :class:`KernelDied` when the kernel exits and :class:`KernelUnresponsive` when it
        ignores the interrupt.
        """
        kc = self._kc
        started = time.monotonic()
        msg_id = kc.execute(
            code, silent=silent, store_history=not silent, allow_stdin=False, stop_on_error=False
        )
        result = CellRun()
        stderr: list[str] = []
        stdout: list[str] = []
        deadline = started + self.timeout
        interrupted_at: float | None = None
        while True:
            now = time.monotonic()
            if interrupted_at is None and now >= deadline:
                result.timed_out = True
                interrupted_at = now
                self._km.interrupt_kernel()
            if interrupted_at is not None and now - interrupted_at > self.interrupt_grace:
                raise KernelUnresponsive(f"ignored the interrupt for {self.interrupt_grace:g} s")
            wait = min(1.0, max(0.05, (deadline if interrupted_at is None else now + 1.0) - now))
            try:
                msg = kc.get_iopub_msg(timeout=wait)
            except Empty:
                if not self._km.is_alive():
                    raise KernelDied("the kernel process exited") from None
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                stream = stderr if content.get("name") == "stderr" else stdout
                if sum(map(len, stream)) < KEEP_CHARS:  # a flood of prints is not kept
                    stream.append(content["text"])
            elif kind == "error":
                result.error = (_plain(content.get("ename", "")), _plain(content.get("evalue", "")))
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        reply = self._drain_shell_reply(msg_id)
        if result.error is None and reply.get("status") == "error":  # no traceback published
            result.error = (_plain(reply.get("ename", "")), _plain(reply.get("evalue", "")))
        result.stderr, result.stdout = "".join(stderr), "".join(stdout)
        result.seconds = time.monotonic() - started
        return result

    def _drain_shell_reply(self, msg_id: str) -> dict:
        for _ in range(100):
            try:
                reply = self._kc.get_shell_msg(timeout=5)
            except Empty:
                return {}
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return reply.get("content", {})
        return {}

    def cpu_seconds(self) -> float:
        """CPU seconds used by the kernel process (and its children) so far."""
        pid = self.pid
        if pid is None:
            return self._cpu_seconds
        try:
            import psutil

            times = psutil.Process(pid).cpu_times()
            self._cpu_seconds = (
                times.user + times.system + times.children_user + times.children_system
            )
        except Exception:  # psutil missing, or the process is gone: keep the last reading
            pass
        return self._cpu_seconds

    def close(self) -> None:
        if self._km is None:
            return
        self.cpu_seconds()  # last reading before the process goes
        try:
            if self._kc is not None:
                self._kc.stop_channels()
            if self._km.is_alive():
                self._km.shutdown_kernel(now=True)
            self.exit_status()
        finally:
            try:
                self._km.cleanup_resources()
            except Exception:
                pass
            self._km = self._kc = None


def _plain(text: str) -> str:
    return _ANSI.sub("", text)
