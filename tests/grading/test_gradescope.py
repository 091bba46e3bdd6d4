"""The Gradescope autograder (platforms.gradescope, grading.autograder): the zip, and its real
``run_autograder`` on a local ``/autograder`` folder, graded by the real engine (tiny lab)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tp_helpers import cli
from tp_helpers.data import cache_root
from tp_helpers.grading import autograder, grade_class
from tp_helpers.grading.autograder import main
from tp_helpers.grading.model.result import ExerciseResult, StudentResult
from tp_helpers.grading.platforms import gradescope
from tp_helpers.grading.platforms.gradescope import (
    build_autograder,
    exercise_name,
    find_notebook,
    student_results,
)

from . import students as S

SCHEMA = S.REPO / "tests" / "fixtures" / "gradescope_results.schema.json"
LAB = S.TINY_LAB.name  # tiny_lab.ipynb
KILLER = "import os\nos.kill(os.getpid(), 9)"


def validate(results: dict) -> None:
    """Check ``results`` against Gradescope's documented results.json fields."""
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(results, json.loads(SCHEMA.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    return build_autograder(tmp_path_factory.mktemp("zip") / "autograder.zip", S.TINY_LAB)


@pytest.fixture(scope="module")
def scenarios(tiny_nb, solved_nb) -> dict[str, object]:
    """The notebook of each graded scenario (a string: the file's text)."""
    return {
        "honest": solved_nb,
        "partial": S.with_region(solved_nb, "03", "spread = 0"),
        "broken": "{ this is not json",
        "kernel-killer": S.with_region(solved_nb, "04", KILLER),
    }


@pytest.fixture(scope="module")
def class_grades(tmp_path_factory, scenarios) -> dict[str, StudentResult]:
    """The same notebooks graded by ``tp-course grade``'s engine from a flat folder."""
    root = tmp_path_factory.mktemp("flat")
    for name, nb in scenarios.items():
        _write(nb, root / "submissions" / f"{name}.ipynb")
    run = grade_class(root / "submissions", root / "out", S.TINY_LAB, progress=False)
    return {result.student_id: result for result in run.results}


def _write(nb, path: Path) -> None:
    if isinstance(nb, str):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nb, encoding="utf-8")
    else:
        S.write(nb, path)


def run_script(autograder_zip: Path, root: Path, submission: dict[str, object]) -> dict:
    """Lay out ``root`` as Gradescope does, run the zip's ``run_autograder``, read the results."""
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir(parents=True)
    for name, nb in submission.items():
        _write(nb, root / "submission" / name)
    env = dict(
        os.environ,
        AUTOGRADER_ROOT=str(root),
        TP_AUTOGRADER_PYTHON=sys.executable,
        TP_AUTOGRADER_DATA=str(cache_root()),
    )
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate(results)
    return results


def _expected_tests(result: StudentResult) -> list[tuple]:
    return [
        (f"Exercise {e.id}", e.points, e.max_points, "passed" if e.passed else "failed", e.hint)
        for e in result.exercises
    ]


@pytest.mark.parametrize(
    ("scenario", "file_name", "status", "score", "words"),
    [
        ("honest", f"work/{S.TINY_LAB.stem} (1).ipynb", "ok", 10, "10/10 points"),
        ("partial", LAB, "ok", 7, "7/10 points"),
        ("broken", LAB, "invalid_notebook", 0, "could not be read as a Jupyter notebook"),
        ("kernel-killer", LAB, "kernel_died", 6, "process running a cell or a check exited"),
    ],
)
def test_run_autograder_gives_the_class_grades(
    autograder_zip,
    tmp_path,
    scenarios,
    class_grades,
    tiny_nb,
    scenario,
    file_name,
    status,
    score,
    words,
):
    submission = {file_name: scenarios[scenario]}
    if scenario == "partial":  # the notebook named like the lab wins over another one
        submission["scratch.ipynb"] = S.student_copy(tiny_nb)
    results = run_script(autograder_zip, tmp_path / "autograder", submission)

    expected = class_grades[scenario]
    assert (expected.status, expected.score) == (status, score)
    assert results["score"] == expected.score
    got = [
        (t["name"], t["score"], t["max_score"], t["status"], t["output"]) for t in results["tests"]
    ]
    assert got == _expected_tests(expected)
    assert {t["visibility"] for t in results["tests"]} == {"visible"}
    assert words in results["output"]
    text = json.dumps(results, ensure_ascii=False)
    assert not [line for line in S.hidden_test_lines(tiny_nb) if line in text]
    assert "Traceback" not in text


@pytest.mark.parametrize(
    ("files", "words"),
    [
        (
            {"notes.txt": "my answers are in Colab"},
            "No Jupyter notebook (.ipynb) in your submission",
        ),
        ({"lab.ipynb": "{}", "draft.ipynb": "{}"}, "holds 2 notebooks (draft.ipynb, lab.ipynb)"),
    ],
    ids=["no-notebook", "two-notebooks"],
)
def test_no_notebook_to_grade_fails_every_exercise_and_says_why(
    autograder_zip, tmp_path, files, words
):
    results = run_script(autograder_zip, tmp_path / "autograder", files)
    assert results["score"] == 0 and words in results["output"]
    assert f"named {LAB}" in results["output"] or f"notebook, {LAB}" in results["output"]
    assert [(t["name"], t["status"], t["max_score"]) for t in results["tests"]] == [
        ("Exercise 01", "failed", 1),
        ("Exercise 02", "failed", 2),
        ("Exercise 03", "failed", 3),
        ("Exercise 04", "failed", 4),
    ]
    assert all(t["output"] == results["output"] for t in results["tests"])


@pytest.mark.parametrize(
    ("names", "chosen"),
    [
        (["tiny_lab.ipynb", "scratch.ipynb"], "tiny_lab.ipynb"),
        (
            ["sub/Tiny_Lab.ipynb", ".ipynb_checkpoints/tiny_lab-checkpoint.ipynb"],
            "sub/Tiny_Lab.ipynb",
        ),
        (["homework.ipynb", "README.md"], "homework.ipynb"),
        (["tiny_lab (1).ipynb", "scratch.ipynb"], "tiny_lab (1).ipynb"),
        (["tiny_lab-2.ipynb", "notes.ipynb"], "tiny_lab-2.ipynb"),
        (["Copy of tiny_lab.ipynb", "other.ipynb"], "Copy of tiny_lab.ipynb"),
        (["tiny_lab (1).ipynb", "tiny_lab (2).ipynb"], None),
        (["a/tiny_lab.ipynb", "b/tiny_lab.ipynb"], None),
        (["__MACOSX/tiny_lab.ipynb"], None),
    ],
)
def test_find_notebook(tmp_path, names, chosen):
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    if chosen is None:
        with pytest.raises(Exception, match="Submit again|No Jupyter notebook") as caught:
            find_notebook(tmp_path, LAB)
        assert type(caught.value).__name__ == "SubmissionProblem"
    else:
        assert find_notebook(tmp_path, LAB) == tmp_path / chosen


def test_a_grader_failure_still_writes_valid_results(tmp_path, capsys):
    root = tmp_path / "autograder"
    S.write(S.read(), root / "submission" / LAB)
    assert main(["--root", str(root), "--source", str(tmp_path / "missing.ipynb")]) == 0
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate(results)
    assert results["score"] == 0
    [test] = results["tests"]
    assert test["name"] == "Autograder" and test["status"] == "failed"
    assert "Grading failed" in test["output"] and "tell your instructor" in test["output"]
    assert "Traceback" in capsys.readouterr().out  # the instructor's log, not the student's


def test_run_autograder_writes_results_when_python_cannot_start(autograder_zip, tmp_path):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), TP_AUTOGRADER_PYTHON="/bin/false")
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env)
    assert done.returncode == 0
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate(results)
    assert results["score"] == 0 and "could not start (exit status 1)" in results["output"]


