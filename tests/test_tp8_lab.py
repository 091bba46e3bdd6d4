"""TP8 (questions without an answer): its profiles, its student notebook, its offline run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import nbformat
import pytest

from tp_helpers.cli import _run_notebook
from tp_helpers.errors import ProfileError, TPError
from tp_helpers.profiles import get_profile

from .conftest import REPO

SOURCE = REPO / "solutions" / "tp8_unanswerable.ipynb"
STUDENT = REPO / "notebooks" / "tp8_unanswerable.ipynb"


def test_each_lab_reads_its_own_data_and_tp7_keeps_its_profiles():
    for name in ("full", "cpu"):
        assert get_profile(name).dataset == "rajpurkar/squad"
        tp8 = get_profile(name, lab="tp8_unanswerable")
        assert tp8.dataset == "rajpurkar/squad_v2"
        assert (tp8.model_checkpoint, tp8.max_length) == (
            get_profile(name).model_checkpoint,
            get_profile(name).max_length,
        )
    assert "squad-v2-offline" in get_profile("offline", lab="tp8_unanswerable").dataset
    assert "squad-v2" not in get_profile("offline").dataset
    with pytest.raises(ProfileError, match="unknown lab 'tp9'.*tp7_qa, tp8_unanswerable"):
        get_profile("offline", lab="tp9")


def test_run_chooses_the_lab_by_name_and_defaults_to_tp7():
    assert _run_notebook(Namespace(lab=None, notebook=None)) == Path("solutions/tp7_qa.ipynb")
    assert _run_notebook(Namespace(lab="tp8_unanswerable", notebook=None)) == Path(
        "solutions/tp8_unanswerable.ipynb"
    )
    with pytest.raises(TPError, match="not both"):
        _run_notebook(Namespace(lab="tp8_unanswerable", notebook="x.ipynb"))


def test_the_student_notebook_has_every_exercise_as_a_stub_and_no_hidden_test():
    student = nbformat.read(STUDENT, as_version=4)
    text = "\n".join(cell.source for cell in student.cells)
    stubs = re.findall(r'NotImplementedError\("Exercise (\d\d):', text)
    assert stubs == [f"{n:02d}" for n in range(1, 15)]
    assert "HIDDEN TESTS" not in text and "_hidden(" not in text
    assert 'same_rule = "B"' not in text and "min(null_scores)" not in text
    assert student.cells[0].source.startswith("[![Open In Colab]")


@pytest.mark.slow
def test_offline_run_learns_to_answer_and_to_abstain(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tp_helpers.cli", "run", "--lab", "tp8_unanswerable"]
        + ["--profile", "offline", "--out", str(tmp_path)],
        cwd=REPO,
        # the tests' own MPLBACKEND=Agg (conftest.py) would keep the kernel from drawing inline
        env={k: v for k, v in os.environ.items() if k != "MPLBACKEND"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    pattern = r"exact_match=[\d.]+ f1=[\d.]+ HasAns_f1=[\d.]+ NoAns_f1=[\d.]+ seconds=[\d.]+"
    assert re.fullmatch(pattern, last), last
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["HasAns_f1"] >= 60 and summary["NoAns_f1"] >= 60, summary
    assert summary["profile"] == "offline" and summary["train_steps"] > 0
    executed = nbformat.read(tmp_path / SOURCE.name, as_version=4)
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the threshold plot is drawn"
