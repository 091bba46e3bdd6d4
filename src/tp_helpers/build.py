"""``tp-course build``: what students get, generated from the labs in ``solutions/``.

For every ``solutions/<lab>.ipynb`` the build writes two products:

* ``notebooks/<lab>.ipynb``, the student notebook: nbgrader's own ``generate_assignment``
  (solution regions replaced by a stub, hidden tests stripped, outputs cleared, cells locked,
  checksums), configured by the committed ``nbgrader_config.py``, then the :data:`POSTPROCESS`
  steps: each stub names its exercise, run records go, and an "Open in Colab" badge and a
  Colab-only set-up cell go on top.
* ``src/tp_helpers/checks/reference/<lab>.offline.json``, the offline profile's reference values,
  recorded by running the solution notebook with ``TP_CHECKS_RECORD`` set. A lab whose run records
  nothing gets no file.

Nothing here knows about a particular lab: exercises come from the nbgrader metadata and the
``# --- START CODE HERE (NN)`` lines. :func:`build` returns a :class:`BuildResult` that the CLI and
the tests read the same way; ``check=True`` builds into a temporary folder and only compares.
"""

from __future__ import annotations

import copy
import importlib.metadata
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .checks.core import RECORD_ENV
from .errors import TPError
from .profiles import OFFLINE_ENV_VARS
from .runner import execute_notebook

SOLUTIONS_DIR = Path("solutions")
NOTEBOOKS_DIR = Path("notebooks")
REFERENCE_DIR = Path("src") / "tp_helpers" / "checks" / "reference"
NBGRADER_CONFIG = "nbgrader_config.py"
DISTRIBUTION = "tp-helpers"
FIX_COMMAND = "tp-course build"

#: fixed ids of the two cells the build puts on top (nbformat 4.5 ids: the same bytes every build)
BADGE_CELL_ID = "tp-colab-badge"
SETUP_CELL_ID = "tp-colab-setup"

START_MARKER = re.compile(r"#\s*---\s*START CODE HERE\s*\((?P<label>[^)]+)\)")
END_MARKER = re.compile(r"#\s*---\s*END CODE HERE")
#: where the exercise label goes in nbgrader_config.py's code stub
STUB_LABEL_SLOT = "Exercise:"

#: cell metadata that only records how and when a notebook last ran
NOISY_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled", "colab", "outputId")
#: Jupyter's own read-only flags: nbgrader ignores cells without nbgrader metadata
READ_ONLY = {"deletable": False, "editable": False}

GITHUB_URL = re.compile(r"https://github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(?:\.git)?/?")

SETUP_SOURCE = """\
# Set-up: in Colab, install the course helpers (tp_helpers); anywhere else this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "{pip_url}"],
        check=True,
    )"""

BADGE_SOURCE = (
    "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url})"
)


class BuildError(TPError):
    """The labs, the nbgrader configuration or the repository URL cannot be built from."""

    exit_code = 2


@dataclass
class BuildResult:
    """What a build wrote, or with ``check=True`` found stale (paths relative to the root)."""

    check: bool
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was stale (``check``) or anything stale has been rewritten (build)."""
        return not self.check or not self.changed

    def report(self) -> str:
        """Plain-text summary; for a failed check it lists each stale file and the fix."""
        if self.check and self.changed:
            lines = [f"{len(self.changed)} generated file(s) are stale:"]
            lines += [f"  {path}" for path in self.changed]
            lines.append(f"Run `{FIX_COMMAND}` and commit the files it writes.")
            return "\n".join(lines)
        if self.check:
            return f"up to date: {len(self.unchanged)} generated file(s) match solutions/"
        lines = [f"wrote {path}" for path in self.changed]
        lines.append(
            f"{len(self.changed)} file(s) written, {len(self.unchanged)} already up to date"
        )
        return "\n".join(lines)


def build(
    root: Path | str = ".",
    *,
    check: bool = False,
    references: bool = True,
    timeout: int = 1800,
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build every ``solutions/*.ipynb`` under ``root``; write the files that changed.

    ``check=True`` writes nothing and lists what is stale. ``references=False`` skips running the
    solution notebooks (the reference-values files are then neither written nor compared).
    """
    root = Path(root).resolve()
    say = log or (lambda message: None)
    labs = sorted((root / SOLUTIONS_DIR).glob("*.ipynb"))
    if not labs:
        raise BuildError(
            f"no lab found: {root / SOLUTIONS_DIR} holds no .ipynb file. Run `{FIX_COMMAND}` from "
            "the course repository root, or pass --root."
        )
    config = load_nbgrader_config(root)
    url = repository_url(root)

    expected: dict[Path, str] = {}
    say(f"generating {len(labs)} student notebook(s) with nbgrader ...")
    for lab, nb in zip(labs, generate_assignments(labs, config)):
        nb = postprocess(nb, lab=lab.stem, config=config, repo_url=url)
        expected[NOTEBOOKS_DIR / f"{lab.stem}.ipynb"] = dumps_notebook(nb)
    if references:
        for lab in labs:
            say(f"recording offline reference values: running {lab.relative_to(root)} ...")
            values = record_reference(lab, timeout=timeout)
            if values is not None:
                expected[REFERENCE_DIR / f"{lab.stem}.offline.json"] = values

    result = BuildResult(check=check)
    for relative, text in expected.items():
        target = root / relative
        fresh = target.is_file() and target.read_bytes() == text.encode("utf-8")
        (result.unchanged if fresh else result.changed).append(relative.as_posix())
        if not fresh and not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
    return result


