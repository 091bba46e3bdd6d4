"""Read the submissions as learning platforms hand them out: one student, one notebook.

Instructors press "Download submissions" and get a zip (or its unpacked folder) whose file names
carry the student's key. Each layout below is recognised from those names alone:

* **Canvas**: ``<sortablename>[_LATE]_<user_id>_<attachment_id>_<original name>``, top level;
  ``anon_<id>`` replaces the user id under anonymous grading; text and URL entries arrive as
  ``<sortablename>_<user_id>_text.html`` / ``_link.html``; a re-upload as ``tp7_qa-1.ipynb``.
* **Moodle**: a folder ``<Full Name>_<participant id>_assignsubmission_file`` (before 4.1 with a
  trailing ``_``) per student, or flat files ``<that folder's name>_<file name>``.
* **Blackboard**: ``<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<original name>``, and a
  ``.txt`` receipt per attempt (``Name: Ada Lovelace (alovelace)``).
* **flat** (``<student_id>.ipynb``) and **nbgrader** (``submitted/<student>/<assignment>/``), as
  :mod:`.submission` reads them.

Per student one notebook is chosen: the latest Blackboard attempt, then the notebook named like the
lab, then the latest re-upload. No notebook, or two that no rule separates, gives the student a
:class:`.Submission` with a ``problem`` (graded ``invalid_notebook`` with that reason): never a
silent pick. A zip is read in place; only the chosen notebooks are written, into the output
folder, and a zip with an entry that points outside it, or that inflates beyond reason, is refused.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .submission import Submission, SubmissionsError, discover

LAYOUTS = ("canvas", "moodle", "blackboard", "flat", "nbgrader")
PLATFORMS = {"canvas": "Canvas", "moodle": "Moodle", "blackboard": "Blackboard"}

#: a zip whose entries declare more than this, in all, is refused (a class of notebooks is far less)
MAX_TOTAL_BYTES = 8 * 2**30
#: an entry larger than MIN_BOMB_BYTES that inflates more than this many times is refused
MAX_RATIO = 100
MIN_BOMB_BYTES = 10 * 2**20
MAX_ENTRIES = 100_000

#: files that archivers and file managers add, never a student's
_JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$|\._)")
_DIGITS = re.compile(r"[0-9]+")
_CANVAS_ENTRY = re.compile(r"(?P<head>.+)_(?P<kind>text|link)\.html")
_MOODLE = re.compile(
    r"(?P<name>.+)_(?P<pid>[0-9]+)_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<rest>.*))?"
)
_BLACKBOARD = re.compile(
    r"(?P<head>.+)_attempt_(?P<ts>[0-9]{4}(?:-[0-9]{2}){5})(?:_(?P<name>.+)|(?P<receipt>\.txt))"
)
_RECEIPT_NAME = re.compile(r"^\s*Name:\s*(?P<name>.*?)\s*\((?P<user>[^()\s]+)\)\s*$", re.MULTILINE)
#: a re-upload's suffix: Canvas ``tp7_qa-1.ipynb``, a browser's or Colab's ``tp7_qa (1).ipynb``
_REVISION = re.compile(r"(?P<base>.*?)(?:-(?P<dash>[0-9]+)| \((?P<paren>[0-9]+)\))?")

_PATTERNS = {
    "canvas": "<sortablename>[_LATE]_<user_id>_<attachment_id>_<file name> (or anon_<id> for "
    "the user id)",
    "moodle": "<Full Name>_<participant id>_assignsubmission_file[_]/<file name> (or "
    "..._assignsubmission_file_<file name>)",
    "blackboard": "<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file name> (and .txt)",
}


class DownloadError(SubmissionsError):
    """A download that cannot be read as any layout, or a zip refused as unsafe."""


@dataclass(frozen=True)
class Entry:
    """One file of a student's submission, before any choice."""

    path: str  # inside the zip or the folder, '/'-separated
    original: str  # the name the student gave it
    attempt: str = ""  # Blackboard's timestamp (sorts as it reads)


