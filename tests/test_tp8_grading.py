"""A TP8 class graded by the same command as TP7's, with nothing lab-specific in the grader.

One class run, as an instructor gets it from Canvas (an unpacked "Download Submissions" folder),
grades: the solution submitted as a student (full marks), the untouched student notebook (zero),
the student notebook with every exercise typed in but one left blank (that exercise alone
lost), two students who test isolation (one plants traces of its run everywhere a run could
reach; the other, graded after it, fails any exercise where it finds one) and two who tamper (a
check cell edited, a check function replaced, each beside a wrong answer the tampering would
hide), and one whose exercise 01 is right but written another way than the solution (its run
loads the data itself). The same results then go back to Canvas, into TP8's own gradebook
column; the Gradescope autograder built for TP8 is checked beside them.

The file names Canvas keeps are the students' own (``notebook.ipynb``): the course holds two
labs, so `tp-course grade` must find the lab from the checks each notebook imports. The datasets
cache starts empty, so the grader must prepare TP8's own offline data before it forks (a cold
cache left threads in the zygote and failed every student).

Grading the fourteen blanks costs minutes on 2 cores: by default the run grades a sample of three
(a cell shared with other exercises, the training cell, the F1-by-threshold sweep) and skips the
others with the reason; ``TP_WHOLE_CLASS=1`` grades all fourteen (the GitHub workflow sets it),
and runs the Gradescope autograder's own script on a notebook of the class (about a minute).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from tp_helpers.data import DATASET_NAMES, cache_root
from tp_helpers.grading.engine.policy import detect_isolation
from tp_helpers.grading.model.source import Region, find_regions, read_source, substitute

from .conftest import REPO

pytestmark = pytest.mark.slow

SOURCE = REPO / "solutions" / "tp8_unanswerable.ipynb"
STUDENT = REPO / "notebooks" / "tp8_unanswerable.ipynb"
EXERCISES = tuple(f"{number:02d}" for number in range(1, 15))
MAX_SCORE = 14
#: a region of a three-exercise cell (03-05), the training arguments, the F1 sweep over thresholds
SAMPLE = ("04", "07", "12")
WHOLE_CLASS = os.environ.get("TP_WHOLE_CLASS", "") == "1"
BLANKS = EXERCISES if WHOLE_CLASS else SAMPLE

#: Canvas user ids: the key of every output (the blank of exercise NN is 2100 + NN)
USERS = {
    "perfect": "2001",
    "untouched": "2002",
    "poisoner": "2003",
    "sentinel": "2004",  # graded after the poisoner
    "tampers-check-cell": "2005",
    "tampers-check-function": "2006",
    "own-exercise-01": "2007",
    **{f"blank-{exercise}": str(2100 + int(exercise)) for exercise in EXERCISES},
}
#: the Canvas gradebook's assignment columns: TP7's, worth 30, and TP8's own, worth 14
TP7_COLUMN, TP8_COLUMN = "TP7 · Extractive QA (12345)", "TP8 · Questions without an answer (12346)"

# --- isolation: traces one run leaves, looked for by another --------------------------------------

#: files a run could write for another to read (what the sentinel calls each, the folder): its
#: working folder and temporary folder, its own on every machine; and, where the sandbox mounts
#: a private /tmp and makes the rest of the file system read-only, the machine's /tmp, /dev/shm
#: and the offline data the runs share
PRIVATE_FOLDERS = (
    ("the working folder", '"."'),
    ("the temporary folder", "tempfile.gettempdir()"),
)
SHARED_FOLDERS = (
    ("/tmp", '"/tmp"'),
    ("/dev/shm", '"/dev/shm"'),
    ("the data cache", 'os.environ.get("TP_DATA_DIR", ".")'),
)
TRACE = "TP8_POISON"


def poison(folders: tuple[tuple[str, str], ...]) -> list[str]:
    """Code that leaves a trace in every place a later run could see, then makes sure it did."""
    return [
        "import json, os, sys, tempfile, types",
        f"def {TRACE}():  # a helper: its definition is replayed in this student's later runs",
        '    return "a helper from another student\'s notebook"',
        f'os.environ["{TRACE}"] = "1"',
        f"json.{TRACE} = True  # an attribute of a module every run has imported",
        f'sys.modules["{TRACE.lower()}"] = types.ModuleType("{TRACE.lower()}")',
        f"object.__setattr__(profile, '{TRACE}', True)  # the profile object, built before",
        f"for folder in [{', '.join(folder for _, folder in folders)}]:",
        "    try:",
        f'        open(os.path.join(folder, "{TRACE}"), "w").write("poison")',
        "    except OSError:",
        "        pass",
        f'assert os.path.exists("{TRACE}") and hasattr(json, "{TRACE}"), "not planted"',
    ]


#: code that raises, naming what it found, when a trace of another run is visible
SENTINEL = [
    "import json, os, sys, tempfile",
    "_seen = [what for what, found in {",
    f'    "a notebook name": "{TRACE}" in globals(),',
    f'    "an environment variable": "{TRACE}" in os.environ,',
    f'    "a module attribute": hasattr(json, "{TRACE}"),',
    f'    "a module": "{TRACE.lower()}" in sys.modules,',
    f'    "an attribute of the profile": hasattr(profile, "{TRACE}"),',
    *(
        f'    "a file in {what}": os.path.exists(os.path.join({folder}, "{TRACE}")),'
        for what, folder in PRIVATE_FOLDERS + SHARED_FOLDERS
    ),
    "}.items() if found]",
    "if _seen:",
    '    raise RuntimeError(f"another student\'s run reached this one: {_seen}")',
]

#: exercise 01 written another way than the solution: the run loads the data itself
OWN_01 = [
    "train_dataset = load_dataset(profile.dataset, split=profile.train_split)",
    "validation_dataset = load_dataset(profile.dataset, split=profile.validation_split)",
]

# --- the submissions ------------------------------------------------------------------------------


def _solution_regions() -> dict[str, Region]:
    """Each exercise's solution lines, as a student would type them (no nbgrader markers)."""
    regions = {}
    for step in read_source(SOURCE).steps:
        for region in getattr(step, "regions", ()):
            lines = tuple(line for line in region.lines if "### " not in line)
            regions[region.exercise_id] = replace(region, lines=lines)
    return regions


