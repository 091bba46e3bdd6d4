"""A TP8 class graded by the same command as TP7's, with nothing lab-specific in the grader.

The course holds two labs, so `tp-course grade` must find the lab from the submissions
themselves (a flat folder of `<student>.ipynb` files names no lab: the checks each notebook
imports do). The datasets cache starts empty, so the grader must prepare TP8's own offline data
before it forks (a cold cache left threads in the zygote and failed every student).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow


def test_a_tp8_class_perfect_full_untouched_zero(tmp_path):
    submissions = tmp_path / "subs"
    submissions.mkdir()
    shutil.copy(REPO / "solutions" / "tp8_unanswerable.ipynb", submissions / "s-perfect.ipynb")
    shutil.copy(REPO / "notebooks" / "tp8_unanswerable.ipynb", submissions / "s-untouched.ipynb")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TP_DATA_DIR=str(tmp_path / "cold-cache"))
    done = subprocess.run(
        [sys.executable, "-m", "tp_helpers.cli", "grade", str(submissions)]
        + ["--out", str(tmp_path / "out"), "--jobs", "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with (tmp_path / "out" / "grades.csv").open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert rows["s-perfect"]["status"] == "ok"
    assert float(rows["s-perfect"]["score"]) == float(rows["s-perfect"]["max_score"]) == 14
    assert rows["s-untouched"]["status"] == "ok"
    assert float(rows["s-untouched"]["score"]) == 0
    page = (tmp_path / "out" / "feedback" / "s-perfect.html").read_text()
    assert "unanswerable" in page.lower() or "tp8" in page.lower()
