"""``tp-course build``: student notebooks and reference values generated from ``solutions/``.

The build is run on small labs copied into a temporary course folder: ``build_lab`` (three
exercises, hidden tests, stored outputs and run records, a cell that records reference values) and
``quiz_lab`` (an nbformat 4.4 notebook without cell ids, opaque exercise labels, a region inside a
loop). Plain nbgrader is driven on the grading tests' tiny lab; the slow tests use TP7 itself.
"""

from __future__ import annotations

import copy
import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from tp_helpers.build import (
    BADGE_CELL_ID,
    NBGRADER_CONFIG,
    SETUP_CELL_ID,
    BuildError,
    build,
)
from tp_helpers.profiles import OFFLINE_ENV_VARS
from tp_helpers.runner import KERNEL_NAME, write_kernelspec

from .conftest import REPO, SOLUTION
from .grading.students import hidden_test_lines

FIXTURES = REPO / "tests" / "fixtures"
BUILD_LAB = FIXTURES / "build_lab" / "build_lab.ipynb"
QUIZ_LAB = FIXTURES / "build_lab" / "quiz_lab.ipynb"
TINY_LAB = FIXTURES / "tiny_lab" / "tiny_lab.ipynb"
STUDENT_TP7 = REPO / "notebooks" / SOLUTION.name
#: the lines of build_lab's hidden tests: they must reach no student
HIDDEN_LINES = ("assert total([]) == 0", "assert biggest - smallest == 2")
STUB = 'raise NotImplementedError("Exercise {}: write your code here, then run the cell")'
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def repository_url() -> str:
    import tomllib

    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def new_course(folder: Path, *labs: Path, url: str | None = None) -> Path:
    """A course folder: the labs in solutions/, the committed nbgrader config, a pyproject."""
    (folder / "solutions").mkdir(parents=True)
    for lab in labs:
        shutil.copyfile(lab, folder / "solutions" / lab.name)
    shutil.copyfile(REPO / NBGRADER_CONFIG, folder / NBGRADER_CONFIG)
    if url is None:
        shutil.copyfile(REPO / "pyproject.toml", folder / "pyproject.toml")
    else:
        (folder / "pyproject.toml").write_text(f'[project.urls]\nRepository = "{url}"\n')
    return folder


def tp_course(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tp_helpers.cli", *args],
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
    )


def run_cells(sources: list[str], cwd: Path) -> list:
    """Execute code cells in a fresh kernel of this interpreter; return the executed cells."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    kernels = KernelSpecManager(kernel_dirs=[str(write_kernelspec(cwd / "jupyter"))])
    client = NotebookClient(
        nb, km=KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=kernels), timeout=60
    )
    client.execute(cwd=str(cwd), stderr=subprocess.DEVNULL)
    return nb.cells


def solution_regions(source: str) -> list[list[str]]:
    """The lines inside each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region, in order."""
    regions, current = [], None
    for line in source.split("\n"):
        if BEGIN in line:
            current = []
        elif END in line:
            regions.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return regions


def perfect_student_notebook(student, solution):
    """The student notebook with the solution regions pasted into its stubs and the solution's
    stored outputs copied onto the matching cells (matched by cell id, else by source)."""
    student = copy.deepcopy(student)
    by_id = {cell.get("id"): cell for cell in solution.cells}
    by_source = {cell.source: cell for cell in solution.cells}
    stub = re.compile(r'^\s*raise NotImplementedError\("Exercise [^:"]+: ')
    for cell in student.cells:
        if cell.cell_type != "code":
            continue
        origin = by_id.get(cell.get("id")) or by_source.get(cell.source)
        if origin is None:
            continue  # the set-up cell: no output
        regions = iter(solution_regions(origin.source))
        lines = []
        for line in cell.source.split("\n"):
            lines.extend(next(regions) if stub.match(line) else [line])
        cell.source = "\n".join(lines)
        cell.outputs = origin.outputs
        cell.execution_count = origin.execution_count
    return student


def run_nbval(notebook: Path) -> subprocess.CompletedProcess:
    """pytest --nbval on ``notebook`` in its own folder, with the offline environment."""
    (notebook.parent / "pytest.ini").write_text("[pytest]\n")  # not the repository's addopts
    env = {**os.environ, **{var: "1" for var in OFFLINE_ENV_VARS}}
    # Every core: the TP7 run trains for real, and nothing else runs beside it.
    env.update(TP_PROFILE="offline", MPLBACKEND="Agg")
    env.pop("OMP_NUM_THREADS", None)
    for var in ("NBGRADER_EXECUTION", "TP_CHECKS_RECORD"):
        env.pop(var, None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-current-env",
            f"--nbval-sanitize-with={REPO / 'tests' / 'nbval_sanitize.cfg'}",
            notebook.name,
        ],
        cwd=notebook.parent,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course with build_lab in solutions/, built once; returns (root, BuildResult)."""
    root = new_course(tmp_path_factory.mktemp("course"), BUILD_LAB)
    return root, build(root)


