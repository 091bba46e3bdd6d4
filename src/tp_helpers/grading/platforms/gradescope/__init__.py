"""Gradescope autograder: the zip an instructor uploads, and the grading of one submission there.

Gradescope's contract (a "Programming Assignment"): the instructor uploads a zip holding
``setup.sh`` and ``run_autograder``; Gradescope unzips it into ``/autograder/source``, runs
``setup.sh`` once (as root, with internet) to build an image, then, for every submission, copies
the student's files into ``/autograder/submission`` and runs ``/autograder/run_autograder``,
which must write ``/autograder/results/results.json``. Without a valid file the student only
reads "The autograder failed to execute correctly", so:

* :func:`build_autograder` (``tp-course gradescope``, on the instructor's machine) writes the zip:
  the two scripts, the source notebook, a wheel of this package and the versions it was tested
  with. ``setup.sh`` prepares the offline model and dataset, so grading never downloads.
* :func:`main` (``run_autograder``, on Gradescope) finds the student's notebook, grades it with
  the same engine as ``tp-course grade`` (:func:`.classrun.grade_class`) and writes one test per
  exercise. Whatever happens (no notebook, a grader error, the time limit), it writes a valid
  ``results.json``, through a temporary file; ``run_autograder`` writes one itself when Python
  cannot even start.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model.result import StudentResult
    from .model.source import LabSource

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

STATUS_TEXT = {
    "timeout": "Grading stopped: your notebook took too long",
    "memory": "Your notebook used more memory than the grader allows",
    "kernel_died": "The Python process running your notebook died",
    "invalid_notebook": "Your file could not be read as a Jupyter notebook",
    "tampered": "A locked cell (a check or given code) was edited, deleted or duplicated",
}


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
) -> Path:
    """Write the autograder zip for Gradescope; return its path.

    ``source``: the solution notebook with nbgrader metadata (checked here, not on Gradescope).
    ``wheel``: this package's wheel; by default built from ``project``, the course repository
    (default: the checkout this package runs from). ``time_limit``: the autograder timeout set
    in Gradescope, in seconds; grading stops :data:`MARGIN` seconds before it.
    """
    from .model.source import read_source

    source = Path(source)
    read_source(source)  # a broken source fails here, not in front of every student
    out_zip = Path(out_zip)
    with tempfile.TemporaryDirectory(prefix="tp-gradescope-build-") as tmp:
        wheel = Path(wheel) if wheel else build_wheel(project or find_project(), Path(tmp))
        texts = {
            "setup.sh": setup_script(wheel.name),
            "run_autograder": run_script(source.name, time_limit),
            "constraints.txt": pinned_requirements(),
        }
        out_zip.parent.mkdir(parents=True, exist_ok=True)
        partial = out_zip.with_name(f".{out_zip.name}.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in texts.items():
                _add(archive, name, text.encode("utf-8"), executable=name != "constraints.txt")
            _add(archive, source.name, source.read_bytes())
            _add(archive, wheel.name, wheel.read_bytes())
        os.replace(partial, out_zip)
    return out_zip


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16  # Unix mode, regular file
    archive.writestr(info, data)


def find_project() -> Path:
    """The course repository this package runs from (an editable install's checkout)."""
    import tp_helpers

    from .classrun import GradingError

    for folder in Path(tp_helpers.__file__).resolve().parents:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and re.search(
            rf'^name\s*=\s*"{DISTRIBUTION}"', pyproject.read_text(encoding="utf-8"), re.M
        ):
            return folder
    raise GradingError(
        "cannot find the course repository to build this package's wheel from; pass "
        "--project path/to/the/repository (or --wheel path/to/tp_helpers-*.whl)."
    )


def build_wheel(project: Path, out_dir: Path) -> Path:
    """Build this package's wheel offline from a copy of ``project`` (the checkout stays clean:
    setuptools writes ``build/`` and ``*.egg-info`` next to the sources it builds)."""
    from .classrun import GradingError

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
        raise GradingError(
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
    torch_pin = shlex.quote(f"torch=={torch}" if torch else "torch")
    wheel = shlex.quote(f"./{wheel_name}[instructor]")
    pinned_on = "{}.{}".format(*sys.version_info[:2])
    minimum = "{}.{}".format(*MIN_PYTHON)
    images = " or ".join(f"'{image}' (Python {version})" for image, version in BASE_IMAGES)
    return f"""#!/usr/bin/env bash
# Gradescope runs this once, as root and with internet, when it builds the autograder's image.
# Written by `tp-course gradescope`; the zip's files are in this script's folder.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

stop() {{
    echo "" >&2
    echo "setup.sh: $*" >&2
    exit 1
}}

# the image's Python first: an old base image must fail here, in words, not deep in pip
VERSION_CODE='import sys; print("%d.%d" % tuple(sys.version_info[:2]))'
version="$(python3 -c "$VERSION_CODE" 2>/dev/null || true)"
if [ -z "$version" ]; then
    apt-get update
    apt-get install -y --no-install-recommends python3
    version="$(python3 -c "$VERSION_CODE")"
fi
if ! python3 -c 'import sys; sys.exit(tuple(sys.version_info[:2]) < {MIN_PYTHON!r})'; then
    stop "this base image has Python $version; the TP7 grader needs Python {minimum} or \
newer. In the assignment's Configure Autograder, choose the base image {images}, then \
Update Autograder."
fi
echo "setup.sh: Python $version (the versions were pinned on Python {pinned_on})"
set -x

# venv and pip (a bare Ubuntu image may lack them)
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt-get update
    apt-get install -y --no-install-recommends python3-venv python3-pip
fi
python3 -m venv {VENV}
PY={VENV}/bin/python
"$PY" -m pip install --upgrade pip

# torch's CPU build, at the tested version: the default build brings gigabytes of CUDA
"$PY" -m pip install {torch_pin} --index-url https://download.pytorch.org/whl/cpu \\
    || stop "torch {torch or ""} (CPU build) does not install on Python $version. Choose the \
base image {images}, or build the zip on a machine with Python $version."

# this package and the grader's tools, at the versions the course was tested with (never others)
"$PY" -m pip install -c constraints.txt {wheel} \\
    || stop "the versions tested with the course (constraints.txt, pinned on Python \
{pinned_on}) do not install on Python $version. Build the zip again with 'tp-course gradescope' \
on a machine with Python $version, or choose the base image {images}."

# the offline model (a dependency) and dataset, prepared now: grading never downloads
HF_HUB_OFFLINE=1 TP_DATA_DIR={DATA_DIR} {VENV}/bin/tp-course info
chmod -R a+rX {VENV}
"""


def run_script(source_name: str, time_limit: int = DEFAULT_TIME_LIMIT) -> str:
    """``run_autograder``: grade ``$ROOT/submission`` into ``$ROOT/results/results.json``."""
    source = '"$ROOT/source/"' + shlex.quote(source_name)
    deadline = max(60, int(time_limit) - MARGIN)
    return f"""#!/usr/bin/env bash
# Gradescope runs this for every submission. It grades the notebook in $ROOT/submission with the
# grader of `tp-course grade` and writes $ROOT/results/results.json.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{TP_AUTOGRADER_PYTHON:-{VENV}/bin/python}}"
[ -x "$PYTHON" ] || PYTHON=python3
export HF_HUB_OFFLINE=1 TP_PROFILE=offline TP_DATA_DIR="${{TP_AUTOGRADER_DATA:-{DATA_DIR}}}"
cd "$ROOT" || true
mkdir -p "$ROOT/results"
# -I: neither the working folder nor PYTHON* variables decide what is imported
"$PYTHON" -I -m tp_helpers.grading.gradescope --root "$ROOT" --source {source} \\
    --deadline {deadline}
status=$?
# Python did not even start (a broken image): still a results.json for the student
if [ ! -s "$ROOT/results/results.json" ]; then
    cat > "$ROOT/results/results.json" <<EOF
{{"score": 0, "output": "The autograder could not start (exit status $status). This is not \
about your notebook: please tell your instructor.", "tests": [{{"name": "Autograder", "score": 0, \
"status": "failed", "output": "The grader did not start.", "visibility": "visible"}}]}}
EOF
fi
exit 0
"""


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


def run_autograder(
    root: Path,
    source: Path,
    *,
    timeout: float = CELL_TIMEOUT,
    notebook_timeout: float | None = None,
) -> dict:
    """Grade the notebook in ``root/submission`` against ``source``; return results.json's data.

    The same engine as ``tp-course grade``: the notebook goes, as the class's only student,
    through :func:`.classrun.grade_class`. Raises only for the grader's own failures.
    """
    from .classrun import GradingError, grade_class
    from .model.source import read_source

    started = time.monotonic()
    root, source = Path(root), Path(source)
    lab = read_source(source)
    _protect(source)
    try:
        notebook = find_notebook(root / "submission", source.name)
    except SubmissionProblem as exc:
        print(f"no notebook graded: {exc}")
        return problem_results(str(exc), lab, time.monotonic() - started)
    print(f"grading {notebook.relative_to(root)} against {source.name}; {_container()}")
    with tempfile.TemporaryDirectory(prefix="tp-gradescope-") as tmp:
        flat = Path(tmp) / "submissions"
        flat.mkdir()
        shutil.copyfile(notebook, flat / f"{STUDENT}.ipynb")
        run = grade_class(
            flat,
            Path(tmp) / "out",
            source,
            jobs=1,
            progress=False,
            timeout=timeout,
            notebook_timeout=notebook_timeout,
            threads=_cpu_threads(),
        )
    print(run.sandbox)
    if run.failed:
        raise GradingError(run.failed[STUDENT])
    result = run.results[0]
    print(result.line(), *(f"note: {note}" for note in result.notes), sep="\n")
    return student_results(result, time.monotonic() - started)


def _protect(source: Path) -> None:
    """Make the solution unreadable to the student's runs. A root grader runs them under a uid
    of their own (:mod:`.sandbox`), and Gradescope leaves ``source/`` readable by everyone."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        for path, mode in ((source, 0o600), (source.parent, 0o700)):
            with contextlib.suppress(OSError):
                path.chmod(mode)


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


def _cpu_threads() -> int | None:
    """Threads per run: a container's quota, not the host's cores its affinity shows (torch
    with 32 threads on half a CPU crawls)."""
    from .classrun import usable_cores

    quota = cpu_quota()
    return max(1, min(usable_cores(), math.ceil(quota))) if quota else None


def memory_limit() -> int | None:
    """The container's memory limit in bytes (Gradescope: 768 MB by default), or None."""
    text = _cgroup_value("memory.max") or _cgroup_value("memory/memory.limit_in_bytes")
    limited = text.isdigit() and int(text) < 2**50  # cgroup v1 writes "no limit" as ~2**63
    return int(text) if limited else None


def _container() -> str:
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
    from .model.result import format_points

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
        text = STATUS_TEXT.get(result.status, result.status)
        lines.append(f"{text}{f' ({result.reason})' if result.reason else ''}.")
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
    """Write results.json through a temporary file: Gradescope never reads half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=1, allow_nan=False) + "\n"
    fd, partial = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


@contextlib.contextmanager
def _deadline(seconds: float | None):
    """Raise :class:`OutOfTime` after ``seconds``, or when Gradescope sends SIGTERM."""

    def stop(signum, frame):
        raise OutOfTime(
            f"out of time after {seconds:g} s"
            if signum == signal.SIGALRM
            else "stopped by Gradescope"
        )

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGALRM, signal.SIGTERM)}
    if seconds is not None:
        signal.setitimer(signal.ITIMER_REAL, max(1.0, seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _max_score(source: Path) -> float:
    try:
        from .model.source import read_source

        return read_source(source).max_score
    except Exception:
        return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m tp_helpers.grading.gradescope --root /autograder --source NOTEBOOK``.

    Exit status 0 whenever results.json was written (Gradescope reads it, whatever happened).
    """
    started = time.monotonic()
    parser = argparse.ArgumentParser(description="Grade one Gradescope submission.")
    parser.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    parser.add_argument("--source", required=True, help="the lab's source (solution) notebook")
    parser.add_argument("--deadline", type=float, help="seconds before results must be written")
    parser.add_argument("--timeout", type=float, default=CELL_TIMEOUT, help="seconds per cell")
    args = parser.parse_args(argv)
    path = Path(args.root) / "results" / "results.json"
    source = Path(args.source)
    try:
        # written first: a grader killed (memory, time) leaves this one, not nothing
        stopped = OutOfTime("the grader was stopped: out of time or out of memory")
        write_results(path, failure_results(stopped, 0))
        # the student's runs get half the time: the source's run and a stuck cell need the rest
        notebook_timeout = 0.5 * args.deadline if args.deadline else None
        with _deadline(args.deadline):
            results = run_autograder(
                Path(args.root), source, timeout=args.timeout, notebook_timeout=notebook_timeout
            )
    except BaseException as exc:  # noqa: BLE001 - the student must get a results.json
        traceback.print_exc(file=sys.stdout)  # the instructor's log, hidden from students
        results = failure_results(exc, time.monotonic() - started, _max_score(source))
    try:
        write_results(path, results)
    except BaseException:  # noqa: BLE001
        traceback.print_exc(file=sys.stdout)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