# --- configuration -------------------------------------------------------------------------------


def load_nbgrader_config(root: Path):
    """The course's committed nbgrader configuration (a traitlets ``Config``)."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    try:
        return PyFileConfigLoader(NBGRADER_CONFIG, path=str(root)).load_config()
    except ConfigFileNotFound:
        raise BuildError(
            f"{root / NBGRADER_CONFIG} not found: run `{FIX_COMMAND}` from the course repository "
            "root (the folder with nbgrader_config.py), or pass --root."
        ) from None


def repository_url(root: Path) -> str:
    """The course repository's URL: ``[project.urls] Repository`` in pyproject.toml.

    The root's own pyproject.toml comes first (an editable install's metadata is only refreshed by
    ``pip install -e .``); without one, the installed distribution's metadata.
    """
    url = _url_from_pyproject(root / "pyproject.toml") or _url_from_metadata()
    if not url:
        raise BuildError(
            'no repository URL: add `Repository = "https://github.com/<owner>/<repo>"` under '
            "[project.urls] in pyproject.toml."
        )
    if not GITHUB_URL.fullmatch(url):
        raise BuildError(
            f"repository URL {url!r} is not https://github.com/<owner>/<repo>: Colab opens "
            "notebooks from GitHub. Fix [project.urls] Repository in pyproject.toml."
        )
    return url


def _url_from_pyproject(path: Path) -> str | None:
    try:
        import tomllib
    except ImportError:  # Python 3.10: read the installed metadata instead
        return None
    if not path.is_file():
        return None
    project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    return project.get("urls", {}).get("Repository")


def _url_from_metadata() -> str | None:
    try:
        entries = importlib.metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip()
    return None


# --- the student notebook ------------------------------------------------------------------------


def generate_assignments(labs: list[Path], config) -> list:
    """Run nbgrader's generate_assignment on each lab; return the released notebooks, in order.

    nbgrader reads ``<root>/source/<assignment>/<notebook>.ipynb`` and cannot use a flat
    ``solutions/`` folder, so each lab is copied into a temporary course directory first. The
    gradebook is left out (``SaveCells`` only records cells in it, and creating a gradebook costs
    seconds): the released notebook is the same.
    """
    import nbformat
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import SaveCells
    from nbgrader.utils import capture_log

    config = copy.deepcopy(config)
    steps = config.GenerateAssignment.get("preprocessors") or (
        GenerateAssignment.class_traits()["preprocessors"].default()
    )
    config.GenerateAssignment.preprocessors = [step for step in steps if step is not SaveCells]
    config.GenerateAssignment.no_database = True

    released = []
    with tempfile.TemporaryDirectory(prefix="tp-build-course-") as tmp:
        course = Path(tmp)
        for lab in labs:
            source = course / "source" / lab.stem
            source.mkdir(parents=True)
            shutil.copyfile(lab, source / lab.name)
            coursedir = CourseDirectory(config=config, root=str(course), assignment_id=lab.stem)
            converter = GenerateAssignment(coursedir=coursedir, config=config, force=True)
            outcome = capture_log(converter)  # nbgrader's API result: success, log, error
            output = course / "release" / lab.stem / lab.name
            if not outcome["success"] or not output.is_file():
                details = (outcome.get("log") or "") + (outcome.get("error") or "")
                tail = "\n".join(details.strip().splitlines()[-15:])
                raise BuildError(
                    f"nbgrader generate_assignment failed on {lab.name}:\n{tail}\n"
                    f"Fix the cell nbgrader names above in {SOLUTIONS_DIR / lab.name}."
                )
            released.append(nbformat.read(output, as_version=4))
    return released


def postprocess(nb, *, lab: str, config, repo_url: str):
    """Apply :data:`POSTPROCESS` to a released notebook, in order; return it."""
    for step in POSTPROCESS:
        nb = step(nb, lab=lab, config=config, repo_url=repo_url)
    return nb


def label_stubs(nb, *, lab: str, config, **_):
    """Write each stub's exercise label, from the enclosing ``# --- START CODE HERE (NN)`` line.

    ``raise NotImplementedError("Exercise: ...")`` becomes ``... ("Exercise 03: ...")``; the
    START/END lines stay. The nbgrader checksum of each edited cell is recomputed.
    """
    from nbgrader.preprocessors import ClearSolutions
    from nbgrader.utils import compute_checksum, is_solution

    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    stub_lines = ClearSolutions(config=config).code_stub[language].split("\n")
    slots = [line.strip() for line in stub_lines if STUB_LABEL_SLOT in line]
    if not slots:
        raise BuildError(
            f"ClearSolutions.code_stub in {NBGRADER_CONFIG} has no {STUB_LABEL_SLOT!r}: the build "
            "writes each exercise's label there. Put it back in the stub."
        )
    for cell in nb.cells:
        if cell.cell_type != "code" or not is_solution(cell):
            continue
        lines, label, edited = cell.source.split("\n"), None, False
        for i, line in enumerate(lines):
            if start := START_MARKER.search(line):
                label = start.group("label").strip()
            elif END_MARKER.search(line):
                label = None
            elif line.strip() in slots:
                if label is None:
                    raise BuildError(
                        f"{lab}.ipynb, cell {cell.get('id')}: a solution region outside "
                        "`# --- START CODE HERE (NN)` / `# --- END CODE HERE`. Put the "
                        "`### BEGIN SOLUTION` ... `### END SOLUTION` lines between them."
                    )
                lines[i] = line.replace(STUB_LABEL_SLOT, f"Exercise {label}:", 1)
                edited = True
        if edited:
            cell.source = "\n".join(lines)
            cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    return nb


def strip_noise(nb, *, lab: str, **_):
    """Drop run records (timestamps, widget state, Python version); give every cell an id."""
    for index, cell in enumerate(nb.cells):
        for key in NOISY_CELL_METADATA:
            cell.metadata.pop(key, None)
        if not cell.get("id"):  # a notebook older than nbformat 4.5
            cell.id = f"{lab}-{index}"[-64:]
    kept = {key: nb.metadata[key] for key in ("kernelspec", "language_info") if key in nb.metadata}
    kept.get("language_info", {}).pop("version", None)
    nb.metadata = type(nb.metadata)(kept)
    nb.nbformat, nb.nbformat_minor = 4, max(nb.nbformat_minor, 5)
    return nb


def add_colab_cells(nb, *, lab: str, repo_url: str, **_):
    """Put the "Open in Colab" badge and the Colab-only set-up cell on top of the notebook."""
    nb.cells[:0] = colab_cells(repo_url, lab)
    return nb


def colab_cells(repo_url: str, lab: str) -> list:
    """The badge (markdown) and the set-up cell (code), read-only, with fixed ids."""
    import nbformat

    match = GITHUB_URL.fullmatch(repo_url)
    owner, repo = match.group("owner"), match.group("repo")
    colab_url = (
        f"https://colab.research.google.com/github/{owner}/{repo}/blob/main/"
        f"{NOTEBOOKS_DIR.as_posix()}/{lab}.ipynb"
    )
    pip_url = f"git+https://github.com/{owner}/{repo}.git"
    badge = nbformat.v4.new_markdown_cell(
        BADGE_SOURCE.format(colab_url=colab_url), id=BADGE_CELL_ID, metadata=dict(READ_ONLY)
    )
    setup = nbformat.v4.new_code_cell(
        SETUP_SOURCE.format(pip_url=pip_url), id=SETUP_CELL_ID, metadata=dict(READ_ONLY)
    )
    return [badge, setup]


#: the post-processing of nbgrader's release, in order
POSTPROCESS = [label_stubs, strip_noise, add_colab_cells]


def dumps_notebook(nb) -> str:
    """The notebook's file contents: nbformat's JSON (sorted keys, 1-space indent) and a newline."""
    import nbformat

    nbformat.validate(nb)
    return nbformat.writes(nb, version=4) + "\n"


# --- the offline reference values ----------------------------------------------------------------


def reference_env(record_path: Path) -> dict[str, str]:
    """The kernel's own variables for the recording run (added to this process's environment)."""
    env = {var: "1" for var in OFFLINE_ENV_VARS}
    env.update({"TP_PROFILE": "offline", "NBGRADER_EXECUTION": "autograde"})
    env[RECORD_ENV] = str(record_path)
    return env


def record_reference(solution: Path, *, timeout: int = 1800) -> str | None:
    """Run ``solution`` with ``TP_CHECKS_RECORD`` set; return the recorded JSON text, or None.

    The kernel runs this interpreter, in a temporary folder, with :func:`reference_env` added to
    its own environment (this process's is left alone). The text is pretty, with sorted keys.
    """
    with tempfile.TemporaryDirectory(prefix="tp-build-run-") as tmp:
        work, record = Path(tmp) / "work", Path(tmp) / "reference.json"
        work.mkdir()
        execute_notebook(solution, cwd=work, env=reference_env(record), timeout=timeout)
        if not record.is_file():
            return None
        values = json.loads(record.read_text(encoding="utf-8"))
    return json.dumps(values, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