@pytest.fixture(scope="module")
def student(course):
    root, _ = course
    return nbformat.read(root / "notebooks" / "build_lab.ipynb", as_version=4)


def test_build_writes_the_student_notebook_and_the_reference_values(course):
    _, result = course
    assert result.ok and not result.check
    assert result.changed == [
        "notebooks/build_lab.ipynb",
        "src/tp_helpers/checks/reference/build_lab.offline.json",
    ]


def test_each_solution_region_becomes_a_stub_naming_its_exercise(student):
    cells = {cell.id: cell.source for cell in student.cells}
    assert (
        "    # --- START CODE HERE (01)\n    " + STUB.format("01") + "\n    # --- END CODE HERE\n"
        in (cells["ex01"])
    )
    assert cells["ex02"] == (
        f"# --- START CODE HERE (02)\n{STUB.format('02')}\n# --- END CODE HERE\n"
        f"# --- START CODE HERE (03)\n{STUB.format('03')}\n# --- END CODE HERE\n"
        "print(biggest, smallest)"
    )
    text = "\n".join(cells.values())
    for removed in ("BEGIN SOLUTION", "END SOLUTION", "sum(values)", "max(numbers)"):
        assert removed not in text


def test_hidden_tests_are_stripped(course, student):
    root, _ = course
    text = (root / "notebooks" / "build_lab.ipynb").read_text()
    assert "HIDDEN TESTS" not in text
    hidden = hidden_test_lines(nbformat.read(BUILD_LAB, as_version=4))
    assert all(any(line.startswith(start) for line in hidden) for start in HIDDEN_LINES)
    sources = "\n".join(cell.source for cell in student.cells)
    for line in hidden:
        assert line not in sources
    checks = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.metadata.nbgrader.grade_id for c in checks] == [
        "ex01_check",
        "ex02_check",
        "ex03_check",
    ]
    assert all(c.metadata.nbgrader.locked for c in checks)


def test_outputs_and_run_records_are_cleared_and_ids_kept(student):
    source = nbformat.read(BUILD_LAB, as_version=4)
    assert any(c.get("outputs") for c in source.cells)  # the fixture has outputs to clear
    for cell in student.cells:
        assert "execution" not in cell.metadata
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert set(student.metadata) <= {"kernelspec", "language_info"}
    assert student.metadata.kernelspec == source.metadata.kernelspec
    assert [c.id for c in student.cells] == [BADGE_CELL_ID, SETUP_CELL_ID] + [
        c.id for c in source.cells
    ]