@dataclass
class Student:
    key: str
    name: str = ""
    late: bool = False
    feedback_name: str = ""
    entries: list[Entry] = field(default_factory=list)


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
        if missing:
            parts.append(f"{missing} without a notebook")
        if len(problems) - missing:
            parts.append(f"{len(problems) - missing} with notebooks no rule separates")
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
    students = _parse(layout, names, lambda name: (path / name).read_bytes())
    submissions = [
        _submission(layout, student, notebook_name, lambda entry: path / entry.path)
        for student in students
    ]
    return Download(layout, submissions)


# --- recognising a layout ---------------------------------------------------------------------


def _detect(names: list[str]) -> str:
    """The layout whose pattern the names follow: platforms first, then nbgrader, then flat."""
    if any(_MOODLE.fullmatch(PurePosixPath(name).parts[0]) for name in names):
        return "moodle"
    if any(_BLACKBOARD.fullmatch(name) for name in names if "/" not in name):
        return "blackboard"
    if any(_canvas_fields(name) for name in names if "/" not in name):
        return "canvas"
    if any("/" in name and name.endswith(".ipynb") for name in names):
        return "nbgrader"
    return "flat"


def _parse(layout: str, names: list[str], read) -> list[Student]:
    parse = {"canvas": _parse_canvas, "moodle": _parse_moodle, "blackboard": _parse_blackboard}
    students: dict[str, Student] = {}
    if layout == "blackboard":  # receipts first: they name the students
        names = sorted(names, key=lambda name: not name.endswith(".txt"))
    for name in names:
        if not parse[layout](name, students, read):
            raise DownloadError(
                f"{name}: this file name does not follow the {PLATFORMS[layout]} download's "
                f"pattern {_PATTERNS[layout]}. Pass the download as the platform wrote it "
                "(do not rename files), or force another layout with --layout "
                f"{'|'.join(LAYOUTS)}."
            )
    return [students[key] for key in sorted(students)]


def _canvas_fields(name: str) -> dict | None:
    """``{key, sortable, late, original, prefix}`` of a Canvas file name, else ``None``.

    ``original`` is ``None`` for a text or URL entry (``…_<user_id>_text.html``); ``prefix`` is
    the name up to the attachment id, what Canvas matches a feedback file on.
    """
    who = _canvas_who(name.split("_"))
    if who and len(who[3]) >= 2 and _DIGITS.fullmatch(who[3][0]):
        key, sortable, late, rest = who
        original = "_".join(rest[1:])
        prefix = name[: len(name) - len(original) - 1]
        return {
            "key": key,
            "sortable": sortable,
            "late": late,
            "original": original,
            "prefix": prefix,
        }
    entry = _CANVAS_ENTRY.fullmatch(name)
    who = _canvas_who(entry["head"].split("_")) if entry else None
    if who and not who[3]:
        return {"key": who[0], "sortable": who[1], "late": who[2], "original": None, "prefix": ""}
    return None


def _canvas_who(tokens: list[str]) -> tuple[str, str, bool, list[str]] | None:
    """``(key, sortable name, late, tokens after the key)``: the key is ``anon_<id>``, else the
    first numeric token after the name that ends the tokens or precedes another numeric one."""
    if "anon" in tokens[:-1]:
        at = tokens.index("anon")
        key, head, rest = f"anon_{tokens[at + 1]}", tokens[:at], tokens[at + 2 :]
    else:
        at = next(
            (
                i
                for i in range(1, len(tokens))
                if _DIGITS.fullmatch(tokens[i])
                and (i == len(tokens) - 1 or _DIGITS.fullmatch(tokens[i + 1]))
            ),
            None,
        )
        if at is None:
            return None
        key, head, rest = tokens[at], tokens[:at], tokens[at + 1 :]
    late = "LATE" in head[-1:] or "LATE" in rest[:1]
    head = head[:-1] if head[-1:] == ["LATE"] else head
    rest = rest[1:] if rest[:1] == ["LATE"] else rest
    return key, "_".join(head), late, rest


def _parse_canvas(name: str, students: dict[str, Student], read) -> bool:
    if "/" in name:
        return False
    fields = _canvas_fields(name)
    if fields is None:
        return False
    student = students.setdefault(fields["key"], Student(fields["key"], fields["sortable"]))
    student.late = student.late or fields["late"]
    if fields["original"] is not None:
        student.entries.append(Entry(name, fields["original"]))
        student.feedback_name = student.feedback_name or fields["prefix"]
    else:
        student.entries.append(Entry(name, name))  # a text or URL entry: never a notebook
    return True


