"""Find the students' notebooks and read the regions they wrote.

Two layouts are understood:

* a flat folder of ``<student_id>.ipynb`` files (what an LMS exports);
* an nbgrader tree ``submitted/<student_id>/<assignment_id>/<notebook>.ipynb`` (SUBMISSIONS may be
  the ``submitted`` folder itself or the course folder that holds it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ...errors import TPError
from .source import Region, find_regions


class SubmissionsError(TPError):
    """The submissions folder cannot be used (missing, empty, ambiguous)."""

    exit_code = 2


class InvalidNotebook(Exception):
    """A submission that cannot be read as an nbformat 4 notebook (graded 0, never fatal)."""


@dataclass(frozen=True)
class Submission:
    """One student's notebook. ``problem`` set: there is no notebook to grade (the reason says
    why: none in the download, two that no rule separates), graded ``invalid_notebook``."""

    student_id: str
    path: Path
    problem: str = ""
    platform: str = ""  # the learning platform the download came from (:mod:`.downloads`)
    name: str = ""
    late: bool = False
    feedback_name: str = ""
    submitted_at: str = ""  # when it was handed in, as the platform wrote it
    submitted_from: str = ""  # where that time was read, in words

    def sha256(self) -> str:
        """The hash of the file's bytes ('' when it cannot be read), or of the problem."""
        if self.problem:
            return hashlib.sha256(self.problem.encode()).hexdigest()
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            return ""


def discover(folder: Path, notebook_name: str, assignment: str | None = None) -> list[Submission]:
    """The submissions under ``folder``, sorted by student id.

    ``notebook_name`` (the source notebook's file name) picks the notebook in an nbgrader tree;
    ``assignment`` picks the assignment folder when a student has several.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SubmissionsError(
            f"submissions folder {folder} not found; pass a folder of <student_id>.ipynb files "
            "or an nbgrader 'submitted/' folder."
        )
    flat = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))
    if flat:
        return [Submission(p.stem, p) for p in flat]
    tree = folder / "submitted" if (folder / "submitted").is_dir() else folder
    found = []
    for student in sorted(p for p in tree.iterdir() if p.is_dir() and not p.name.startswith(".")):
        notebook = _tree_notebook(student, notebook_name, assignment)
        if notebook is not None:
            found.append(Submission(student.name, notebook, **_timestamp(notebook.parent)))
    if not found:
        raise SubmissionsError(
            f"no submissions in {folder}: expected <student_id>.ipynb files or an nbgrader tree "
            f"submitted/<student_id>/<assignment_id>/{notebook_name}."
        )
    return found


def _timestamp(folder: Path) -> dict[str, str]:
    """nbgrader's ``timestamp.txt`` beside a submitted notebook (``nbgrader collect`` writes
    it, ``2026-12-01 22:58:07.123456 UTC``), kept as written; read by week/late.py."""
    try:
        text = (folder / "timestamp.txt").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return {}
    return {"submitted_at": text[:64], "submitted_from": "nbgrader's timestamp.txt"}


def _tree_notebook(student: Path, notebook_name: str, assignment: str | None) -> Path | None:
    folders = (
        [student / assignment]
        if assignment
        else sorted(p for p in student.iterdir() if p.is_dir() and not p.name.startswith("."))
    )
    candidates = [f / notebook_name for f in folders if (f / notebook_name).is_file()]
    if len(candidates) > 1:
        names = ", ".join(c.parent.name for c in candidates)
        raise SubmissionsError(
            f"student {student.name} has {notebook_name} in several assignments ({names}); "
            "pass --assignment NAME."
        )
    return candidates[0] if candidates else None


def read_notebook(path: Path):
    """Read and validate a submission; raise :class:`InvalidNotebook` with a one-line reason.

    Only nbformat 4 is accepted: an older file is not what Jupyter or Colab save today (it is
    not converted: its cells lost their nbgrader metadata on the way).
    """
    import nbformat

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidNotebook(f"cannot read the file: {exc}") from None
    try:
        nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # json, nbformat, anything a hostile file provokes
        raise InvalidNotebook(f"not a notebook: {_one_line(exc)}") from None
    version = nb.get("nbformat") if isinstance(nb, dict) else None
    if version is None:
        raise InvalidNotebook("not a notebook: JSON without an 'nbformat' version")
    if version != 4:
        raise InvalidNotebook(
            f"nbformat {version} notebook; nbformat 4 is required (open it in Jupyter and save "
            "it again)"
        )
    try:
        nbformat.validate(nb)
    except Exception as exc:
        raise InvalidNotebook(f"invalid nbformat 4 notebook: {_one_line(exc)}") from None
    return nb


def student_regions(nb, grade_ids: dict[str, str] | None = None) -> dict[str, Region]:
    """The student's region per exercise id, from every well-formed region in the code cells.

    When an id occurs in several cells, the one in the cell whose ``grade_id`` is
    ``grade_ids[id]`` (the source's cell for that exercise) wins, else the first one.
    """
    grade_ids = grade_ids or {}
    found: dict[str, Region] = {}
    preferred: set[str] = set()
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        regions, _ = find_regions(cell.source)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        cell_grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        for region in regions:
            rid = region.exercise_id
            home = cell_grade_id is not None and grade_ids.get(rid) == cell_grade_id
            if rid in preferred:
                continue
            if rid not in found or home:
                found[rid] = region
                if home:
                    preferred.add(rid)
    return found


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("…" if len(text) > 200 else "")
