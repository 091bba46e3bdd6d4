"""Students install tp_helpers: it must not contain the code of any solution region."""

from __future__ import annotations

from pathlib import Path

import nbformat

from tp_helpers.grading.model.source import find_regions, normalised

from ..conftest import REPO, SOLUTION

PACKAGE = REPO / "src" / "tp_helpers"


def _solution_lines() -> set[str]:
    nb = nbformat.read(SOLUTION, as_version=4)
    lines = set()
    for cell in nb.cells:
        for region in find_regions(cell.source)[0]:
            lines.update(line.strip() for line in normalised(region))
    # lines too generic to give anything away ("continue", a bare name, an import)
    return {
        line
        for line in lines
        if len(line) >= 24 and any(c in line for c in "=([") and not line.startswith("from ")
    }


def test_no_solution_line_in_the_package():
    code = "\n".join(p.read_text("utf-8") for p in PACKAGE.rglob("*.py"))
    code = " ".join(code.split())  # compare modulo formatting
    leaked = sorted(line for line in _solution_lines() if " ".join(line.split()) in code)
    assert not leaked, f"solution lines found in {PACKAGE}: {leaked}"


def test_the_solution_has_lines_to_look_for():
    assert len(_solution_lines()) > 40
    assert Path(SOLUTION).is_file()
