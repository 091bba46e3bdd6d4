"""Every message between the grader and the zygote's processes, in one place.

Both sides import this module: the grader (:mod:`..scheduler`, :mod:`..client`) and the forked
processes (:mod:`.child`), so it imports the standard library only. docs/architecture.md
describes the channels; the names below are the only spelling of their messages.

* **the config file** (grader → zygote, at start): :func:`config`;
* **events** (zygote → grader, one JSON object per line on the zygote's stdout): ``want`` before
  a step, ``stepped`` after it, ``snapshot``, ``note``, ``done``, ``error``; the grader's reader
  adds ``exited`` when that stream closes;
* **control lines** (grader → zygote, on its stdin): ``go`` (run a step), ``release`` (every
  student is done with a snapshot);
* **requests to a snapshot** (one JSON line per connection, one JSON line back): ``prepare``
  (answered ``ready`` or ``failure``), a :class:`Job` (answered by its reply, or ``failure``),
  ``quit``;
* **records** (run → supervisor, length-prefixed JSON on a pipe): one per execution, see
  :func:`pack_record`, :class:`RecordReader` and :meth:`CellRun.from_record`.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import asdict, dataclass, field
from typing import Any

# -- events: zygote -> grader -------------------------------------------------------------------
EVENT = "event"  #: the key naming an event's kind
WANT = "want"  #: ready to run step ``step``; waits for ``go``
STEPPED = "stepped"  #: step ``step`` is done: the grader frees its slot
SNAPSHOT = "snapshot"  #: the snapshot before ``step`` listens at ``socket`` (process ``pid``)
NOTE = "note"  #: a cell of the source raised in the zygote's walk (``text``)
DONE = "done"  #: the walk ended
ERROR = "error"  #: the walk failed (``text``)
EXITED = "exited"  #: added by the grader's reader: the zygote's stdout closed

# -- control lines: grader -> zygote ------------------------------------------------------------
GO = "go"  #: ``{"go": step}``: run that step (the grader holds a slot for it)
RELEASE = "release"  #: ``{"release": step}``: that snapshot is no longer needed

# -- requests to a snapshot and their answers -----------------------------------------------------
PREPARE = "prepare"  #: import what the cell imports, take the guard's baseline
QUIT = "quit"  #: the snapshot exits
READY = "ready"  #: the answer to ``prepare``
FAILURE = "failure"  #: the grader's side failed (never a student's fault)

# -- a run's outcome, in a job's reply ----------------------------------------------------------
COMPLETE = "complete"  #: every execution reported (or the run stopped after a raising cell)
TIMEOUT = "timeout"  #: past its deadline: killed
DIED = "died"  #: exited before reporting every execution
GARBLED = "garbled"  #: a record out of order, unreadable or too large
ABANDONED = "abandoned"  #: the grader went away

# -- steps of the source, in the config ----------------------------------------------------------
GIVEN = "given"
EXERCISE = "exercise"

#: characters of stdout / stderr kept per execution
KEEP_CHARS = 10_000
#: the largest record a run may send (its hint text is cut long before)
MAX_RECORD = 256 * 1024
#: exit status of a run that could not confine itself (it never ran student code)
CONFINE_FAILED = 71
_HEADER = struct.Struct("!I")


def event(kind: str, **fields: Any) -> dict:
    """An event line's object: ``{"event": kind, **fields}``."""
    return {EVENT: kind, **fields}


def line(message: dict) -> str:
    """One message as one line of JSON (every channel but the records)."""
    return json.dumps(message) + "\n"


def config(
    steps: list[dict],
    socket_dir: str,
    lookahead: int,
    lifeline_fd: int,
    log: str,
    grader_pid: int,
    guard: dict,
) -> dict:
    """The zygote's config file: the source's steps (:func:`step`), where snapshots listen,
    how many may live at once, the lifeline pipe's read end, the log, the grader's pid, and the
    guard (its source text, a random token, the name it registers, its arguments)."""
    return {
        "steps": steps,
        "socket_dir": socket_dir,
        "lookahead": lookahead,
        "lifeline_fd": lifeline_fd,
        "log": log,
        "grader_pid": grader_pid,
        "guard": guard,
    }


