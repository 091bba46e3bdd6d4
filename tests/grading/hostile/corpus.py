"""Broken and hostile submissions of the tiny lab, each with the grade it must get.

Every scenario is made from the tiny lab's student copy (``tests/grading/students.py``), so the
corpus follows the lab. Write it into a folder to grade it by hand::

    python -m tests.grading.hostile.corpus /tmp/corpus
    tp-course grade /tmp/corpus/submissions --out /tmp/corpus/out \\
        --source tests/fixtures/tiny_lab/tiny_lab.ipynb --timeout 2

Expected outcomes assume the cell timeout the test uses (``CELL_TIMEOUT``) and a sandbox that
enforces everything (root, or user namespaces): ``Targets`` names the files the hostile ones try
to read or write, ``port`` a local server they try to reach.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import students as S

CELL_TIMEOUT = 2  # seconds per cell in the corpus run
FULL = {"01": 1, "02": 2, "03": 3, "04": 4}
WITHOUT_04 = {**FULL, "04": 0}


@dataclass(frozen=True)
class Targets:
    """What the hostile submissions go after."""

    read: tuple[str, ...]  # instructor files and other students' work
    write: tuple[str, ...]  # places outside the kernel's scratch folder
    port: int  # a TCP server of the grader's machine, on 127.0.0.1


@dataclass(frozen=True)
class Scenario:
    name: str
    status: str
    reason: str  # exact, or the start of it when it ends with '…'
    points: dict[str, float]
    hint_04: str = ""  # the start of exercise 04's hint, when it says what happened
    make: Callable = field(default=None, repr=False, compare=False)  # (solved, stub, targets)

    def reason_matches(self, reason: str) -> bool:
        if self.reason.endswith("…"):
            return reason.startswith(self.reason[:-1])
        return reason == self.reason


def _region_04(code: str):
    def make(solved, stub, targets):
        return S.with_region(solved, "04", code.format(targets=targets))

    return make


def _squares() -> str:
    return "squares = [square(value) for value in data]"


def _edit_cell(grade_id: str, edit):
    def make(solved, stub, targets):
        nb = copy.deepcopy(solved)
        for position, cell in enumerate(nb.cells):
            if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                edit(nb, position, cell)
                return nb
        raise KeyError(grade_id)

    return make


def _delete(nb, position, cell):
    del nb.cells[position]


def _weaken(nb, position, cell):
    cell.source = 'print("Exercise 04: ok")'


def _duplicate(nb, position, cell):
    twin = copy.deepcopy(cell)
    twin["id"] = "twin-of-" + cell.get("id", "cell")
    nb.cells.insert(position + 1, twin)


def _text(text: str):
    return lambda solved, stub, targets: text


_READ = """import os
found = []
for path in {targets.read!r}:
    try:
        with open(path, "rb") as handle:
            if handle.read(64):
                found.append(path)
    except OSError:
        pass
    try:
        if os.listdir(path):
            found.append(path)
    except OSError:
        pass
raise PermissionError(f"read {{len(found)}} of {n} instructor files: {{found}}")"""

_WRITE = """written = []
for path in {targets.write!r}:
    try:
        with open(path, "a") as handle:
            handle.write("pwned")
        written.append(path)
    except OSError:
        pass
raise PermissionError(f"wrote {{len(written)}} of {n} places: {{written}}")"""

_SOCKET = """import socket
reached = []
for address in [("127.0.0.1", {targets.port}), ("1.1.1.1", 53)]:
    try:
        socket.create_connection(address, timeout=3).sendall(b"leaked")
        reached.append(address[0])
    except OSError:
        pass
raise ConnectionError(f"reached {{len(reached)}} of 2 hosts: {{reached}}")"""

_RUN_CELL = """ip = get_ipython()
real = ip.run_cell
def run_cell(raw_cell, *args, **kwargs):
    if "assert" in raw_cell:  # check cells pass without running
        raw_cell = "pass"
    return real(raw_cell, *args, **kwargs)
