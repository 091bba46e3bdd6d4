"""Fixtures of the grading tests: the tiny lab, its students, one graded class shared by tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tp_helpers.grading import grade_class, read_source
from tp_helpers.grading.engine.policy import GradingSettings

from . import students as S

#: seconds per cell in the shared class run (the sleeping student's cell is cut here)
CLASS_TIMEOUT = 2


@pytest.fixture(scope="session")
def tiny_source():
    return read_source(S.TINY_LAB)


@pytest.fixture(scope="session")
def tiny_nb():
    return S.read()


@pytest.fixture(scope="session")
def stub_nb(tiny_nb):
    return S.student_copy(tiny_nb)


@pytest.fixture(scope="session")
def solved_nb(stub_nb):
    """The student copy with the solutions typed back in (no nbgrader delimiters)."""
    nb = S.with_region(stub_nb, "01", "return x * x")
    nb = S.with_region(nb, "02", "mean = sum(values) / len(values)")
    nb = S.with_region(nb, "03", "spread = max(values) - min(values)")
    return S.with_region(nb, "04", "squares = [square(value) for value in data]")


@pytest.fixture
def settings(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    return GradingSettings(run_root=root, timeout=CLASS_TIMEOUT, threads=1)


def class_scenarios(tiny_nb, stub_nb, solved_nb) -> dict[str, object]:
    """One notebook per scenario, named after it (the student id)."""
    tampered = S.with_region(solved_nb, "01", "return x + x")
    for cell in tampered.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex01_check":
            cell.source = "pass  # the student emptied the check"
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex02":
            cell.source = cell.source.replace("return mean, spread", "return 3, 5")
    return {
        "solution-as-submitted": tiny_nb,
        "solutions-typed-back": solved_nb,
        "untouched-stub": stub_nb,
        "shared-cell-02-wrong": S.with_region(solved_nb, "02", "mean = sum(values)"),
        "shared-cell-03-wrong": S.with_region(solved_nb, "03", "spread = max(values)"),
        "shared-cell-both-differ": S.with_region(
            S.with_region(solved_nb, "02", "mean = 0"),
            "03",
            "spread = -(min(values) - max(values))",  # right, but not the solution's text
        ),
        "region-01-raises": S.with_region(solved_nb, "01", 'raise ValueError("boom")'),
        "cell-04-raises": S.with_region(solved_nb, "04", "squares = 1 / 0"),
        "cell-04-sleeps": S.with_region(
            solved_nb, "04", "import time\ntime.sleep(60)\nsquares = []"
        ),
        "markers-03-deleted": S.without_markers(solved_nb, "03"),
        "cell-04-warns": S.with_region(
            solved_nb,
            "04",
            "import warnings\nwarnings.warn('noisy')\nsquares = [v * v for v in data]",
        ),
        "check-and-given-code-tampered": tampered,
        "kernel-killed-at-04": S.with_region(solved_nb, "04", "import os\nos._exit(1)"),
    }


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, tiny_nb, stub_nb, solved_nb):
    """The scenario class graded once (plus one invalid file); tests read its results."""
    root = tmp_path_factory.mktemp("class")
    submissions = root / "submissions"
    for name, nb in class_scenarios(tiny_nb, stub_nb, solved_nb).items():
        S.write(nb, submissions / f"{name}.ipynb")
    (submissions / "not-json.ipynb").write_text("{ this is not json", encoding="utf-8")
    run = grade_class(
        submissions,
        root / "out",
        S.TINY_LAB,
        timeout=CLASS_TIMEOUT,
        threads=1,
        progress=False,
    )
    return run


@pytest.fixture(scope="session")
def small_class(tmp_path_factory, tiny_nb, stub_nb, solved_nb) -> Path:
    """Four submissions for the class-run mechanics (resume, shards, jobs)."""
    folder = tmp_path_factory.mktemp("small") / "submissions"
    S.write(tiny_nb, folder / "ada.ipynb")
    S.write(stub_nb, folder / "bob.ipynb")
    S.write(S.with_region(solved_nb, "03", "spread = 0"), folder / "cyd.ipynb")
    (folder / "dan.ipynb").write_text("[]", encoding="utf-8")
    return folder
