"""Every bad file a user can hand ``tp-course grade`` or ``tp-course export`` gives one line
naming the file and what to do, never a traceback (the real command, in its own process)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tp_helpers.cli import main
from tp_helpers.grading.platforms import download as downloads

from . import students as S

LMS = S.REPO / "tests" / "fixtures" / "lms"
NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def tp_course(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tp_helpers.cli", *map(str, args)],
        cwd=cwd,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )


def canvas_zip(path: Path, extra: zipfile.ZipInfo | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lovelaceada_101_9001_tiny_lab.ipynb", NOTEBOOK)
        if extra is not None:
            archive.writestr(extra, "target")
    return path


def symlink_entry() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("hoppergrace_102_9002_tiny_lab.ipynb")
    info.external_attr = 0o120777 << 16  # how zip -y stores a symbolic link
    return info


def bad_files(tmp: Path) -> dict[str, tuple[list, str]]:
    """Case -> (arguments, the file the one line must name)."""
    whole = canvas_zip(tmp / "whole.zip").read_bytes()
    (tmp / "cut.zip").write_bytes(whole[: len(whole) // 2])
    (tmp / "text.zip").write_text("not a zip")
    canvas_zip(tmp / "dotdot.zip", zipfile.ZipInfo("../escaped.ipynb"))
    canvas_zip(tmp / "link.zip", symlink_entry())
    results = tmp / "grades" / "results"
    results.mkdir(parents=True)
    (results / "a.json").write_text("[1, 2]")
    graded = tmp / "graded"
    (graded / "results").mkdir(parents=True)
    (graded / "results" / "2417.json").write_text(
        '{"student_id": "2417", "status": "ok", "reason": "", "exercises": [], "score": 30,'
        ' "max_score": 30, "platform": "moodle"}'
    )
    (tmp / "latin1.csv").write_bytes("Identifier,Grade\nParticipant 101,é\n".encode("latin-1"))
    source = ["--source", S.TINY_LAB]
    moodle = ["export", graded, "--moodle"]
    return {
        "cut zip": (["grade", tmp / "cut.zip", "--out", tmp / "o", *source], "cut.zip"),
        "text as zip": (["grade", tmp / "text.zip", "--out", tmp / "o", *source], "text.zip"),
        "entry outside": (["grade", tmp / "dotdot.zip", "--out", tmp / "o", *source], "dotdot"),
        "symbolic link": (["grade", tmp / "link.zip", "--out", tmp / "o", *source], "link.zip"),
        "bad source": (
            ["grade", tmp / "whole.zip", "--out", tmp / "o", "--source", tmp / "text.zip"],
            "text.zip",
        ),  # fmt: skip
        "no results": (
            ["export", tmp / "grades", "--blackboard", "--column", "TP7", "--out", tmp / "x.csv"],
            "results",
        ),  # fmt: skip
        "latin-1 worksheet": ([*moodle, tmp / "latin1.csv", "--out", tmp / "x.csv"], "latin1.csv"),
        "folder as worksheet": ([*moodle, tmp, "--out", tmp / "x.csv"], str(tmp)),
        "scale worksheet": (
            [*moodle, LMS / "moodle_worksheet_scale_en.csv", "--out", tmp / "x.csv"],
            "scale_en.csv",
        ),  # fmt: skip
        "unwritable out": (
            [*moodle, LMS / "moodle_worksheet_en.csv", "--out", "/proc/x/y.csv"],
            "/proc/x",
        ),  # fmt: skip
    }


def test_bad_files_give_one_line_and_no_traceback(tmp_path):
    for case, (args, named) in bad_files(tmp_path).items():
        done = tp_course(*args, cwd=tmp_path)
        assert "Traceback" not in done.stderr, (case, done.stderr)
        errors = [line for line in done.stderr.splitlines() if line.startswith("tp-course: error:")]
        assert done.returncode == 2 and len(errors) == 1, (case, done.stderr)
        assert named in errors[0], (case, errors[0])
    assert not list(tmp_path.rglob("escaped*"))


def test_a_zip_whose_notebooks_exceed_the_total_is_refused_in_one_line(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(downloads, "MAX_TOTAL_BYTES", 2**20)
    download = tmp_path / "canvas.zip"
    with zipfile.ZipFile(download, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in (1, 2):
            archive.writestr(
                f"student{number}_10{number}_900{number}_tiny_lab.ipynb", "x" * 2**19 + "y"
            )
    code = main(["grade", str(download), "--out", str(tmp_path / "o"), "--source", str(S.TINY_LAB)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert err.startswith(f"tp-course: error: {download}: its notebooks add up to 1 MiB")
    assert not (tmp_path / "o" / "downloads" / "canvas" / "101.ipynb").exists()


@pytest.mark.parametrize("attribute", ["MAX_RATIO", "MIN_BOMB_BYTES"])
def test_no_ratio_rule_is_left(attribute):
    """How much an entry deflates is no reason to refuse: bytes inflated are what is bounded."""
    assert not hasattr(downloads, attribute)
