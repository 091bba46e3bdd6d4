"""bench/assert_full_profile.py: the GPU workflow's assertions, on fake and real executed notebooks.

A fake full-profile run prints what the solution notebook prints on the GPU runner (the seed's
figures, docs/contributing.md); each test changes one thing and expects that figure, and only
it, to fail.
The stored offline outputs of the solution notebook check that every pattern still finds its
line in the notebook as it is written today.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import nbformat
import pytest

from .conftest import REPO, SOLUTION

SCRIPT = REPO / "bench" / "assert_full_profile.py"
_spec = importlib.util.spec_from_file_location("assert_full_profile", SCRIPT)
afp = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = afp  # dataclasses resolve their module by name
_spec.loader.exec_module(afp)

#: the custom question/context pair, tokenised by distilbert-base-uncased (docs/profiles.md)
PAIR_IDS = str(
    [101, 7632, 1010, 1045, 2052, 2293, 2000, 3231, 1996, 19204, 17629, 1012, 102, 2469]
    + [1010, 2175, 3805, 1998, 20410, 2008, 2394, 1027, 2394, 1027, 2394, 1012, 102]
)

#: (cell source, nbgrader grade_id or None, printed text, execute_result text or None)
FULL_RUN = [
    ("print(profile)", None, "profile=full device=cuda precision=bf16 model=distilbert\n", None),
    ("# ex01", "ex01", "", "(Dataset({num_rows: 876}), Dataset({num_rows: 106}))"),
    (
        "checks.ex01(...)",
        "ex01_check",
        "✓ Exercise 01: 876 training and 106 validation rows.\n",
        None,
    ),
    (
        "example",
        None,
        "",
        "{'id': '5733be284776f41900661182',\n 'title': 'University_of_Notre_Dame'}",
    ),
    ("print(pair)", None, f"{PAIR_IDS}\n27 ids\n", None),
    ("print(long)", None, "row 8: id=5733caf74776f4190066124c tokens=396\nWhat...?\n", None),
    ("# ex03", "ex03", "2 features of lengths [384, 157]\n[CLS] what ... [SEP]\n\n", None),
    (
        "checks.ex03(...)",
        "ex03_check",
        "✓ Exercise 03: 2 features of lengths [384, 157]; ok.\n",
        None,
    ),
    ("print(shape)", None, "(5, 384) (features, tokens)\nfeature 0: start= 130 end= 137\n", None),
    (
        "# ex13",
        "ex13",
        "train: 876 rows -> 908 features\nvalidation: 106 rows -> 106 features\n",
        None,
    ),
    ("# ex17", "ex17", "57 steps per epoch\n", None),
    ("checks.ex17(...)", "ex17_check", "✓ Exercise 17: Trainer ready: 57 steps per epoch.\n", None),
    ("history", None, "285 optimisation steps\n", "   epoch  loss\n0  1.0  3.1"),
    (
        "print(output)",
        None,
        "['loss', 'start_logits', 'end_logits']\ntorch.Size([16, 384]) torch.Size([16, 384])\n",
        None,
    ),
]
SUMMARY = {"profile": "full", "seconds": 190.2, "exact_match": 41.5, "f1": 45.0, "train_steps": 285}


def full_run_notebook(replace: dict[str, str] | None = None):
    """The fake executed notebook; ``replace`` maps a printed text to its replacement."""
    cells = []
    for source, grade_id, printed, result in FULL_RUN:
        for old, new in (replace or {}).items():
            printed = printed.replace(old, new)
        cell = nbformat.v4.new_code_cell(source)
        if grade_id:
            grade = grade_id.endswith("_check")
            cell.metadata["nbgrader"] = {
                "grade_id": grade_id,
                "grade": grade,
                "solution": not grade,
            }
        if printed:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=printed))
        if result:
            cell.outputs.append(
                nbformat.v4.new_output("execute_result", data={"text/plain": result})
            )
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells)


def write_run(folder, nb=None, summary=None):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb or full_run_notebook(), folder / afp.NOTEBOOK_NAME)
    (folder / afp.SUMMARY_NAME).write_text(json.dumps({**SUMMARY, **(summary or {})}))
    return folder


def failures(findings):
    return {f.name: f for f in findings if not f.ok}


def test_the_seed_figures_pass(tmp_path, capsys):
    assert afp.main([str(write_run(tmp_path / "run"))]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "figures match the seed's" in out
    assert "ok   logits of one batch: start, end: expected ((16, 384), (16, 384))" in out
    assert "3 of 3 checks passed" in out


@pytest.mark.parametrize(
    ("old", "new", "figure"),
    [
        ("train: 876 rows", "train: 875 rows", "train rows"),
        ("-> 908 features", "-> 910 features", "train features"),
        (
            "lengths [384, 157]\n[CLS]",
            "lengths [384, 158]\n[CLS]",
            "first long example: features, lengths",
        ),
        ("(5, 384) (features", "(6, 384) (features", "five rows: features shape"),
        ("57 steps per epoch\n", "56 steps per epoch\n", "steps per epoch"),
        ("285 optimisation", "280 optimisation", "training steps"),
        (
            "torch.Size([16, 384]) torch",
            "torch.Size([16, 256]) torch",
            "logits of one batch: start, end",
        ),
        ("id=5733caf74776f4190066124c", "id=5733caf74776f419006612ff", "first long example id"),
    ],
)
def test_a_wrong_figure_fails_alone(old, new, figure):
    nb = full_run_notebook({old: new})
    assert list(failures(afp.check_notebook(nb))) == [figure]


def test_outputs_that_disagree_fail():
    # the exercise cell prints [384, 157] but its check line [384, 158]
    nb = full_run_notebook({"[384, 157]; ok.": "[384, 158]; ok."})
    (finding,) = failures(afp.check_notebook(nb)).values()
    assert finding.name == "first long example: features, lengths"
    assert finding.found == [(2, [384, 157]), (2, [384, 158])]
    assert "outputs disagree" in finding.line()


def test_a_figure_the_notebook_no_longer_prints_is_named_with_its_pattern():
    nb = full_run_notebook({"57 steps per epoch\n": "57 batches\n", "Trainer ready: 57": "ready"})
    (finding,) = failures(afp.check_notebook(nb)).values()
    assert finding.name == "steps per epoch" and finding.found is None
    assert "no output matches" in finding.note and "update FIGURES" in finding.note


def test_an_error_output_or_a_missing_check_line_fails():
    nb = full_run_notebook({"✓ Exercise 17: Trainer ready: 57 steps per epoch.\n": ""})
    nb.cells[5].outputs.append(
        nbformat.v4.new_output("error", ename="CheckFailed", evalue="Exercise 03: …", traceback=[])
    )
    failed = failures(afp.check_notebook(nb))
    assert failed["error outputs"].found == ["CheckFailed: Exercise 03: …"]
    assert failed["check cells without their ✓ line"].found == ["17"]


@pytest.mark.parametrize(
    ("summary", "failed"),
    [
        ({"exact_match": 39.6 - 8, "f1": 42.6 + 8}, set()),  # the tolerance's edges pass
        ({"exact_match": 31.0}, {"exact_match"}),
        ({"f1": 51.0}, {"f1"}),
        ({"exact_match": 2.0, "f1": 9.5}, {"exact_match", "f1"}),  # an untrained head
        ({"train_steps": 2}, {"train_steps"}),  # training capped: not a real run
        ({"profile": "offline"}, {"profile"}),
        ({"f1": None}, {"f1"}),
    ],
)
def test_summary_scores_within_the_stated_tolerance(summary, failed):
    findings = afp.check_summary({**SUMMARY, **summary})
    assert set(failures(findings)) == failed


def test_the_script_exits_1_on_a_bad_run_and_2_on_a_missing_one(tmp_path):
    good = write_run(tmp_path / "good")
    bad = write_run(tmp_path / "bad", summary={"exact_match": 12.0})

    def script(folder):
        return subprocess.run(
            [sys.executable, str(SCRIPT), str(folder)], capture_output=True, text=True
        )

    assert script(good).returncode == 0
    result = script(bad)
    assert result.returncode == 1
    assert "FAIL exact_match: expected '39.6 ± 8', found 12.0" in result.stdout
    assert "1 of 18 figures differ" in result.stdout
    missing = script(tmp_path / "nowhere")
    assert missing.returncode == 2 and "tp7_qa.ipynb not found" in missing.stderr


def test_every_pattern_finds_its_line_in_the_solution_notebook():
    """The stored (offline) outputs: every figure found once, with the offline values."""
    nb = json.loads(SOLUTION.read_text(encoding="utf-8"))
    findings = {f.name: f for f in afp.check_notebook(nb)}
    not_found = [f.line() for f in findings.values() if f.found is None or "disagree" in f.note]
    assert not_found == []
    assert findings["train rows"].found != 876 and not findings["train rows"].ok
    assert findings["error outputs"].ok and findings["check cells without their ✓ line"].ok
