"""Tampering: locked cells read from the file, and the kernel guard (tp_helpers.grading.tamper).

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
from tp_helpers.grading.execute import KernelSession, kernel_env
from tp_helpers.grading.submission import Submission
from tp_helpers.grading.tamper import Guard, inspect_locked_cells, summarise, visible_part
from tp_helpers.runner import write_kernelspec

from . import students as S


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


# -- the guard in a real kernel ---------------------------------------------------------------
@pytest.fixture
def guarded():
    folder = Path(tempfile.mkdtemp(prefix="tp-guard-test-"))
    kernel = KernelSession(write_kernelspec(folder / "spec"), folder, kernel_env(1), timeout=20)
    kernel.start()
    guard = Guard()
    guard.install(kernel)
    yield kernel, guard
    kernel.close()
    shutil.rmtree(folder, ignore_errors=True)


HONEST = [
    "import tp_helpers\nprofile = tp_helpers.get_profile()\nprofile",
    "from tp_helpers.checks import tp7_qa as checks\nimport numpy as np",
    "import warnings\nwarnings.filterwarnings('ignore')\nwarnings.warn('hello')",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()",
    "from tqdm.auto import tqdm\nfor _ in tqdm(range(3)):\n    pass",
    "raise ValueError('a failing cell is not tampering')",
    "import sys\nsys.exit()",
    "import time\ntime.sleep(30)",  # interrupted by the timeout
    "def square(x):\n    return x * x\nsquare",
]


def test_honest_cells_leave_nothing_to_report(guarded):
    kernel, guard = guarded
    kernel.timeout = 2
    for code in HONEST:
        kernel.run(code)
        assert guard.check(kernel) == [], code


#: (code, the start of the problem it causes), in one kernel: each adds its own problem
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
    ("from tp_helpers.checks import tp7_qa as checks", None),  # learnt, then rebound:
    ("checks = object()", "the notebook name 'checks' was rebound"),
    ("import sys\nsys.settrace(lambda *a: None)", "a trace or profile function"),
    (  # last: the guard's own question runs through run_cell, no answer comes back at all
        "get_ipython().run_cell = lambda *a, **k: None",
        "the integrity check did not answer",
    ),
]


def test_each_patch_is_reported(guarded):
    kernel, guard = guarded
    kernel.timeout = 5  # the last patch leaves the guard's question unanswered
    seen: list[str] = []
    for code, problem in PATCHES:
        kernel.run(code)
        problems = guard.check(kernel)
        new = [p for p in problems if p not in seen]
        if problem is None:  # a notebook name the guard learns
            assert new == [], code
        else:
            assert any(p.startswith(problem) for p in new), (code, new)
        seen.extend(new)


def test_a_guard_that_does_not_answer_is_a_problem(guarded):
    kernel, guard = guarded
    kernel.run("import sys\n[sys.modules.pop(n) for n in list(sys.modules) if 'guard' in n]")
    assert guard.check(kernel) == [
        "the integrity check did not answer (IPython or the guard was altered)"
    ]


def test_tampering_inside_a_later_check_restarts_the_kernel(
    tiny_source, settings, solved_nb, tmp_path
):
    """Region 01 patches builtins when the check calls square(): 01 loses its point, a fresh
    kernel replays the source, and 02-04 are graded as usual."""
    code = "import builtins\nbuiltins.AssertionError = Warning\nreturn x * x"
    path = S.write(S.with_region(solved_nb, "01", code), tmp_path / "s.ipynb")
    result = grade_submission(Submission("s", path), tiny_source, settings)
    assert result.status == "tampered"
    assert result.reason == (
        "builtins.AssertionError was replaced (while running the cell of exercise 01)"
    )
    assert {e.id: e.points for e in result.exercises} == {"01": 0, "02": 2, "03": 3, "04": 4}
    assert result.exercises[0].hint == f"tampered: {result.reason}"