def test_the_deadline_stops_grading_with_valid_results(tmp_path, solved_nb):
    """A notebook stuck in a cell meets the deadline set before Gradescope's own limit."""
    import psutil

    root = tmp_path / "autograder"
    stuck = S.with_region(solved_nb, "04", "import time\ntime.sleep(60)\nsquares = []")
    S.write(stuck, root / "submission" / LAB)
    args = ["--root", str(root), "--source", str(S.TINY_LAB), "--deadline", "3"]
    assert main(args) == 0
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate(results)
    assert results["score"] == 0 and "did not finish (out of time after 3 s)" in results["output"]
    assert results["execution_time"] <= 10
    _, alive = psutil.wait_procs(psutil.Process().children(recursive=True), timeout=10)
    assert not alive  # the reference and the runs ended with the grader


def test_statuses_and_titles_in_words():
    exercise = ExerciseResult(
        "06", 0, 2, False, "the last token is off by one", "Last context token"
    )
    result = StudentResult("s", "timeout", "cell 4 ran over 120 s", [exercise], 0, 2, lab="TP7")
    results = student_results(result, 12.4)
    validate(results)
    assert results["execution_time"] == 12
    assert results["tests"][0]["name"] == "Exercise 06 · Last context token"
    assert results["output"].splitlines()[:2] == [
        "TP7: 0/2 points; 0 of 1 exercises passed.",
        "A cell, a check or the whole notebook ran past its time limit and was stopped; the "
        "exercises that did not finish in time scored 0 (cell 4 ran over 120 s).",
    ]
    assert exercise_name("06", "") == "Exercise 06"


