"""Make student notebooks from a source notebook, the way nbgrader's generate_assignment does.

Only for the tests: the real student notebook is made by ``tp-course build`` (nbgrader).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
TINY_LAB = REPO / "tests" / "fixtures" / "tiny_lab" / "tiny_lab.ipynb"

_SOLUTION = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?", re.M | re.S
)
_HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS\n.*?^[ \t]*### END HIDDEN TESTS\n?", re.M | re.S
)
_START = re.compile(r"# --- START CODE HERE \((?P<id>[^)]+)\)")


def read(path: Path = TINY_LAB):
    return nbformat.read(path, as_version=4)


def student_copy(source) -> nbformat.NotebookNode:
    """Stubs instead of solutions (indentation kept), hidden tests stripped, outputs cleared."""
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.source = _HIDDEN.sub("", cell.source)
        cell.source = _stub_solutions(cell.source)
        cell.outputs, cell.execution_count = [], None
    return nb


def _stub_solutions(text: str) -> str:
    out, last = [], 0
    for match in _SOLUTION.finditer(text):
        label = _START.findall(text[: match.start()])
        exercise = label[-1] if label else "?"
        out.append(text[last : match.start()])
        out.append(f'{match["indent"]}raise NotImplementedError("Exercise {exercise}: …")\n')
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def with_region(nb, exercise_id: str, code: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` with the region ``exercise_id`` holding ``code`` (re-indented)."""
    nb = copy.deepcopy(nb)
    start = re.compile(rf"^(?P<indent>[ \t]*)# --- START CODE HERE \({re.escape(exercise_id)}\)$")
    for cell in nb.cells:
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            match = start.match(line)
            if not match:
                continue
            end = next(j for j in range(i + 1, len(lines)) if "# --- END CODE HERE" in lines[j])
            body = [match["indent"] + row if row else "" for row in code.splitlines()]
            cell.source = "\n".join(lines[: i + 1] + body + lines[end:])
            return nb
    raise KeyError(exercise_id)


def without_markers(nb, exercise_id: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` where the student deleted the START/END lines of one region."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            if line.strip() == f"# --- START CODE HERE ({exercise_id})":
                end = next(j for j in range(i + 1, len(lines)) if "END CODE HERE" in lines[j])
                del lines[end], lines[i]
                cell.source = "\n".join(lines)
                return nb
    raise KeyError(exercise_id)


def write(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def hidden_test_lines(nb) -> list[str]:
    """Every stripped, non-blank line between the hidden-test delimiters of ``nb``, in order.

    Read here on purpose, not with ``tp_helpers.grading.model.source``: the tests that use it check
    that the package keeps these lines away from students.
    """
    lines, inside = [], False
    for cell in nb.cells:
        for line in cell.source.splitlines():
            if "### BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "### END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
    return lines


def make_lab(path: Path, cells: list[tuple]) -> nbformat.NotebookNode:
    """A source notebook from ``(kind, source[, grade_id[, points]])`` tuples, ``kind`` one of
    'given', 'exercise' (a cell with regions) and 'check' (graded, locked)."""
    nb = nbformat.v4.new_notebook()
    for kind, source, *rest in cells:
        grade_id = rest[0] if rest else None
        meta = {}
        if kind != "given":
            meta = {"grade": kind == "check", "solution": kind == "exercise", "schema_version": 3}
            meta.update(grade_id=grade_id, locked=kind == "check")
            if kind == "check":
                meta["points"] = rest[1] if len(rest) > 1 else 1
        cell = nbformat.v4.new_code_cell(source)
        if meta:
            cell.metadata["nbgrader"] = meta
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return nb
