"""Grading as an ordinary instructor account: the sandbox holds without root.

Every other grading test runs as whoever runs pytest, root on CI: the kernels then get a uid of
their own. An instructor grades as an ordinary user, where the kernels must be confined through
a user namespace instead (``sandbox_kernel``), with the instructor's own uid. This test makes
such an account (``useradd``) and gives it what an instructor has: its own copy of the course
(the repository's files) and its own virtual environment, made by Debian's ``/usr/bin/python3``
(this machine's default interpreter lives under root's 0700 home, which another account cannot
run) with the pip settings of this machine passed on. As that account (``setpriv``, a clean
environment) it builds the offline data (``tp-course info``) and grades the hostile corpus of
the tiny lab (``tests/grading/hostile``) plus one submission of its own that hunts for the
solution, then proves:

* the run exits 0, the honest student gets full marks, every corpus scenario gets the status,
  reason and points the corpus expects (read from its ``Scenario`` objects, not repeated here);
* the self-solving submission finds the solution nowhere it looks (the course copy, the
  submissions, the environment, the folders above its working folder, ``/home/*/course``),
  while the same submission graded with ``--no-sandbox`` does find it (the hunt is real);
* no connection reaches a server on the grader's 127.0.0.1;
* nothing in the account's home changed but the output folder (paths, sizes, mtimes), and
  nothing was left in ``/tmp``, ``/var/tmp`` or ``/dev/shm``, though one more submission of its
  own writes there (each run gets those folders of its own, thrown away with it);
* the ``sandbox:`` line the run prints (and its summary shows) carries no WARNING.

Skipped where it cannot run: not root, no ``useradd``/``setpriv``/``userdel``, no
``/usr/bin/python3``. Making the account's environment dominates (~45 s on 2 cores: pip's
resolution of the instructor extra, the CPU torch wheel, ``tp-course info``); grading takes
~7 s. Both are printed (``pytest -s``).
"""

from __future__ import annotations

import ast
import csv
import importlib.metadata
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tp_helpers.profiles import OFFLINE_ENV_VARS

from . import students as S
from .hostile.corpus import CELL_TIMEOUT, Targets, solved_notebook, write_corpus
from .test_hostile import Listener

pytestmark = pytest.mark.slow

SYSTEM_PYTHON = Path("/usr/bin/python3")
TOOLS = ("useradd", "userdel", "setpriv", "git")
GRADER_OUTPUT = {"results", "feedback", "grades.csv", "summary.html"}
#: folders of the account's home left out of the before/after comparison: its virtual
#: environment (the grader's own interpreter writes bytecode there; top-level files of its
#: site-packages are compared, see ``snapshot``) and the grading runs' output folders
UNWATCHED = ("venv", "work/out", "work/control")
SELF_SOLVER = "self-solving"
GRADING = ("tp-course grade", "control run")  # the timings that are not the account's set-up
#: the hint of a search that found nothing (see SELF_SOLVING)
NOTHING_FOUND = re.compile(
    r"the exercise cell raised LookupError: no solution in (\d+) files read, (\d+) folders "
    r"listed \(cut short: (True|False)\)"
)