def test_badge_and_setup_cell_on_top_use_the_one_repository_url(student):
    url = repository_url()
    owner_repo = url.removeprefix("https://github.com/")
    badge, setup = student.cells[:2]
    assert badge.cell_type == "markdown" and setup.cell_type == "code"
    assert "colab-badge.svg" in badge.source
    assert (
        f"(https://colab.research.google.com/github/{owner_repo}/blob/main/notebooks/"
        "build_lab.ipynb)" in badge.source
    )
    assert f'"git+{url}.git"' in setup.source
    for cell in (badge, setup):
        assert cell.metadata.editable is False and cell.metadata.deletable is False
        assert "nbgrader" not in cell.metadata  # nbgrader leaves such cells alone
    # defined once: in pyproject.toml, nowhere in the package's code
    for path in (REPO / "src").rglob("*.py"):
        assert owner_repo not in path.read_text(encoding="utf-8"), path


def test_setup_cell_does_nothing_outside_colab(student, tmp_path):
    setup = student.cells[1]
    [executed] = run_cells([setup.source], tmp_path)
    assert executed.outputs == []  # no print, no stderr


def test_setup_cell_installs_the_package_in_colab(student, monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw)))
    exec(student.cells[1].source, {})
    [(command, options)] = calls
    assert command[1:5] == ["-m", "pip", "install", "--quiet"]
    assert command[5] == f"git+{repository_url()}.git" and options == {"check": True}


def test_reference_values_are_recorded_in_the_offline_autograde_profile(course):
    root, _ = course
    text = (root / "src/tp_helpers/checks/reference/build_lab.offline.json").read_text()
    values = json.loads(text)
    assert text == json.dumps(values, indent=2, sort_keys=True) + "\n"
    assert values["ex01"] == {"total": 6} and values["ex02"] == {"biggest": 3}
    assert values["env"] == {
        "TP_PROFILE": "offline",
        "NBGRADER_EXECUTION": "autograde",
        # not pinned to one thread: the recording run is alone, so it uses every core
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "HF_HUB_OFFLINE": "1",
    }
    assert "TP_CHECKS_RECORD" not in os.environ  # the kernel had its own environment


def test_check_is_green_right_after_a_build(course):
    root, _ = course
    result = build(root, check=True)
    assert result.ok and result.changed == []
    assert len(result.unchanged) == 2
    assert "up to date" in result.report()


def test_build_is_idempotent(course, tmp_path):
    root, _ = course
    before = (root / "notebooks" / "build_lab.ipynb").read_bytes()
    again = new_course(tmp_path / "again", BUILD_LAB)
    assert build(again, references=False).changed == ["notebooks/build_lab.ipynb"]
    assert (again / "notebooks" / "build_lab.ipynb").read_bytes() == before
    assert build(again, references=False).changed == []  # a rebuild rewrites nothing


def test_check_is_red_after_editing_the_source(course, tmp_path):
    root, _ = course
    edited = tmp_path / "edited"
    shutil.copytree(root, edited)
    lab = nbformat.read(edited / "solutions" / "build_lab.ipynb", as_version=4)
    lab.cells[0].source += "\n\nOne more sentence."
    nbformat.write(lab, edited / "solutions" / "build_lab.ipynb")
    reference = edited / "src/tp_helpers/checks/reference/build_lab.offline.json"
    reference.write_text('{"ex01": {"total": 7}}\n')
    notebook = (edited / "notebooks" / "build_lab.ipynb").read_bytes()

    result = tp_course("build", "--check", "--root", str(edited))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 generated file(s) are stale:" in result.stderr
    assert "  notebooks/build_lab.ipynb\n" in result.stderr
    assert "  src/tp_helpers/checks/reference/build_lab.offline.json\n" in result.stderr
    assert "Run `tp-course build`" in result.stderr
    assert (edited / "notebooks" / "build_lab.ipynb").read_bytes() == notebook  # wrote nothing
    assert "Traceback" not in result.stderr