def test_the_zip_holds_the_scripts_the_source_and_the_wheel(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        assert archive.read(LAB) == S.TINY_LAB.read_bytes()
        [wheel] = [name for name in infos if name.endswith(".whl")]
        assert wheel.startswith("tp_helpers-") and "/" not in wheel
        archive.extractall(tmp_path)
    assert {"setup.sh", "run_autograder", "constraints.txt", LAB} <= set(infos)
    for script in ("setup.sh", "run_autograder"):
        mode = infos[script].external_attr >> 16
        assert stat.S_ISREG(mode) and mode & 0o111 == 0o111, oct(mode)
        done = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True)
        assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / wheel) as package:
        names = package.namelist()
        assert "tp_helpers/grading/autograder.py" in names
        # the package data: the scripts' templates and the pages' stylesheet
        assert "tp_helpers/grading/platforms/gradescope/run_autograder" in names
        assert "tp_helpers/grading/platforms/gradescope/setup.sh" in names
        assert "tp_helpers/grading/report/style.css" in names
    setup = (tmp_path / "setup.sh").read_text()
    assert "--index-url https://download.pytorch.org/whl/cpu" in setup
    assert f"./{wheel}[instructor]" in setup and "tp-course info" in setup
    assert "transformers==" in (tmp_path / "constraints.txt").read_text()


def fake_image(folder: Path, version: tuple[int, int, int]) -> dict[str, str]:
    """PATH for a base image whose ``python3`` is ``version`` (the real interpreter, told it is
    that version), and whose ``apt-get`` and any other ``python3`` use are recorded, not run."""
    folder.mkdir()
    log = folder / "calls.log"
    python = folder / "python3"
    python.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "python3 $*" >> {log}\n'
        'if [ "$1" = -c ]; then\n'
        f'  exec {sys.executable} -c "import sys; sys.version_info = {version + ("final", 0)!r}; '
        "exec(compile(sys.argv[1], '<c>', 'exec'))\" \"$2\"\n"
        "fi\nexit 99\n"
    )
    apt = folder / "apt-get"
    apt.write_text(f'#!/usr/bin/env bash\necho "apt-get $*" >> {log}\n')
    for tool in (python, apt):
        tool.chmod(0o755)
    return dict(os.environ, PATH=f"{folder}:{os.environ['PATH']}")