ip.run_cell = run_cell
squares = []"""


def scenarios(targets: Targets) -> list[Scenario]:
    """The corpus, honest students first."""
    n_read, n_write = len(targets.read), len(targets.write)
    wrong_03 = "spread = max(values)"
    return [
        Scenario("honest-full", "ok", "", FULL, make=lambda solved, stub, t: solved),
        Scenario(
            "honest-partial",
            "ok",
            "",
            {**FULL, "03": 0},
            make=lambda solved, stub, t: S.with_region(solved, "03", wrong_03),
        ),
        Scenario(
            "infinite-loop",
            "timeout",
            f"the cell of exercise 04 timed out after {CELL_TIMEOUT} s",
            WITHOUT_04,
            hint_04=f"timed out after {CELL_TIMEOUT} s",
            make=_region_04("while True:\n    pass"),
        ),
        Scenario(
            "alloc-30gib",
            "memory",
            "the cell of exercise 04 ran out of memory (limit …",
            WITHOUT_04,
            hint_04="the exercise cell raised MemoryError",
            make=_region_04("blob = bytearray(30 * 2**30)\n" + _squares()),
        ),
        Scenario(
            "os-exit",
            "kernel_died",
            "the process running the cell of exercise 04 died (exit status 0)",
            WITHOUT_04,
            hint_04="the process running the exercise cell died (exit status 0)",
            make=_region_04("import os\nos._exit(0)"),
        ),
        Scenario(
            "kill-9-self",
            "kernel_died",
            "the process running the cell of exercise 04 died (killed by SIGKILL)",
            WITHOUT_04,
            hint_04="the process running the exercise cell died (killed by SIGKILL)",
            make=_region_04("import os\nos.kill(os.getpid(), 9)"),
        ),
        Scenario(  # IPython turns SystemExit into an error: the kernel lives on
            "sys-exit",
            "ok",
            "",
            WITHOUT_04,
            hint_04="the exercise cell raised SystemExit",
            make=_region_04("import sys\nsys.exit()"),
        ),
        Scenario(
            "invalid-json",
            "invalid_notebook",
            "not a notebook: …",
            dict.fromkeys(FULL, 0),
            make=_text('{"cells": [ this is not JSON'),
        ),
        Scenario(
            "json-not-a-notebook",
            "invalid_notebook",
            "not a notebook: JSON without an 'nbformat' version",
            dict.fromkeys(FULL, 0),
            make=_text(json.dumps({"name": "ada", "answers": [1, 2, 3]})),
        ),
        Scenario(
            "nbformat-3",
            "invalid_notebook",
            "nbformat 3 notebook; nbformat 4 is required (open it in Jupyter and save it again)",
            dict.fromkeys(FULL, 0),
            make=lambda solved, stub, t: nbformat.writes(
                nbformat.convert(copy.deepcopy(solved), 3), version=3
            ),
        ),
        Scenario(
            "check-cell-deleted",
            "tampered",
            "the check cell of exercise 02 (ex02_check) was deleted",
            {**FULL, "02": 0},
            make=_edit_cell("ex02_check", _delete),
        ),
        Scenario(
            "check-cell-edited",
            "tampered",
            "the check cell of exercise 04 (ex04_check) was edited",
            WITHOUT_04,
            hint_04="tampered: the check cell of exercise 04 (ex04_check) was edited",
            make=_edit_cell("ex04_check", _weaken),
        ),
        Scenario(
            "grade-id-duplicated",
            "tampered",
            "grade_id ex01_check appears 2 times",
            {**FULL, "01": 0},
            make=_edit_cell("ex01_check", _duplicate),
        ),
        Scenario(
            "prints-50mb",
            "ok",
            "",
            FULL,
            make=_region_04('print("x" * 50_000_000)\n' + _squares()),
        ),
        Scenario(
            "check-function-replaced",
            "tampered",
            "tp_helpers.checks.tp7_qa.ex01 was replaced (while running the cell of exercise 04)",
            WITHOUT_04,
            hint_04="tampered: tp_helpers.checks.tp7_qa.ex01 was replaced",
            make=_region_04(
                "import tp_helpers.checks.tp7_qa as lab\nlab.ex01 = lambda *a, **k: None\n"
                + _squares()
            ),
        ),
        Scenario(
            "builtins-patched",
            "tampered",
            "builtins.AssertionError was replaced (while running the cell of exercise 04)",
            WITHOUT_04,
            hint_04="tampered: builtins.AssertionError was replaced",
            make=_region_04("import builtins\nbuiltins.AssertionError = Warning\n" + _squares()),
        ),
        Scenario(
            "ipython-patched",
            "tampered",
            "get_ipython().run_cell was replaced (while running the cell of exercise 04)",
            WITHOUT_04,
            hint_04="tampered: get_ipython().run_cell was replaced",
            make=_region_04(_RUN_CELL),
        ),
        Scenario(
            "opens-sockets",
            "ok",
            "",
            WITHOUT_04,
            hint_04="the exercise cell raised ConnectionError: reached 0 of 2 hosts: []",
            make=_region_04(_SOCKET),
        ),
        Scenario(
            "reads-instructor-files",
            "ok",
            "",
            WITHOUT_04,
            hint_04=f"the exercise cell raised PermissionError: read 0 of {n_read} instructor",
            make=_region_04(_READ.replace("{n}", str(n_read))),
        ),
        Scenario(
            "writes-course-dir",
            "ok",
            "",
            WITHOUT_04,
            hint_04=f"the exercise cell raised PermissionError: wrote 0 of {n_write} places: []",
            make=_region_04(_WRITE.replace("{n}", str(n_write))),
        ),
    ]


def solved_notebook():
    """The tiny lab's student copy with the solutions typed in (tests/grading/conftest.py)."""
    stub = S.student_copy(S.read())
    nb = S.with_region(stub, "01", "return x * x")
    nb = S.with_region(nb, "02", "mean = sum(values) / len(values)")
    nb = S.with_region(nb, "03", "spread = max(values) - min(values)")
    return S.with_region(nb, "04", "squares = [square(value) for value in data]"), stub


def write_corpus(folder: Path, targets: Targets) -> list[Scenario]:
    """One ``<scenario>.ipynb`` per scenario in ``folder``; the scenarios."""
    folder.mkdir(parents=True, exist_ok=True)
    solved, stub = solved_notebook()
    found = scenarios(targets)
    for scenario in found:
        made = scenario.make(solved, stub, targets)
        path = folder / f"{scenario.name}.ipynb"
        if isinstance(made, str):
            path.write_text(made, encoding="utf-8")
        else:
            S.write(made, path)
    return found


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    repo = S.REPO
    written = write_corpus(
        out / "submissions",
        Targets(
            read=(str(repo / "solutions" / "tp7_qa.ipynb"), str(S.TINY_LAB)),
            write=(str(repo / "pwned.txt"), str(out / "out" / "grades.csv")),
            port=9,
        ),
    )
    print(f"{len(written)} submissions in {out / 'submissions'}")