def _with_regions(nb, regions: dict[str, Region]) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose regions named in ``regions`` hold those lines instead."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        found, _ = find_regions(cell.source)
        wanted = {r.exercise_id: regions[r.exercise_id] for r in found if r.exercise_id in regions}
        if wanted:
            cell.source = substitute(cell.source, wanted)
    return nb


def _prepended(region: Region, lines: list[str]) -> Region:
    return replace(region, lines=(*(region.indent + line for line in lines), *region.lines))


def _student_notebook() -> nbformat.NotebookNode:
    if STUDENT.is_file():
        return nbformat.read(STUDENT, as_version=4)
    pytest.skip(f"{STUDENT} does not exist yet: run `tp-course build`")


def _edit_check_cell(nb, grade_id: str, text: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = text
    return nb


def class_notebooks(shared_folders: bool) -> dict[str, nbformat.NotebookNode]:
    """Every scenario's notebook, by name (see the module's docstring)."""
    stub = _student_notebook()
    solution = _solution_regions()
    solved = _with_regions(stub, solution)  # the student notebook, every exercise typed in
    folders = PRIVATE_FOLDERS + (SHARED_FOLDERS if shared_folders else ())
    wrong_12 = [
        "import tp_helpers.checks.tp8_unanswerable as lab",
        "lab.ex12 = lab.ex12_hidden = lambda *args, **kwargs: None",
        "f1_by_threshold.extend([50.0] * len(thresholds))",
    ]
    wrong_13 = ["best_threshold = thresholds[int(np.argmin(f1_by_threshold))]"]
    notebooks = {
        "perfect": nbformat.read(SOURCE, as_version=4),
        "untouched": stub,
        "poisoner": _with_regions(solved, {"06": _prepended(solution["06"], poison(folders))}),
        "sentinel": _with_regions(
            solved,
            {
                "06": _prepended(solution["06"], SENTINEL),  # the poisoner's cell
                "12": _prepended(solution["12"], SENTINEL),  # a later one
            },
        ),
        "own-exercise-01": _with_regions(
            solved, {"01": replace(solution["01"], lines=tuple(OWN_01))}
        ),
        "tampers-check-cell": _edit_check_cell(
            _with_regions(solved, {"13": replace(solution["13"], lines=tuple(wrong_13))}),
            "ex13_check",
            'print("✓ Exercise 13: the best threshold")',
        ),
        "tampers-check-function": _with_regions(
            solved, {"12": replace(solution["12"], lines=tuple(wrong_12))}
        ),
    }
    blank_regions = dict(find_regions_of(stub))
    for exercise in BLANKS:
        notebooks[f"blank-{exercise}"] = _with_regions(solved, {exercise: blank_regions[exercise]})
    return notebooks


def find_regions_of(nb) -> dict[str, Region]:
    """The regions of every code cell of ``nb``, by exercise id."""
    regions = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            regions.update((r.exercise_id, r) for r in find_regions(cell.source)[0])
    return regions


def canvas_name(scenario: str) -> str:
    """The name Canvas gives the file: ``<sortable name>_<user id>_<attachment id>_<own name>``;
    the students' own names never name the lab."""
    user = USERS[scenario]
    return f"{scenario.replace('-', '')}_{user}_{int(user) + 70000}_notebook.ipynb"


@pytest.fixture(scope="module")
def class_run(tmp_path_factory):
    """The class graded once: the output folder and grades.csv's rows by scenario."""
    root = tmp_path_factory.mktemp("tp8-class")
    download = root / "canvas-download"
    download.mkdir()
    shared = detect_isolation().mounts
    for scenario, nb in class_notebooks(shared).items():
        nbformat.write(nb, download / canvas_name(scenario))
    env = dict(os.environ, HF_HUB_OFFLINE="1", TP_DATA_DIR=str(root / "cold-cache"))
    # one run at a time: the sentinel's run of a cell comes after the poisoner's (--jobs 2 was
    # no faster here: 46.9 s against 46.1 s)
    done = subprocess.run(
        [sys.executable, "-m", "tp_helpers.cli", "grade", str(download)]
        + ["--out", str(root / "out"), "--jobs", "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    for place in ("/tmp", "/dev/shm"):  # a trace the sandbox let through: not left behind
        Path(place, TRACE).unlink(missing_ok=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with (root / "out" / "grades.csv").open() as handle:
        by_user = {row["student_id"]: row for row in csv.DictReader(handle)}
    rows = {scenario: by_user[user] for scenario, user in USERS.items() if user in by_user}
    return root / "out", rows


def points(row: dict) -> dict[str, float]:
    return {k[2:]: float(v) for k, v in row.items() if k.startswith("ex") and v != ""}


def exercises_of(out: Path, scenario: str) -> list[dict]:
    return json.loads((out / "results" / f"{USERS[scenario]}.json").read_text())["exercises"]


# --- full, zero -----------------------------------------------------------------------------------


def test_the_solution_scores_full_marks_and_the_page_names_the_lab(class_run):
    out, rows = class_run
    row = rows["perfect"]
    assert row["status"] == "ok"
    assert float(row["score"]) == float(row["max_score"]) == MAX_SCORE
    page = (out / "feedback" / f"{USERS['perfect']}.html").read_text()
    assert "TP8 · Questions without an answer" in page
    assert "Extractive question answering" not in page  # TP7's title


def test_exercise_01_written_another_way_passes_from_a_cold_cache(class_run):
    """A region whose text is the solution's passes without its run counting; one written
    another way (most students') must load the data in its own run. From a cold cache the
    runs (a uid of their own) once found no TP8 data: the grader now builds every lab's
    offline data before it shares it with them."""
    out, rows = class_run
    assert float(rows["own-exercise-01"]["score"]) == MAX_SCORE, exercises_of(
        out, "own-exercise-01"
    )[0]


def test_the_untouched_student_notebook_scores_zero(class_run):
    _, rows = class_run
    row = rows["untouched"]
    assert row["status"] == "ok"
    assert float(row["score"]) == 0 and set(points(row).values()) == {0.0}


# --- each blank costs its own exercise ------------------------------------------------------------


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_blank_exercise_costs_exactly_its_own_points(class_run, exercise):
    if exercise not in BLANKS:
        pytest.skip(f"exercise {exercise} is sampled out of this run; TP_WHOLE_CLASS=1 grades it")
    out, rows = class_run
    row = rows[f"blank-{exercise}"]
    assert row["status"] == "ok", row
    lost = {ex for ex, earned in points(row).items() if earned == 0}
    assert lost == {exercise}, row
    assert float(row["score"]) == MAX_SCORE - 1
    page = (out / "feedback" / f"{USERS[f'blank-{exercise}']}.html").read_text()
    assert f"Exercise {exercise}" in page and "Traceback" not in page


# --- isolation ------------------------------------------------------------------------------------


def test_a_run_leaves_nothing_that_another_students_run_can_see(class_run):
    """The poisoner's exercise 06 planted its traces (its own check of them passed); the
    sentinel, graded after it in the same cell and in a later one, found none: it gets what
    the solution gets, exercise by exercise, hints included."""
    out, rows = class_run
    poisoner = {e["id"]: e for e in exercises_of(out, "poisoner")}
    assert poisoner["06"]["passed"], poisoner["06"]  # "not planted" would fail it
    sentinel = rows["sentinel"]
    assert sentinel["status"] == "ok", sentinel
    assert float(sentinel["score"]) == MAX_SCORE, exercises_of(out, "sentinel")
    assert exercises_of(out, "sentinel") == exercises_of(out, "perfect")
    for place in ("/tmp", "/dev/shm"):
        assert not Path(place, TRACE).exists()


def test_the_sentinel_sees_each_trace_in_a_shared_process(tmp_path):
    """What the class run guarantees would be lost without it: run the poisoner's code, then
    the sentinel's, in one process and one folder (a kernel shared by two students), and the
    sentinel names every trace it found."""
    profile = tmp_path / "lab_state.py"
    profile.write_text("class Profile:\n    pass\nprofile = Profile()\n")
    program = "\n".join(["from lab_state import profile", *poison(PRIVATE_FOLDERS), *SENTINEL])
    (tmp_path / "tmp").mkdir()
    env = dict(os.environ, TP_DATA_DIR=str(tmp_path), TMPDIR=str(tmp_path / "tmp"))
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("RuntimeError: another student's run reached this one")
    for what in (
        "a notebook name",
        "an environment variable",
        "a module attribute",
        "a module",
        "an attribute of the profile",
        "a file in the working folder",
        "a file in the temporary folder",
    ):
        assert f"'{what}'" in message, (what, message)


# --- tampering ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "exercise", "reason"),
    [
        (
            "tampers-check-cell",
            "13",
            "the check cell of exercise 13 (ex13_check) was edited",
        ),
        (
            "tampers-check-function",
            "12",
            "tp_helpers.checks.tp8_unanswerable.ex12 was replaced; "
            "tp_helpers.checks.tp8_unanswerable.ex12_hidden was replaced "
            "(while running the cell of exercise 12)",
        ),
    ],
)
def test_tampering_is_detected_and_costs_the_exercise_it_would_hide(
    class_run, scenario, exercise, reason
):
    """Each tampering sits beside a wrong answer: undetected, the edited cell or the replaced
    check would have passed it (the check cell printing success, the check doing nothing)."""
    out, rows = class_run
    row = rows[scenario]
    assert (row["status"], row["reason"]) == ("tampered", reason), row
    lost = {ex for ex, earned in points(row).items() if earned == 0}
    assert lost == {exercise}, row
    assert float(row["score"]) == MAX_SCORE - 1
    hint = next(e["hint"] for e in exercises_of(out, scenario) if e["id"] == exercise)
    assert hint.startswith("tampered:"), hint


# --- Canvas: the grades in TP8's own column -------------------------------------------------------


def canvas_gradebook(path: Path, students: dict[str, str]) -> Path:
    """A Canvas gradebook export (Grades → Export) of a course with both labs: BOM, CRLF, the
    Points Possible row, TP7's column already graded, TP8's empty, the Test Student last."""
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    header += [TP7_COLUMN, TP8_COLUMN, "Current Score", "Final Score"]
    possible = [
        "    Points Possible",
        "",
        "",
        "",
        "",
        "30.00",
        "14.00",
        "(read only)",
        "(read only)",
    ]
    table = [header, possible]
    for name, user in sorted(students.items(), key=lambda item: item[1]):
        table.append([name, user, f"S{user}", name, "QA-2026", "27.50", "", "91.67", "91.67"])
    table.append(["Student, Test", "9099", "", "testuser", "QA-2026", "", "", "", ""])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(table)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")
    return path


def gradebook_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def tp_course(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tp_helpers.cli", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_canvas_round_trip_fills_tp8s_own_column(class_run, tmp_path):
    out, rows = class_run
    names = {scenario: USERS[scenario] for scenario in USERS}
    gradebook = canvas_gradebook(tmp_path / "gradebook.csv", names)
    filled, comments = tmp_path / "import.csv", tmp_path / "comments.zip"
    done = tp_course(
        "export", out, "--canvas", gradebook, "--column", TP8_COLUMN, "--out", filled,
        "--feedback-zip", comments,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"{len(rows)} scores (out of 14) in '{TP8_COLUMN}'" in done.stdout

    before, after = gradebook_rows(gradebook), gradebook_rows(filled)
    tp8 = before[0].index(TP8_COLUMN)
    scores = {row["student_id"]: float(row["score"]) for row in rows.values()}
    for old, new in zip(before, after, strict=True):
        expected = list(old)
        if old[1] in scores:  # TP8's points as they are: the column is worth 14
            expected[tp8] = f"{scores[old[1]]:g}"
        assert new == expected, old[0]  # TP7's column and every other cell as they were
    assert [row[tp8] for row in after if row[1] == USERS["perfect"]] == ["14"]

    with zipfile.ZipFile(comments) as archive:
        page = archive.read(canvas_name("perfect").replace("notebook", "feedback"))
    text = "".join("".join(cell["source"]) for cell in json.loads(page)["cells"])
    assert text.startswith("# Feedback on your TP8 · Questions without an answer")
    assert "**Score: 14 / 14**" in text and "Extractive question answering" not in text


def test_tp8_grades_do_not_go_into_tp7s_column(class_run, tmp_path):
    """TP7's column is worth 30: TP8's 14 points cannot land there unscaled by mistake."""
    out, _ = class_run
    gradebook = canvas_gradebook(tmp_path / "gradebook.csv", dict(USERS))
    filled = tmp_path / "import.csv"
    done = tp_course("export", out, "--canvas", gradebook, "--column", TP7_COLUMN, "--out", filled)
    assert done.returncode != 0
    assert "is worth 30 points" in done.stderr and "--scale" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not filled.exists()


# --- Gradescope: the bundle built for TP8 ---------------------------------------------------------


@pytest.fixture(scope="module")
def tp8_bundle(tmp_path_factory) -> Path:
    """The autograder zip, built by the command an instructor types (the lab named by --source:
    solutions/ holds two labs)."""
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    done = tp_course("gradescope", "--source", SOURCE, "--out", out)
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}: setup.sh, run_autograder, {SOURCE.name}" in done.stdout
    return out


def test_the_gradescope_bundle_holds_tp8(tp8_bundle, tmp_path):
    """TP8's source, graded by run_autograder; TP8's checks, reference values, data generator
    and v2 metric in the wheel that setup.sh installs; TP7's source nowhere."""
    with zipfile.ZipFile(tp8_bundle) as archive:
        names = archive.namelist()
        assert archive.read(SOURCE.name) == SOURCE.read_bytes()
        script = archive.read("run_autograder").decode()
        [wheel] = [name for name in names if name.endswith(".whl")]
        archive.extract(wheel, tmp_path)
    assert not [name for name in names if name.endswith(".ipynb") and name != SOURCE.name]
    assert f'--source "$ROOT/source/"{SOURCE.name} ' in script and "tp7_qa" not in script
    with zipfile.ZipFile(tmp_path / wheel) as package:
        packaged = set(package.namelist())
    lab = SOURCE.stem
    for module in ("__init__", "_lab", "hints", "data", "features", "postprocess", "scoring"):
        assert f"tp_helpers/checks/{lab}/{module}.py" in packaged, module
    for profile in ("offline", "cpu", "full"):
        assert f"tp_helpers/checks/reference/{lab}.{profile}.json" in packaged, profile
    assert "tp_helpers/datagen_v2.py" in packaged
    assert any(name.startswith("tp_helpers/metrics/squad_v2_metric/") for name in packaged)


def test_gradescope_setup_prepares_tp8s_offline_data(tp8_bundle, tmp_path):
    """setup.sh builds the offline data once, with the image; each submission then grades from
    it. Its data command, run as written into a fresh folder, must prepare TP8's set too."""
    with zipfile.ZipFile(tp8_bundle) as archive:
        setup = archive.read("setup.sh").decode()
    [command] = [line for line in setup.splitlines() if "TP_DATA_DIR=" in line]
    data = tmp_path / "data"
    tp7 = cache_root() / DATASET_NAMES["v1"]
    if tp7.is_dir():  # TP7's set as this session has it: only the one under test is built
        shutil.copytree(tp7, data / tp7.name)
    script = command.replace("/opt/tp7/data", str(data)).replace(
        "/opt/tp7/bin/tp-course", f"{sys.executable} -m tp_helpers.cli"
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    built = sorted(path.name for path in data.iterdir())
    assert DATASET_NAMES["v2"] in built, built  # TP8's set (asking its path would build it)


def test_gradescope_run_autograder_grades_a_tp8_notebook_as_the_class_run(
    tp8_bundle, class_run, tmp_path
):
    """The bundle's own run_autograder on a notebook of the class (blank in exercise 04),
    uploaded under the lab's name: the class run's points and hints, exercise by exercise."""
    if not WHOLE_CLASS:
        pytest.skip("a whole TP8 grading on Gradescope's script (~1 min); TP_WHOLE_CLASS=1 runs it")
    from .grading.test_gradescope import run_script

    out, rows = class_run
    scenario = f"blank-{SAMPLE[0]}"
    notebook = nbformat.read(next(out.parent.glob(f"canvas-download/*_{USERS[scenario]}_*")), 4)
    results = run_script(tp8_bundle, tmp_path / "autograder", {SOURCE.name: notebook})
    expected = exercises_of(out, scenario)
    assert results["score"] == float(rows[scenario]["score"]) == MAX_SCORE - 1
    got = [
        (t["score"], t["max_score"], t["status"] == "passed", t["output"]) for t in results["tests"]
    ]
    assert got == [(e["points"], e["max_points"], e["passed"], e["hint"]) for e in expected]
    assert [t["name"] for t in results["tests"]][int(SAMPLE[0]) - 1].startswith(
        f"Exercise {SAMPLE[0]} · "
    )
    assert results["output"].startswith("TP8 · Questions without an answer (SQuAD v2): 13/14")
