"""Gradescope: the autograder zip an instructor uploads, and the results.json it reads back.

Gradescope's contract (a "Programming Assignment"): the instructor uploads a zip holding
``setup.sh`` and ``run_autograder``; Gradescope unzips it into ``/autograder/source``, runs
``setup.sh`` once (as root, with internet) to build an image, then, for every submission, copies
the student's files into ``/autograder/submission`` and runs ``/autograder/run_autograder``,
which must write ``/autograder/results/results.json``. Without a valid file the student only
reads "The autograder failed to execute correctly", so:

* :func:`build_autograder` (``tp-course gradescope``, on the instructor's machine) writes the zip:
  the two scripts (the template files ``setup.sh`` and ``run_autograder`` of this package), the
  source notebook, a wheel of this package and the versions it was tested with. ``setup.sh``
  prepares the offline model and dataset, so grading never downloads.
* on Gradescope, ``run_autograder`` starts :mod:`tp_helpers.grading.autograder`, which grades
  the notebook with the class run and writes results.json with the functions below (one test
  per exercise, or why there is none). Whatever happens (no notebook, a grader error, the time
  limit), a valid ``results.json`` is written; ``run_autograder`` writes one itself when Python
  cannot even start.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from importlib import resources
from pathlib import Path

from ....errors import TPError
from ...model.result import STATUS_WORDS, StudentResult, format_points
from ...model.source import LabSource, read_source
from ...model.store import atomic_write
from ...week.course import COURSE_FILE, read_course

#: where ``setup.sh`` installs Python and this package, and builds the offline dataset
VENV = "/opt/tp7"
DATA_DIR = f"{VENV}/data"
#: Gradescope's default autograder timeout (seconds); raise it in the assignment's settings
DEFAULT_TIME_LIMIT = 600
#: seconds kept, before Gradescope's limit, to write the results
MARGIN = 30
#: seconds per cell or check: a notebook stuck in a loop must still fit in Gradescope's limit
CELL_TIMEOUT = 120
#: below this memory limit, the instructor's log warns (one TP7 grading peaks at 1.6 GiB PSS)
LOW_MEMORY = 2 * 2**30
#: the student id of the one submission (it names nothing the student sees)
STUDENT = "submission"
#: the installed distribution whose requirements ``constraints.txt`` pins
DISTRIBUTION = "tp-helpers"
#: the oldest Python the package supports (pyproject's requires-python)
MIN_PYTHON = (3, 10)
#: Gradescope's base images and their Python (Configure Autograder → Base Image), newest first
BASE_IMAGES = (("Ubuntu 24.04", "3.12"), ("Ubuntu 22.04", "3.10"))

#: a template's slot: ``{{ name }}``
_SLOT = re.compile(r"\{\{ (\w+) \}\}")


class GradescopeError(TPError):
    """The autograder zip cannot be built (no repository, no wheel)."""

    exit_code = 2


class SubmissionProblem(Exception):
    """No notebook to grade in the submission (none, or several that no rule separates)."""


class OutOfTime(BaseException):
    """Raised in the grader when Gradescope's time limit is near (or Gradescope stops it).

    A BaseException: the engine's ``except Exception`` must not swallow it."""


# -- on the instructor's machine: the zip ------------------------------------------------------


def build_autograder(
    out_zip: Path,
    source: Path,
    *,
    project: Path | None = None,
    wheel: Path | None = None,
    time_limit: int = DEFAULT_TIME_LIMIT,
    course: Path | None = None,
) -> Path:
    """Write the autograder zip for Gradescope; return its path.

    ``source``: the solution notebook with nbgrader metadata (checked here, not on Gradescope).
    ``wheel``: this package's wheel; by default built from ``project``, the course repository
    (default: the checkout this package runs from). ``time_limit``: the autograder timeout set
    in Gradescope, in seconds; grading stops :data:`MARGIN` seconds before it. ``course``: the
    course file whose late rule applies to the lab (:mod:`.late`), checked here and put in the
    zip as ``course.toml``.
    """
    source = Path(source)
    read_source(source)  # a broken source fails here, not in front of every student
    extra = {COURSE_FILE: _checked_course(Path(course), source).read_bytes()} if course else {}
    out_zip = Path(out_zip)
    with tempfile.TemporaryDirectory(prefix="tp-gradescope-build-") as tmp:
        wheel = Path(wheel) if wheel else build_wheel(project or find_project(), Path(tmp))
        texts = {
            "setup.sh": setup_script(wheel.name),
            "run_autograder": run_script(source.name, time_limit),
            "constraints.txt": pinned_requirements(),
        }
        buffer = io.BytesIO()  # a few MiB: built whole, then written at once
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in texts.items():
                _add(archive, name, text.encode("utf-8"), executable=name != "constraints.txt")
            _add(archive, source.name, source.read_bytes())
            _add(archive, wheel.name, wheel.read_bytes())
            for name, data in extra.items():
                _add(archive, name, data)
    atomic_write(out_zip, buffer.getvalue(), mode=0o644)
    return out_zip


