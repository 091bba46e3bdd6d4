"""The Slurm snippet of docs/scaling-out.md, run as a job array would run it.

The array script and the merge line are read from that page, so the snippet a reader copies is
the one tested: two array tasks in separate, concurrent processes (``SLURM_ARRAY_TASK_ID`` 1 and
2 of 2), then ``tp-course merge``, against one unsharded ``tp-course grade`` of the same class.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from . import students as S

PAGE = S.REPO / "docs" / "scaling-out.md"
FENCED = re.compile(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```", re.M | re.S)


def page_block(marker: str, lang: str = "bash") -> str:
    """The one fenced ``lang`` block of docs/scaling-out.md that contains ``marker``."""
    blocks = [
        m["body"]
        for m in FENCED.finditer(PAGE.read_text(encoding="utf-8"))
        if m["lang"] == lang and marker in m["body"]
    ]
    assert len(blocks) == 1, f"docs/scaling-out.md should hold one {lang} block with {marker!r}"
    return blocks[0]


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


@pytest.fixture
def course(tmp_path, small_class) -> Path:
    """A course folder as the snippet expects it: solutions/ and the class's submissions/."""
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    (course / "solutions" / S.TINY_LAB.name).write_bytes(S.TINY_LAB.read_bytes())
    (course / "submissions").mkdir()
    for notebook in small_class.glob("*.ipynb"):
        (course / "submissions" / notebook.name).write_bytes(notebook.read_bytes())
    return course


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """This interpreter's ``tp-course`` first on PATH, as with the course environment active."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "tp-course"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tp_helpers.cli "$@"\n')
    wrapper.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "OMP_NUM_THREADS": "1",
    }


def test_slurm_array_tasks_merge_into_the_unsharded_csv(course, env):
    script = page_block("#SBATCH --array")
    (course / "grade.sh").write_text(script, encoding="utf-8")
    tasks = [
        subprocess.Popen(
            ["bash", "grade.sh"],
            cwd=course,
            env={**env, "SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_COUNT": "2"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for task in (1, 2)
    ]
    for task in tasks:
        out, err = task.communicate(timeout=600)
        assert task.returncode == 0, out + err
    shards = sorted((course / "grades").glob("shard-*"))
    assert [shard.name for shard in shards] == ["shard-1", "shard-2"]
    graded = [sorted(p.stem for p in (shard / "results").glob("*.json")) for shard in shards]
    assert graded == [["ada", "cyd"], ["bob", "dan"]]  # disjoint slices of the sorted ids

    merge_line = re.search(r'--wrap "([^"]+)"', page_block("sbatch --dependency"))[1]
    assert merge_line.startswith("tp-course merge ")
    merged = subprocess.run(
        ["bash", "-c", merge_line], cwd=course, env=env, capture_output=True, text=True
    )
    assert merged.returncode == 0, merged.stdout + merged.stderr

    unsharded = subprocess.run(
        [sys.executable, "-m", "tp_helpers.cli", "grade", "submissions", "--out", "unsharded"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
    )
    assert unsharded.returncode == 0, unsharded.stdout + unsharded.stderr

    expected = rows(course / "unsharded" / "grades.csv")
    assert [row[:3] for row in expected[1:]] == [
        ["ada", "ok", "10"],
        ["bob", "ok", "0"],
        ["cyd", "ok", "7"],
        ["dan", "invalid_notebook", "0"],
    ]
    assert rows(course / "grades" / "all" / "grades.csv") == expected
    feedback = sorted(p.name for p in (course / "grades" / "all" / "feedback").iterdir())
    assert feedback == sorted(p.name for p in (course / "unsharded" / "feedback").iterdir())
