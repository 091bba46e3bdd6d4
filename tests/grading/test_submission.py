"""Finding and reading the students' notebooks (tp_helpers.grading.model.submission)."""

from __future__ import annotations

import json

import nbformat
import pytest

from tp_helpers.grading.model.source import Region
from tp_helpers.grading.model.submission import (
    InvalidNotebook,
    SubmissionsError,
    discover,
    read_notebook,
    student_regions,
)

from . import students as S


def test_flat_folder_sorted_by_student_id(tmp_path, stub_nb):
    for name in ("zoe", "adam", "mia"):
        S.write(stub_nb, tmp_path / f"{name}.ipynb")
    (tmp_path / ".hidden.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("not a notebook")
    found = discover(tmp_path, "tiny_lab.ipynb")
    assert [s.student_id for s in found] == ["adam", "mia", "zoe"]
    assert found[0].path == tmp_path / "adam.ipynb"


@pytest.mark.parametrize("root", ["course", "course/submitted"])
def test_nbgrader_tree(tmp_path, stub_nb, root):
    submitted = tmp_path / "course" / "submitted"
    S.write(stub_nb, submitted / "s2" / "lab1" / "tiny_lab.ipynb")
    S.write(stub_nb, submitted / "s1" / "lab1" / "tiny_lab.ipynb")
    S.write(stub_nb, submitted / "s3" / "lab1" / "other.ipynb")  # not this lab: ignored
    found = discover(tmp_path / root, "tiny_lab.ipynb")
    assert [(s.student_id, s.path.parent.name) for s in found] == [("s1", "lab1"), ("s2", "lab1")]


def test_nbgrader_tree_with_two_assignments_needs_a_choice(tmp_path, stub_nb):
    S.write(stub_nb, tmp_path / "s1" / "lab1" / "tiny_lab.ipynb")
    S.write(stub_nb, tmp_path / "s1" / "lab1-late" / "tiny_lab.ipynb")
    with pytest.raises(SubmissionsError, match="several assignments .*--assignment"):
        discover(tmp_path, "tiny_lab.ipynb")
    found = discover(tmp_path, "tiny_lab.ipynb", assignment="lab1-late")
    assert found[0].path.parent.name == "lab1-late"


def test_missing_or_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SubmissionsError, match="not found"):
        discover(tmp_path / "nope", "tiny_lab.ipynb")
    with pytest.raises(SubmissionsError, match="no submissions in"):
        discover(tmp_path, "tiny_lab.ipynb")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{ not json", "not a notebook"),
        ("[]", "not a notebook"),
        (
            json.dumps(
                {
                    "nbformat": 4,
                    "nbformat_minor": 5,
                    "metadata": {},
                    "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "source": "x"}],
                }
            ),
            "invalid nbformat 4 notebook",
        ),
        (b"\xff\xfe", "cannot read the file"),
    ],
)
def test_unreadable_notebooks_raise_invalid_notebook(tmp_path, content, reason):
    path = tmp_path / "bad.ipynb"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(InvalidNotebook, match=reason):
        read_notebook(path)


def test_student_regions_prefer_the_exercise_cell(tmp_path, solved_nb):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "# --- START CODE HERE (01)\nscratch = 1\n# --- END CODE HERE"
            ),
            nbformat.v4.new_code_cell(
                "# --- START CODE HERE (01)\nanswer = 1\n# --- END CODE HERE",
                metadata={"nbgrader": {"grade_id": "ex01"}},
            ),
            nbformat.v4.new_code_cell("# --- START CODE HERE (02)\nx = 2\n"),  # never closed
        ]
    )
    regions = student_regions(nb, {"01": "ex01"})
    assert regions == {"01": Region("01", "", ("answer = 1",))}
    assert student_regions(nb)["01"].lines == ("scratch = 1",)  # no preference: the first one
    assert set(student_regions(solved_nb)) == {"01", "02", "03", "04"}