def _checked_course(course: Path, source: Path) -> Path:
    """``course`` once it reads, and names the lab of ``source`` (or lists one lab only)."""
    labs = read_course(course).labs
    if source.stem not in labs and len(labs) > 1:
        raise GradescopeError(
            f"{course} lists the labs {', '.join(sorted(labs))} and none is {source.stem}, the "
            f"lab of this autograder: add [labs.{source.stem}] with its late rule."
        )
    return course


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16  # Unix mode, regular file
    archive.writestr(info, data)


def find_project() -> Path:
    """The course repository this package runs from (an editable install's checkout)."""
    import tp_helpers

    for folder in Path(tp_helpers.__file__).resolve().parents:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and re.search(
            rf'^name\s*=\s*"{DISTRIBUTION}"', pyproject.read_text(encoding="utf-8"), re.M
        ):
            return folder
    raise GradescopeError(
        "cannot find the course repository to build this package's wheel from; pass "
        "--project path/to/the/repository (or --wheel path/to/tp_helpers-*.whl)."
    )


def build_wheel(project: Path, out_dir: Path) -> Path:
    """Build this package's wheel offline from a copy of ``project`` (the checkout stays clean:
    setuptools writes ``build/`` and ``*.egg-info`` next to the sources it builds)."""
    project = Path(project)
    copy = Path(out_dir) / "project"
    copy.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.cfg", "MANIFEST.in"):
        if (project / name).is_file():
            shutil.copy2(project / name, copy / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(project / "src", copy / "src", ignore=ignore)
    wheels = Path(out_dir) / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    command += ["--no-index", "--quiet", "-w", str(wheels), str(copy)]
    done = subprocess.run(command, capture_output=True, text=True)
    found = sorted(wheels.glob("*.whl"))
    if done.returncode != 0 or len(found) != 1:
        raise GradescopeError(
            f"building the wheel of {project} failed:\n{done.stderr[-2000:]}\n"
            "Install the build tools (pip install 'setuptools>=69' wheel) and try again, or pass "
            "--wheel path/to/tp_helpers-*.whl."
        )
    return found[0]


def pinned_requirements() -> str:
    """``constraints.txt``: this package's requirements (and the grader's tools) at the versions
    installed here. Gradescope builds its image later; the same versions give the same checks."""
    from importlib import metadata

    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        requirements = []
    pins = set()
    pinned_on = "{}.{}".format(*sys.version_info[:2])
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        if "extra" in marker and "instructor" not in marker:
            continue
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec.strip())
        if not name or name[0] == DISTRIBUTION:
            continue
        try:
            pins.add(f"{name[0]}=={metadata.version(name[0]).split('+')[0]}")
        except metadata.PackageNotFoundError:
            continue
    header = f"# pinned on Python {pinned_on}: the versions `tp-course gradescope` ran with\n"
    return header + "".join(f"{pin}\n" for pin in sorted(pins, key=str.lower))


def _torch_version() -> str:
    try:
        from importlib import metadata

        return metadata.version("torch").split("+")[0]
    except Exception:
        return ""


