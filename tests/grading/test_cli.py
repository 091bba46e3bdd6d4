"""``tp-course grade`` and ``tp-course merge`` as an instructor types them."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest

from tp_helpers.cli import main

from . import students as S


def tp_course(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "tp_helpers.cli", *args],
        cwd=cwd,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
    )


def test_grade_shards_then_merge(tmp_path, small_class):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    (course / "solutions" / "tiny_lab.ipynb").write_bytes(S.TINY_LAB.read_bytes())
    subs = course / "subs"
    subs.mkdir()
    for name in ("ada", "dan"):  # the solution and a file that is not a notebook
        (subs / f"{name}.ipynb").write_bytes((small_class / f"{name}.ipynb").read_bytes())

    first = tp_course(
        "grade", "subs", "--out", "s1", "--shard", "1/2", "--timeout", "20", cwd=course
    )
    assert first.returncode == 0, first.stderr
    assert "graded 1, skipped 0" in first.stdout and "grading" in first.stderr  # progress bar
    second = tp_course("grade", "subs", "--out", "s2", "--shard", "2/2", cwd=course)
    assert second.returncode == 0, second.stderr
    merged = tp_course("merge", "s1", "s2", "--out", "all", cwd=course)
    assert merged.returncode == 0, merged.stderr
    rows = list(csv.reader((course / "all" / "grades.csv").read_text().splitlines()))
    assert rows[0] == [
        "student_id",
        "status",
        "score",
        "max_score",
        "ex01",
        "ex02",
        "ex03",
        "ex04",
        "reason",
    ]
    assert [row[:4] for row in rows[1:]] == [
        ["ada", "ok", "10", "10"],
        ["dan", "invalid_notebook", "0", "10"],
    ]
    assert (course / "all" / "feedback" / "dan.html").is_file()
    assert (course / "all" / "summary.html").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grade", "subs", "--out", "o"], "cannot choose the source notebook"),
        (
            ["grade", "subs", "--out", "o", "--source", "nope.ipynb"],
            "cannot read the source notebook nope.ipynb",
        ),
        (
            ["grade", "missing", "--out", "o", "--source", "lab.ipynb"],
            "submissions missing not found; pass the zip your platform gave you",
        ),
        (
            ["grade", "subs", "--out", "o", "--source", "lab.ipynb", "--shard", "3/2"],
            "--shard '3/2': expected I/N",
        ),
        (
            ["grade", "subs", "--out", "o", "--source", "lab.ipynb", "--jobs", "0"],
            "--jobs 0: give at least 1",
        ),
        (["merge", "subs", "--out", "o"], "has no results/ folder"),
    ],
)
def test_grader_errors_exit_2_with_the_fix(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "subs").mkdir()
    (tmp_path / "lab.ipynb").write_bytes(S.TINY_LAB.read_bytes())
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("tp-course: error: ") and message in err
    assert "Traceback" not in err


def test_bad_submissions_do_not_fail_the_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "x.ipynb").write_text("garbage")
    code = main(["grade", "subs", "--out", "o", "--source", str(S.TINY_LAB)])
    assert code == 0
    assert "invalid_notebook=1" in capsys.readouterr().out
