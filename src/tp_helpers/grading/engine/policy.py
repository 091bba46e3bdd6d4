"""The policy of each run of student code, decided once per class run (the grader's side).

Each run confines itself before it runs anything (:mod:`.child.confine`); this module finds out
what the machine allows (:func:`detect_isolation`, one probe per process), holds the settings of
a class's runs (:class:`GradingSettings`), builds each run's policy, environment and job
(:func:`job`), and says in one line what is enforced (the class summary and ``tp-course
grade``'s output carry that line). What is enforced on which machine: docs/grading-untrusted-
notebooks.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ...checks.core import RECORD_ENV
from ...profiles import OFFLINE_ENV_VARS
from . import protocol

GIB = 1 << 30

#: what every run sees, whatever the grader's own environment says
GRADING_ENV = {
    **{var: "1" for var in OFFLINE_ENV_VARS},
    "TP_PROFILE": "offline",
    "NBGRADER_EXECUTION": "autograde",
    "MPLBACKEND": "Agg",
}
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: never passed on: recording reference values (tp_helpers.checks) would turn checks into no-ops
DROPPED_VARS = (RECORD_ENV,)
#: folders that get an empty tmpfs of the run's own (where namespaces are allowed)
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")
#: the confinement steps, run as a module for the probe (standard library only)
CONFINE_MODULE = "tp_helpers.grading.engine.child.confine"

#: environment variables of the grader that point at its own caches: a run gets its scratch
_CACHE_VARS = (
    "HF_HOME",
    "HF_HUB_CACHE",
    "HF_DATASETS_CACHE",
    "HF_ASSETS_CACHE",
    "HF_MODULES_CACHE",
    "HF_EVALUATE_CACHE",
    "TRANSFORMERS_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "TORCH_HOME",
    "TORCHINDUCTOR_CACHE_DIR",
    "XDG_DATA_HOME",
    "XDG_RUNTIME_DIR",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
    "PYTHONUSERBASE",
    "PYTHONSTARTUP",
)


#: environment variables that lead to the grader's agents and sessions: never passed on
_AGENT_VARS = (
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "GPG_AGENT_INFO",
    "DBUS_SESSION_BUS_ADDRESS",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "KRB5CCNAME",
)
#: folders of people's files: covered in each run, but for what it needs under them
HOMES = ("/home", "/root", "/Users")
#: sockets that give root to their group's members (a run of a grader that is not root
#: keeps its groups): covered in each run
PRIVILEGED_SOCKETS = (
    "/run/docker.sock",
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/var/run/libvirt/libvirt-sock",
)


@dataclass(frozen=True)
class Limits:
    """Resource limits of each run process (``None``: not limited)."""

    memory: int | None = 4 * GIB  # bytes of data segment (RLIMIT_DATA): heap and anonymous maps
    cpu: int | None = 3600  # CPU seconds of the run process (RLIMIT_CPU), whole notebook
    fsize: int | None = 2 * GIB  # largest file the run may write (RLIMIT_FSIZE)
    nproc: int | None = 1024  # processes and threads of its own uid (root only): no fork bomb

    def describe(self) -> str:
        parts = []
        if self.memory:
            parts.append(f"memory {format_size(self.memory)}")
        if self.cpu:
            parts.append(f"CPU {self.cpu:g} s")
        return ", ".join(parts) or "none"


@dataclass(frozen=True)
class Isolation:
    """The mechanisms this machine allows a run (see :func:`detect_isolation`)."""

    network: bool = False  # a network namespace of its own
    mounts: bool = False  # a mount namespace: hidden paths, read-only file system but scratch
    userns: bool = False  # namespaces made through a user namespace (grader not root)
    user: str | None = None  # root grader: 'private' (uid of its own) or 'nobody'
    missing: tuple[str, ...] = field(default=())  # why a mechanism is not available

    @property
    def complete(self) -> bool:
        """Network off, instructor files out of reach, no writes outside the scratch folder."""
        return self.network and self.mounts

    def describe(self, limits: Limits) -> str:
        """One line: what is enforced; a warning naming what is not."""
        enforced = [f"limits ({limits.describe()})"]
        if self.network:
            enforced.append("no network")
        if self.mounts:
            enforced.append("instructor files hidden, writes only in the scratch folder")
        if self.user == "private":
            enforced.append("a uid of its own")
        elif self.user == "nobody":
            enforced.append("user nobody")
        line = "sandbox: " + ", ".join(enforced)
        if not self.complete:
            absent = []
            if not self.network:
                absent.append("the network is reachable")
            if not self.mounts:
                absent.append(
                    "the run can read and write whatever the grader's user can, /tmp and "
                    "/dev/shm are shared by all runs, and what a run leaves running may survive "
                    "it"
                )
            why = "; ".join(self.missing) or "not Linux"
            line = (
                f"WARNING {line}; NOT enforced: {', '.join(absent)} ({why}). Grade as root or "
                "where user namespaces are allowed; see README 'Grading untrusted notebooks'."
            )
        return line


NO_ISOLATION = Isolation(missing=("sandbox switched off",))


@dataclass(frozen=True)
class SandboxSettings:
    """Everything a class run decided about its runs' confinement (picklable, frozen)."""

    isolation: Isolation
    limits: Limits
    hide: tuple[str, ...] = ()  # paths covered in each run's mount namespace
    reveal: tuple[tuple[str, tuple[str, ...]], ...] = ()  # see blocked_folders
    env: tuple[tuple[str, str], ...] = ()  # e.g. TP_DATA_DIR of the shared offline data
    description: str = ""  # Isolation.describe: the line the summary shows