def test_setup_stops_on_an_old_base_image_and_names_the_one_to_choose(autograder_zip, tmp_path):
    """Gradescope keeps a duplicated assignment's base image: on Ubuntu 18.04 (Python 3.6)
    setup.sh must stop before installing anything, in words the instructor can act on."""
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(tmp_path / "source")
    env = fake_image(tmp_path / "bin", (3, 6, 9))
    done = subprocess.run(
        ["bash", str(tmp_path / "source" / "setup.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("setup.sh: this base image has Python 3.6; the TP7 grader needs")
    assert "'Ubuntu 22.04' (Python 3.10)" in message and "Configure Autograder" in message
    calls = (tmp_path / "bin" / "calls.log").read_text()
    assert "venv" not in calls and "pip" not in calls and "apt-get" not in calls


def test_setup_never_falls_back_to_unpinned_versions(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        setup = archive.read("setup.sh").decode()
        constraints = archive.read("constraints.txt").decode()
    python = "{}.{}".format(*sys.version_info[:2])
    assert constraints.startswith(f"# pinned on Python {python}")
    installs = [
        line for line in setup.splitlines() if "pip install" in line and "--upgrade" not in line
    ]
    assert installs and all("==" in line or "-c constraints.txt" in line for line in installs)
    assert setup.count("|| stop ") == 2  # a failed pinned install stops, saying why


def test_cli_writes_the_zip_and_says_what_to_do_next(autograder_zip, tmp_path, capsys):
    with zipfile.ZipFile(autograder_zip) as archive:
        [wheel] = [name for name in archive.namelist() if name.endswith(".whl")]
        archive.extract(wheel, tmp_path)
    out = tmp_path / "autograder.zip"
    args = ["gradescope", "--out", str(out), "--source", str(S.TINY_LAB)]
    assert cli.main([*args, "--wheel", str(tmp_path / wheel), "--time-limit", "20"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "Update Autograder" in printed and "Settings" in printed
    with zipfile.ZipFile(out) as archive:
        assert "--deadline 1170" in archive.read("run_autograder").decode()


@pytest.mark.parametrize(
    ("settings", "cpus", "memory"),
    [
        ({"cpu.max": "50000 100000", "memory.max": str(768 * 2**20)}, 0.5, 768 * 2**20),
        ({"cpu/cpu.cfs_quota_us": "200000", "cpu/cpu.cfs_period_us": "100000"}, 2, None),
        ({"cpu.max": "max 100000", "memory.max": "max"}, None, None),
        ({"memory/memory.limit_in_bytes": "9223372036854771712"}, None, None),
    ],
)
def test_container_limits_from_cgroups(monkeypatch, settings, cpus, memory):
    monkeypatch.setattr(gradescope, "_cgroup_value", lambda name: settings.get(name, ""))
    assert (gradescope.cpu_quota(), gradescope.memory_limit()) == (cpus, memory)
    if cpus == 0.5:  # half a CPU: one thread per run, and a warning for the instructor
        assert autograder._cpu_threads() == 1
        assert "WARNING" in gradescope.container_line()


# -- late work: Gradescope's submission metadata and the course file's rule ---------------------

LATE_COURSE = """\
timezone = "America/Los_Angeles"

[late]
grace = "15m"
penalty = "10%"
per = "day"
cap = "50%"

[labs.tiny_lab]
points = 10
due = 2026-12-01T23:59:00
"""


def metadata(created_at: str, *own_due_dates: str, due: str = "2026-12-01T23:59:00.000000-08:00"):
    """``submission_metadata.json`` as Gradescope writes it (its documented fields, and each
    user's own dates, where an extension granted on Gradescope shows)."""
    dates = {"late_due_date": "2026-12-08T23:59:00.000000-08:00",
             "release_date": "2026-11-17T08:00:00.000000-08:00"}  # fmt: skip
    users = [
        {"email": f"student{n}@example.edu", "id": 4100 + n, "name": f"Student {n}",
         "assignment": {**dates, "due_date": own}}
        for n, own in enumerate(own_due_dates or [due])
    ]  # fmt: skip
    return {
        "id": 123456,
        "created_at": created_at,
        "assignment": {
            **dates, "due_date": due, "group_size": None, "group_submission": False,
            "id": 25828, "course_id": 1234, "title": "Tiny lab", "total_points": "10.0",
        },
        "submission_method": "upload",
        "users": users,
        "previous_submissions": [],
    }  # fmt: skip


def test_gradescope_times_and_the_course_rule_make_the_score(tmp_path, solved_nb, capsys):
    """The autograder as Gradescope runs it: the course file in the zip (beside the source),
    ``submission_metadata.json`` beside ``submission/``. The student's own due date (a day's
    extension granted on Gradescope) applies: 9 h 31 min late is one started day, 10%."""
    root = tmp_path / "autograder"
    S.write(solved_nb, root / "submission" / LAB)
    source = root / "source" / LAB
    source.parent.mkdir(parents=True)
    shutil.copy(S.TINY_LAB, source)
    (source.parent / "course.toml").write_text(LATE_COURSE)
    extended = "2026-12-02T23:59:00.000000-08:00"
    meta = metadata("2026-12-03T09:30:12.365935-08:00", extended)
    (root / "submission_metadata.json").write_text(json.dumps(meta))
    assert main(["--root", str(root), "--source", str(source)]) == 0
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate(results)
    assert results["score"] == 9
    *exercises, penalty = results["tests"]
    assert [t["score"] for t in exercises] == [1, 2, 3, 4]  # the automatic points, as graded
    assert (penalty["name"], penalty["score"], penalty["max_score"]) == ("Late penalty", -1, 0)
    assert "Handed in 9 hours 31 minutes after the due date" in penalty["output"]
    assert "Late penalty −1" in results["output"] and "Final score: 9/10." in results["output"]
    log = capsys.readouterr().out
    assert "due 2 December 2026, 23:59 (America/Los_Angeles)" in log


@pytest.mark.parametrize(
    ("created_at", "own", "rule", "score", "words"),
    [
        # a group: the latest of the members' own due dates (one has an extension)
        (
            "2026-12-02T20:00:00-08:00",
            ["2026-12-01T23:59:00-08:00", "2026-12-02T23:59:00-08:00"],
            "",
            10,
            None,
        ),
        # no user dates: the assignment's; 1 day 20 hours late is two started days
        ("2026-12-03T20:00:00-08:00", [], "", 8, "1 day 20 hours after"),
        # the same moment written in UTC
        ("2026-12-04T04:00:00Z", [], "", 8, "1 day 20 hours after"),
        # within the grace period: said, not charged
        ("2026-12-02T00:10:00-08:00", [], "", 10, "within the grace period"),
        # the cap
        ("2026-12-09T00:00:00-08:00", [], "", 5, "at most 50%"),
        # "no late work"
        ("2026-12-02T08:00:00-08:00", [], "accept = false\n", 0, "no late work is accepted"),
    ],
    ids=["group-extension", "two-days", "utc", "grace", "cap", "no-late-work"],
)
def test_gradescope_lateness_at_its_boundaries(tmp_path, created_at, own, rule, score, words):
    from tp_helpers.grading.platforms.gradescope import late
    from tp_helpers.grading.week.course import read_course

    path = tmp_path / "metadata.json"
    path.write_text(json.dumps(metadata(created_at, *own)))
    (tmp_path / "course.toml").write_text(LATE_COURSE.replace("[late]\n", "[late]\n" + rule))
    course = read_course(tmp_path / "course.toml")
    exercise = ExerciseResult("01", 10, 10, True, "", "All")
    graded = student_results(StudentResult("submission", "ok", "", [exercise], 10, 10), 3)
    times = late.read_metadata(path)
    lateness = late.gradescope_lateness(course, "tiny_lab", times, 10, 10)
    results = late.with_late_penalty(graded, lateness, 10)
    validate(results)
    assert results["score"] == score
    if words is None:
        assert results == graded
    else:
        assert words in results["output"]
        assert (results["tests"][-1]["name"] == "Late penalty") == (score < 10)


def test_no_metadata_or_no_course_file_leaves_the_score(tmp_path):
    from tp_helpers.grading.platforms.gradescope import late

    assert late.read_metadata(tmp_path / "missing.json") is None
    (tmp_path / "odd.json").write_text(json.dumps({"created_at": "soon", "assignment": {}}))
    assert late.read_metadata(tmp_path / "odd.json") is None
    assert late.course_beside(tmp_path / "tiny_lab.ipynb") is None


def test_cli_puts_the_course_file_in_the_zip(autograder_zip, tmp_path, capsys):
    with zipfile.ZipFile(autograder_zip) as archive:
        [wheel] = [name for name in archive.namelist() if name.endswith(".whl")]
        archive.extract(wheel, tmp_path)
    course = tmp_path / "course.toml"
    course.write_text(LATE_COURSE)
    out = tmp_path / "autograder.zip"
    args = ["gradescope", "--out", str(out), "--source", str(S.TINY_LAB)]
    args += ["--wheel", str(tmp_path / wheel), "--course", str(course)]
    assert cli.main(args) == 0
    assert "late rule for tiny_lab goes into each score" in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert archive.read("course.toml").decode() == LATE_COURSE
    course.write_text(
        LATE_COURSE.replace("[labs.tiny_lab]", "[labs.tp7_qa]")
        + "\n[labs.tp8_unanswerable]\npoints = 14\ndue = 2026-12-08T23:59:00\n"
    )
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "none is tiny_lab" in err and "add [labs.tiny_lab]" in err
