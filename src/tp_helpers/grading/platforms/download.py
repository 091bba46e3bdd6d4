"""Read the submissions as learning platforms hand them out: one student, one notebook.

Instructors press "Download submissions" and get a zip (or its unpacked folder) whose file names
carry the student's key. Each layout is recognised from those names alone, by the grammar of
each platform's module (:mod:`.canvas`, :mod:`.moodle`, :mod:`.blackboard`); a **flat** folder
(``<student_id>.ipynb``) and an **nbgrader** tree (``submitted/<student>/<assignment>/``) are
read by :mod:`..model.submission`.

Per student one notebook is chosen: the latest Blackboard attempt, then the notebook named like the
lab, then the latest re-upload. No notebook, or two that no rule separates, gives the student a
:class:`.Submission` with a ``problem`` (graded ``invalid_notebook`` with that reason): never a
silent pick. A zip is read in place; only the chosen notebooks are written, into the output
folder. What no platform writes (an entry that points outside the zip's folder, a symbolic link)
refuses the whole zip; a notebook that inflates beyond :data:`MAX_NOTEBOOK_BYTES`, or that cannot
be inflated, costs its student alone: a ``problem`` naming the size or the damage.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from zlib import error as zlib_error

from ..model.submission import Submission, SubmissionsError, discover
from . import LAYOUTS, PLATFORMS, blackboard, canvas, moodle
from .entries import DownloadError, Entry, EntryProblem, Student

#: each platform's module: its download's grammar, its import file
_MODULES = {module.NAME: module for module in (canvas, moodle, blackboard)}

#: the most one notebook may inflate to. A TP7 notebook with its outputs weighs 0.1-1 MiB; one
#: with many inline figures, or a training loop that printed a warning at every step, reaches tens
#: of MiB (60 MB of one repeated ``UserWarning`` line is the largest seen). 512 MiB is eight times
#: that, more than Jupyter or Colab open comfortably, and parsing a notebook that size still fits
#: a grading machine (measured: 5 s and 2.8 GiB peak for 505 MiB of log lines).
MAX_NOTEBOOK_BYTES = 512 * 2**20
#: the most the notebooks written from one zip may add up to: 16 notebooks at the limit, or
#: thousands of real ones (a zip that would exceed it is refused before anything is written)
MAX_TOTAL_BYTES = 8 * 2**30
MAX_ENTRIES = 100_000
#: a Blackboard receipt is a few hundred bytes; only its start is read
MAX_RECEIPT_BYTES = 64 * 2**10

#: files that archivers and file managers add, never a student's
_JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$|\._)")
#: a re-upload's suffix: Canvas ``tp7_qa-1.ipynb``, a browser's or Colab's ``tp7_qa (1).ipynb``
_REVISION = re.compile(r"(?P<base>.*?)(?:-(?P<dash>[0-9]+)| \((?P<paren>[0-9]+)\))?")


@dataclass
class Download:
    """The students of a download, one :class:`.Submission` each, and what was recognised."""

    layout: str
    submissions: list[Submission]

    def line(self) -> str:
        """``Canvas download: 42 students, 3 late, 2 without a notebook``."""
        platform = PLATFORMS.get(self.layout)
        what = f"{platform} download" if platform else f"{self.layout} folder"
        count = len(self.submissions)
        parts = [f"{count} student{'s' if count != 1 else ''}"]
        late = sum(s.late for s in self.submissions)
        if self.layout == "canvas":
            parts.append(f"{late} late")
        problems = [s.problem for s in self.submissions if s.problem]
        missing = sum(p.startswith("no notebook") for p in problems)
        several = sum(p.startswith("several notebooks") for p in problems)
        others = len(problems) - missing - several
        if missing:
            parts.append(f"{missing} without a notebook")
        if several:
            parts.append(f"{several} with notebooks no rule separates")
        if others:
            parts.append(f"{others} with a notebook too large or damaged")
        return f"{what}: {', '.join(parts)}"


def read_download(
    path: Path,
    notebook_name: str,
    unpack_dir: Path,
    *,
    layout: str | None = None,
    assignment: str | None = None,
) -> Download:
    """The submissions of ``path`` (a zip or a folder), in ``layout`` or the one its names show.

    ``notebook_name`` is the lab's file name (``tp7_qa.ipynb``); the notebooks chosen from a zip
    are written to ``unpack_dir`` as ``<student key>.ipynb``.
    """
    path = Path(path)
    if layout is not None and layout not in LAYOUTS:
        raise DownloadError(f"--layout {layout}: choose one of {', '.join(LAYOUTS)}.")
    if path.is_file() and zipfile.is_zipfile(path):
        return _read_zip(path, notebook_name, Path(unpack_dir), layout, assignment)
    if path.is_file():
        raise DownloadError(
            f"{path}: not a zip (or a damaged one: download it again); pass the zip your "
            "platform gave you, its unpacked folder, a folder of <student_id>.ipynb files or an "
            "nbgrader 'submitted/' folder."
        )
    if not path.is_dir():
        raise SubmissionsError(
            f"submissions {path} not found; pass the zip your platform gave you, its unpacked "
            "folder, a folder of <student_id>.ipynb files or an nbgrader 'submitted/' folder."
        )
    names = sorted(
        p.relative_to(path).as_posix()
        for p in path.rglob("*")
        if p.is_file() and not _JUNK.search(p.relative_to(path).as_posix())
    )
    layout = layout or _detect(names)
    if layout in ("flat", "nbgrader"):
        return Download(layout, discover(path, notebook_name, assignment))
    students = _parse(layout, names, lambda name: _read_file_head(path / name), assignment)
    submissions = [
        _submission(layout, student, notebook_name, lambda entry: path / entry.path)
        for student in students
    ]
    return Download(layout, submissions)


# --- recognising a layout ---------------------------------------------------------------------


def _read_file_head(path: Path) -> bytes:
    """The start of a small file of an unpacked download (a Blackboard receipt)."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_RECEIPT_BYTES)
    except OSError:
        return b""


