"""No per-exercise re-run can hand the cell-mate's solution to the next one.

The contract: docs/grading-contract.md.

When a cell holding several exercises fails its checks, each exercise is run again with the
student's region for it and the SOLUTION's regions for the others (:mod:`.attribution`). The
tiny lab's cell ``ex02`` holds exercises 02 (``mean``) and 03 (``spread``) in ``describe``, so a
failing cell gets three runs, in this order: the whole cell as written; region 02 alone (region
03 is the solution's); region 03 alone (region 02 is the solution's).

A *thief* writes an honest region 02 plus code that, when the checks call ``describe`` in the
run of region 02 alone, reads the solution's region 03 through one channel (IPython's input
history, ``linecache``, ``inspect.stack()``, the frame's source, the frame's code object) and
keeps it through another (a notebook global, an attribute of ``builtins`` or of a module of its
own, ``os.environ``, a file in the working folder, ``$TMPDIR``, ``~``, ``/tmp``, ``/var/tmp``,
``/dev/shm``, POSIX or SysV shared memory, or a detached process serving it on a Unix socket,
an abstract Unix socket, TCP or a named pipe). Its region 03 recovers the loot and executes it
(falling back to a wrong range), so its whole-cell run fails and the re-runs happen.

What this module proves, with the grader (one ``grade_class`` run, ``timeout=5``):

* every thief scores exactly what its *blank twin* scores: the same notebook with region 03 left
  as the student stub, which cannot pass exercise 03 (per-exercise points identical);
* nothing a run kept outside itself survives the grading (files, shared memory segments);
* probes (region 02 reports what it read, in its hint) show the reading side works inside a
  run: the run of region 02 alone does hold the solution's region 03 (at least its code
  object), so the thieves lose because nothing is kept, not because they read nothing.

And without the grader (a plain-Python simulation, ``test_stealing_works_without_isolation``):
the same thieves, graded by the same attribution logic but with their runs in one IPython shell
(``store_history=True``, as a notebook kernel does) or in plain processes sharing the machine
(no sandbox), do recover the solution and pass exercise 03, while their region 03 alone, on a
clean state, fails. So the grader's result is not vacuous: the stealing code works.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import subprocess
import sys
import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tp_helpers.grading import grade_class
from tp_helpers.grading.engine.policy import detect_isolation

from . import students as S

TIMEOUT = 5  # seconds per execution in the class run
IDLE = 10  # seconds a thief's daemon waits for a client before it exits
ISOLATION = detect_isolation()
STUB_03 = 'raise NotImplementedError("Exercise 03: …")'
LOOT_PLACES = ("/tmp", "/var/tmp", "/dev/shm")

# -- reading: each snippet runs in ``_steal()``, called by ``describe``; it sets ``found`` ------
#: the solution's line ``spread = …`` in some text (lines naming ``_loot``: the thief's own)
PICK = r"""
def pick(text):
    for line in str(text).splitlines():
        if re.match(r"\s*spread\s*=[^=]", line) and "_loot" not in line:
            return "text:" + line.strip()
    return None
"""
READ = {
    # IPython's input history: In / _ih / _i… in the notebook's namespace, and the manager's
    "history": """
ns = sys._getframe(1).f_globals
entries = [*(ns.get("In") or []), *(ns.get("_ih") or [])]
entries += [ns.get(name, "") for name in ("_i", "_ii", "_iii")]
import builtins
shell = getattr(builtins, "get_ipython", lambda: None)()
if shell is not None:
    entries += list(shell.history_manager.input_hist_raw)
found = pick("\\n".join(map(str, entries)))
""",
    # the text IPython registers for every cell it compiles (<ipython-input-N-…>)
    "linecache": """
import linecache
texts = ["".join(entry[2]) for entry in list(linecache.cache.values()) if len(entry) == 4]
found = pick("\\n".join(texts))
""",
    # inspect.stack(): every frame with the lines around its current line
    "inspect": """
import inspect
stack = inspect.stack(context=100)
found = pick("\\n".join("".join(info.code_context or ()) for info in stack))
""",
    # the source of the code object of describe's frame (sys._getframe)
    "frame": """
import inspect
found = pick(inspect.getsource(sys._getframe(1).f_code))
""",
    # the code object itself: no text, but the solution's region compiled (the thief's own
    # code binds _loot: not worth taking)
    "code": """