def setup_script(wheel_name: str) -> str:
    """``setup.sh``: Python checked first, then a virtual environment, torch's CPU build, this
    package at the versions tested here, and the offline dataset built once.

    Gradescope keeps an assignment's base image when it is duplicated, so an old image (Ubuntu
    18.04, Python 3.6) reaches this script: it stops at once and names the image to choose. The
    pins are never dropped: if they do not install, the script fails and says why.
    """
    torch = _torch_version()
    return render(
        "setup.sh",
        min_python=repr(MIN_PYTHON),
        minimum="{}.{}".format(*MIN_PYTHON),
        images=" or ".join(f"'{image}' (Python {version})" for image, version in BASE_IMAGES),
        pinned_on="{}.{}".format(*sys.version_info[:2]),
        venv=VENV,
        data_dir=DATA_DIR,
        torch=torch,
        torch_pin=shlex.quote(f"torch=={torch}" if torch else "torch"),
        wheel=shlex.quote(f"./{wheel_name}[instructor]"),
    )


def run_script(source_name: str, time_limit: int = DEFAULT_TIME_LIMIT) -> str:
    """``run_autograder``: grade ``$ROOT/submission`` into ``$ROOT/results/results.json``."""
    return render(
        "run_autograder",
        venv=VENV,
        data_dir=DATA_DIR,
        source='"$ROOT/source/"' + shlex.quote(source_name),
        deadline=str(max(60, int(time_limit) - MARGIN)),
    )


def render(name: str, **values: str) -> str:
    """The template file ``name`` of this package with each ``{{ key }}`` replaced; a key
    without a value is an error here, never a broken script on Gradescope."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")

    def value(match: re.Match) -> str:
        return values[match[1]]

    return _SLOT.sub(value, text)


# -- on Gradescope: one submission -------------------------------------------------------------


def find_notebook(folder: Path, lab_name: str) -> Path:
    """The student's notebook among the files of ``folder`` (searched recursively).

    The file named like the lab wins, then the only notebook, then the only re-upload of the
    lab's name (``tp7_qa (1).ipynb``, ``tp7_qa-1.ipynb``, ``Copy of tp7_qa.ipynb``). Raise
    :class:`SubmissionProblem`, saying what was found and what to upload, otherwise.
    """
    folder = Path(folder)
    files = []
    if folder.is_dir():
        files = sorted(
            path
            for path in folder.rglob("*")
            if path.is_file()
            and not any(
                part.startswith(".") or part == "__MACOSX"
                for part in path.relative_to(folder).parts
            )
        )
    notebooks = [path for path in files if path.suffix.lower() == ".ipynb"]
    stem = re.escape(Path(lab_name).stem)
    reupload = re.compile(rf"(copy of )?{stem}(\s*\(\d+\)|[-_ ]\d+| copy)?\.ipynb", re.I)
    exact = [path for path in notebooks if path.name.lower() == lab_name.lower()]
    if len(exact) == 1:
        return exact[0]
    if not exact:
        for candidates in (notebooks, [p for p in notebooks if reupload.fullmatch(p.name)]):
            if len(candidates) == 1:
                return candidates[0]
    names = ", ".join(str(p.relative_to(folder)) for p in (notebooks or files)[:8])
    if not notebooks:
        found = f"it holds {names}" if files else "it is empty"
        raise SubmissionProblem(
            f"No Jupyter notebook (.ipynb) in your submission ({found}). Upload your notebook, "
            f"{lab_name} (Colab: File > Download > Download .ipynb; Jupyter: File > Download)."
        )
    raise SubmissionProblem(
        f"Your submission holds {len(notebooks)} notebooks ({names}) and the grader cannot tell "
        f"which one is your lab. Submit again with only your notebook, named {lab_name}."
    )


def _cgroup_value(name: str) -> str:
    """A setting of this process's cgroup: ``cpu.max`` (v2) or ``cpu/cpu.cfs_quota_us`` (v1,
    controller/file), '' if absent. A container sees its own cgroup at the top of
    ``/sys/fs/cgroup``; elsewhere ``/proc/self/cgroup`` names it."""
    controller, _, file = name.rpartition("/")
    places = []
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            wanted = controller in controllers.split(",") if controller else controllers == ""
            if wanted:
                places.append(Path("/sys/fs/cgroup", controller, path.lstrip("/"), file))
    for place in [*places, Path("/sys/fs/cgroup", name)]:
        with contextlib.suppress(OSError):
            return place.read_text().strip()
    return ""


def cpu_quota() -> float | None:
    """The CPUs the container may use (Gradescope: half a CPU by default), or None."""
    quota, _, period = _cgroup_value("cpu.max").partition(" ")
    if not quota:
        quota = _cgroup_value("cpu/cpu.cfs_quota_us")
        period = _cgroup_value("cpu/cpu.cfs_period_us")
    try:
        value = int(quota) / int(period)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def memory_limit() -> int | None:
    """The container's memory limit in bytes (Gradescope: 768 MB by default), or None."""
    text = _cgroup_value("memory.max") or _cgroup_value("memory/memory.limit_in_bytes")
    limited = text.isdigit() and int(text) < 2**50  # cgroup v1 writes "no limit" as ~2**63
    return int(text) if limited else None


