"""The check plumbing: messages, verdicts, reference values, progress (no lab needed)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tp_helpers.checks.core import RECORD_ENV, CheckFailed, Hint, Lab


@dataclass
class _Profile:
    name: str = "offline"


@pytest.fixture
def lab():
    hints = {
        "missing_variable": Hint("`{name}` does not exist yet.", "run the cell above."),
        "not_done": Hint("your code.", "replace the stub."),
        "raised": Hint("your code raised.", "read the error."),
        "reference": Hint("the {profile} value is {reference}.", "use the profile."),
        "demo.count": Hint("{expected} features.", "did you ask for the overflowing tokens?"),
    }
    return Lab("demo_lab", {"01": "first", "02": "second"}, hints)


def test_failure_names_exercise_expected_found_and_hint(lab):
    with pytest.raises(CheckFailed) as info:
        with lab.exercise("01"):
            lab.expect(False, "01", "demo.count", "1 feature", expected=2)
    assert str(info.value).splitlines() == [
        "Exercise 01: 2 features.",
        "  found: 1 feature",
        "  hint: did you ask for the overflowing tokens?",
    ]
    assert isinstance(info.value, AssertionError)  # nbgrader's convention


def test_missing_variable_and_stub_become_hints(lab):
    with pytest.raises(CheckFailed, match="`train_dataset` does not exist yet"):
        with lab.exercise("01"):
            train_dataset  # noqa: B018, F821
    with pytest.raises(CheckFailed, match="replace the stub"):
        with lab.exercise("02"):
            raise NotImplementedError("Exercise 02: write your code here")


def test_an_error_in_student_code_becomes_a_hint(lab):
    with pytest.raises(CheckFailed, match="found: IndexError: list index out of range"):
        with lab.exercise("01"):
            [][0]  # noqa: B018


def test_progress_lists_every_exercise_with_its_latest_verdict(lab, capsys):
    with lab.exercise("01"):
        lab.passed("01", "fine")
    assert capsys.readouterr().out == "✓ Exercise 01: fine\n"
    with pytest.raises(CheckFailed):
        with lab.exercise("02"):
            lab.expect(False, "02", "demo.count", "0", expected=3)
    progress = lab.progress()
    assert [row[2] for row in progress.rows] == ["passed", "failed"]
    text = repr(progress)
    assert "✓ 01 first: passed" in text and "✗ 02 second: failed" in text
    assert "did you ask for the overflowing tokens?" in text
    html = progress._repr_html_()
    assert "<table>" in html and "3 features." not in html  # the hint, not the expectation
    with lab.exercise("02"):  # fixed: the latest verdict wins
        pass
    assert lab.progress().counts() == {"passed": 2}


def test_reference_values_compare_and_record(lab, tmp_path, monkeypatch):
    monkeypatch.setattr("tp_helpers.checks.core.REFERENCE_DIR", tmp_path)
    (tmp_path / "demo_lab.offline.json").write_text(json.dumps({"rows": [200, 100]}))
    lab.check_reference(_Profile(), "01", "rows", (200, 100), "reference")
    with pytest.raises(CheckFailed, match=r"the offline value is \[200, 100\]"):
        lab.check_reference(_Profile(), "01", "rows", [876, 106], "reference")
    lab.check_reference(_Profile("full"), "01", "rows", [1, 2], "reference")  # no file: skipped
    record = tmp_path / "recorded.json"
    monkeypatch.setenv(RECORD_ENV, str(record))
    lab.check_reference(_Profile(), "01", "rows", (876, 106), "reference")
    lab.check_reference(_Profile(), "02", "steps", 34, "reference")
    assert json.loads(record.read_text()) == {"rows": [876, 106], "steps": 34}


def test_reference_values_inherit_another_profiles(lab, tmp_path, monkeypatch):
    """A profile's file may start from another profile's values; its own keys win."""
    monkeypatch.setattr("tp_helpers.checks.core.REFERENCE_DIR", tmp_path)
    (tmp_path / "demo_lab.full.json").write_text(json.dumps({"rows": [876, 106], "steps": 285}))
    (tmp_path / "demo_lab.cpu.json").write_text(json.dumps({"inherits": "full", "steps": 29}))
    assert lab.reference("cpu", "rows", None) == [876, 106]
    assert lab.reference("cpu", "steps", None) == 29
    assert lab.reference("cpu", "inherits", None) is None  # the link is not a value
    with pytest.raises(CheckFailed, match=r"the cpu value is \[876, 106\]"):
        lab.check_reference(_Profile("cpu"), "01", "rows", [200, 80], "reference")
    (tmp_path / "demo_lab.full.json").write_text(json.dumps({"inherits": "cpu"}))
    with pytest.raises(ValueError, match=r"loop \(cpu -> full -> cpu\)"):
        lab.reference("cpu", "rows", None)
