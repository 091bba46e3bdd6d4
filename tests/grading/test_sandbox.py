"""The sandbox of every run (tp_helpers.grading.engine.policy, .child.confine, .child.supervisor).

Pure functions first (what is hidden, what a run's environment and policy are), then runs
forked from a reference process, tried from their code: each mechanism is checked where this
machine allows it and skipped, with the reason, where it does not.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from tp_helpers.grading import grade_submission, read_source
from tp_helpers.grading.engine import policy as sb
from tp_helpers.grading.engine.policy import GradingSettings
from tp_helpers.grading.model.submission import Submission

from . import students as S
from .forked import Runs

ISOLATION = sb.detect_isolation()
needs_network = pytest.mark.skipif(not ISOLATION.network, reason=f"{ISOLATION.missing}")
needs_mounts = pytest.mark.skipif(not ISOLATION.mounts, reason=f"{ISOLATION.missing}")
needs_own_uid = pytest.mark.skipif(ISOLATION.user != "private", reason="not root")


@pytest.fixture
def crossable():
    """A folder every uid can cross (pytest's own tmp_path is under a 0700 folder)."""
    import shutil

    folder = Path(tempfile.mkdtemp(prefix="tp-sandbox-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# -- pure functions -------------------------------------------------------------------------
def test_hidden_paths_cover_private_paths_and_course_entries_but_not_what_runs_need(tmp_path):
    course = tmp_path / "course"
    for folder in ("solutions", "src/pkg", ".venv/lib", ".git", "out"):
        (course / folder).mkdir(parents=True)
    (course / "gradebook.db").write_text("grades")
    (course / "link").symlink_to(course / "solutions")
    elsewhere = tmp_path / "exports"
    (elsewhere / "inner").mkdir(parents=True)
    keep = [course / "src" / "pkg", course / ".venv" / "lib"]
    hidden = sb.hidden_paths([elsewhere, elsewhere / "inner", course / "src"], [course], keep)
    assert hidden == tuple(
        str(course / name) for name in (".git", "gradebook.db", "out", "solutions")
    ) + (str(elsewhere),)


def test_course_dirs_are_the_working_folder_or_the_marked_one_and_this_checkout(tmp_path):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    source = course / "solutions" / "lab.ipynb"
    source.write_text("{}")
    checkout = S.REPO  # this package runs from an editable install in the repository
    assert sb.course_dirs(source, cwd=course) == [course.resolve(), checkout]
    assert sb.course_dirs(source, cwd=tmp_path / "nowhere") == [checkout]
    (course / "nbgrader_config.py").write_text("")
    assert sb.course_dirs(source, cwd=Path("/")) == [course.resolve(), checkout]


def test_blocked_folders_name_what_another_uid_cannot_cross(crossable):
    locked = crossable / "home"
    (locked / "python" / "lib").mkdir(parents=True)
    locked.chmod(0o700)
    needed = [locked / "python", locked / "python" / "lib"]
    assert sb.blocked_folders(needed) == {str(locked): [str(locked / "python")]}
    locked.chmod(0o755)
    assert sb.blocked_folders(needed) == {}


def test_the_summary_line_warns_about_what_is_not_enforced():
    limits = sb.Limits(memory=2 * sb.GIB, cpu=60)
    full = sb.Isolation(network=True, mounts=True, user="private")
    assert full.describe(limits) == (
        "sandbox: limits (memory 2 GiB, CPU 60 s), no network, instructor files hidden, writes "
        "only in the scratch folder, a uid of its own"
    )
    weak = sb.Isolation(missing=("mounts: PermissionError: Operation not permitted",))
    line = weak.describe(limits)
    assert line.startswith("WARNING sandbox: limits (memory 2 GiB, CPU 60 s); NOT enforced:")
    assert "the network is reachable" in line and "README 'Grading untrusted notebooks'" in line


def test_run_policy_and_environment(tmp_path):
    limits = sb.Limits()
    root = sb.run_policy(
        sb.Isolation(network=True, mounts=True, user="private"), limits, tmp_path, None, ["/x"]
    )
    assert root["limits"]["nproc"] == limits.nproc and root["hide"] == ["/x"]
    assert root["user"] == "private" and not root["userns"] and root["readonly_root"]
    user = sb.run_policy(sb.Isolation(network=True, userns=True), limits, tmp_path, None, ["/x"])
    assert user["limits"]["nproc"] is None  # per uid: it would count the instructor's processes
    assert user["userns"] and user["hide"] == [] and not user["mounts"]
    before = dict(os.environ)
    env = sb.scratch_env({"HF_HOME": "/root/.cache/hf", "PATH": "/bin"}, tmp_path, sb.NO_ISOLATION)
    assert os.environ == before
    assert env["HOME"] == str(tmp_path) and env["TMPDIR"] == str(tmp_path / "tmp")
    assert "HF_HOME" not in env and env["PATH"] == "/bin"


# -- runs forked from a reference ------------------------------------------------------------
@pytest.fixture(scope="module")
def box():
    """A run folder, a course with a 'secret' source and an output folder, the settings."""
    import shutil

    course = Path(tempfile.mkdtemp(prefix="tp-sandbox-course-"))
    course.chmod(0o755)  # crossable: only the sandbox may stop a run from reading it
    (course / "solutions").mkdir()
    (course / "solutions" / "lab.ipynb").write_text("the solutions")
    (course / "out").mkdir()
    run_root = Path(tempfile.mkdtemp(prefix="tp-grade-test-"))
    run_root.chmod(0o711)
    (run_root / "runs").mkdir(mode=0o711)
    (run_root / "runs" / "r-other").mkdir(mode=0o755)
    (run_root / "runs" / "r-other" / "work.txt").write_text("another student's work")
    settings = sb.prepare(
        run_root,
        private=[course / "out", course / "solutions"],
        course=[course, S.REPO],  # the course, and this checkout (as course_dirs gives)
        limits=sb.Limits(memory=1 * sb.GIB, cpu=600),
    )
    yield course, run_root, settings
    shutil.rmtree(run_root, ignore_errors=True)
    shutil.rmtree(course, ignore_errors=True)


@pytest.fixture(scope="module")
def runs(box):
    runs = Runs(box)
    yield runs
    runs.close()


def value(runs, code: str) -> str:
    run = runs.run(code)
    assert not run.raised, run.error or run.died
    return run.stdout.strip()


def outcome(runs, code: str) -> str:
    """'ok', or the exception name a run raised."""
    run = runs.run(code)
    return "ok" if not run.raised else (run.error or ("died",))[0]


def test_a_run_has_this_interpreter_and_package_in_its_scratch_folder(runs):
    import sys

    assert value(runs, "import sys; print(sys.executable)") == sys.executable
    assert value(runs, "import tp_helpers.checks.tp7_qa; print('imported')") == "imported"
    home = value(runs, "import os; print(os.getcwd() == os.environ['HOME'])")
    assert home == "True"
    assert outcome(runs, "open('notes.txt', 'w').write('mine')") == "ok"
    assert outcome(runs, "open('notes.txt').read()") == "FileNotFoundError"  # a new run


@needs_own_uid
def test_a_root_grader_runs_each_run_under_a_uid_of_its_own(runs):
    uid = int(value(runs, "import os; print(os.getuid())"))
    assert uid >= 1 << 30 and uid != os.getuid()
    assert int(value(runs, "import os; print(os.getuid())")) != uid  # each run its own
    assert outcome(runs, "import os; os.setuid(0)") == "PermissionError"


@needs_mounts
def test_instructor_paths_and_other_students_are_out_of_reach(runs, box):
    course, run_root, _ = box
    assert outcome(runs, f"open({str(course / 'solutions' / 'lab.ipynb')!r}).read()") in (
        "FileNotFoundError",
        "PermissionError",
    )
    listing = runs.run(f"import os; print(os.listdir({str(course / 'out')!r}))")
    assert listing.stdout.strip() == "[]" or listing.error[0] == "FileNotFoundError"
    other = run_root / "runs" / "r-other" / "work.txt"
    assert outcome(runs, f"open({str(other)!r}).read()") in (
        "FileNotFoundError",
        "PermissionError",
    )
    assert outcome(runs, f"open({str(S.REPO / 'solutions' / 'tp7_qa.ipynb')!r})") != "ok"
    homes = [p for p in Path("/home").glob("*") if p not in sb.needed_paths()]
    for home in homes[:3]:  # everyone's files: covered, but for what the run needs
        assert value(runs, f"import os; print(os.path.exists({str(home)!r}))") == "False"


@needs_mounts
def test_libraries_installed_under_tmp_still_import_in_runs(tmp_path, solved_nb):
    """/tmp is each run's own: what the interpreter imports from there (a virtual environment
    made under /tmp, a PYTHONPATH entry) is bound back into it."""
    extra = Path(tempfile.mkdtemp(prefix="tp-extra-", dir="/tmp"))
    extra.chmod(0o755)  # as a virtual environment's folders are
    try:
        (extra / "tp_extra_squares.py").write_text(
            "def squares(data):\n    return [v * v for v in data]\n"
        )
        code = "from tp_extra_squares import squares as tp_squares\nsquares = tp_squares(data)"
        S.write(S.with_region(solved_nb, "04", code), tmp_path / "subs" / "ada.ipynb")
        command = [sys.executable, "-m", "tp_helpers.cli", "grade", str(tmp_path / "subs")]
        command += ["--out", str(tmp_path / "out"), "--source", str(S.TINY_LAB), "--timeout", "20"]
        env = {**os.environ, "PYTHONPATH": str(extra), "OMP_NUM_THREADS": "1"}
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        row = (tmp_path / "out" / "grades.csv").read_text().splitlines()[1].split(",")
        assert row[:3] == ["ada", "ok", "10"], row
    finally:
        shutil.rmtree(extra, ignore_errors=True)


@needs_mounts
def test_writes_outside_the_scratch_folder_fail_or_vanish(runs, box):
    course, _, _ = box
    for path in (course / "out" / "grades.csv", course / "new.txt", S.REPO / "pwned.txt"):
        assert outcome(runs, f"open({str(path)!r}, 'w')") in (
            "OSError",
            "PermissionError",
            "FileNotFoundError",  # a course under /tmp: the run's /tmp does not hold it
        )
        assert not path.exists()
    for folder in ("/tmp", "/dev/shm"):  # writable, but the run's own: gone with it
        marker = f"{folder}/tp-sandbox-test-{uuid.uuid4().hex[:6]}"
        if not os.path.isdir(folder):
            continue
        assert outcome(runs, f"open({marker!r}, 'w').write('x')") == "ok"
        assert not Path(marker).exists()
        assert outcome(runs, f"open({marker!r}).read()") == "FileNotFoundError"


@needs_network
def test_no_network_not_even_the_graders_loopback(runs):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    port = server.getsockname()[1]
    try:
        for address in (("127.0.0.1", port), ("1.1.1.1", 53)):
            code = f"import socket; socket.create_connection({address!r}, timeout=3)"
            assert outcome(runs, code) == "OSError"
        with pytest.raises(TimeoutError):
            server.accept()
    finally:
        server.close()


def test_the_memory_limit_raises_memoryerror_and_the_next_run_is_fine(runs):
    assert outcome(runs, "blob = bytearray(2 * 2**30)") == "MemoryError"
    assert value(runs, "print(1 + 1)") == "2"


@needs_mounts
def test_processes_left_by_a_run_are_killed_with_it(runs):
    import psutil

    tag = f"{600 + uuid.uuid4().int % 1000 / 1000:.3f}"
    code = f"import subprocess; subprocess.Popen(['sleep', '{tag}'], start_new_session=True)"
    assert outcome(runs, code) == "ok"

    def left() -> list:
        found = []
        for proc in psutil.process_iter(["cmdline", "status"]):
            if proc.info["cmdline"] == ["sleep", tag] and proc.info["status"] != "zombie":
                found.append(proc.pid)
        return found

    import time

    deadline = time.monotonic() + 5  # SIGKILL is delivered, not waited for
    while left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left() == []


def test_the_cpu_limit_kills_the_run_with_sigxcpu(box):
    runs = Runs(box, limits=sb.Limits(memory=None, cpu=2), timeout=60)
    try:
        reply = runs.reply("while True:\n    pass")
        assert reply["outcome"] == "died" and reply["signal"] == signal.SIGXCPU
        assert reply["exit"] == "killed by SIGXCPU"
    finally:
        runs.close()


def test_a_cpu_limit_hit_is_status_timeout(box, tmp_path, solved_nb):
    course, run_root, settings = box
    settings = GradingSettings(
        run_root=run_root,
        timeout=60,
        threads=1,
        sandbox=dataclasses.replace(settings, limits=sb.Limits(cpu=2)),
    )
    path = S.write(S.with_region(solved_nb, "04", "while True:\n    pass"), tmp_path / "s.ipynb")
    result = grade_submission(Submission("s", path), read_source(S.TINY_LAB), settings)
    assert (result.status, result.score) == ("timeout", 6)
    assert result.reason == "the cell of exercise 04 used its 2 s of CPU time"