import marshal
code = sys._getframe(1).f_code
found = None if "_loot" in code.co_varnames else "code:" + marshal.dumps(code).hex()
""",
}

# -- keeping: (store, recover). ``store`` runs in ``_steal()`` with ``found`` set (``return``
# ends it); ``recover`` runs in region 03 and sets ``_loot``. {name}: a per-scenario name -----
_FILE_STORE = """
path = {path}
with open(path, "w") as handle:
    handle.write(found)
os.chmod(path, 0o666)
"""
_FILE_RECOVER = """
with open({path}) as handle:
    _loot = handle.read()
"""


def _file_keep(path: str, imports: str = "") -> tuple[str, str]:
    """A file at ``path`` (an expression), readable and writable by any uid."""
    return imports + _FILE_STORE.format(path=path), imports + _FILE_RECOVER.format(path=path)


_DAEMON = """
pid = os.fork()
if pid == 0:
    try:
        os.setsid()
        if os.fork() == 0:
            null = os.open(os.devnull, os.O_RDWR)
            keep = {keep}
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.closerange(3, keep)
            os.closerange(keep + 1, 1 << 16)
{serve}
    finally:
        os._exit(0)
os.waitpid(pid, 0)
"""
_SOCKET_SERVE = f"""
server.settimeout({IDLE})
while True:
    connection, _ = server.accept()
    connection.sendall(found.encode())
    connection.close()
"""
_FIFO_SERVE = f"""
import time
deadline = time.monotonic() + {IDLE}
while time.monotonic() < deadline:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        time.sleep(0.02)
        continue
    try:
        os.write(fd, found.encode() + b"\\n")
    except OSError:
        pass
    os.close(fd)
    deadline = time.monotonic() + {IDLE}
    time.sleep(0.2)
os.unlink(path)
"""


def _socket_keep(family: str, address: str, chmod: str = "") -> tuple[str, str]:
    store = f"""
import socket
server = socket.socket(socket.{family}, socket.SOCK_STREAM)
try:
    server.bind({address})
except OSError:
    server.close()
    return
{chmod}
server.listen(8)
"""
    store += _DAEMON.format(keep="server.fileno()", serve=textwrap.indent(_SOCKET_SERVE, " " * 12))
    store += "server.close()\n"
    recover = f"""
import socket
client = socket.socket(socket.{family}, socket.SOCK_STREAM)
client.settimeout(2)
client.connect({address})
chunks = []
while chunk := client.recv(65536):
    chunks.append(chunk)
client.close()
_loot = b"".join(chunks).decode() or None
"""
    return store, recover


def _fifo_keep() -> tuple[str, str]:
    store = """
path = "/tmp/{name}.fifo"
try:
    os.mkfifo(path, 0o666)
except OSError:
    return
os.chmod(path, 0o666)
"""
    store += _DAEMON.format(keep="null", serve=textwrap.indent(_FIFO_SERVE, " " * 12))
    recover = """
import time
fd = os.open("/tmp/{name}.fifo", os.O_RDONLY | os.O_NONBLOCK)
data, deadline = b"", time.monotonic() + 2
while b"\\n" not in data and time.monotonic() < deadline:
    try:
        data += os.read(fd, 65536)
    except BlockingIOError:
        pass
    time.sleep(0.01)
os.close(fd)
_loot = data.split(b"\\n")[0].decode() or None
"""
    return store, recover


_SYSV = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
"""
_POSIX_SHM = """
from multiprocessing import resource_tracker, shared_memory
"""