def _detect(names: list[str]) -> str:
    """The layout whose pattern the names follow: platforms first, then nbgrader, then flat."""
    for platform in (moodle, blackboard, canvas):
        if platform.detect(names):
            return platform.NAME
    if any("/" in name and name.endswith(".ipynb") for name in names):
        return "nbgrader"
    return "flat"


def _parse(layout: str, names: list[str], read, assignment: str | None = None) -> list[Student]:
    platform = _MODULES[layout]
    for name in names:
        if not platform.fits(name):
            raise DownloadError(
                f"{name}: this file name does not follow the {PLATFORMS[layout]} download's "
                f"pattern {platform.PATTERN}. Pass the download as the platform wrote it "
                "(do not rename files), or force another layout with --layout "
                f"{'|'.join(LAYOUTS)}."
            )
    students = platform.parse(names, read, assignment)
    return [students[key] for key in sorted(students)]


# --- choosing one notebook per student ----------------------------------------------------------


def _submission(layout: str, student: Student, notebook_name: str, locate) -> Submission:
    """The student's :class:`.Submission`: the chosen notebook, or the reason there is none.

    ``locate`` gives the chosen entry's path (writing it, from a zip); it raises
    :class:`EntryProblem` when that notebook cannot be written, which costs this student alone.
    """
    chosen, problem = choose_notebook(student.entries, notebook_name)
    common = {
        "platform": layout,
        "name": student.name,
        "late": student.late,
        # Canvas re-attaches a feedback file under the display name of the attachment its name
        # points to: the graded notebook's, so that the file keeps a notebook's name
        "feedback_name": chosen.prefix if chosen and chosen.prefix else student.feedback_name,
    }
    if chosen is not None and chosen.attempt:  # Blackboard: 2026-12-01-23-58-07, server time
        day, time = chosen.attempt[:10], chosen.attempt[11:].replace("-", ":")
        common["submitted_at"] = f"{day}T{time}"
        common["submitted_from"] = "Blackboard's attempt time"
    if chosen is None:
        return Submission(student.key, Path(student.key), problem=problem, **common)
    try:
        return Submission(student.key, locate(chosen), **common)
    except EntryProblem as exc:
        return Submission(student.key, Path(student.key), problem=str(exc), **common)


