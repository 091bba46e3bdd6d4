"""The week after the deadline through the CLI: grades reported and exported with the course
file and the adjustments, a due date moved and exported again without regrading, an orphan
adjustment refused, adjustments surviving a real regrade, a Blackboard download's attempt times
and nbgrader's timestamp.txt kept in the results."""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import replace

import pytest

from tp_helpers.cli import main
from tp_helpers.grading.model.result import ExerciseResult, StudentResult
from tp_helpers.grading.model.store import save_result

from . import students as S

COURSE = """\
timezone = "Europe/Paris"

[late]
grace = "15m"
penalty = "10%"
per = "day"
cap = "30%"

[labs.tp7_qa]
points = 30
due = 2026-12-01T23:59:00

[[extensions]]
student = "s3"
due = 2026-12-03T23:59:00
reason = "medical certificate"

[[accommodations]]
name = "one day of extra time"
extra = "24h"
students = ["s4"]
"""
ADJUSTMENTS = """\
student,exercise,action,points,comment,who,when
s2,02,set,3,Alternative tokenizer call accepted: same windows,TA Lina,2026-12-03
"""


def result(student: str, submitted: str, points: tuple[float, ...]) -> StudentResult:
    exercises = [
        ExerciseResult(f"0{i + 1}", p, 3.0, p == 3.0, "" if p == 3.0 else "check failed", t)
        for i, (p, t) in enumerate(zip(points, ("Load the data", "Tokenizer", "Windows")))
    ]
    return StudentResult(
        student, "ok", "", exercises, sum(points), 30.0, lab="TP7", platform="blackboard",
        submitted_at=submitted, submitted_from="Blackboard's attempt time",
    )  # fmt: skip


@pytest.fixture
def graded(tmp_path):
    """Four Blackboard students (times in the server's zone, the course's): on time, on time
    with a TA's adjustment, two days late with an extension, 20 hours late with an
    accommodation; and one late by 1 day 1 hour with nothing."""
    out = tmp_path / "grades"
    for item in (
        result("s1", "2026-12-01T23:50:00", (3, 3, 3)),
        result("s2", "2026-12-01T22:00:00", (3, 0, 3)),
        result("s3", "2026-12-03T20:00:00", (3, 3, 0)),
        result("s4", "2026-12-02T20:00:00", (3, 3, 3)),
        result("s5", "2026-12-03T01:00:00", (3, 3, 3)),
    ):
        item.score += 21  # the 27 other points of the lab, all earned
        save_result(out, item)
    (tmp_path / "course.toml").write_text(COURSE)
    (tmp_path / "adjustments.csv").write_text(ADJUSTMENTS)
    return tmp_path


def rows(path):
    return {row["student_id"]: row for row in csv.DictReader(path.open())}


