"""Students install tp_helpers: it must not contain the code of TP8's solution regions either."""

from __future__ import annotations

import nbformat

from tp_helpers.grading.model.source import find_regions, normalised

from ..conftest import REPO

PACKAGE = REPO / "src" / "tp_helpers"
SOURCE = REPO / "solutions" / "tp8_unanswerable.ipynb"


def _solution_lines() -> set[str]:
    lines = set()
    for cell in nbformat.read(SOURCE, as_version=4).cells:
        for region in find_regions(cell.source)[0]:
            lines.update(line.strip() for line in normalised(region))
    return {
        line
        for line in lines
        if len(line) >= 24 and any(c in line for c in "=([") and not line.startswith("from ")
    }


def test_no_tp8_solution_line_in_the_package():
    code = " ".join("\n".join(p.read_text("utf-8") for p in PACKAGE.rglob("*.py")).split())
    leaked = sorted(line for line in _solution_lines() if " ".join(line.split()) in code)
    assert not leaked, f"TP8 solution lines found in {PACKAGE}: {leaked}"
    assert len(_solution_lines()) > 15


def test_the_multiple_choice_answer_is_not_in_clear():
    checks = (PACKAGE / "checks" / "tp8_unanswerable" / "features.py").read_text("utf-8")
    assert 'same_rule = "B"' in SOURCE.read_text("utf-8").replace('\\"', '"')
    assert '"B"' not in checks.split("_WRONG_ADVICE")[0]