KEEP = {
    "global": (
        'sys._getframe(1).f_globals["{var}"] = found',
        '_loot = globals().get("{var}")',
    ),
    "builtins": (
        'setattr(sys.modules["builtins"], "{var}", found)',
        '_loot = getattr(sys.modules["builtins"], "{var}", None)',
    ),
    "module": (
        'import types\nsys.modules.setdefault("{var}", types.ModuleType("{var}")).loot = found',
        '_loot = getattr(sys.modules.get("{var}"), "loot", None)',
    ),
    "environ": ('os.environ["{var}"] = found', '_loot = os.environ.get("{var}")'),
    "cwd": _file_keep('os.path.join(os.getcwd(), "{name}")'),
    "tmpdir": _file_keep('os.path.join(tempfile.gettempdir(), "{name}")', "import tempfile\n"),
    "home": _file_keep('os.path.expanduser("~/{name}")'),
    "tmp": _file_keep('"/tmp/{name}"'),
    "vartmp": _file_keep('"/var/tmp/{name}"'),
    "devshm": _file_keep('"/dev/shm/{name}"'),
    "posixshm": (
        _POSIX_SHM
        + """
try:
    memory = shared_memory.SharedMemory(name="{name}", create=True, size=1 << 16)
except FileExistsError:
    memory = shared_memory.SharedMemory(name="{name}")
resource_tracker.unregister(memory._name, "shared_memory")  # outlive this process
data = found.encode()
memory.buf[: 4 + len(data)] = len(data).to_bytes(4, "big") + data
memory.close()
""",
        _POSIX_SHM
        + """
memory = shared_memory.SharedMemory(name="{name}")
resource_tracker.unregister(memory._name, "shared_memory")
size = int.from_bytes(bytes(memory.buf[:4]), "big")
_loot = bytes(memory.buf[4 : 4 + size]).decode()
memory.close()
""",
    ),
    "sysvshm": (
        _SYSV
        + """
data = found.encode()
segment = libc.shmget({key}, 1 << 16, 0o1000 | 0o666)  # IPC_CREAT, anyone may read
address = libc.shmat(segment, None, 0) if segment >= 0 else None
if address not in (None, ctypes.c_void_p(-1).value):
    ctypes.memmove(address, len(data).to_bytes(4, "big") + data, 4 + len(data))
    libc.shmdt(address)
""",
        _SYSV
        + """
segment = libc.shmget({key}, 0, 0)
address = libc.shmat(segment, None, 0) if segment >= 0 else None
if address not in (None, ctypes.c_void_p(-1).value):
    size = int.from_bytes(ctypes.string_at(address, 4), "big")
    _loot = ctypes.string_at(address + 4, size).decode()
    libc.shmdt(address)
""",
    ),
    "socket": _socket_keep("AF_UNIX", '"\\0{name}"'),  # abstract: no file at all
    "tmpsocket": _socket_keep(
        "AF_UNIX", '"/tmp/{name}.sock"', 'os.chmod("/tmp/{name}.sock", 0o777)'
    ),
    "tcp": _socket_keep("AF_INET", '("127.0.0.1", {port})'),
    "fifo": _fifo_keep(),
}


@dataclass(frozen=True)
class Channel:
    """A thief: how it reads the solution in one run, how it keeps it for the next."""

    name: str
    read: str
    keep: str

    @property
    def in_process(self) -> bool:
        """Kept in the process's memory: only one long-lived kernel would carry it over."""
        return self.keep in ("global", "builtins", "module", "environ")

    @property
    def needs_namespaces(self) -> bool:
        """Outside the run's scratch folder: only the sandbox's namespaces keep it in."""
        return not self.in_process and self.keep not in ("cwd", "tmpdir", "home")


CHANNELS = (
    Channel("history-global", "history", "global"),
    Channel("history-builtins", "history", "builtins"),
    Channel("history-environ", "history", "environ"),
    Channel("linecache-global", "linecache", "global"),
    Channel("linecache-module", "linecache", "module"),
    Channel("linecache-cwd", "linecache", "cwd"),
    Channel("linecache-tmpdir", "linecache", "tmpdir"),
    Channel("linecache-tmp", "linecache", "tmp"),
    Channel("inspect-module", "inspect", "module"),
    Channel("inspect-home", "inspect", "home"),
    Channel("inspect-vartmp", "inspect", "vartmp"),
    Channel("frame-global", "frame", "global"),
    Channel("frame-devshm", "frame", "devshm"),
    Channel("frame-posixshm", "frame", "posixshm"),
    Channel("code-builtins", "code", "builtins"),
    Channel("code-tmp", "code", "tmp"),
    Channel("code-sysvshm", "code", "sysvshm"),
    Channel("daemon-socket", "linecache", "socket"),
    Channel("daemon-tmpsocket", "frame", "tmpsocket"),
    Channel("daemon-tcp", "inspect", "tcp"),
    Channel("daemon-fifo", "code", "fifo"),
)
NAMES = [channel.name for channel in CHANNELS]
PROBES = tuple(READ)