def export(folder, capsys):
    out = folder / "upload.csv"
    code = main(
        ["export", str(folder / "grades"), "--blackboard", "--column", "TP7 |123", "--scale",
         "30", "--out", str(out), "--course", str(folder / "course.toml")]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    lines = list(csv.reader(io.StringIO(out.read_text())))
    return {name: float(score) for name, score in lines[1:]}


def test_export_a_moved_due_date_and_export_again(graded, capsys):
    stored = {p.name: p.read_bytes() for p in (graded / "grades" / "results").iterdir()}
    first = export(graded, capsys)
    assert first == {"s1": 30, "s2": 30, "s3": 27, "s4": 30, "s5": 24}
    table = rows(graded / "grades" / "grades.csv")
    assert (table["s2"]["score"], table["s2"]["adjustments"], table["s2"]["final"]) == (
        "27", "3", "30",
    )  # fmt: skip
    assert (table["s5"]["late_penalty"], table["s5"]["final"]) == ("6", "24")
    page = (graded / "grades" / "feedback" / "s5.html").read_text()
    assert "Late penalty" in page and "1 day 1 hour after the due date" in page
    summary = (graded / "grades" / "summary.html").read_text()
    assert "Adjustments by the course team" in summary and "TA Lina" in summary
    # the team moves the due date by a day: s5 is now 1 hour late (one day's penalty, not
    # two), and nobody is regraded
    course = graded / "course.toml"
    course.write_text(COURSE.replace("2026-12-01T23:59:00", "2026-12-02T23:59:00"))
    again = export(graded, capsys)
    assert again == {**first, "s5": 27}
    assert {p.name: p.read_bytes() for p in (graded / "grades" / "results").iterdir()} == stored
    assert rows(graded / "grades" / "grades.csv")["s5"]["final"] == "27"


def test_report_renders_without_regrading(graded, capsys):
    code = main(["report", str(graded / "grades"), "--course", str(graded / "course.toml")])
    assert code == 0
    assert "nothing regraded" in capsys.readouterr().out
    assert rows(graded / "grades" / "grades.csv")["s2"]["final"] == "30"


def test_an_orphan_adjustment_is_refused(graded, capsys):
    with (graded / "adjustments.csv").open("a") as handle:
        handle.write("s9,01,add,1,left the course,TA Lina,2026-12-04\n")
    code = main(["report", str(graded / "grades"), "--course", str(graded / "course.toml")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert "line 3: student s9 has no result" in err and "Traceback" not in err


def test_adjustments_survive_a_regrade(tmp_path, solved_nb, capsys):
    """A real class of the tiny lab: graded, adjusted, the source changed (every student is
    graded again), the adjustment still in force."""
    folder = tmp_path / "class"
    S.write(S.with_region(solved_nb, "01", "return x + x"), folder / "ada.ipynb")
    source = tmp_path / "tiny_lab.ipynb"
    shutil.copy(S.TINY_LAB, source)
    (tmp_path / "adjustments.csv").write_text(
        "student,exercise,action,points,comment,who,when\n"
        "ada,01,set,1,x + x is right for x = 2: half credit given by hand,TA,2026-12-03\n"
    )
    adjustments = str(tmp_path / "adjustments.csv")
    grade = ["grade", str(folder), "--out", str(tmp_path / "out"), "--source", str(source),
             "--adjustments", adjustments, "--jobs", "1", "--timeout", "10"]  # fmt: skip
    assert main(grade) == 0
    before = rows(tmp_path / "out" / "grades.csv")["ada"]
    assert (before["ex01"], before["adjustments"], before["final"]) == ("0", "1", before["final"])
    nb = S.read(source)
    nb.cells[0].source += "\n"  # the source changes: the whole class is graded again
    S.write(nb, source)
    assert main(grade) == 0
    assert "graded 1, skipped 0" in capsys.readouterr().out
    after = rows(tmp_path / "out" / "grades.csv")["ada"]
    assert after["adjustments"] == "1" and after["final"] == before["final"]
    assert json.loads((tmp_path / "out" / "results" / "ada.json").read_text())["score"] == float(
        before["score"]
    )


def test_platform_times_are_kept_as_written(tmp_path, stub_nb):
    """Blackboard's attempt time (server time, no zone) and nbgrader's timestamp.txt reach the
    submissions as written; the course file's zones read them at report time."""
    from tp_helpers.grading.model.submission import discover
    from tp_helpers.grading.platforms.download import read_download

    board = tmp_path / "board"
    S.write(stub_nb, board / "TP7_alice_attempt_2026-12-02-00-10-00_tp7_qa.ipynb")
    download = read_download(board, "tp7_qa.ipynb", tmp_path / "unpack", assignment="TP7")
    (alice,) = download.submissions
    assert (alice.submitted_at, alice.submitted_from) == (
        "2026-12-02T00:10:00",
        "Blackboard's attempt time",
    )
    tree = tmp_path / "course" / "submitted" / "bob" / "tp7_qa"
    S.write(stub_nb, tree / "tp7_qa.ipynb")
    (tree / "timestamp.txt").write_text("2026-12-01 22:58:07.123456 UTC\n")
    (bob,) = discover(tmp_path / "course", "tp7_qa.ipynb")
    assert bob.submitted_at == "2026-12-01 22:58:07.123456 UTC"


def test_regrade_one_student_or_one_exercise(tmp_path, solved_nb, capsys):
    """After a check is fixed (its hidden test, which students never see, so that no notebook
    reads as tampered), --student grades that student alone and --exercise replaces that
    exercise's verdicts alone; the rest is kept byte for byte."""
    folder = tmp_path / "class"
    S.write(solved_nb, folder / "ada.ipynb")
    odd = "return x * x if x >= 0 else -x * x"  # right for 3 (the visible check), not for -7
    S.write(S.with_region(solved_nb, "01", odd), folder / "bob.ipynb")
    source = tmp_path / "tiny_lab.ipynb"
    shutil.copy(S.TINY_LAB, source)
    out = tmp_path / "out"
    grade = ["grade", str(folder), "--out", str(out), "--source", str(source), "--jobs", "1"]
    assert main(grade) == 0
    assert json.loads((out / "results" / "bob.json").read_text())["exercises"][0]["passed"] is False
    ada_before = (out / "results" / "ada.json").read_bytes()
    strict = "assert square(-7) == 49"
    _replace_in_source(source, strict, "assert abs(square(-7)) == 49")  # the fix
    capsys.readouterr()
    assert main([*grade, "--student", "bob"]) == 0
    assert "graded 1, skipped 0" in capsys.readouterr().out
    assert (out / "results" / "ada.json").read_bytes() == ada_before
    assert json.loads((out / "results" / "bob.json").read_text())["exercises"][0]["passed"]
    # the fix undone, then only exercise 02 regraded: bob keeps exercise 01 as the last run had it
    _replace_in_source(source, "assert abs(square(-7)) == 49", strict)
    assert main([*grade, "--exercise", "02"]) == 0
    for student in ("ada", "bob"):
        result = json.loads((out / "results" / f"{student}.json").read_text())
        assert [e["passed"] for e in result["exercises"]] == [True] * 4, student
        assert "regraded exercise(s) 02" in result["notes"][-1]
    capsys.readouterr()
    assert main([*grade, "--student", "zoe"]) == 2
    assert "--student zoe: not among the submissions" in capsys.readouterr().err


def _replace_in_source(source, old: str, new: str) -> None:
    nb = S.read(source)
    cell = next(c for c in nb.cells if old in c.source)
    cell.source = cell.source.replace(old, new)
    S.write(nb, source)


def test_moodle_times_come_from_the_worksheet(tmp_path, capsys):
    """Moodle's download has no times: `export --moodle` reads `Last modified (submission)`
    (the server's local time) and the penalty follows; the pages say so."""
    from .test_export import MOODLE_EN, MOODLE_RESULTS, graded, participant_key

    grades = graded(tmp_path, MOODLE_RESULTS)
    (tmp_path / "course.toml").write_text(
        'timezone = "Europe/Paris"\n[late]\npenalty = "10%"\n'
        "[labs.tp7_qa]\npoints = 30\ndue = 2026-11-30T23:59:00\n"
    )
    out = tmp_path / "worksheet.csv"
    code = main(
        ["export", str(grades), "--moodle", str(MOODLE_EN), "--out", str(out), "--course",
         str(tmp_path / "course.toml")]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    sheet = participant_key(out)
    assert sheet["2417"][4] == "30"  # 11:58 PM on the 30th: on time
    assert sheet["2418"][4] == "15.5"  # 12:03 AM on the 1st: 4 minutes late, one day's 10%
    page = (grades / "feedback" / "2418.html").read_text()
    assert "handed in 4 minutes after the due date" in page
    assert rows(grades / "grades.csv")["2418"]["late_penalty"] == "3"


def test_canvas_late_mark_alone_and_the_feedback_notebook(tmp_path, capsys):
    """Canvas gives only its LATE mark: one period's penalty, in the gradebook and in the
    feedback notebook that Canvas re-attaches, with the rule in words."""
    import zipfile

    from .test_export import CANVAS, CANVAS_RESULTS, column, graded

    results = [replace(r, late=r.student_id == "1002") for r in CANVAS_RESULTS]
    grades = graded(tmp_path, results)
    (tmp_path / "course.toml").write_text(
        '[late]\npenalty = "10%"\n[labs.tp7_qa]\npoints = 30\ndue = 2026-12-01T23:59:00Z\n'
    )
    out, feedback = tmp_path / "import.csv", tmp_path / "comments.zip"
    code = main(
        ["export", str(grades), "--canvas", str(CANVAS), "--column", "TP7 (12345)", "--out",
         str(out), "--feedback-zip", str(feedback), "--course", str(tmp_path / "course.toml")]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    automatic = next(r.score for r in results if r.student_id == "1002")
    assert float(column(out, "TP7 (12345)")["1002"]) == automatic - 3
    with zipfile.ZipFile(feedback) as archive:
        (name,) = [n for n in archive.namelist() if "1002" in n]
        text = archive.read(name).decode()
    assert "Late penalty (−3): Canvas marked the submission late without saying when" in text


TWO_LABS = """\
[late]
penalty = "10%"

[labs.tiny_lab]
points = 10
due = 2026-12-01T23:59:00Z

[labs.tp7_qa]
points = 30
due = 2026-12-10T23:59:00Z
"""


def test_grade_applies_the_lab_being_graded_from_a_two_lab_course(tmp_path, solved_nb, capsys):
    """A course file of several labs: ``grade`` takes the entry of the source's lab, with no
    ``--lab``; a course file without the lab being graded stops before anything is graded."""
    root = tmp_path / "course"
    folder = root / "submitted" / "ada" / "tiny_lab"
    S.write(solved_nb, folder / "tiny_lab.ipynb")
    (folder / "timestamp.txt").write_text("2026-12-02 10:00:00 UTC\n")  # 10 hours late
    source = tmp_path / "tiny_lab.ipynb"
    shutil.copy(S.TINY_LAB, source)
    (tmp_path / "course.toml").write_text(TWO_LABS)
    grade = ["grade", str(root), "--out", str(tmp_path / "out"), "--source", str(source),
             "--course", str(tmp_path / "course.toml"), "--jobs", "1"]  # fmt: skip
    assert main(grade) == 0
    capsys.readouterr()
    ada = rows(tmp_path / "out" / "grades.csv")["ada"]
    assert (ada["score"], ada["late_penalty"], ada["final"]) == ("10", "1", "9")
    (tmp_path / "course.toml").write_text(TWO_LABS.replace("tiny_lab]", "tp8_unanswerable]"))
    grade[3] = str(tmp_path / "out2")
    assert main(grade) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert "lists the labs tp7_qa, tp8_unanswerable and none is tiny_lab" in err
    assert "--lab NAME" in err and not (tmp_path / "out2").exists()


def _solution(root, name: str, title: str) -> None:
    cell = {"cell_type": "markdown", "metadata": {}, "source": [f"# {title}\n", "Intro."]}
    path = root / "solutions" / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4}))


def test_report_and_export_take_the_lab_of_the_stored_grades(graded, capsys):
    """The stored results keep their lab's title: the course file's entry whose solution
    notebook has that title applies; when none has, ``--lab`` is asked for in one line."""
    two_labs = COURSE.replace('student = "s3"\n', 'student = "s3"\nlab = "tp7_qa"\n')
    (graded / "course.toml").write_text(
        two_labs + "\n[labs.tp8_unanswerable]\npoints = 14\ndue = 2026-12-10T23:59:00\n"
    )
    _solution(graded, "tp7_qa", "TP7")  # the results' title
    _solution(graded, "tp8_unanswerable", "TP8 · Questions without an answer")
    assert export(graded, capsys)["s5"] == 24  # TP7's due date: 1 day 1 hour late
    report = ["report", str(graded / "grades"), "--course", str(graded / "course.toml")]
    assert main(report) == 0 and "nothing regraded" in capsys.readouterr().out
    _solution(graded, "tp7_qa", "TP7 · renamed since")
    assert main(report) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "lists the labs tp7_qa, tp8_unanswerable" in err
    assert "none matches these grades (TP7)" in err and "pass --lab NAME" in err
    assert main([*report, "--lab", "tp7_qa"]) == 0
    capsys.readouterr()
    # the wrong lab named: its 14 points are not these grades' 30, which the error says
    assert main([*report, "--lab", "tp8_unanswerable"]) == 2
    err = capsys.readouterr().err.strip()
    assert "points = 14, but the graded notebooks are out of 30" in err
    # nothing rewritten by the refused report: TP7's penalty stands
    assert rows(graded / "grades" / "grades.csv")["s5"]["late_penalty"] == "6"
