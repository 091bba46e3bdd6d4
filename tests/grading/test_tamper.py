"""Tampering: locked cells read from the file, and the guard inside each run.

tp_helpers.grading.scoring.tamper and the guard (engine.child.guard).

The pipeline's verdicts on tampered submissions are in test_hostile.py (the corpus); here the
detection itself: every honest notebook shape passes, every tampering is named.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path

import pytest

from tp_helpers.grading import grade_submission
from tp_helpers.grading.engine.client import summarise
from tp_helpers.grading.model.submission import Submission
from tp_helpers.grading.scoring.tamper import inspect_locked_cells, visible_part

from . import students as S
from .forked import Runs


def cell_of(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_visible_part_drops_hidden_tests_and_blank_lines():
    text = "a = 1  \n\n### BEGIN HIDDEN TESTS\nassert secret\n### END HIDDEN TESTS\nb = 2\n"
    assert visible_part(text) == ("a = 1", "b = 2")


def test_honest_notebooks_are_not_tampered(tiny_source, tiny_nb, stub_nb, solved_nb):
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

    generated, resources = copy.deepcopy(tiny_nb), {}
    for preprocessor in (ClearSolutions(), ClearHiddenTests(), ClearOutput()):
        generated, resources = preprocessor.preprocess(generated, resources)
    no_metadata = copy.deepcopy(solved_nb)  # a copy that lost its metadata, cells kept
    for cell in no_metadata.cells:
        cell.metadata = {}
    spaces = copy.deepcopy(solved_nb)
    cell_of(spaces, "ex01_check").source += "\n\n   \n"
    for nb in (tiny_nb, stub_nb, solved_nb, generated, no_metadata, spaces):
        assert inspect_locked_cells(nb, tiny_source) == []


def test_each_tampering_is_named_with_the_exercises_it_touched(tiny_source, solved_nb):
    nb = copy.deepcopy(solved_nb)
    cell_of(nb, "ex01_check").source = "pass"
    nb.cells.remove(cell_of(nb, "ex04_check"))
    twin = copy.deepcopy(cell_of(nb, "ex02"))  # the shared cell of 02 and 03, copied
    nb.cells.append(twin)
    found = {(t.exercises, t.reason) for t in inspect_locked_cells(nb, tiny_source)}
    assert found == {
        (("02", "03"), "grade_id ex02 appears 2 times"),
        (("01",), "the check cell of exercise 01 (ex01_check) was edited"),
        (("04",), "the check cell of exercise 04 (ex04_check) was deleted"),
    }


def test_summarise_lists_three_problems_and_counts_the_rest():
    assert summarise(["a", "b"]) == "a; b"
    assert summarise(list("abcde")) == "a; b; c (and 2 more)"


# -- the guard in forked runs ---------------------------------------------------------------
@pytest.fixture(scope="module")
def guarded():
    """Runs of the tiny lab's reference, unconfined (the guard is what is tested here)."""
    run_root = Path(tempfile.mkdtemp(prefix="tp-guard-test-"))
    (run_root / "runs").mkdir()
    runs = Runs((None, run_root, None))
    yield runs
    runs.close()
    shutil.rmtree(run_root, ignore_errors=True)


def problems(reply: dict) -> list[list[str]]:
    """The guard's problems after each execution of a run."""
    return [record["tamper"] for record in reply["records"]]


HONEST = [
    "import tp_helpers\nprofile = tp_helpers.get_profile()\nprofile",
    "from tp_helpers.checks import tp7_qa as checks\nimport numpy as np",
    "import warnings\nwarnings.filterwarnings('ignore')\nwarnings.warn('hello')",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()",
    "from tqdm.auto import tqdm\nfor _ in tqdm(range(3)):\n    pass",
    "raise ValueError('a failing cell is not tampering')",
    "import sys\nsys.exit()",
    "def square(x):\n    return x * x\nsquare",
]


def test_honest_cells_leave_nothing_to_report(guarded):
    reply = guarded.reply(HONEST)  # one run, every cell in turn (a failing cell is the last)
    assert problems(reply) == [[]] * len(reply["records"])
    for code in HONEST[1:]:
        assert problems(guarded.reply(["pass", code])) == [[], []], code