def choose_notebook(entries: Iterable[Entry], notebook_name: str) -> tuple[Entry | None, str]:
    """``(entry, "")`` for the notebook to grade, or ``(None, reason)``.

    Rules, in order: the latest attempt; a notebook named like the lab over any other; the
    latest re-upload (``-2`` over ``-1`` over the original).
    """
    entries = list(entries)
    notebooks = [e for e in entries if e.original.lower().endswith(".ipynb")]
    if not notebooks:
        found = ", ".join(sorted(PurePosixPath(e.original).name for e in entries)) or "nothing"
        return None, (
            f"no notebook in the submission (found: {found}); the student should submit "
            f"{notebook_name} as a file"
        )
    lab = Path(notebook_name).stem.lower()

    def rank(entry: Entry) -> tuple[str, bool, int]:
        stem = PurePosixPath(entry.original).name[: -len(".ipynb")]
        match = _REVISION.fullmatch(stem)
        revision = int(match["dash"] or match["paren"] or 0)
        return entry.attempt, match["base"].lower() == lab, revision

    ranked = sorted(notebooks, key=rank, reverse=True)
    if len(ranked) > 1 and rank(ranked[0]) == rank(ranked[1]):
        tied = ", ".join(sorted(e.original for e in ranked if rank(e) == rank(ranked[0])))
        return None, (
            f"several notebooks and no rule to choose: {tied}; ask the student which one to "
            f"grade (named {notebook_name}) and grade it alone"
        )
    return ranked[0], ""


# --- zips ------------------------------------------------------------------------------------


def _read_zip(
    path: Path, notebook_name: str, unpack_dir: Path, layout: str | None, assignment: str | None
) -> Download:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DownloadError(
            f"{path}: not a zip that can be read ({exc}); download the submissions again."
        ) from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        check_zip(path, infos)
        infos = [info for info in infos if not _JUNK.search(info.filename)]
        names = sorted(info.filename for info in infos)
        layout = layout or _detect(names)
        target = unpack_dir / path.stem
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        budget = _Budget(path)
        if layout in ("flat", "nbgrader"):
            return _read_zipped_tree(
                archive, infos, target, layout, notebook_name, assignment, budget
            )
        students = _parse(layout, names, lambda name: _read_head(archive, name), assignment)
        submissions = []
        for student in students:

            def locate(entry: Entry, key: str = student.key) -> Path:
                destination = target / f"{key}.ipynb"
                _extract(archive, archive.getinfo(entry.path), destination, budget)
                return destination

            submissions.append(_submission(layout, student, notebook_name, locate))
    return Download(layout, submissions)


def _read_zipped_tree(archive, infos, target, layout, notebook_name, assignment, budget):
    """A zip of ``<student_id>.ipynb`` files or of an nbgrader tree: its notebooks written, then
    the folder read; a notebook that cannot be written is its student's problem."""
    problems = {}
    for info in infos:
        if info.filename.lower().endswith(".ipynb"):
            try:
                _extract(archive, info, target / info.filename, budget)
            except EntryProblem as exc:
                problems[_tree_student(info.filename, layout)] = str(exc)
    try:
        found = discover(target, notebook_name, assignment) if any(target.iterdir()) else []
    except SubmissionsError:
        if not problems:
            raise
        found = []
    found = [s for s in found if s.student_id not in problems]
    found += [Submission(key, Path(key), problem=problem) for key, problem in problems.items()]
    return Download(layout, sorted(found, key=lambda s: s.student_id))


def _tree_student(name: str, layout: str) -> str:
    """The student a notebook of a flat folder or an nbgrader tree belongs to."""
    parts = PurePosixPath(name).parts
    if layout == "flat" or len(parts) < 3:
        return PurePosixPath(name).stem
    return parts[-3]  # [submitted/]<student>/<assignment>/<notebook>