def step(kind: str, code: str, checks: list[str] | None = None) -> dict:
    """One step of the source in the config: a given cell, or an exercise cell and its checks."""
    if kind == EXERCISE:
        return {"kind": kind, "code": code, "checks": list(checks or [])}
    return {"kind": kind, "code": code}


@dataclass
class Job:
    """One run a snapshot forks: the codes to execute (the cell, then its checks), the student's
    earlier helpers to replay first, the time limit per execution, the confinement policy
    (:func:`..policy.run_policy`), the environment's changes and the thread count."""

    codes: list[str]
    replay: str
    timeout: float
    policy: dict
    env: dict[str, str] = field(default_factory=dict)
    threads: int = 1

    def message(self) -> dict:
        return asdict(self)


def pack_record(record: dict) -> bytes:
    """A run's record of one execution, framed for the pipe to its supervisor."""
    data = json.dumps(record).encode()
    return _HEADER.pack(len(data)) + data


def record(
    index: int,
    error: list[str] | None,
    stdout: str,
    stderr: str,
    seconds: float,
    tamper: list[str],
) -> dict:
    """What a run reports of one execution: its position, the exception (name, message) or
    None, what it printed (:data:`KEEP_CHARS` at most each), its time, what the guard found."""
    return {
        "i": index,
        "error": error,
        "stdout": stdout,
        "stderr": stderr,
        "seconds": round(seconds, 3),
        "tamper": [str(problem) for problem in tamper][:20],
    }


class RecordReader:
    """Length-prefixed JSON records from a pipe, parsed as they complete."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def read(self) -> list | None:
        """The records completed by the next chunk (anything unreadable as the string
        ``garbled``); None at end of file."""
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            return None
        self.buffer += chunk
        found: list = []
        while len(self.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.buffer)
            if size > MAX_RECORD:
                return [*found, GARBLED]
            if len(self.buffer) < _HEADER.size + size:
                break
            data = self.buffer[_HEADER.size : _HEADER.size + size]
            self.buffer = self.buffer[_HEADER.size + size :]
            try:
                found.append(json.loads(data))
            except ValueError:
                return [*found, GARBLED]
        return found


@dataclass
class CellRun:
    """What one execution produced, as the grader reads it from a record (never the traceback:
    it may quote hidden tests)."""

    error: tuple[str, str] | None = None  # (exception name, message)
    stderr: str = ""
    stdout: str = ""
    timed_out: bool = False
    seconds: float = 0.0
    died: str = ""  # how the process running it ended ('exit status 0', 'killed by SIGKILL')

    @property
    def raised(self) -> bool:
        """The code did not run to its end (an exception, the timeout, the process died)."""
        return self.error is not None or self.timed_out or bool(self.died)

    @property
    def passed(self) -> bool:
        """nbgrader's rule for a graded cell: no error and nothing written to stderr."""
        return not self.raised and not self.stderr

    @classmethod
    def from_record(cls, record: dict) -> CellRun:
        """A record read back; nothing in it is trusted beyond its shape."""
        error = record.get("error")
        if error is not None:
            error = (str(error[0]), str(error[1])) if len(error) == 2 else ("?", "")
        return cls(
            error=error,
            stdout=str(record.get("stdout", "")),
            stderr=str(record.get("stderr", "")),
            seconds=float(record.get("seconds", 0)),
        )


@dataclass
class JobRun:
    """One run as attribution sees it: the cell, then each check in order (None: not run, the
    cell raised or the run ended before it)."""

    cell: CellRun
    checks: list[CellRun | None] = field(default_factory=list)
