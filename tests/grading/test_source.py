"""Reading a lab's source notebook into a grading plan (tp_helpers.grading.model.source)."""

from __future__ import annotations

import copy

import nbformat
import pytest

from tp_helpers.grading.model.source import (
    ExerciseCell,
    GivenCell,
    Region,
    SourceError,
    find_regions,
    hidden_test_lines,
    normalised,
    read_source,
    substitute,
)

from . import students as S


def test_tiny_lab_plan(tiny_source):
    assert tiny_source.exercise_ids == ("01", "02", "03", "04")
    assert [e.max_points for e in tiny_source.exercises] == [1, 2, 3, 4]
    assert tiny_source.max_score == 10
    kinds = [type(step).__name__ for step in tiny_source.steps]
    assert kinds == ["GivenCell", "ExerciseCell", "ExerciseCell", "ExerciseCell", "GivenCell"]
    shared = tiny_source.steps[2]
    assert isinstance(shared, ExerciseCell) and shared.exercise_ids == ("02", "03")
    assert [check.grade_id for check in shared.checks] == ["ex02_check", "ex03_check"]
    assert [e.column for e in tiny_source.exercises] == ["ex01", "ex02", "ex03", "ex04"]


def test_hidden_test_lines_are_collected(tiny_source):
    assert 'assert describe([-3, 3])[1] == 6, "Exercise 03: the range of [-3, 3] should be 6"' in (
        tiny_source.hidden_lines
    )
    assert not any("print(" in line for line in tiny_source.hidden_lines)
    text = "a = 1\n### BEGIN HIDDEN TESTS\n  assert a == 1\n\n### END HIDDEN TESTS\nb = 2"
    assert hidden_test_lines(text) == ("assert a == 1",)


def test_find_regions_keeps_indentation_and_reports_bad_markers():
    text = "def f():\n    # --- START CODE HERE (7a)\n    x = 1\n    # --- END CODE HERE\n"
    regions, problems = find_regions(text)
    assert regions == [Region("7a", "    ", ("    x = 1",))] and problems == []
    _, problems = find_regions("# --- START CODE HERE (01)\nx = 1\n")
    assert problems == ["region 01 has no '# --- END CODE HERE' line"]
    _, problems = find_regions("# --- END CODE HERE\n")
    assert "without a START line" in problems[0]


def test_substitute_replaces_only_the_named_region_and_reindents():
    text = (
        "def f():\n    # --- START CODE HERE (01)\n    a = 1\n    # --- END CODE HERE\n"
        "    # --- START CODE HERE (02)\n    b = 2\n    # --- END CODE HERE\n    return a + b"
    )
    student = Region("02", "", ("b = 20", "if b:", "    b += 1"))  # typed at column 0
    out = substitute(text, {"02": student})
    assert "    a = 1" in out
    assert "    b = 20\n    if b:\n        b += 1\n    # --- END CODE HERE" in out
    assert "b = 2\n" not in out


def test_normalised_ignores_blank_lines_trailing_spaces_and_delimiters():
    solution = Region("01", "    ", ("    ### BEGIN SOLUTION", "    x = 1", "    ### END SOLUTION"))
    typed = Region("01", "", ("", "x = 1   ", ""))
    assert normalised(solution) == normalised(typed) == ("x = 1",)
    assert normalised(Region("01", "", ("x = 2",))) != normalised(solution)


def _broken(tmp_path, mutate):
    nb = copy.deepcopy(S.read())
    mutate(nb)
    path = tmp_path / "lab.ipynb"
    nbformat.write(nb, path)
    return path


def _copy_with_new_id(cell):
    cell = copy.deepcopy(cell)
    cell.id = "moved-check"
    return cell


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda nb: nb.cells.remove(_cell(nb, "ex03_check")),
            "holds 2 exercise(s) (02, 03) but 1 check cell(s) follow it",
        ),
        (
            lambda nb: _cell(nb, "ex02_check").metadata.nbgrader.update(points="two"),
            "points='two'; set a number >= 0",
        ),
        (
            lambda nb: setattr(_cell(nb, "ex04"), "source", "# --- START CODE HERE (04)\nx = 1"),
            "region 04 has no '# --- END CODE HERE' line",
        ),
        (
            lambda nb: setattr(
                _cell(nb, "ex04"),
                "source",
                "# --- START CODE HERE (01)\nx = 1\n# --- END CODE HERE",
            ),
            "exercise 01 appears twice",
        ),
        (
            lambda nb: setattr(_cell(nb, "ex04"), "source", "x = 1"),
            "solution cell without any '# --- START CODE HERE (NN)' region",
        ),
        (
            lambda nb: nb.cells.insert(1, _copy_with_new_id(_cell(nb, "ex01_check"))),
            "is not directly under an exercise cell",
        ),
        (
            lambda nb: _cell(nb, "ex01").metadata.pop("nbgrader"),
            "has exercise regions but no nbgrader metadata",
        ),
    ],
)
def test_bad_sources_are_clear_errors(tmp_path, mutate, message):
    with pytest.raises(SourceError) as info:
        read_source(_broken(tmp_path, mutate))
    assert message in str(info.value)
    assert info.value.exit_code == 2


def test_source_without_exercises_or_unreadable(tmp_path):
    empty = tmp_path / "empty.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), empty)
    with pytest.raises(SourceError, match="has no exercise cells.*--source"):
        read_source(empty)
    with pytest.raises(SourceError, match="cannot read the source notebook .*--source"):
        read_source(tmp_path / "missing.ipynb")


def test_check_cells_are_matched_by_grade_id_whatever_their_order(tmp_path):
    def swap(nb):
        first, second = _cell(nb, "ex02_check"), _cell(nb, "ex03_check")
        i, j = nb.cells.index(first), nb.cells.index(second)
        nb.cells[i], nb.cells[j] = second, first

    source = read_source(_broken(tmp_path, swap))
    shared = source.steps[2]
    assert [(c.exercise_id, c.grade_id) for c in shared.checks] == [
        ("02", "ex02_check"),
        ("03", "ex03_check"),
    ]
    assert isinstance(source.steps[0], GivenCell)