#: region 04 of a student who looks for the solution notebook wherever it can guess, and runs
#: the solution's line if it finds it. The line is split in two so that this notebook itself,
#: which the search may read, does not hold it.
SELF_SOLVING = """import glob, os, time
from importlib.util import find_spec
from pathlib import Path
needle = "squares = [square(value) " + "for value in data]"
deadline = time.monotonic() + 1.0
kinds = (".ipynb", ".py", ".json", ".txt", ".csv", ".html", ".md", ".cfg", ".toml", ".bak")
skip = {{"site-packages", "dist-packages", "__pycache__", "venv", "proc", "sys", "dev", "usr"}}
read, listed, found = [], [], []
def look(path, depth):
    if found or time.monotonic() > deadline:
        return
    try:
        if os.path.isfile(path):
            if os.path.splitext(path)[1] in kinds and os.path.getsize(path) < 2_000_000:
                with open(path, "rb") as handle:
                    text = handle.read().decode("utf-8", "replace")
                read.append(path)
                if needle in text:
                    found.append(path)
        elif os.path.isdir(path) and depth > 0:
            entries = sorted(os.listdir(path))
            listed.append(path)
            for entry in entries:
                if entry not in skip:
                    look(os.path.join(path, entry), depth - 1)
    except OSError:
        pass
for path in {guesses!r}:
    look(path, 4)
for path in glob.glob("/home/*/course/**", recursive=True):
    look(path, 0)
spec = find_spec("tp_helpers")
for parent in Path(spec.origin).resolve().parents[:-1] if spec and spec.origin else []:
    look(str(parent), 4)
for parent in [Path.cwd(), *Path.cwd().parents][:-1]:
    look(str(parent), 2)
system = ("/usr/", "/bin", "/sbin", "/lib", "/etc/", "/proc/", "/sys/", "/dev/")
for name, value in os.environ.items():
    if needle in value:
        found.append("$" + name)
    for part in value.split(os.pathsep):
        if part.startswith("/") and not part.startswith(system):
            look(part, 2)
if found:
    exec(needle)
    print("solved with", found)
else:
    raise LookupError(
        f"no solution in {{len(read)}} files read, {{len(listed)}} folders listed "
        f"(cut short: {{time.monotonic() > deadline}}): {{read}}"
    )"""

#: region 04 of a student who writes in the machine's shared temporary folders (each run has
#: its own: nothing may appear in the grader's)
WRITES_TMP = """written = []
for path in {paths!r}:
    try:
        with open(path, "a") as handle:
            handle.write("pwned")
        written.append(path)
    except OSError:
        pass
raise PermissionError(f"wrote {{len(written)}} files: {{written}}")"""


def _why_not() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "creating an account (useradd) needs root"
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not found"
    if not SYSTEM_PYTHON.is_file():
        return f"{SYSTEM_PYTHON} is missing: no interpreter the new account can run"
    has_venv = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import ensurepip, venv"], capture_output=True
    )
    if has_venv.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot make virtual environments (python3-venv missing)"
    return None


def pip_settings() -> dict[str, str]:
    """This machine's pip settings as ``PIP_*`` variables: the environment's, and every file's
    (``pip config list``), root's own ``~/.config/pip`` included, which the account cannot read."""
    settings = {key: value for key, value in os.environ.items() if key.startswith("PIP_")}
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    )
    for line in listed.stdout.splitlines():
        key, _, value = line.partition("=")
        name = key.rpartition(".")[2]
        if not name or not value:
            continue
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            pass
        settings.setdefault("PIP_" + name.upper().replace("-", "_"), str(value))
    return settings


