"""Read a lab's source notebook (the instructor's copy) into a grading plan.

The source is the solution notebook with nbgrader metadata (docs/building-a-lab.md and
docs/grading-contract.md):

* an *exercise cell* (``solution: true``) holds one or more regions
  ``# --- START CODE HERE (NN)`` … ``# --- END CODE HERE``; the marker label ``NN`` is the
  exercise id (an opaque string);
* right under it, one locked *check cell* (``grade: true``, ``points``) per region, in the order of
  the regions, optionally ending with ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS``;
* every other code cell is given code, run as it is.

Nothing here is specific to one lab: the plan comes from the metadata and the markers only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import TPError

START_RE = re.compile(r"^(?P<indent>[ \t]*)#\s*---\s*START CODE HERE\s*\((?P<id>[^()]+)\)\s*$")
END_RE = re.compile(r"^[ \t]*#\s*---\s*END CODE HERE\s*$")
SOLUTION_DELIMITERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"


class SourceError(TPError):
    """The source notebook cannot be graded from (missing markers, check cells, metadata…)."""

    exit_code = 2


@dataclass(frozen=True)
class Region:
    """One exercise region: the lines strictly between its START and END markers."""

    exercise_id: str
    indent: str  # the START marker's indentation
    lines: tuple[str, ...]


@dataclass(frozen=True)
class CheckCell:
    """The graded cell of one exercise."""

    exercise_id: str
    grade_id: str
    points: float
    source: str
    hidden_lines: tuple[str, ...]  # the non-blank lines of its hidden tests, stripped


@dataclass(frozen=True)
class GivenCell:
    """A code cell run as it is in the source."""

    index: int
    source: str


@dataclass(frozen=True)
class ExerciseCell:
    """An exercise cell with its regions and, under it, one check cell per region."""

    index: int
    grade_id: str
    source: str
    regions: tuple[Region, ...]
    checks: tuple[CheckCell, ...]

    @property
    def exercise_ids(self) -> tuple[str, ...]:
        return tuple(region.exercise_id for region in self.regions)


@dataclass(frozen=True)
class Exercise:
    id: str
    max_points: float
    cell_index: int

    @property
    def column(self) -> str:
        """Its column in grades.csv."""
        return f"ex{self.id}"


@dataclass(frozen=True)
class LabSource:
    """The grading plan of one lab: the code cells in notebook order, exercises in order."""

    path: Path
    steps: tuple[GivenCell | ExerciseCell, ...]
    exercises: tuple[Exercise, ...]
    sha256: str
    hidden_lines: frozenset[str] = field(default_factory=frozenset)
    title: str = ""  # the lab's name: the source's first level-1 heading
    titles: dict[str, str] = field(default_factory=dict)  # exercise id -> its title

    @property
    def max_score(self) -> float:
        return sum(exercise.max_points for exercise in self.exercises)

    @property
    def exercise_ids(self) -> tuple[str, ...]:
        return tuple(exercise.id for exercise in self.exercises)

    def solution_region(self, exercise_id: str) -> Region:
        for step in self.steps:
            if isinstance(step, ExerciseCell):
                for region in step.regions:
                    if region.exercise_id == exercise_id:
                        return region
        raise KeyError(exercise_id)


def find_regions(text: str) -> tuple[list[Region], list[str]]:
    """Return the well-formed regions of a cell and the problems found (unclosed, nested…)."""
    regions: list[Region] = []
    problems: list[str] = []
    open_id: str | None = None
    open_indent = ""
    body: list[str] = []
    for line in text.splitlines():
        start = START_RE.match(line)
        if start:
            if open_id is not None:
                problems.append(f"region {open_id} is not closed before region {start['id']}")
            open_id, open_indent, body = start["id"].strip(), start["indent"], []
        elif END_RE.match(line):
            if open_id is None:
                problems.append("'# --- END CODE HERE' without a START line above it")
            else:
                regions.append(Region(open_id, open_indent, tuple(body)))
                open_id = None
        elif open_id is not None:
            body.append(line)
    if open_id is not None:
        problems.append(f"region {open_id} has no '# --- END CODE HERE' line")
    return regions, problems


def substitute(text: str, replacements: dict[str, Region]) -> str:
    """``text`` with the content of each region named in ``replacements`` swapped in.

    A replacement written at another indentation (the student's START line moved) is re-indented
    to the indentation of this cell's START line.
    """
    out: list[str] = []
    skipping = False
    for line in text.splitlines():
        start = START_RE.match(line)
        if skipping:
            if END_RE.match(line):
                out.append(line)
                skipping = False
            continue
        out.append(line)
        if start and start["id"].strip() in replacements:
            out.extend(reindent(replacements[start["id"].strip()], start["indent"]))
            skipping = True
    return "\n".join(out)


def reindent(region: Region, indent: str) -> list[str]:
    """The region's lines moved from its own START line's indentation to ``indent``."""
    if region.indent == indent:
        return list(region.lines)
    moved = []
    for line in region.lines:
        if not line.strip():
            moved.append("")
        elif line.startswith(region.indent):
            moved.append(indent + line[len(region.indent) :])
        else:
            moved.append(line)  # dedented past its own marker: leave the student's choice
    return moved


def normalised(region: Region) -> tuple[str, ...]:
    """The region's code to compare: no trailing blanks, blank lines or nbgrader delimiters."""
    lines = reindent(region, "")
    return tuple(
        line.rstrip() for line in lines if line.strip() and line.strip() not in SOLUTION_DELIMITERS
    )


def split_hidden_tests(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A check cell's non-blank lines, ``(visible, hidden)``: visible ones right-stripped (the
    student's copy keeps their indentation), hidden ones stripped."""
    visible: list[str] = []
    hidden: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(HIDDEN_BEGIN):
            inside = True
        elif stripped.startswith(HIDDEN_END):
            inside = False
        elif stripped and inside:
            hidden.append(stripped)
        elif stripped:
            visible.append(line.rstrip())
    return tuple(visible), tuple(hidden)


def hidden_test_lines(text: str) -> tuple[str, ...]:
    """The stripped, non-blank lines between the hidden-test delimiters of a check cell."""
    return split_hidden_tests(text)[1]


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def read_source(path: Path) -> LabSource:
    """Parse and check the source notebook at ``path``; raise :class:`SourceError` if unusable."""
    import hashlib

    import nbformat

    path = Path(path)
    try:
        raw = path.read_bytes()
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SourceError(
            f"cannot read the source notebook {path}: {exc}. Pass the instructor's solution "
            "notebook with --source."
        ) from None
    plan = _plan(nb, path)
    exercises = tuple(
        Exercise(check.exercise_id, check.points, step.index)
        for step in plan
        if isinstance(step, ExerciseCell)
        for check in step.checks
    )
    if not exercises:
        raise SourceError(
            f"{path} has no exercise cells: mark each exercise cell with nbgrader metadata "
            "(solution: true) and '# --- START CODE HERE (NN)' / '# --- END CODE HERE' lines, "
            "or pass the solution notebook with --source."
        )
    hidden = frozenset(
        line
        for step in plan
        if isinstance(step, ExerciseCell)
        for check in step.checks
        for line in check.hidden_lines
    )
    return LabSource(
        path,
        tuple(plan),
        exercises,
        hashlib.sha256(raw).hexdigest(),
        hidden,
        title=lab_title(nb.cells) or path.stem,
        titles=exercise_titles(nb),
    )


_H1_RE = re.compile(r"^#\s+(?P<title>\S.*?)\s*$", re.MULTILINE)
#: ``### Exercise 06 · Title`` or ``### Exercises 05–07 · Title`` (the range shares the title)
_EXERCISE_HEADING_RE = re.compile(
    r"^#+\s*Exercises?\s+(?P<first>\w+)(?:\s*[–-]\s*(?P<last>\w+))?\s*[·:—-]\s*(?P<title>.+?)\s*$",
    re.MULTILINE,
)
_CHECKS_IMPORT_RE = re.compile(r"^\s*from\s+tp_helpers\.checks\s+import\s+(\w+)", re.MULTILINE)


def lab_title(cells) -> str:
    """The lab's name: the first level-1 heading of a markdown cell ("" without one). ``cells``
    as nbformat reads them or as plain JSON (a source may be a list of lines)."""
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            match = _H1_RE.search(source if isinstance(source, str) else "".join(source))
            if match:
                return match["title"]
    return ""


def exercise_titles(nb) -> dict[str, str]:
    """Each exercise's title, for the feedback pages.

    The lab's checks module (``from tp_helpers.checks import <lab>``) names every exercise, one by
    one; without it the markdown headings do (``### Exercise 06 · Title``; the exercises of a
    ``### Exercises 05–07 · Title`` heading share it).
    """
    titles: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for match in _EXERCISE_HEADING_RE.finditer(cell.source):
            first, last = match["first"], match["last"] or match["first"]
            ids = [first]
            if first.isdigit() and last.isdigit():
                ids = [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]
            for exercise_id in ids:
                titles[exercise_id] = match["title"].replace("`", "")
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    for module in _CHECKS_IMPORT_RE.findall(code):
        titles.update(_checks_titles(module))
    return {key: value[:1].upper() + value[1:] for key, value in titles.items()}


def _checks_titles(module: str) -> dict[str, str]:
    import importlib

    try:
        lab = importlib.import_module(f"tp_helpers.checks.{module}").LAB
        return {str(key): str(value) for key, value in dict(lab.titles).items()}
    except Exception:  # a lab without a checks module of ours: the headings will do
        return {}


def _plan(nb, path: Path) -> list[GivenCell | ExerciseCell]:
    cells = [(index, cell) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    plan: list[GivenCell | ExerciseCell] = []
    seen: dict[str, int] = {}
    position = 0
    while position < len(cells):
        index, cell = cells[position]
        meta = _nbgrader(cell)
        where = f"{path} cell {index}"
        if meta.get("grade") and not meta.get("solution"):
            raise SourceError(
                f"{where}: graded cell {meta.get('grade_id')!r} is not directly under an exercise "
                "cell; move it right under the exercise cell it checks."
            )
        regions, problems = find_regions(cell.source)
        if problems:
            raise SourceError(f"{where}: {'; '.join(problems)}. Fix the markers in the source.")
        if not meta.get("solution"):
            if regions:
                raise SourceError(
                    f"{where} has exercise regions but no nbgrader metadata 'solution: true'; "
                    "mark it as an autograded answer cell."
                )
            plan.append(GivenCell(index, cell.source))
            position += 1
            continue
        if meta.get("grade"):
            raise SourceError(
                f"{where}: a cell both graded and solution (nbgrader 'autograded answer' with "
                "points) is not supported; put the points on a check cell under it."
            )
        if not regions:
            raise SourceError(
                f"{where} ({meta.get('grade_id')!r}) is a solution cell without any "
                "'# --- START CODE HERE (NN)' region; add the markers around the solution."
            )
        for region in regions:
            if region.exercise_id in seen:
                raise SourceError(
                    f"{where}: exercise {region.exercise_id} appears twice (also in cell "
                    f"{seen[region.exercise_id]}); give each region its own number."
                )
            seen[region.exercise_id] = index
        check_cells = []
        position += 1
        while position < len(cells) and _nbgrader(cells[position][1]).get("grade"):
            check_cells.append(cells[position])
            position += 1
        plan.append(
            ExerciseCell(
                index,
                str(meta.get("grade_id", "")),
                cell.source,
                tuple(regions),
                _match_checks(where, regions, check_cells),
            )
        )
    return plan


def _match_checks(where: str, regions: list[Region], check_cells: list) -> tuple[CheckCell, ...]:
    ids = [region.exercise_id for region in regions]
    if len(check_cells) != len(regions):
        raise SourceError(
            f"{where} holds {len(regions)} exercise(s) ({', '.join(ids)}) but "
            f"{len(check_cells)} check cell(s) follow it; put one locked graded cell "
            "(grade: true, points, grade_id 'exNN_check') per exercise right under the cell."
        )
    by_grade_id = {str(_nbgrader(cell).get("grade_id", "")): cell for _, cell in check_cells}
    if all(f"ex{exercise_id}_check" in by_grade_id for exercise_id in ids):
        ordered = [by_grade_id[f"ex{exercise_id}_check"] for exercise_id in ids]
    else:
        ordered = [cell for _, cell in check_cells]  # by position, in the order of the regions
    checks = []
    for exercise_id, cell in zip(ids, ordered):
        meta = _nbgrader(cell)
        points = meta.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise SourceError(
                f"{where}: check cell {meta.get('grade_id')!r} of exercise {exercise_id} has "
                f"points={points!r}; set a number >= 0 in its nbgrader metadata."
            )
        checks.append(
            CheckCell(
                exercise_id,
                str(meta.get("grade_id", "")),
                float(points),
                cell.source,
                hidden_test_lines(cell.source),
            )
        )
    return tuple(checks)
