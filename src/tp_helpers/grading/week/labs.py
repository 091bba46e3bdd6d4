"""Which ``[labs.NAME]`` of the course file a command is about, when the file lists several.

A course of several labs keeps them all in one ``course.toml`` (TP7 and TP8 side by side). The
lab is known without ``--lab`` wherever the command knows what it grades:

* ``tp-course grade``: the source notebook's name (``solutions/tp8_unanswerable.ipynb`` is
  ``[labs.tp8_unanswerable]``), itself chosen from what the submissions name
  (:func:`..classrun.default_source`) or given by ``--source``;
* ``tp-course report`` and ``export``: the stored results, which keep the lab's title and the
  source's SHA-256; the lab whose ``solutions/<name>.ipynb`` has that title or those bytes.

``--lab`` is needed only when that leaves no lab or several, and the error says so in one line
naming the labs. A course file of one lab needs nothing: that lab applies.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..model.result import StudentResult
from ..model.source import lab_title
from .course import CourseError
from .final import Week


def settle_lab(
    week: Week,
    *,
    graded: str = "",
    results: list[StudentResult] | None = None,
    roots: tuple[Path, ...] = (),
) -> None:
    """Set ``week.lab`` to the course file's lab the command is about, or raise a one-line
    :class:`.course.CourseError` naming the labs and ``--lab``.

    ``graded``: the source notebook's name without ``.ipynb`` (``grade``); ``results``: the
    stored results (``report``, ``export``), matched against ``solutions/<lab>.ipynb`` in each
    of ``roots`` (default: the current folder and the course file's)."""
    course = week.course
    if course is None:
        return
    names = sorted(course.labs)
    if week.lab:
        course.lab(week.lab)  # an unknown --lab: the error names the labs
        return
    if graded in course.labs:
        week.lab = graded
        return
    if len(names) == 1:
        return  # the course's only lab, whatever its name
    listed = f"{course.path} lists the labs {', '.join(names)}"
    if graded:
        raise CourseError(
            f"{listed} and none is {graded}, the lab being graded: add [labs.{graded}], or pass "
            "--lab NAME to apply one of them."
        )
    found = _labs_of(names, results or [], roots or (Path.cwd(), course.path.parent))
    if len(found) == 1:
        week.lab = found[0]
        return
    titles = sorted({result.lab for result in results or [] if result.lab})
    what = f"these grades ({' and '.join(titles) or 'no lab title'})"
    matched = f"{', '.join(found)} all match {what}" if found else f"none matches {what}"
    raise CourseError(f"{listed}, and {matched}: pass --lab NAME to say which one applies.")


def _labs_of(names: list[str], results: list[StudentResult], roots: tuple[Path, ...]) -> list[str]:
    """The labs whose solution notebook has the results' title or the bytes they were graded
    against."""
    titles = {result.lab for result in results if result.lab}
    digests = {result.source_sha256 for result in results if result.source_sha256}
    found = []
    for name in names:
        for root in dict.fromkeys(Path(root).resolve() for root in roots):
            notebook = root / "solutions" / f"{name}.ipynb"
            if notebook.is_file() and _matches(notebook, titles, digests):
                found.append(name)
                break
    return found


def _matches(notebook: Path, titles: set[str], digests: set[str]) -> bool:
    try:
        raw = notebook.read_bytes()
        cells = json.loads(raw).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return False
    return hashlib.sha256(raw).hexdigest() in digests or lab_title(cells) in titles