@dataclass(frozen=True)
class Loot:
    """Where one batch of thieves keeps things: unique per batch, so batches never meet."""

    token: str  # 8 hex digits
    port: int  # the TCP daemons' port (127.0.0.1)

    def name(self, channel: Channel) -> str:
        return f"loot-{self.token}-{channel.name}"

    def key(self, channel: Channel) -> int:
        """The SysV shared memory key."""
        return int(self.token[:6], 16) * 64 + CHANNELS.index(channel) + 1

    def fill(self, code: str, channel: Channel) -> str:
        name = self.name(channel)
        return code.format(
            name=name, var=name.replace("-", "_"), key=self.key(channel), port=self.port
        )


def new_loot() -> Loot:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return Loot(uuid.uuid4().hex[:8], port)


def _block(code: str, indent: int = 4) -> str:
    return textwrap.indent(textwrap.dedent(code).strip("\n"), " " * indent) + "\n"


def region_02(channel: Channel, loot: Loot) -> str:
    """Honest region 02; on each call of ``describe``, reads the solution and keeps it."""
    store, _ = KEEP[channel.keep]
    steal = (
        "def _steal():\n"
        + _block("import os, re, sys")
        + _block(PICK)
        + _block(READ[channel.read])
        + _block("if not found:\n    return")
        + _block(loot.fill(store, channel))
    )
    return (
        steal
        + "try:\n    _steal()\nexcept Exception:\n    pass\n"
        + "mean = sum(values) / len(values)\n"
    )


def region_03(channel: Channel, loot: Loot) -> str:
    """Executes what region 02 kept in an earlier run; a wrong range (-1) when nothing was."""
    _, recover = KEEP[channel.keep]
    return (
        "import os, sys\n_loot = None\ntry:\n"
        + _block(loot.fill(recover, channel))
        + "except Exception:\n    _loot = None\n"
        + '_loot_ns = {"values": values}\n'
        + 'if _loot and _loot.startswith("text:"):\n'
        + "    exec(_loot[5:], globals(), _loot_ns)\n"
        + 'elif _loot and _loot.startswith("code:"):\n'
        + "    import marshal, types\n"
        + "    stolen = types.FunctionType(marshal.loads(bytes.fromhex(_loot[5:])), globals())\n"
        + '    _loot_ns["spread"] = stolen(values)[1]\n'
        + 'spread = _loot_ns.get("spread", -1)  # -1: nothing stolen (_loot)\n'
    )


def probe_region_02(read: str) -> str:
    """Region 02 that is right exactly when ``read`` found the solution's region 03 in its run
    (a verdict is all a run alone tells the student: its messages are not shown)."""
    return (
        "def _probe():\n"
        + _block("import os, re, sys")
        + _block(
            """
            frame = sys._getframe(2)
            while frame is not None:  # a stolen describe calling us again
                if frame.f_code.co_name == "_probe":
                    return "probe: nested"
                frame = frame.f_back
            """
        )
        + _block(PICK)
        + _block(READ[read])
        + _block(
            """
            if not found:
                return "probe: saw nothing"
            ns = {"values": [1, 2, 6]}
            if found.startswith("text:"):
                exec(found[5:], {}, ns)
            else:
                import marshal, types
                code = marshal.loads(bytes.fromhex(found[5:]))
                stolen = types.FunctionType(code, sys._getframe(1).f_globals)
                ns["spread"] = stolen([1, 2, 6])[1]
            return "probe: saw a range giving " + repr(ns.get("spread")) + " on [1, 2, 6]"
            """
        )
        + 'mean = sum(values) / len(values) if _probe().startswith("probe: saw a range giving 5")'
        + " else -1.0\n"
    )


PROBE_03 = "_loot = 0\nspread = _loot"


def base_notebook(stub_nb):
    """The student copy with exercises 01 and 04 solved; 02 and 03 are the stubs."""
    nb = S.with_region(stub_nb, "01", "return x * x")
    return S.with_region(nb, "04", "squares = [square(value) for value in data]")


def thief(stub_nb, channel: Channel, loot: Loot):
    return S.with_region(blank_twin(stub_nb, channel, loot), "03", region_03(channel, loot))


def blank_twin(stub_nb, channel: Channel, loot: Loot):
    """The thief's notebook with region 03 as ``S.student_copy`` leaves it."""
    return S.with_region(base_notebook(stub_nb), "02", region_02(channel, loot))


# -- clean-up ---------------------------------------------------------------------------------
def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
    return libc


