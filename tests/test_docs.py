"""The documentation site: every page the course promises is in its table of contents, the student
notebook is one of them (rendered, not executed), and a broken link between pages fails the build.

The build is the one `.ci/run` runs (``sphinx-build -W --keep-going -n``), into a temporary folder.
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

DOCS = REPO / "docs"
#: the pages issue 20 asks for, and the student notebook
PAGES = {
    "students",
    "building-a-lab",
    "grading-a-class",
    "platforms",
    "grading-untrusted-notebooks",
    "scaling-out",
    "offline-resources",
    "profiles",
    "grading-contract",
    "architecture",
    "contributing",
    "changelog",
    "tp7_qa",
    "adding-a-lab",  # issue 21: the second lab
    "tp8_unanswerable",
}


def sphinx_build(source: Path, out: Path) -> subprocess.CompletedProcess:
    """CI's build command: warnings are errors, every reference checked."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html"]
    command += ["-d", str(out / "doctrees"), str(source), str(out / "html")]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = sphinx_build(DOCS, out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def toctree_pages(out: Path) -> set[str]:
    """Every page reachable from the index's tables of contents, as Sphinx recorded them."""
    with open(out / "doctrees" / "environment.pickle", "rb") as handle:
        env = pickle.load(handle)
    seen, todo = set(), ["index"]
    while todo:
        for name in env.toctree_includes.get(todo.pop(), []):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def test_every_promised_page_is_in_the_table_of_contents(built):
    assert PAGES <= toctree_pages(built), PAGES - toctree_pages(built)


def test_the_student_notebook_is_rendered_as_committed(built):
    page = (built / "html" / "tp7_qa.html").read_text(encoding="utf-8")
    assert "START CODE HERE" in page and "NotImplementedError" in page
    assert 'class="cell_output' not in page  # never executed: the committed copy has no outputs


def test_a_broken_link_between_pages_fails_the_build(tmp_path):
    site = tmp_path / "docs"
    site.mkdir()
    shutil.copyfile(DOCS / "conf.py", site / "conf.py")
    (site / "index.md").write_text("# Index\n\n```{toctree}\npage\n```\n", encoding="utf-8")
    page = "# Page\n\nSee [the contract](grading-contract.md#no-cascade) and [home](index.md).\n"
    (site / "page.md").write_text(page, encoding="utf-8")
    result = sphinx_build(site, tmp_path / "out")
    assert result.returncode != 0
    assert "grading-contract" in result.stderr and "xref_missing" in result.stderr