@functools.lru_cache(maxsize=1)
def detect_isolation() -> Isolation:
    """Probe once per process what a run may do here (a child process tries each)."""
    if not sys.platform.startswith("linux"):
        return Isolation(missing=(f"{sys.platform} has no namespaces",))
    folder = tempfile.mkdtemp(prefix="tp-probe-")
    try:
        os.chmod(folder, 0o755)
        done = subprocess.run(
            [sys.executable, "-m", CONFINE_MODULE, "--probe", folder],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=folder,
        )
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError, subprocess.SubprocessError) as exc:
        return Isolation(missing=(f"the sandbox probe failed: {exc}",))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    root = report.get("root", False)
    missing = [
        f"{name}: {report[name]}"
        for name in ("network", "mounts")
        if report.get(name) and report[name] != "not root"
    ]
    user = None
    if root:
        if report.get("private_user") == "":
            user = "private"
        elif report.get("nobody") == "":
            user = "nobody"
        else:
            missing.append(f"cannot drop root: {report.get('private_user')}")
    return Isolation(
        network=report.get("network") == "",
        mounts=report.get("mounts") == "",
        userns=not root,
        user=user,
        missing=tuple(missing),
    )


@functools.lru_cache(maxsize=1)
def needed_paths() -> list[Path]:
    """What a run must still read: the interpreter, its libraries and this package.

    The import path is the one a fresh interpreter gets (standard library, site-packages,
    ``.pth`` entries such as an editable install's ``src``, ``PYTHONPATH``), not the grader's
    own ``sys.path``, whose first entry may be the course folder it was started from.
    """
    import tp_helpers

    paths = {
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.exec_prefix),
        Path(os.path.realpath(sys.executable)).parent,
        Path(tp_helpers.__file__).resolve().parent.parent,
    }
    with tempfile.TemporaryDirectory() as neutral:
        done = subprocess.run(
            [sys.executable, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"],
            capture_output=True,
            text=True,
            cwd=neutral,
            timeout=60,
        )
    try:
        entries = json.loads(done.stdout)
    except ValueError:
        entries = [entry for entry in sys.path[1:] if entry and os.path.isabs(entry)]
    paths.update(Path(entry) for entry in entries if entry and os.path.isabs(entry))
    return sorted(path.resolve() for path in paths if path.exists())


def hidden_paths(
    private: Iterable[Path], course_dirs: Iterable[Path], keep: Iterable[Path]
) -> tuple[str, ...]:
    """Paths a run must not see: ``private`` ones, and every entry of the ``course_dirs``
    that holds nothing in ``keep`` (the interpreter, the package, the run's own folders).

    A path holding something in ``keep`` is never hidden; symbolic links are left alone (the
    launcher does not follow them).
    """
    keep = [Path(path).resolve() for path in keep]

    def holds_needed(path: Path) -> bool:
        return any(k == path or path in k.parents or k in path.parents for k in keep)

    found: list[Path] = []
    for path in private:
        path = Path(path).absolute()
        if path.exists() and not any(k == path or path in k.parents for k in keep):
            found.append(path.resolve())
    for course in course_dirs:
        course = Path(course).resolve()
        if any(course == k or k in course.parents for k in keep) or not course.is_dir():
            continue
        for entry in sorted(course.iterdir()):
            if entry.is_symlink() or holds_needed(entry):
                continue
            found.append(entry)
    unique = []
    for path in sorted(set(found)):
        if not any(parent in unique for parent in path.parents):
            unique.append(path)
    return tuple(str(path) for path in unique)


#: files that mark the root of a course folder (a repository, an nbgrader course)
COURSE_MARKERS = (".git", "nbgrader_config.py", "gradebook.db", "pyproject.toml")


def course_dirs(source: Path, cwd: Path | None = None) -> list[Path]:
    """The course folders whose entries runs must not see.

    * the grader's working folder when it holds the source notebook, else the nearest folder
      above the source holding a course marker (``.git``, ``nbgrader_config.py``…);
    * the source checkout this package runs from (an editable install inside the course
      repository: its ``solutions/``, ``.git``…).

    Never a folder holding the interpreter (``/``, ``/usr``…).
    """
    import tp_helpers

    cwd = (cwd or Path.cwd()).resolve()
    source = Path(source).resolve()
    system = _system_paths()

    def allowed(path: Path) -> bool:
        return not any(path == s or path in s.parents for s in system)

    found = []
    if cwd in source.parents and allowed(cwd):
        found.append(cwd)
    else:
        marked = [p for p in source.parents if any((p / m).exists() for m in COURSE_MARKERS)]
        found.extend(p for p in marked[:1] if allowed(p))
    checkout = Path(tp_helpers.__file__).resolve().parents[2]
    if "site-packages" not in checkout.parts and (checkout / "pyproject.toml").is_file():
        found.append(checkout)
    return [path for path in dict.fromkeys(found) if allowed(path)]


def _system_paths() -> list[Path]:
    return [Path(sys.base_prefix).resolve(), Path(os.path.realpath(sys.executable)).resolve()]


def blocked_folders(paths: Iterable[Path]) -> dict[str, list[str]]:
    """For a run with another uid: each folder it cannot cross (no ``o+x``), with the
    ``paths`` under it that it needs (e.g. an interpreter installed under root's 0700 home)."""
    found: dict[str, list[str]] = {}
    paths = sorted({Path(p).resolve() for p in paths})
    outermost = [p for p in paths if not any(q in p.parents for q in paths)]
    for path in outermost:
        for ancestor in reversed(path.parents):
            try:
                mode = ancestor.stat().st_mode
            except OSError:
                break
            if not mode & 0o001:
                found.setdefault(str(ancestor), []).append(str(path))
                break
    return found


def run_policy(
    isolation: Isolation,
    limits: Limits,
    scratch: Path,
    scratch_root: Path | None,
    hide: Iterable[str],
    reveal: dict[str, list[str]] | None = None,
) -> dict:
    """The JSON policy a run applies to itself (:mod:`.child.confine`)."""
    own_uid = isolation.user == "private"
    return {
        "reveal": (reveal or {}) if isolation.mounts else {},
        "scratch": str(scratch),
        "scratch_root": str(scratch_root) if scratch_root and isolation.mounts else None,
        "limits": {
            "memory": limits.memory,
            "cpu": limits.cpu,
            "fsize": limits.fsize,
            "nproc": limits.nproc if own_uid else None,  # per uid: only a private uid is ours
        },
        "network": isolation.network,
        "mounts": isolation.mounts,
        "userns": isolation.userns and (isolation.network or isolation.mounts),
        "hide": list(hide) if isolation.mounts else [],
        "readonly_root": isolation.mounts,
        "writable": [],
        "user": isolation.user,
    }


def scratch_env(env: dict[str, str], scratch: Path, isolation: Isolation) -> dict[str, str]:
    """``env`` with home, caches and temporary files in ``scratch`` (never the grader's), and
    without the addresses of the grader's agents (ssh, gpg, D-Bus, display)."""
    env = dict(env)
    for var in (*_CACHE_VARS, *_AGENT_VARS):
        env.pop(var, None)
    env.update(scratch_vars(scratch, isolation))
    user_base = _user_base()
    if user_base:  # packages installed with pip --user: still found with HOME moved
        env["PYTHONUSERBASE"] = user_base
    else:
        env["PYTHONNOUSERSITE"] = "1"
    (scratch / "tmp").mkdir(exist_ok=True)
    return env


def scratch_vars(scratch: Path, isolation: Isolation) -> dict[str, str]:
    """Home, caches, configuration and temporary files in ``scratch``; a user name of its own
    for a run with a uid of its own."""
    env = {
        "HOME": str(scratch),
        "TMPDIR": str(scratch / "tmp"),
        "XDG_CACHE_HOME": str(scratch / ".cache"),
        "XDG_CONFIG_HOME": str(scratch / ".config"),
        "MPLCONFIGDIR": str(scratch / ".config" / "matplotlib"),
        "IPYTHONDIR": str(scratch / ".ipython"),
    }
    if isolation.user:
        env.update(USER="tp-grading", LOGNAME="tp-grading")
    return env


def grading_env(threads: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the zygote (and so of every run): ``base`` (default: ours) without
    :data:`DROPPED_VARS`, with :data:`GRADING_ENV` and the thread caps."""
    env = dict(os.environ if base is None else base)
    for var in DROPPED_VARS:
        env.pop(var, None)
    env.update(GRADING_ENV)
    env.update({var: str(threads) for var in THREAD_VARS})
    return env


def share_resources(folder: Path, isolation: Isolation) -> dict[str, str]:
    """Environment variables giving runs the offline data the grader has (``TP_DATA_DIR``).

    A run with a uid of its own cannot read the grader's cache (``mkdtemp`` folders are
    0700, often under a 0700 home): each lab's dataset folder is copied once per run into
    ``folder``, world-readable. Otherwise runs read the grader's cache folder.
    """
    from ...data import DATASET_NAMES, cache_root

    source = cache_root()
    if not isolation.user:
        return {"TP_DATA_DIR": str(source)}
    datasets = _built_datasets(source, DATASET_NAMES)
    if not datasets:
        return {}
    target = folder / "tp_data"
    for dataset in datasets:
        shutil.copytree(dataset, target / dataset.name)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return {"TP_DATA_DIR": str(target)}


def _built_datasets(source: Path, names: dict[str, str]) -> list[Path]:
    """Every lab's offline dataset folder under ``source``, built here first where missing.

    Runs with a uid of their own cannot build a missing one: the shared folder is the grader's
    and read-only to them, so from a cold cache every student whose code loads the data (a
    region not word for word the solution's) failed with ``FileNotFoundError``. Building takes
    seconds, once per cache. A cache the grader cannot write keeps what it has."""
    from ...data import offline_dataset_path
    from ...errors import TPError

    for version in names:
        with contextlib.suppress(TPError, OSError):
            offline_dataset_path(source, version=version)
    return [source / name for name in names.values() if (source / name).is_dir()]


def _user_base() -> str | None:
    """The grader's ``pip --user`` base when its site-packages is on the import path."""
    import site

    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user_site and Path(user_site).resolve() in needed_paths():
        return site.getuserbase()
    return None


def _agent_folders() -> list[Path]:
    """The grader's session folders (``XDG_RUNTIME_DIR``, the ssh agent's folder) and the
    sockets that give root (:data:`PRIVILEGED_SOCKETS`)."""
    found = [Path(path) for path in PRIVILEGED_SOCKETS if os.path.exists(path)]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        found.append(Path(runtime))
    agent = os.environ.get("SSH_AUTH_SOCK")
    if agent:
        found.append(Path(agent).parent)
    return [path for path in found if path.is_absolute() and path != Path("/")]


def _homes_revealing(needed: Iterable[Path], blocked: dict[str, list[str]]) -> dict[str, list[str]]:
    """Folders to cover with an empty tmpfs, each with the needed paths bound back under it:
    the homes (the grader's and everyone's: keys, other courses) and, for a run with another
    uid, the folders it cannot cross (:func:`blocked_folders`)."""
    tops = {Path(top) for top in blocked}
    tops.update(Path(home) for home in (*HOMES, str(Path.home())) if Path(home).is_dir())
    tops = {top.resolve() for top in tops if top != Path("/")}
    outermost = [top for top in tops if not any(other in top.parents for other in tops)]
    needed = sorted({Path(path).resolve() for path in needed})
    needed = [p for p in needed if not any(q in p.parents for q in needed)]
    return {
        str(top): [str(p) for p in needed if top in p.parents]
        for top in sorted(outermost)
        if not any(p == top or p in top.parents for p in needed)
    }


def format_size(value: float) -> str:
    """``4 GiB`` for 4 * 2**30 bytes."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:g} {unit}"
        value /= 1024
    return f"{value:g} TiB"


def prepare(
    run_root: Path,
    private: Iterable[Path],
    course: Iterable[Path],
    limits: Limits,
    enabled: bool = True,
) -> SandboxSettings:
    """Decide the confinement of a class run's runs (one probe, then plain data).

    ``private``: the output folder, the submissions, the source (hidden from runs);
    ``course``: folders whose entries are hidden too, but the ones runs need (see
    :func:`hidden_paths`). ``run_root`` holds the runs' scratch folders and shared data.
    """
    isolation = detect_isolation() if enabled else NO_ISOLATION
    resources = Path(run_root) / "resources"
    resources.mkdir(mode=0o755, exist_ok=True)
    resources.chmod(0o755)
    env = share_resources(resources, isolation)
    needed = [*needed_paths(), Path(run_root).resolve()]
    needed += [Path(env["TP_DATA_DIR"]).resolve()] if "TP_DATA_DIR" in env else []
    blocked = blocked_folders(needed)
    if isolation.user and not isolation.mounts and blocked:
        isolation = dataclasses.replace(
            isolation,
            user=None,
            missing=(
                *isolation.missing,
                f"the interpreter is under {', '.join(blocked)}, which other uids cannot cross",
            ),
        )
    hide: tuple[str, ...] = ()
    reveal: dict[str, list[str]] = {}
    if isolation.mounts:
        hide = hidden_paths([*private, *_agent_folders()], course, needed)
        reveal = _homes_revealing(needed, blocked if isolation.user else {})
    return SandboxSettings(
        isolation=isolation,
        limits=limits,
        hide=hide,
        reveal=tuple((top, tuple(paths)) for top, paths in sorted(reveal.items())),
        env=tuple(sorted(env.items())),
        description=isolation.describe(limits),
    )


@dataclass(frozen=True)
class GradingSettings:
    """How every student of a class run is graded."""

    run_root: Path  # the zygote's folder, its snapshots' sockets, every run's scratch folder
    timeout: float = 600.0  # seconds per execution (exercise cell or check)
    threads: int = 1  # OMP/MKL/OpenBLAS and torch threads of each run
    notebook_timeout: float | None = None  # seconds of runs per student (status 'timeout')
    jobs: int = 1  # runs at once
    sandbox: SandboxSettings | None = None  # None: runs are not confined (tests only)
    lookahead: int = 8  # snapshots alive at once (memory: each is a copy-on-write fork)


def job(settings: GradingSettings, codes: list[str], replay: str, scratch: Path) -> protocol.Job:
    """One run's job: what it executes, its confinement policy and its environment."""
    box = settings.sandbox
    isolation = box.isolation if box is not None else Isolation()
    policy: dict = {"scratch": str(scratch), "limits": {}}
    if box is not None:
        reveal = {top: list(paths) for top, paths in box.reveal}
        runs = settings.run_root / "runs"
        policy = run_policy(isolation, box.limits, scratch, runs, box.hide, reveal)
        namespaces = isolation.mounts
        policy.update(ipc=namespaces, pid=namespaces, private={})
        if namespaces:
            policy["private"] = _private_tops(settings, scratch)
    env = scratch_vars(scratch, isolation)
    env.update({var: str(settings.threads) for var in THREAD_VARS})
    return protocol.Job(
        codes=list(codes),
        replay=replay,
        timeout=settings.timeout,
        policy=policy,
        env=env,
        threads=settings.threads,
    )


def _private_tops(settings: GradingSettings, scratch: Path) -> dict[str, list[str]]:
    """Each folder a run gets empty (``/tmp``…, and the class run's own folder: the snapshots'
    sockets, the other runs), with what it must still read there bound back."""
    shared = [scratch, *_shared_paths(settings)]
    tops = list(PRIVATE_TMP)
    run_root = settings.run_root.resolve()
    if not any(Path(top) in run_root.parents for top in tops):
        tops.append(str(run_root))
    return {top: [str(p) for p in shared if Path(top) in p.parents] for top in tops}


def _shared_paths(settings: GradingSettings) -> list[Path]:
    """What a run reads under a folder it gets empty (``/tmp``…): the zygote's folder, the
    offline data, and the interpreter and its libraries (a virtual environment made under
    ``/tmp`` must still import)."""
    paths = [settings.run_root / "zygote", *needed_paths()]
    box = settings.sandbox
    if box is not None:
        paths += [Path(value) for key, value in box.env if key == "TP_DATA_DIR"]
    return [path.resolve() for path in paths]