def _parse_moodle(name: str, students: dict[str, Student], read) -> bool:
    top, *inside = PurePosixPath(name).parts
    match = _MOODLE.fullmatch(top)
    if match is None:
        return False
    if inside:  # folder mode: <Full Name>_<pid>_assignsubmission_file[_]/<files>
        if match["rest"]:
            return False
        original = "/".join(inside)
    else:  # flat mode: <Full Name>_<pid>_assignsubmission_file_<name>
        if not match["rest"]:
            return False
        original = match["rest"]
    student = students.setdefault(match["pid"], Student(match["pid"], match["name"]))
    student.feedback_name = f"{match['name']}_{match['pid']}_assignsubmission_file"
    student.entries.append(Entry(name, original if match["plugin"] == "file" else name))
    return True


def _parse_blackboard(name: str, students: dict[str, Student], read) -> bool:
    """Receipts come first (:func:`_parse`): they name the student, username in parentheses."""
    match = _BLACKBOARD.fullmatch(name) if "/" not in name else None
    if match is None:
        return False
    head = match["head"]
    if match["receipt"]:
        receipt = _RECEIPT_NAME.search(read(name).decode("utf-8", "replace"))
        if receipt and head.endswith(f"_{receipt['user']}"):
            students.setdefault(receipt["user"], Student(receipt["user"], receipt["name"]))
        return True
    known = [user for user in students if head.endswith(f"_{user}")]
    user = max(known, key=len) if known else head.rsplit("_", 1)[-1]
    student = students.setdefault(user, Student(user))
    student.entries.append(Entry(name, match["name"], attempt=match["ts"]))
    return True


# --- choosing one notebook per student ----------------------------------------------------------


def _submission(layout: str, student: Student, notebook_name: str, locate) -> Submission:
    """The student's :class:`.Submission`: the chosen notebook, or the reason there is none."""
    common = {
        "platform": layout,
        "name": student.name,
        "late": student.late,
        "feedback_name": student.feedback_name,
    }
    chosen, problem = choose_notebook(student.entries, notebook_name)
    if chosen is None:
        return Submission(student.key, Path(student.key), problem=problem, **common)
    return Submission(student.key, locate(chosen), **common)


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
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        check_zip(path, infos)
        infos = [info for info in infos if not _JUNK.search(info.filename)]
        names = sorted(info.filename for info in infos)
        layout = layout or _detect(names)
        target = unpack_dir / path.stem
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        if layout in ("flat", "nbgrader"):  # unpack the notebooks, then read the folder
            for info in infos:
                if info.filename.lower().endswith(".ipynb"):
                    _extract(archive, info, target / info.filename)
            return Download(layout, discover(target, notebook_name, assignment))
        students = _parse(layout, names, archive.read)
        submissions = []
        for student in students:

            def locate(entry: Entry, key: str = student.key) -> Path:
                destination = target / f"{key}.ipynb"
                _extract(archive, archive.getinfo(entry.path), destination)
                return destination

            submissions.append(_submission(layout, student, notebook_name, locate))
    return Download(layout, submissions)


def check_zip(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip that could write outside its folder or inflate beyond reason."""
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
                f"{path}: the entry {name!r} is a symbolic link; the zip is refused."
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MIN_BOMB_BYTES and ratio > MAX_RATIO:
            raise DownloadError(
                f"{path}: the entry {name!r} inflates {ratio:.0f} times to "
                f"{info.file_size / 2**20:.0f} MiB; the zip is refused as a zip bomb (over "
                f"{MAX_RATIO} times for a file over {MIN_BOMB_BYTES // 2**20} MiB)."
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise DownloadError(
            f"{path}: its files add up to {total / 2**30:.1f} GiB; the zip is refused (over "
            f"{MAX_TOTAL_BYTES // 2**30} GiB). Split the download, or unpack it yourself and pass "
            "the folder."
        )


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path) -> None:
    """Copy one entry's bytes (never more than it declares: zipfile stops there)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(info) as source, destination.open("wb") as out:
        shutil.copyfileobj(source, out, 2**20)
