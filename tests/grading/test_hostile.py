"""A class of broken and hostile submissions graded in one run (tests/grading/hostile/).

The run must finish with exit code 0; the honest students get exactly the grade they get alone;
every bad one gets its status and reason; nothing outside the grading scratch area changes; the
network, the instructor's files and the course folder are out of the kernels' reach; a run
interrupted (SIGINT) then killed (SIGKILL) half-way resumes to the same CSV without regrading
anyone. Also measures the corpus's grading time and the grader's peak memory (printed).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from tp_helpers.grading import grade_class
from tp_helpers.grading.engine.policy import detect_isolation

from . import students as S
from .hostile.corpus import CELL_TIMEOUT, Targets, write_corpus

pytestmark = pytest.mark.slow

GRADER_OUTPUT = {"results", "feedback", "grades.csv", "summary.html"}
#: runs the CLI and reports the peak memory of the grader process itself (not its kernels):
#: VmHWM, the peak of this program's own memory. ``ru_maxrss`` would not do: Linux carries it
#: over an exec from the forked copy of pytest, so it reported pytest's size, not the grader's.
MEASURED_CLI = (
    "import re, resource, sys\n"
    "from tp_helpers.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status').read()\n"
    "own = int(re.search(r'VmHWM:\\s*(\\d+)', status).group(1))\n"
    "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(f'PEAK grader_kib={own} largest_child_kib={kids}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


class Listener:
    """A TCP server on the grader's loopback; records whatever reaches it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(100) or b"(connected)")
                except OSError:
                    self.received.append(b"(connected)")

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def tree_digest(folder: Path, skip: set[str] = frozenset()) -> dict[str, str]:
    """sha256 of every file under ``folder`` (top-level names in ``skip`` left out)."""
    digest = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if relative.parts[0] in skip or not path.is_file():
            continue
        digest[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def grade_cli(submissions: Path, out: Path, source: Path, cwd: Path, *extra: str):
    command = [sys.executable, "-c", MEASURED_CLI, "grade", str(submissions), "--out", str(out)]
    command += ["--source", str(source), "--timeout", str(CELL_TIMEOUT), *extra]
    tag = uuid.uuid4().hex  # finds the grader's worker processes, even orphaned
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TP_TEST_GRADER_TAG": tag}
    grader = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    grader.tag = tag
    return grader


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder: the source, a gradebook, the submissions; the graded corpus in out/."""
    course = tmp_path_factory.mktemp("hostile") / "course"
    source = course / "solutions" / "tiny_lab.ipynb"
    source.parent.mkdir(parents=True)
    source.write_bytes(S.TINY_LAB.read_bytes())
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    (course / "gradebook.db").write_bytes(b"SQLite format 3\x00 (the instructor's gradebook)")
    submissions, out = course / "submissions", course / "out"
    listener = Listener()
    targets = Targets(
        read=(
            str(source),
            str(S.REPO / "solutions" / "tp7_qa.ipynb"),
            str(S.TINY_LAB),
            str(S.REPO / ".git"),
            str(course / "gradebook.db"),
            str(submissions / "honest-full.ipynb"),
            str(out / "results" / "honest-full.json"),
            str(out / "results"),
        ),
        write=(
            str(course / "pwned.txt"),
            str(source),
            str(submissions / "honest-full.ipynb"),
            str(out / "results" / "honest-full.json"),
            str(out / "grades.csv"),
            str(S.REPO / "pwned-by-a-student.txt"),
        ),  # /tmp and /dev/shm are each run's own, thrown away with it (test_sandbox.py)
        port=listener.port,
    )
    scenarios = write_corpus(submissions, targets)
    before = tree_digest(course, skip={"out"})
    started = time.monotonic()
    grader = grade_cli(submissions, out, source, course, "--jobs", "2")
    stdout, stderr = grader.communicate(timeout=600)
    seconds = time.monotonic() - started
    listener.close()
    yield {
        "course": course,
        "source": source,
        "submissions": submissions,
        "out": out,
        "scenarios": scenarios,
        "before": before,
        "returncode": grader.returncode,
        "stdout": stdout,
        "stderr": stderr,
        "seconds": seconds,
        "listener": listener,
        "grader_pid": grader.pid,
    }
    for leftover in (S.REPO / "pwned-by-a-student.txt",):
        leftover.unlink(missing_ok=True)


def _orphans(tag: str) -> list[int]:
    """Worker processes of a killed grader (``grade_cli``'s tag) still running."""
    import psutil

    left = []
    for proc in psutil.process_iter(["cmdline", "ppid"]):
        cmdline = " ".join(proc.info.get("cmdline") or [])
        if proc.info.get("ppid") == 1 and "multiprocessing-fork" in cmdline:
            try:
                environ = proc.environ()
            except psutil.Error:
                continue
            if environ.get("TP_TEST_GRADER_TAG") == tag:
                left.append(proc.pid)
    return left


def rows_of(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_the_class_run_completes_and_reports_its_cost(course):
    assert course["returncode"] == 0, course["stderr"][-3000:]
    peak = next(line for line in course["stderr"].splitlines() if line.startswith("PEAK"))
    grader_mib = int(peak.split()[1].split("=")[1]) / 1024
    print(
        f"\nhostile corpus: {len(course['scenarios'])} submissions graded in "
        f"{course['seconds']:.1f} s (--jobs 2); grader peak RSS {grader_mib:.0f} MiB; {peak}"
    )
    assert grader_mib < 600  # a 50 MB print must not be held by the grader
    assert len(rows_of(course["out"])) == len(course["scenarios"])
    assert "sandbox: " in course["stdout"]


def test_every_submission_gets_its_status_reason_and_points(course):
    rows = rows_of(course["out"])

    wrong = []
    for scenario in course["scenarios"]:
        row = rows[scenario.name]
        result = json.loads((course["out"] / "results" / f"{scenario.name}.json").read_text())
        points = {e["id"]: e["points"] for e in result["exercises"]}
        hint_04 = next(e["hint"] for e in result["exercises"] if e["id"] == "04")
        got = (row["status"], row["reason"], points)
        if (
            row["status"] != scenario.status
            or not scenario.reason_matches(row["reason"])
            or points != scenario.points
            or not hint_04.startswith(scenario.hint_04)
            or float(row["score"]) != sum(scenario.points.values())
        ):
            wrong.append(f"{scenario.name}: got {got} hint_04={hint_04!r}")
    assert not wrong, "\n".join(wrong)


def test_tampering_never_gets_full_marks(course):
    rows = rows_of(course["out"])
    tampered = [row for row in rows.values() if row["status"] == "tampered"]
    assert len(tampered) == 6
    assert all(float(row["score"]) < float(row["max_score"]) for row in tampered)


def test_honest_students_get_what_they_get_alone(course, tmp_path):
    rows = rows_of(course["out"])
    for name in ("honest-full", "honest-partial"):
        alone = tmp_path / name
        alone.mkdir()
        notebook = course["submissions"] / f"{name}.ipynb"
        (alone / notebook.name).write_bytes(notebook.read_bytes())
        run = grade_class(
            alone, tmp_path / f"{name}-out", course["source"], timeout=CELL_TIMEOUT, progress=False
        )
        assert rows_of(tmp_path / f"{name}-out")[name] == rows[name]
        assert run.results[0].status == "ok"


def test_nothing_outside_the_scratch_area_changed(course):
    after = tree_digest(course["course"], skip={"out"})
    assert after == course["before"]
    out_files = {p.relative_to(course["out"]).parts[0] for p in course["out"].iterdir()}
    assert out_files == GRADER_OUTPUT  # nothing but what the grader writes
    assert not (S.REPO / "pwned-by-a-student.txt").exists()
    for owner in Path(tempfile.gettempdir()).glob("tp-grade-*/grader.json"):  # cleaned up
        assert json.loads(owner.read_text())["pid"] != course["grader_pid"], owner


def test_kernels_reached_no_network_and_no_instructor_file(course):
    if not detect_isolation().complete:
        pytest.skip(f"not enforced on this machine: {detect_isolation().describe}")
    assert course["listener"].received == []
    rows = rows_of(course["out"])
    assert rows["opens-sockets"]["ex04"] == "0"  # the hints say 0 of N (previous test)


#: the students of the interrupted run: quick ones, and one of each kind of trouble
RESUMED = (
    "honest-full",
    "honest-partial",
    "invalid-json",
    "nbformat-3",
    "os-exit",
    "kill-9-self",
    "check-cell-edited",
    "builtins-patched",
    "infinite-loop",
)


def test_a_run_interrupted_then_killed_resumes_to_the_same_csv(course, tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for name in RESUMED:
        notebook = course["submissions"] / f"{name}.ipynb"
        (submissions / notebook.name).write_bytes(notebook.read_bytes())
    out = tmp_path / "out"
    results = out / "results"

    def wait_for(count: int, grader) -> None:
        deadline = time.monotonic() + 120
        while len(list(results.glob("*.json"))) < count:
            assert grader.poll() is None, grader.stderr.read()[-2000:]
            assert time.monotonic() < deadline
            time.sleep(0.1)

    # a batch is graded together and its results arrive together: batches of 2 let the
    # interruptions fall between results
    jobs = ("--jobs", "2", "--batch", "2")
    first = grade_cli(submissions, out, course["source"], course["course"], *jobs)
    wait_for(3, first)
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 130 and "run the same command again" in stderr, stderr[-3000:]
    list(csv.DictReader((out / "grades.csv").open()))  # a complete CSV of what was graded

    second = grade_cli(submissions, out, course["source"], course["course"], *jobs)
    wait_for(len(list(results.glob("*.json"))) + 2, second)
    second.kill()
    second.wait(timeout=30)
    kept = {p.name: p.stat().st_mtime_ns for p in results.glob("*.json")}
    list(csv.DictReader((out / "grades.csv").open()))  # never half a file

    third = grade_cli(submissions, out, course["source"], course["course"], *jobs)
    stdout, stderr = third.communicate(timeout=600)
    assert third.returncode == 0, stderr[-2000:]
    assert f"skipped {len(kept)} already graded" in stdout
    assert {name: results.joinpath(name).stat().st_mtime_ns for name in kept} == kept
    whole = (course["out"] / "grades.csv").read_text().splitlines()
    expected = [whole[0], *(line for line in whole[1:] if line.split(",")[0] in RESUMED)]
    assert (out / "grades.csv").read_text().splitlines() == expected
    time.sleep(1.5)  # the killed run's workers see their parent gone and exit
    assert _orphans(second.tag) == []