def check_zip(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip that no platform writes (an entry outside its folder, a symbolic link), or
    whose notebooks would add up to more than :data:`MAX_TOTAL_BYTES`.

    How much an entry inflates is not a reason: a log printed at every step deflates hundreds
    of times. A notebook over :data:`MAX_NOTEBOOK_BYTES` is never written (its student gets the
    reason), so it counts for nothing in the total.
    """
    if len(infos) > MAX_ENTRIES:
        raise DownloadError(f"{path}: {len(infos)} files; refused (more than {MAX_ENTRIES}).")
    total = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
            raise DownloadError(
                f"{path}: the entry {name!r} points outside the folder it would be unpacked in; "
                "the zip is refused (a platform's download never holds such a name). Download "
                "the submissions again from the platform."
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise DownloadError(
                f"{path}: the entry {name!r} is a symbolic link; the zip is refused (a "
                "platform's download never holds one). Download the submissions again."
            )
        if name.lower().endswith(".ipynb") and info.file_size <= MAX_NOTEBOOK_BYTES:
            total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise DownloadError(
            f"{path}: its notebooks add up to {size_text(total)}; the zip is refused (over "
            f"{size_text(MAX_TOTAL_BYTES)}). Download the submissions in parts (by section or "
            "group), or unpack the zip yourself and pass the folder."
        )


def size_text(count: int) -> str:
    """``2.1 GiB``, ``512 MiB``, ``60.2 MiB``: a size as a person reads it."""
    if count >= 2**30:
        return f"{count / 2**30:.1f} GiB"
    return f"{count / 2**20:.1f} MiB".replace(".0 MiB", " MiB")


@dataclass
class _Budget:
    """The bytes still allowed from one zip, counted as they are written."""

    path: Path
    left: int = MAX_TOTAL_BYTES

    def spend(self, count: int) -> None:
        self.left -= count
        if self.left < 0:  # only a zip whose sizes lie gets here: check_zip added them up
            raise DownloadError(
                f"{self.path}: its notebooks inflate to more than {size_text(MAX_TOTAL_BYTES)} "
                "(more than its entries declare); the zip is refused. Download it again."
            )


def _extract(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path, budget: _Budget
) -> None:
    """Write one notebook, counting the bytes as they inflate: past
    :data:`MAX_NOTEBOOK_BYTES` the file is removed and :class:`EntryProblem` names the size."""
    if info.file_size > MAX_NOTEBOOK_BYTES:
        raise EntryProblem(_too_large(info.file_size))
    destination.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with archive.open(info) as source, destination.open("wb") as out:
            while chunk := source.read(2**20):
                written += len(chunk)
                if written > MAX_NOTEBOOK_BYTES:  # the zip declared less than it holds
                    raise EntryProblem(_too_large(written, more=True))
                budget.spend(len(chunk))
                out.write(chunk)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, zlib_error) as exc:
        destination.unlink(missing_ok=True)
        raise EntryProblem(
            f"the notebook cannot be taken out of the zip ({_one_line(exc)}); ask the student to "
            "submit it again, or download the submissions again"
        ) from None
    except BaseException:
        destination.unlink(missing_ok=True)
        raise


def _too_large(size: int, more: bool = False) -> str:
    size = f"more than {size_text(MAX_NOTEBOOK_BYTES)}" if more else size_text(size)
    return (
        f"the notebook inflates to {size}, over the {size_text(MAX_NOTEBOOK_BYTES)} a notebook "
        "may have; ask the student to clear its outputs (Edit > Clear all outputs) and submit "
        "it again"
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _read_head(archive: zipfile.ZipFile, name: str) -> bytes:
    """The start of a small file (a Blackboard receipt), never more."""
    try:
        with archive.open(name) as source:
            return source.read(MAX_RECEIPT_BYTES)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, zlib_error):
        return b""