def test_a_second_lab_builds_with_no_code_change(tmp_path):
    root = new_course(tmp_path, QUIZ_LAB, url="https://github.com/other-school/quiz-course")
    result = build(root)
    assert result.changed == ["notebooks/quiz_lab.ipynb"]  # records no reference values
    nb = nbformat.read(root / "notebooks" / "quiz_lab.ipynb", as_version=4)
    sources = "\n".join(c.source for c in nb.cells)
    assert "    " + STUB.format("7") in sources  # indented like the region, inside the loop
    assert "\n" + STUB.format("b2") in sources
    assert "other-school/quiz-course/blob/main/notebooks/quiz_lab.ipynb" in nb.cells[0].source
    assert nb.nbformat_minor >= 5 and len({c.id for c in nb.cells}) == len(nb.cells)
    nbformat.validate(nb)


def test_a_stub_outside_the_start_end_lines_is_a_clear_error(tmp_path):
    lab = nbformat.read(QUIZ_LAB, as_version=4)
    cell = lab.cells[3]
    cell.source = cell.source.replace("# --- START CODE HERE (b2)\n", "")
    root = new_course(tmp_path, QUIZ_LAB)
    nbformat.write(lab, root / "solutions" / QUIZ_LAB.name)
    with pytest.raises(BuildError, match=r"outside `# --- START CODE HERE \(NN\)`"):
        build(root, references=False)


def test_a_lab_nbgrader_rejects_is_a_clear_error(tmp_path):
    lab = nbformat.read(QUIZ_LAB, as_version=4)
    lab.cells[3].source = lab.cells[3].source.replace("### END SOLUTION\n", "")
    root = new_course(tmp_path, QUIZ_LAB)
    nbformat.write(lab, root / "solutions" / QUIZ_LAB.name)
    with pytest.raises(BuildError) as error:
        build(root, references=False)
    message = str(error.value)
    assert "nbgrader generate_assignment failed on quiz_lab.ipynb" in message
    assert "no end solution statement found" in message
    assert message.endswith("Fix the cell nbgrader names above in solutions/quiz_lab.ipynb.")
    assert not (root / "notebooks").exists()


def test_no_lab_is_a_clear_error_with_exit_code_2(tmp_path):
    result = tp_course("build", "--root", str(tmp_path))
    assert result.returncode == 2
    assert "no lab found" in result.stderr and "--root" in result.stderr
    assert "Traceback" not in result.stderr


def test_pasting_the_solutions_back_gives_the_solution_code(student):
    source = nbformat.read(BUILD_LAB, as_version=4)
    perfect = perfect_student_notebook(student, source)
    by_id = {c.id: c for c in perfect.cells}
    for cell in source.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            lines = cell.source.split("\n")
            assert by_id[cell.id].source == "\n".join(
                line for line in lines if BEGIN not in line and END not in line
            )


def test_perfect_student_notebook_passes_nbval(student, tmp_path):
    source = nbformat.read(BUILD_LAB, as_version=4)
    perfect = perfect_student_notebook(student, source)
    nbformat.write(perfect, tmp_path / "perfect.ipynb")
    result = run_nbval(tmp_path / "perfect.ipynb")
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout


# --- plain nbgrader on the same course folder ----------------------------------------------------


def nbgrader_env(folder: Path) -> dict[str, str]:
    """Grading environment; the notebook's ``python3`` kernel is this interpreter."""
    spec = folder / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "language": "python", "display_name": "Python 3"})
    )
    env = {**os.environ, **{var: "1" for var in OFFLINE_ENV_VARS}}
    env.update(
        TP_PROFILE="offline",
        OMP_NUM_THREADS="1",
        JUPYTER_PATH=str(folder / "jupyter"),
        JUPYTER_CONFIG_DIR=str(folder / "jupyter-config"),  # no user-level nbgrader config
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )  # nbgrader runs `alembic` from PATH when it creates a gradebook
    env.pop("TP_CHECKS_RECORD", None)
    return env