def leftovers(loot: Loot) -> list[str]:
    """What thieves of ``loot`` left on this machine: files, SysV segments."""
    found = [
        str(path)
        for folder in LOOT_PLACES
        for path in Path(folder).glob(f"loot-{loot.token}-*")
        if path.exists() or path.is_symlink()
    ]
    libc = _libc()
    for channel in CHANNELS:
        if libc.shmget(loot.key(channel), 0, 0) >= 0:
            found.append(f"SysV shared memory key {loot.key(channel):#x} ({channel.name})")
    return found


def clean(loot: Loot) -> None:
    for folder in LOOT_PLACES:
        for path in Path(folder).glob(f"loot-{loot.token}-*"):
            path.unlink(missing_ok=True)
    libc = _libc()
    for channel in CHANNELS:
        segment = libc.shmget(loot.key(channel), 0, 0)
        if segment >= 0:
            libc.shmctl(segment, 0, None)  # IPC_RMID


# -- the class run ----------------------------------------------------------------------------
@dataclass
class Graded:
    results: dict  # student id -> StudentResult
    left: list[str]  # what the runs left outside (should be nothing)
    loot: Loot


@pytest.fixture(scope="module")
def graded(tmp_path_factory, stub_nb) -> Graded:
    root = tmp_path_factory.mktemp("channels")
    submissions = root / "submissions"
    loot = new_loot()
    for channel in CHANNELS:
        S.write(thief(stub_nb, channel, loot), submissions / f"{channel.name}.ipynb")
        S.write(blank_twin(stub_nb, channel, loot), submissions / f"{channel.name}--twin.ipynb")
    for read in PROBES:
        nb = S.with_region(base_notebook(stub_nb), "02", probe_region_02(read))
        S.write(S.with_region(nb, "03", PROBE_03), submissions / f"probe-{read}.ipynb")
    count = len(list(submissions.glob("*.ipynb")))
    try:
        run = grade_class(
            submissions,
            root / "out",
            S.TINY_LAB,
            timeout=TIMEOUT,
            threads=1,
            progress=False,
            batch=count,  # one walk of the source: every run forked from the same snapshot
        )
        left = leftovers(loot)
    finally:
        clean(loot)
    assert run.ok, run.failed
    assert len(run.results) == count
    return Graded({result.student_id: result for result in run.results}, left, loot)


def _points(result) -> dict[str, float]:
    return {exercise.id: exercise.points for exercise in result.exercises}


def _hints(result) -> dict[str, str]:
    return {exercise.id: exercise.hint for exercise in result.exercises}


@pytest.mark.parametrize("name", NAMES)
def test_thief_scores_exactly_what_its_blank_twin_scores(graded, name):
    channel = CHANNELS[NAMES.index(name)]
    if channel.needs_namespaces and not ISOLATION.complete:
        pytest.skip(f"the sandbox is incomplete here: {ISOLATION.missing}")
    stolen, twin = graded.results[name], graded.results[f"{name}--twin"]
    detail = f"thief {stolen.status} {_hints(stolen)}; twin {twin.status} {_hints(twin)}"
    assert _points(stolen) == _points(twin), detail
    assert stolen.score == twin.score, detail
    assert _points(twin)["03"] == 0, detail  # the stub cannot pass
    if twin.status != "tampered":  # ex02 passed in the run of region 02 alone: it stole there
        assert _points(stolen)["02"] == _points(twin)["02"] == 2, detail


def test_probes_read_the_solution_inside_the_run_of_region_02_alone(graded):
    """The reading side works in a sandboxed run (the code object at least, whatever the
    engine clears): a probe's 02 passes exactly when it read the solution of 03 there."""
    read = {name: _points(graded.results[f"probe-{name}"])["02"] == 2 for name in PROBES}
    assert read["code"], read
    assert not read["history"], read  # runs keep no input history


def test_no_hint_carries_the_solution(graded):
    """What a run alone read never reaches a student's feedback, in any spelling."""
    solution = "max(values) - min(values)"
    for result in graded.results.values():
        for hint in _hints(result).values():
            flat = hint.replace(" ", "")
            for spelling in (solution, solution[::-1]):
                assert spelling.replace(" ", "") not in flat, (result.student_id, hint)


def test_nothing_kept_outside_a_run_survives_the_class_run(graded):
    if not ISOLATION.complete:
        pytest.skip(f"the sandbox is incomplete here: {ISOLATION.missing}")
    assert graded.left == []


