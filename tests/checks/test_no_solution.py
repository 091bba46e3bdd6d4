"""Students install tp_helpers: it must not contain the code of any lab's solution regions."""

from __future__ import annotations

import nbformat
import pytest

from tp_helpers.grading.model.source import find_regions, normalised

from ..conftest import REPO

PACKAGE = REPO / "src" / "tp_helpers"
#: every lab's solution notebook, and how many telling lines it has at least
SOURCES = {"tp7_qa": 40, "tp8_unanswerable": 15}


def _solution_lines(lab: str) -> set[str]:
    nb = nbformat.read(REPO / "solutions" / f"{lab}.ipynb", as_version=4)
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


def test_every_lab_is_listed():
    assert sorted(SOURCES) == sorted(p.stem for p in (REPO / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("lab", sorted(SOURCES))
def test_no_solution_line_in_the_package(lab):
    code = "\n".join(p.read_text("utf-8") for p in PACKAGE.rglob("*.py"))
    code = " ".join(code.split())  # compare modulo formatting
    lines = _solution_lines(lab)
    assert len(lines) > SOURCES[lab]  # the solution has lines to look for
    leaked = sorted(line for line in lines if " ".join(line.split()) in code)
    assert not leaked, f"{lab} solution lines found in {PACKAGE}: {leaked}"


def test_tp8s_multiple_choice_answer_is_not_in_clear():
    source = (REPO / "solutions" / "tp8_unanswerable.ipynb").read_text("utf-8")
    checks = (PACKAGE / "checks" / "tp8_unanswerable" / "features.py").read_text("utf-8")
    assert 'same_rule = "B"' in source.replace('\\"', '"')
    assert '"B"' not in checks.split("_WRONG_ADVICE")[0]
