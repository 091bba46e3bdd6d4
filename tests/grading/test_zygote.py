"""The zygote (tp_helpers.grading.engine.child.zygote): fork safety and what a snapshot holds.

Known traps of forking a process that ran PyTorch, tokenizers or Arrow: GNU libgomp cannot
rebuild its thread pool in a forked child (the zygote runs torch on one thread, a run may
use more); a zygote with a thread running cannot be forked safely (it refuses, naming the
threads); a run must find no source text of the cells in the zygote's history.
"""

from __future__ import annotations

import pytest

from tp_helpers.grading import grade_batch, read_source
from tp_helpers.grading.engine.client import EngineError
from tp_helpers.grading.model.submission import Submission

from . import students as S

REGION = "# --- START CODE HERE (01)\n### BEGIN SOLUTION\n{}\n### END SOLUTION\n# --- END CODE HERE"


def _grade(tmp_path, settings, given: str, solution: str, check: str, student: str):
    source_nb = S.make_lab(
        tmp_path / "lab.ipynb",
        [
            ("given", given),
            ("exercise", REGION.format(solution), "ex01"),
            ("check", check, "ex01_check"),
        ],
    )
    # a student's block differs from the solution's (an equal one passes without its run)
    nb = S.with_region(S.student_copy(source_nb), "01", student + "\n# the student's own")
    path = S.write(nb, tmp_path / "s.ipynb")
    return grade_batch([Submission("s", path)], read_source(tmp_path / "lab.ipynb"), settings)[0]


def test_a_run_uses_torch_threads_after_the_zygote_ran_torch_on_one(tmp_path, settings):
    torch = pytest.importorskip("torch")
    assert torch
    given = "import torch\nwarm = torch.randn(300, 300) @ torch.randn(300, 300)\nwarm.sum()"
    work = (
        "threads = torch.get_num_threads()\n"
        "x = torch.randn(512, 512, requires_grad=True)\n"  # 2^18 elements
        "(torch.tanh(x @ x) @ x).sum().backward()\n"
        "grad = float(x.grad.abs().sum())"
    )
    check = 'assert threads == 2 and grad > 0, f"Exercise 01: threads={threads} grad={grad}"'
    import dataclasses

    two = dataclasses.replace(settings, threads=2, timeout=60)
    result = _grade(tmp_path, two, given, work, check, work)
    assert (result.status, result.score) == ("ok", 1), result.exercises[0].hint


def test_a_zygote_with_a_running_thread_is_not_forked(tmp_path, settings):
    given = "import threading, time\nthreading.Thread(target=time.sleep, args=(30,)).start()"
    with pytest.raises(EngineError, match="cannot fork the zygote safely: it runs 2 threads"):
        _grade(tmp_path, settings, given, "a = 1", "assert a == 1", "a = 1")


def test_a_run_finds_no_source_text_of_the_cells(tmp_path, settings):
    given = "secret_given = 'text of a given cell'\nsecret_given"
    probe = (
        "import linecache  # own-marker\n"
        "caches = [linecache.cache, getattr(linecache, '_ipython_cache', {})]\n"
        "texts = [''.join(entry[2]) for cache in caches for entry in cache.values()]\n"
        "texts += [str(x) for x in get_ipython().user_ns.get('In', [])]\n"
        "found = [t for t in texts if 'text of a ' + 'given cell' in t]\n"
        "own = [t for t in texts if 'own-' + 'marker' in t]  # the probe does see cells"
    )
    check = 'assert found == [] and own, f"Exercise 01: found={len(found)} own={len(own)}"'
    result = _grade(tmp_path, settings, given, probe, check, probe)
    assert result.score == 1, result.exercises[0].hint