def container_line() -> str:
    """The limits the grader sees, for the instructor's log (stdout, hidden from students)."""
    quota, memory = cpu_quota(), memory_limit()
    line = f"container: {f'{quota:g} CPU' if quota else 'no CPU quota'}, "
    line += f"{memory / 2**20:.0f} MiB of memory" if memory else "no memory limit"
    if memory and memory < LOW_MEMORY:
        line += (
            "\nWARNING: a transformer lab needs about 2 GiB to grade (bench/gradescope.py); "
            "raise the memory in the assignment's Settings (README, 'Gradescope')."
        )
    return line


def exercise_name(exercise_id: str, title: str) -> str:
    """``Exercise 06 · Last context token`` (the id alone when the lab gives no title)."""
    return f"Exercise {exercise_id} · {title}" if title else f"Exercise {exercise_id}"


def student_results(result: StudentResult, seconds: float) -> dict:
    """results.json for a graded :class:`.result.StudentResult`: one test per exercise."""
    tests = [
        _test(
            exercise_name(exercise.id, exercise.title),
            exercise.points,
            exercise.max_points,
            exercise.passed,
            exercise.hint,
        )
        for exercise in result.exercises
    ]
    passed = sum(exercise.passed for exercise in result.exercises)
    lines = [
        f"{result.lab or 'Lab'}: {format_points(result.score)}/"
        f"{format_points(result.max_score)} points; {passed} of {len(tests)} exercises passed."
    ]
    if result.ok and passed < len(tests):
        lines.append(
            "Each exercise is graded on its own: a mistake costs only its own points. "
            "Open a failed exercise below to read its hint."
        )
    elif not result.ok:
        text = STATUS_WORDS.get(result.status, result.status)
        lines.append(
            f"{text[:1].upper()}{text[1:]}{f' ({result.reason})' if result.reason else ''}."
        )
    return _results(result.score, seconds, "\n".join(lines), tests)


def problem_results(message: str, lab: LabSource, seconds: float) -> dict:
    """results.json when there is no notebook to grade: every exercise failed, and why."""
    tests = [
        _test(exercise_name(e.id, lab.titles.get(e.id, "")), 0, e.max_points, False, message)
        for e in lab.exercises
    ]
    return _results(0, seconds, message, tests)


def failure_results(error: BaseException, seconds: float, max_score: float = 0) -> dict:
    """results.json when the grader itself failed: score 0, one failed test that says so."""
    if isinstance(error, OutOfTime):
        what = f"Grading did not finish ({error})"
    else:
        first = (str(error).strip().splitlines() or [""])[0][:200]
        what = f"Grading failed: {type(error).__name__}{f': {first}' if first else ''}"
    text = f"{what}. This is not a verdict on your notebook: please tell your instructor."
    return _results(0, seconds, text, [_test("Autograder", 0, max_score, False, text)])


def _test(name: str, score: float, max_score: float, passed: bool, output: str) -> dict:
    return {
        "name": name,
        "score": round(float(score), 4),
        "max_score": round(float(max_score), 4),
        "status": "passed" if passed else "failed",
        "output": output,
        "visibility": "visible",
    }


def _results(score: float, seconds: float, output: str, tests: list[dict]) -> dict:
    return {
        "score": round(float(score), 4),
        "execution_time": int(round(seconds)),
        "output": output,
        "stdout_visibility": "hidden",  # the grader's log is for instructors
        "tests": tests,
    }


def write_results(path: Path, results: dict) -> None:
    """Write results.json atomically (Gradescope never reads half of one), readable by all."""
    atomic_write(path, json.dumps(results, indent=1, allow_nan=False) + "\n", mode=0o644)