#: (code, the start of the problem it causes): each in a run of its own
PATCHES = [
    ("import builtins\nbuiltins.print = lambda *a, **k: None", "builtins.print was replaced"),
    ("import builtins\nbuiltins.AssertionError = Warning", "builtins.AssertionError was"),
    ("import builtins\ndel builtins.divmod", "builtins.divmod was deleted"),
    (
        "import tp_helpers.checks.tp7_qa as lab\nlab.ex03 = lambda *a, **k: None",
        "tp_helpers.checks.tp7_qa.ex03 was replaced",
    ),
    (
        "import tp_helpers.checks.tp7_qa as lab\nlab.ex04.__code__ = (lambda *a: None).__code__",
        "the code of tp_helpers.checks.tp7_qa.ex04 was replaced",
    ),
    (
        "from tp_helpers.checks.core import Lab\nLab.expect = lambda *a, **k: None",
        "tp_helpers.checks.core.Lab.expect was replaced",
    ),
    (
        "import tp_helpers.checks.tp7_qa as lab\nlab.LAB.fail = lambda *a, **k: None",
        "tp_helpers.checks.tp7_qa.LAB.fail was added",
    ),
    ("import numpy\nnumpy.array_equal = lambda *a, **k: True", "numpy.array_equal was"),
    ("import sys, io\nsys.stderr = io.StringIO()", "sys.stderr was replaced"),
    (
        "get_ipython().events.register('pre_run_cell', lambda *a: None)",
        "an IPython event callback defined in a cell was registered",
    ),
    ("import sys\nsys.settrace(lambda *a: None)", "a trace or profile function"),
    ("get_ipython().run_cell = lambda *a, **k: None", "get_ipython().run_cell was replaced"),
]


def test_each_patch_is_reported(guarded):
    for code, problem in PATCHES:
        reply = guarded.reply(code)
        (found,) = problems(reply)
        assert any(p.startswith(problem) for p in found), (code, found)


def test_a_name_learnt_then_rebound_is_reported(guarded):
    """The guard looks after the first execution (the student's cell) and the last (the last
    check): a change in between is seen at the end."""
    imported = "from tp_helpers.checks import tp7_qa as checks"
    reply = guarded.reply([imported, "checks = object()", "print('a check')"])
    assert problems(reply) == [[], [], ["the notebook name 'checks' was rebound"]]
    reply = guarded.reply(["import builtins\nbuiltins.divmod = None", "print('never runs')"])
    assert problems(reply) == [["builtins.divmod was replaced"]]  # found after the cell: ends


def test_a_patch_does_not_outlive_its_run(guarded):
    assert problems(guarded.reply("import builtins\nbuiltins.print = None"))[0]
    assert problems(guarded.reply("print('hello')")) == [[]]


def test_tampering_inside_a_later_check_costs_that_exercise_only(
    tiny_source, settings, solved_nb, tmp_path
):
    """Region 01 patches builtins when the check calls square(): 01 loses its point; the other
    cells' runs start from the reference, and 02-04 are graded as usual."""
    code = "import builtins\nbuiltins.AssertionError = Warning\nreturn x * x"
    path = S.write(S.with_region(solved_nb, "01", code), tmp_path / "s.ipynb")
    result = grade_submission(Submission("s", path), tiny_source, settings)
    assert result.status == "tampered"
    assert result.reason == (
        "builtins.AssertionError was replaced (while running the cell of exercise 01)"
    )
    assert {e.id: e.points for e in result.exercises} == {"01": 0, "02": 2, "03": 3, "04": 4}
    assert result.exercises[0].hint == f"tampered: {result.reason}"


def test_the_guards_answer_counts_only_with_the_nonce_asked():
    from tp_helpers.grading.engine.child.supervisor import Run

    run = Run.__new__(Run)  # only the guard is needed
    run.guard = lambda nonce: f'TPGUARD {nonce} ["x was replaced"]'
    assert run._guard_problems("run0") == ["x was replaced"]
    run.guard = lambda nonce: "TPGUARD run0 []"  # a canned answer, for another question
    assert run._guard_problems("run3") == ["the integrity check gave no answer of its own"]
    run.guard = lambda nonce: None
    assert run._guard_problems("run0") == ["the integrity check gave no answer of its own"]
