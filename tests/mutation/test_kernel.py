"""The mutation harness's kernel: one cell at a time, own environment, timeouts, death."""

from __future__ import annotations

import os
import sys

import pytest

from tp_helpers.grading.engine.policy import grading_env
from tp_helpers.runner import write_kernelspec

from .kernel import KernelDied, KernelSession, KernelUnresponsive


@pytest.fixture
def session(tmp_path):
    def start(timeout=5.0, grace=2.0, env=None):
        cwd = tmp_path / "scratch"
        cwd.mkdir(exist_ok=True)
        return KernelSession(
            write_kernelspec(tmp_path / "spec"),
            cwd,
            env or grading_env(1),
            timeout=timeout,
            interrupt_grace=grace,
        )

    return start


def test_cells_share_state_and_report_errors_stderr_and_timeouts(session, tmp_path):
    env = grading_env(1, base={"PATH": os.environ["PATH"], "MY_FLAG": "kernel-only"})
    with session(timeout=1.5, env=env) as kernel:
        probe = kernel.run(
            "import os, sys\nprint(os.getcwd(), os.environ['MY_FLAG'], "
            "os.environ['OMP_NUM_THREADS'], sys.executable)"
        )
        cwd, flag, threads, executable = probe.stdout.split()
        assert (cwd, flag, threads) == (str(tmp_path / "scratch"), "kernel-only", "1")
        assert executable == sys.executable  # the private kernelspec: this interpreter
        assert "MY_FLAG" not in os.environ

        assert kernel.run("x = 41").passed
        failed = kernel.run("x += 1\nraise ValueError('\\x1b[31mred\\x1b[0m text')")
        assert failed.error == ("ValueError", "red text") and not failed.passed

        noisy = kernel.run("import warnings; warnings.warn('careful')")
        assert noisy.error is None and "careful" in noisy.stderr and not noisy.passed

        slow = kernel.run("import time; time.sleep(30)")
        assert slow.timed_out and not slow.passed and slow.seconds < 10

        assert kernel.run("print(x)").stdout == "42\n"  # interrupted, state kept, goes on
        assert kernel.cpu_seconds() > 0
    assert not kernel.is_alive()


def test_a_dead_kernel_is_reported(session):
    with session() as kernel, pytest.raises(KernelDied):
        kernel.run("import os; os._exit(3)")


def test_a_kernel_ignoring_the_interrupt_is_reported(session):
    code = (
        "import time\nwhile True:\n    try:\n        time.sleep(5)\n    except KeyboardInterrupt:\n"
    )
    code += "        pass"
    with session(timeout=1, grace=1) as kernel, pytest.raises(KernelUnresponsive):
        kernel.run(code)


def test_errors_whose_traceback_is_suppressed(session):
    with session() as kernel:
        kernel.run("get_ipython()._showtraceback = lambda *args, **kwargs: None")
        hidden = kernel.run("raise ValueError('no traceback published')")
        assert hidden.error == ("ValueError", "no traceback published") and not hidden.passed