# -- the same thieves without the grader's isolation --------------------------------------------
#: grades the ex02 cell of each thief with the real attribution logic, its runs in one IPython
#: shell (a notebook kernel: store_history=True) or each in a fresh process forked from a plain
#: one (no sandbox: processes share the file system, IPC, network, and outlive their parent).
DRIVER = r"""
import ctypes, json, os, signal, sys
import nbformat
from IPython.core.interactiveshell import InteractiveShell
from tp_helpers.grading.scoring.attribution import grade_cell
from tp_helpers.grading.engine.protocol import CellRun, JobRun
from tp_helpers.grading.engine.child.zygote import call_in_child
from tp_helpers.grading.model.source import ExerciseCell, read_source, substitute
from tp_helpers.grading.model.submission import student_regions

spec = json.load(sys.stdin)
cell = next(s for s in read_source(spec["source"]).steps
            if isinstance(s, ExerciseCell) and s.grade_id == "ex02")
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: daemons come back to us

def new_shell():
    from traitlets.config import Config
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    shell.InteractiveTB.set_mode(mode="Minimal")  # verbose tracebacks cost ~150 ms each
    return shell

SHELL = new_shell()  # pristine (no cell run): each forked child starts a fresh kernel from it

def execute(shell, codes):
    records = []
    for index, code in enumerate(codes):
        result = shell.run_cell(code, store_history=True)
        error = result.error_before_exec or result.error_in_exec
        records.append(None if error is None else [type(error).__name__, str(error)[:300]])
        if index == 0 and error is not None:
            break
    return records

def forked(function):
    def quiet():
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 1), os.dup2(null, 2)
        try:
            return function()
        except BaseException as exc:
            return {"crash": repr(exc)}

    return call_in_child(quiet)

def job(records, checks):
    runs = [CellRun(error=tuple(r) if r else None) for r in records]
    return JobRun(runs[0], runs[1:] + [None] * (len(checks) + 1 - len(runs)))

def grade(regions, in_process):
    def run(code, checks):
        if in_process:  # one kernel for every run of the cell
            return job(execute(SHELL, [code, *checks]), checks)
        return job(forked(lambda: execute(SHELL, [code, *checks])), checks)
    outcome = grade_cell(run, cell, regions, timeout=5)
    results = [[r.id, r.passed, r.hint] for r in outcome.results]
    return {"results": results, "runs": outcome.runs}

out = {}
for scenario in spec["scenarios"]:
    nb = nbformat.reads(scenario["notebook"], as_version=4)
    regions = student_regions(nb)
    alone = substitute(cell.source, {"03": regions["03"]})
    check = cell.checks[1].source
    control = forked(lambda: execute(SHELL, [alone, check]))
    graded = forked(lambda: grade(regions, scenario["in_process"]))
    out[scenario["name"]] = {"control": control, "graded": graded}

def children():
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid():
            found.append(int(entry))
    return found

for pid in children():  # the daemons the thieves left: ours, by pid
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def simulated(tmp_path_factory, stub_nb) -> dict:
    import nbformat

    root = tmp_path_factory.mktemp("channels-simulated")
    home, tmp, ipython = root / "home", root / "tmp", root / "ipython"
    for folder in (home, tmp, ipython):
        folder.mkdir()
    loot = new_loot()
    scenarios = [
        {
            "name": channel.name,
            "in_process": channel.in_process,
            "notebook": nbformat.writes(thief(stub_nb, channel, loot)),
        }
        for channel in CHANNELS
    ]
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp), "IPYTHONDIR": str(ipython)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", DRIVER],
            input=json.dumps({"source": str(S.TINY_LAB), "scenarios": scenarios}),
            capture_output=True,
            text=True,
            cwd=root,
            env=env,
            timeout=300,
        )
    finally:
        clean(loot)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", NAMES)
def test_stealing_works_without_isolation(simulated, name):
    """The sanity thieves: outside the grader the same code steals exercise 03."""
    found = simulated[name]
    control, graded = found["control"], found["graded"]
    assert "crash" not in control and "crash" not in graded, found
    # region 03 alone, on a clean state: it runs, and its range is wrong
    assert control[0] is None and control[1] is not None, found
    assert "got -1" in control[1][1], found
    # graded as the grader would, but in one kernel / unconfined processes: it passes 03
    assert graded["runs"] == 3, found  # whole cell, 02 alone, 03 alone
    assert [[rid, passed] for rid, passed, _ in graded["results"]] == [
        ["02", True],
        ["03", True],
    ], found