def plain_nbgrader(course: Path, lab: Path, submissions: dict[str, Path]) -> dict[str, dict]:
    """docs/grading-a-class.md's plain nbgrader commands on ``course``; grades.csv by student."""
    env = nbgrader_env(course)

    def nbgrader(*args: str) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=course, env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr

    name = lab.stem
    (course / "source" / name).mkdir(parents=True)
    shutil.copyfile(lab, course / "source" / name / lab.name)
    nbgrader("generate_assignment", name, "--force")
    assert (course / "release" / name / lab.name).is_file()
    for student_id, notebook in submissions.items():
        folder = course / "submitted" / student_id / name
        folder.mkdir(parents=True)
        shutil.copyfile(notebook, folder / lab.name)
    nbgrader("autograde", name)
    nbgrader("generate_feedback", name)
    nbgrader("export")
    with open(course / "grades.csv", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_plain_nbgrader_grades_the_course_folder(tmp_path):
    """generate_assignment, autograde, generate_feedback, export on the tiny lab: the solution
    scores max_score, the built student notebook 0, and the built one with solutions max_score."""
    lab = TINY_LAB if TINY_LAB.is_file() else BUILD_LAB
    built = new_course(tmp_path / "built", lab)
    build(built, references=False)
    student = nbformat.read(built / "notebooks" / lab.name, as_version=4)
    perfect = perfect_student_notebook(student, nbformat.read(lab, as_version=4))
    nbformat.write(perfect, tmp_path / "perfect.ipynb")
    course = tmp_path / "course"
    course.mkdir()
    shutil.copyfile(REPO / NBGRADER_CONFIG, course / NBGRADER_CONFIG)

    grades = plain_nbgrader(
        course,
        lab,
        {
            "alice": lab,
            "bob": built / "notebooks" / lab.name,
            "carol": tmp_path / "perfect.ipynb",
        },
    )

    released = nbformat.read(course / "release" / lab.stem / lab.name, as_version=4)
    unlabelled = [
        re.sub(r'Error\("Exercise [^:"]+:', 'Error("Exercise:', c.source) for c in student.cells
    ]
    assert unlabelled[2:] == [
        c.source for c in released.cells
    ]  # the build's notebook is nbgrader's release, plus the two cells on top
    assert float(grades["alice"]["max_score"]) > 0
    assert float(grades["alice"]["score"]) == float(grades["alice"]["max_score"])
    assert float(grades["bob"]["score"]) == 0
    assert float(grades["carol"]["score"]) == float(grades["carol"]["max_score"])
    hidden = hidden_test_lines(nbformat.read(lab, as_version=4))
    assert hidden
    for student_id in ("alice", "bob", "carol"):
        page = (course / "feedback" / student_id / lab.stem / f"{lab.stem}.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        for line in hidden:
            assert line not in text, (student_id, line)


@pytest.mark.slow
def test_plain_nbgrader_scores_the_tp7_solution_full_marks(tmp_path):
    grades = plain_nbgrader(tmp_path, SOLUTION, {"alice": SOLUTION})
    assert float(grades["alice"]["max_score"]) > 0
    assert float(grades["alice"]["score"]) == float(grades["alice"]["max_score"]), grades


@pytest.mark.slow
@pytest.mark.skipif(
    not STUDENT_TP7.is_file(),
    reason=f"{STUDENT_TP7.relative_to(REPO)} is not built yet: run `tp-course build`",
)
def test_perfect_tp7_student_notebook_reproduces_the_solution_outputs(tmp_path):
    """docs/building-a-lab.md: the solutions pasted back into notebooks/tp7_qa.ipynb pass nbval
    against the solution's stored outputs, check cells' success lines included."""
    student = nbformat.read(STUDENT_TP7, as_version=4)
    perfect = perfect_student_notebook(student, nbformat.read(SOLUTION, as_version=4))
    nbformat.write(perfect, tmp_path / SOLUTION.name)
    result = run_nbval(tmp_path / SOLUTION.name)
    assert result.returncode == 0, result.stdout[-5000:]
