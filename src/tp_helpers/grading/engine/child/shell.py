"""The IPython shell the zygote runs the source in, and every run inherits by forking.

A plain shell (no history file, no history thread, no colours), the way to forget the cells'
text before a snapshot, an exception in one line, and the capture of what an execution prints
(file descriptors 1 and 2, so C libraries' output too).
"""

from __future__ import annotations

import ast
import contextlib
import os
import sys

from ..protocol import KEEP_CHARS


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
def captured():
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


def bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    return []