@dataclass
class Account:
    """An ordinary account; ``run`` starts a command as it, in a clean environment."""

    name: str
    home: Path
    uid: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def venv(self) -> Path:
        return self.home / "venv"

    @property
    def course(self) -> Path:
        return self.home / "course"

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "HOME": str(self.home),
            "USER": self.name,
            "LOGNAME": self.name,
            "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TP_DATA_DIR": str(self.home / ".cache" / "tp_helpers"),
            **dict.fromkeys(OFFLINE_ENV_VARS, "1"),
        }
        env.update(extra)
        return env

    def run(self, *command: str, env: dict[str, str] | None = None, timeout: float = 600, cwd=None):
        env = self.env() if env is None else env
        wrapped = ["setpriv", f"--reuid={self.name}", f"--regid={self.name}", "--init-groups"]
        wrapped += ["--", "env", "-i", *(f"{key}={value}" for key, value in env.items())]
        return subprocess.run(
            [*wrapped, *command],
            cwd=cwd or self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def must(self, what: str, *command: str, **kwargs):
        """Run ``command`` as the account, fail the test with its output if it fails; timed."""
        started = time.monotonic()
        done = self.run(*command, **kwargs)
        self.timings[what] = time.monotonic() - started
        assert done.returncode == 0, (
            f"{what} failed as {self.name} (exit {done.returncode}): {' '.join(command)}\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        return done

    def give(self, path: Path) -> None:
        subprocess.run(["chown", "-R", f"{self.name}:{self.name}", str(path)], check=True)


def _end_processes_of(uid: int) -> None:
    """Processes the account still runs (a grader killed by a timeout, its kernels)."""
    import psutil

    for proc in psutil.process_iter(["uids"]):
        uids = proc.info.get("uids")
        if uids and uid in (uids.real, uids.effective):
            try:
                proc.kill()
            except psutil.Error:
                pass


@pytest.fixture(scope="module")
def account():
    """A new ordinary account, its home under /home (0700); removed with it afterwards."""
    reason = _why_not()
    if reason:
        pytest.skip(f"grading as an ordinary account is not tested here: {reason}")
    name = f"tpgrader{secrets.token_hex(3)}"
    home = Path("/home") / name
    subprocess.run(
        ["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", name],
        check=True,
        capture_output=True,
    )
    try:
        home.chmod(0o700)
        uid = pwd.getpwnam(name).pw_uid
        assert uid != 0
        yield Account(name=name, home=home, uid=uid)
    finally:
        _end_processes_of(pwd.getpwnam(name).pw_uid)
        gone = subprocess.run(["userdel", "-r", name], capture_output=True, text=True)
        assert gone.returncode == 0, gone.stderr
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def instructor(account):
    """The account with its own course copy, virtual environment and offline data."""
    started = time.monotonic()
    listed = subprocess.run(
        ["git", "-C", str(S.REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    )
    for relative in filter(None, listed.stdout.split("\0")):
        source = S.REPO / relative
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            target = account.course / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    account.give(account.course)
    account.timings["course copy"] = time.monotonic() - started

    torch = importlib.metadata.version("torch").split("+")[0]
    pip_env = {**account.env(PATH="/usr/bin:/bin"), **pip_settings()}
    account.must("venv", str(SYSTEM_PYTHON), "-m", "venv", str(account.venv), env=pip_env)
    pip = [str(account.venv / "bin" / "pip"), "install", "-q", "--no-compile"]
    # as .ci/run does: Debian's bundled pip resolves the instructor extra in ~50 s, a current one
    # in ~20 s (its upgrade takes ~1 s)
    account.must("pip upgrade", *pip, "--upgrade", "pip", env=pip_env)
    account.must(f"pip install torch=={torch}", *pip, f"torch=={torch}", env=pip_env)
    editable = f"{account.course}[instructor]"
    account.must("pip install -e course[instructor]", *pip, "-e", editable, env=pip_env)
    # the course's own bytecode, as the grader would leave it: graded runs then change nothing
    account.must("compileall", "python", "-m", "compileall", "-q", str(account.course / "src"))
    account.must("tp-course info", "tp-course", "info", cwd=account.course)
    return account


def snapshot(home: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file and link of ``home`` (but UNWATCHED), and of the files at the
    top of the virtual environment's site-packages (``.pth``, ``sitecustomize.py``…)."""
    found = {}
    for folder, dirs, files in os.walk(home):
        relative = Path(folder).relative_to(home)
        dirs[:] = [d for d in dirs if str(relative / d) not in UNWATCHED]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            stat = os.lstat(os.path.join(folder, name))
            found[str(relative / name)] = (stat.st_size, stat.st_mtime_ns)
    for site in (home / "venv" / "lib").glob("python*/site-packages"):
        for path in site.iterdir():
            if not path.is_dir() or path.is_symlink():
                stat = path.lstat()
                found[str(path.relative_to(home))] = (stat.st_size, stat.st_mtime_ns)
    return found


def rows_of(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def result_of(out: Path, student: str) -> dict:
    return json.loads((out / "results" / f"{student}.json").read_text())


def hint_04(out: Path, student: str) -> str:
    return next(e["hint"] for e in result_of(out, student)["exercises"] if e["id"] == "04")


@pytest.fixture(scope="module")
def graded(instructor):
    """The corpus, the self-solving submission and one writing in the temporary folders graded
    as the account, from its course folder; then the self-solving one alone, with
    ``--no-sandbox`` (the control)."""
    account = instructor
    home, course = account.home, account.course
    work = home / "work"
    submissions, out = work / "submissions", work / "out"
    source = course / "tests" / "fixtures" / "tiny_lab" / "tiny_lab.ipynb"
    (home / ".ssh").mkdir(mode=0o700)
    key = home / ".ssh" / "id_ed25519"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n(the instructor's own key)\n")
    key.chmod(0o600)
    (site,) = (account.venv / "lib").glob("python*/site-packages")
    tag = secrets.token_hex(6)
    outside = [Path(top) / f"tp-ordinary-{tag}.txt" for top in ("/tmp", "/var/tmp", "/dev/shm")]
    listener = Listener()
    targets = Targets(
        read=(
            str(source),
            str(course / "solutions" / "tp7_qa.ipynb"),
            str(key),
            str(submissions / "honest-full.ipynb"),
            str(out / "results" / "honest-full.json"),
            str(out / "results"),
        ),
        write=(
            str(course / "pwned.txt"),
            str(source),
            str(home / ".bashrc"),
            str(site / "sitecustomize.py"),
            str(submissions / "honest-full.ipynb"),
            str(out / "grades.csv"),
        ),  # /tmp, /var/tmp and /dev/shm are each run's own: WRITES_TMP checks they stay so
        port=listener.port,
    )
    try:
        scenarios = write_corpus(submissions, targets)
        solved, _ = solved_notebook()
        guesses = [source, source.parent, course / "solutions", course, submissions, out, home]
        self_solving = S.with_region(
            solved, "04", SELF_SOLVING.format(guesses=[str(p) for p in guesses])
        )
        S.write(self_solving, submissions / f"{SELF_SOLVER}.ipynb")
        writes_tmp = WRITES_TMP.format(paths=[str(p) for p in outside])
        S.write(S.with_region(solved, "04", writes_tmp), submissions / "writes-tmp.ipynb")
        account.give(home / ".ssh")
        account.give(work)
        before = snapshot(home)
        command = ["tp-course", "grade", str(submissions), "--out", str(out)]
        command += ["--source", str(source), "--timeout", str(CELL_TIMEOUT)]
        started = time.monotonic()
        done = account.run(*command, cwd=course, timeout=600)
        account.timings["tp-course grade"] = time.monotonic() - started
        after = snapshot(home)
    finally:
        listener.close()

    started = time.monotonic()
    control = work / "control"
    S.write(self_solving, control / "submissions" / f"{SELF_SOLVER}.ipynb")
    account.give(control)
    unconfined = account.run(
        *command[:2],
        str(control / "submissions"),
        "--out",
        str(control / "out"),
        *command[5:],
        "--no-sandbox",
        cwd=course,
        timeout=300,
    )
    account.timings["control run (--no-sandbox)"] = time.monotonic() - started
    yield {
        "account": account,
        "source": source,
        "out": out,
        "scenarios": scenarios,
        "done": done,
        "before": before,
        "after": after,
        "listener": listener,
        "outside": outside,
        "site": site,
        "control": control / "out",
        "unconfined": unconfined,
    }
    for path in outside:
        path.unlink(missing_ok=True)


def _output(done) -> str:
    return f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def test_the_account_grades_the_class(graded):
    account, done = graded["account"], graded["done"]
    timings = account.timings
    setup = sum(seconds for what, seconds in timings.items() if not what.startswith(GRADING))
    print(
        f"\nordinary account {account.name} (uid {account.uid}): set-up {setup:.1f} s ("
        + ", ".join(f"{what} {seconds:.1f} s" for what, seconds in timings.items())
        + ")"
    )
    assert done.returncode == 0, _output(done)
    rows = rows_of(graded["out"])
    assert set(rows) == {s.name for s in graded["scenarios"]} | {SELF_SOLVER, "writes-tmp"}


def test_the_honest_student_gets_full_marks(graded):
    row = rows_of(graded["out"])["honest-full"]
    assert row["status"] == "ok", row
    assert float(row["score"]) == float(row["max_score"]) == 10, row


def test_every_scenario_gets_what_the_corpus_expects(graded):
    out, rows = graded["out"], rows_of(graded["out"])
    wrong = []
    for scenario in graded["scenarios"]:
        row = rows[scenario.name]
        points = {e["id"]: e["points"] for e in result_of(out, scenario.name)["exercises"]}
        hint = hint_04(out, scenario.name)
        if (
            row["status"] != scenario.status
            or not scenario.reason_matches(row["reason"])
            or points != scenario.points
            or not hint.startswith(scenario.hint_04)
            or float(row["score"]) != sum(scenario.points.values())
        ):
            got = (row["status"], row["reason"], points)
            wrong.append(f"{scenario.name}: got {got} hint_04={hint!r}; expected {scenario}")
    assert not wrong, "\n".join(wrong)


def test_the_self_solving_submission_finds_no_solution(graded):
    out = graded["out"]
    row = rows_of(out)[SELF_SOLVER]
    hint = hint_04(out, SELF_SOLVER)
    assert (row["status"], row["ex04"]) == ("ok", "0"), (row, hint)
    assert [row["ex01"], row["ex02"], row["ex03"]] == ["1", "2", "3"], row
    found = NOTHING_FOUND.match(hint)
    assert found, hint
    print(f"\n{SELF_SOLVER}: {hint[:600]}")
    assert int(found[1]) > 0 and int(found[2]) > 0, hint  # it did look (the package's files)
    assert found[3] == "False", hint  # and looked everywhere it meant to


def test_the_same_submission_without_the_sandbox_solves_itself(graded):
    """The control: the hunt of the self-solving submission is real."""
    assert graded["unconfined"].returncode == 0, _output(graded["unconfined"])
    row = rows_of(graded["control"])[SELF_SOLVER]
    assert row["ex04"] == "4", (row, hint_04(graded["control"], SELF_SOLVER))


def test_no_connection_reached_the_grader_loopback(graded):
    assert graded["listener"].received == []
    assert rows_of(graded["out"])["opens-sockets"]["ex04"] == "0"


def test_nothing_outside_the_output_folder_changed(graded):
    before, after = graded["before"], graded["after"]
    changed = sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
    )
    assert changed == [], changed
    assert not (graded["site"] / "sitecustomize.py").exists()
    hint = hint_04(graded["out"], "writes-tmp")
    assert hint.startswith("the exercise cell raised PermissionError: wrote "), hint
    assert [str(path) for path in graded["outside"] if path.exists()] == [], hint
    assert {path.name for path in graded["out"].iterdir()} == GRADER_OUTPUT
    uid = graded["account"].uid
    tops = [Path(top) for top in ("/tmp", "/var/tmp", "/dev/shm") if os.path.isdir(top)]
    left = [str(p) for top in tops for p in top.iterdir() if p.lstat().st_uid == uid]
    assert left == [], left  # the runs' scratch folders are gone, and nothing else came


def test_the_enforced_line_carries_no_warning(graded):
    done = graded["done"]
    output = f"{done.stdout}\n{done.stderr}"
    lines = re.findall(r"^(?:WARNING )?sandbox: .*$", output, flags=re.M)
    assert len(lines) == 1, _output(done)
    line = lines[0]
    assert "WARNING" not in line, line
    assert "no network" in line and "instructor files hidden" in line, line
    assert "a uid of its own" not in line, line  # root's kernels get one; this grader is not root
    assert line in (graded["out"] / "summary.html").read_text(encoding="utf-8")
