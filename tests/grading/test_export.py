"""``tp-course export``: the files each learning platform imports (tp_helpers.grading.platforms).

The platform files in tests/fixtures/lms are written as the platforms write them (Canvas: BOM,
SIS columns, a Manual Posting row, Points Possible, the Test Student, read-only totals; Moodle:
BOM, PHP's quoting, a comment spanning two lines, English and French headers). Every edit is
checked byte for byte: the expected file is the input with the target cells' spans (found here by
a regular expression, independently of the module) replaced, and nothing else.
"""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat
import pytest

from tp_helpers.cli import main
from tp_helpers.grading.model.result import ExerciseResult, StudentResult
from tp_helpers.grading.model.store import save_result
from tp_helpers.grading.platforms.export import ExportError, export, export_canvas, export_moodle
from tp_helpers.grading.platforms.moodle import moodle_stamp
from tp_helpers.grading.report import write_reports

LMS = Path(__file__).parents[1] / "fixtures" / "lms"
CANVAS = LMS / "canvas_gradebook.csv"
MOODLE_EN = LMS / "moodle_worksheet_en.csv"
MOODLE_FR = LMS / "moodle_worksheet_fr.csv"
MOODLE_SCALE = LMS / "moodle_worksheet_scale_en.csv"
BLACKBOARD = LMS / "blackboard_gradecenter.csv"
NOW = datetime(2026, 12, 2, 2, 30, tzinfo=timezone.utc)
MOODLE_NOW = "Wednesday, 2 December 2026, 4:30 PM"  # NOW at UTC+14, the zone furthest ahead


# --- results -----------------------------------------------------------------------------------


def result(student_id: str, failed=(), partial=None, status="ok", **platform) -> StudentResult:
    """A TP7-like result: six exercises of 5 points; ``partial`` gives a failed one some points."""
    exercises = []
    for number in range(1, 7):
        exercise_id = f"{number:02d}"
        passed = exercise_id not in failed and status == "ok"
        earned = 5.0 if passed else (partial or {}).get(exercise_id, 0.0)
        exercises.append(ExerciseResult(exercise_id, earned, 5.0, passed))
    score = sum(e.points for e in exercises)
    return StudentResult(student_id, status, "", exercises, score, 30.0, **platform)


def canvas(student_id, feedback_name, name, **kwargs) -> StudentResult:
    return result(student_id, platform="canvas", name=name, feedback_name=feedback_name, **kwargs)


def moodle(student_id, name, **kwargs) -> StudentResult:
    folder = f"{name}_{student_id}_assignsubmission_file"
    return result(student_id, platform="moodle", name=name, feedback_name=folder, **kwargs)


CANVAS_RESULTS = [
    canvas("1001", "lovelaceada_1001_50001", "lovelaceada"),
    canvas(
        "1002",
        "obriensean_LATE_1002_50002",
        "obriensean",
        failed=("02", "05", "06"),
        partial={"06": 3.5},
    ),
    canvas(
        "1003", "hoppergraceamazing_1003_50003", "hoppergraceamazing", status="invalid_notebook"
    ),
    canvas("1005", "noetheremmy_1005_50005", "noetheremmy", failed=("04",)),
]
#: Canvas user id -> the TP7 cell written (30, 18.5, 0 and 25 out of 30)
CANVAS_SCORES = {"1001": "30", "1002": "18.5", "1003": "0", "1005": "25"}

MOODLE_RESULTS = [
    moodle("2417", "Ada Lovelace"),
    moodle("2418", "Seán O'Brien", failed=("02", "05", "06"), partial={"06": 3.5}),
    moodle("2419", "Grace Amazing Hopper", status="invalid_notebook"),
    moodle("2421", "Emmy Noether", failed=("04",)),
]


def graded(tmp_path: Path, results: list[StudentResult]) -> Path:
    """A grading output folder: results/*.json and the feedback pages, as `grade` leaves them."""
    out = tmp_path / "graded"
    for item in results:
        save_result(out, item)
    write_reports(out, results)
    return out


# --- an independent look at the CSV bytes ------------------------------------------------------

_FIELD = re.compile(r'"(?:[^"]|"")*"|[^,\r\n"]*')


def field_spans(text: str) -> list[list[tuple[int, int]]]:
    """Every record's field spans, by a regular expression (not the module's tokenizer)."""
    records, record, position = [], [], 1 if text.startswith("\ufeff") else 0
    while position < len(text):
        match = _FIELD.match(text, position)
        record.append(match.span())
        position = match.end()
        if text.startswith(",", position):
            position += 1
            continue
        position += 2 if text.startswith("\r\n", position) else 1
        records.append(record)
        record = []
    return records


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def expected_bytes(source: Path, key_column: int, edits: dict[str, dict[int, str]]) -> bytes:
    """``source`` with, in the row whose ``key_column`` cell holds a key of ``edits``, each
    ``{column: field text}`` replaced, and every other byte as it was."""
    text = source.read_bytes().decode("utf-8")
    replacements = []
    for record in field_spans(text):
        start, end = record[key_column]
        key = text[start:end].strip('"')
        for column, new in edits.get(key, {}).items():
            replacements.append((*record[column], new))
    for start, end, new in sorted(replacements, reverse=True):
        text = text[:start] + new + text[end:]
    return text.encode("utf-8")


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def column(path: Path, header: str, key: str = "ID") -> dict[str, str]:
    table = rows(path)
    return {row[table[0].index(key)]: row[table[0].index(header)] for row in table[1:]}


# --- Canvas ------------------------------------------------------------------------------------

TP7 = 9  # the column "TP7 (12345)" of the gradebook fixture


def test_canvas_fills_the_column_and_leaves_every_other_byte(tmp_path):
    out = tmp_path / "import.csv"
    report = export_canvas(graded(tmp_path, CANVAS_RESULTS), CANVAS, "TP7 (12345)", out)

    edits = {user: {TP7: score} for user, score in CANVAS_SCORES.items()}
    assert out.read_bytes() == expected_bytes(CANVAS, 1, edits)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and out.read_bytes().count(b"\r\n") == 10
    scores = column(out, "TP7 (12345)")
    assert {user: scores[user] for user in CANVAS_SCORES} == CANVAS_SCORES
    assert scores["1004"] == "" and scores["1006"] == "EX" and scores["1099"] == ""
    assert sorted(report.written) == sorted(CANVAS_SCORES)
    assert report.missing == ["1004"]  # Turing: no result; the Test Student is never reported
    assert list(report.skipped) == ["1006"] and "excused" in report.skipped["1006"]
    assert report.column == "TP7 (12345)" and report.scale == 30
    assert "4 scores (out of 30)" in report.line() and "1004" in report.line()


def test_canvas_missing_zero_writes_0_but_not_for_excused_or_the_test_student(tmp_path):
    out = tmp_path / "import.csv"
    export_canvas(graded(tmp_path, CANVAS_RESULTS), CANVAS, "12345", out, missing="zero")

    edits = {user: {TP7: score} for user, score in {**CANVAS_SCORES, "1004": "0"}.items()}
    assert out.read_bytes() == expected_bytes(CANVAS, 1, edits)


def test_canvas_student_graded_but_absent_from_the_gradebook_writes_nothing(tmp_path):
    late_enrolment = canvas("1007", "curiemarie_1007_50007", "curiemarie")
    out = tmp_path / "import.csv"
    with pytest.raises(ExportError, match=r"1 graded students are not in .*1007 \(curiemarie\)"):
        export_canvas(graded(tmp_path, [*CANVAS_RESULTS, late_enrolment]), CANVAS, "TP7", out)
    assert not out.exists()


def test_canvas_unknown_column_lists_the_assignment_columns(tmp_path):
    with pytest.raises(ExportError) as error:
        export_canvas(graded(tmp_path, CANVAS_RESULTS), CANVAS, "TP8 (99999)", tmp_path / "o.csv")
    message = str(error.value)
    for name in ("Roll Call Attendance (10401)", "TP6 (12344)", "TP7 (12345)", "Quiz 3: Attention"):
        assert name in message
    assert "Current Score" not in message and "Section" not in message
    with pytest.raises(ExportError, match="no assignment column 'Final Score'"):
        export_canvas(graded(tmp_path, CANVAS_RESULTS), CANVAS, "Final Score", tmp_path / "o.csv")


def test_canvas_points_possible_must_match_the_scale(tmp_path):
    grades = graded(tmp_path, CANVAS_RESULTS)
    out = tmp_path / "import.csv"
    with pytest.raises(ExportError, match=r"'TP6 \(12344\)' is worth 20 points.*--scale 20"):
        export_canvas(grades, CANVAS, "TP6 (12344)", out)
    assert not out.exists()

    report = export_canvas(grades, CANVAS, "TP6 (12344)", out, scale=20)
    scaled = {"1001": "20", "1002": "12.33", "1003": "0", "1005": "16.67"}
    assert out.read_bytes() == expected_bytes(CANVAS, 1, {u: {8: s} for u, s in scaled.items()})
    assert report.scale == 20


def test_canvas_refuses_other_platforms_and_anonymous_results(tmp_path):
    with pytest.raises(ExportError, match="graded from a Moodle download.*--moodle"):
        export_canvas(graded(tmp_path, MOODLE_RESULTS), CANVAS, "TP7", tmp_path / "o.csv")
    anonymous = [canvas("anon_x7Kq2", "anon_x7Kq2_50001", "")]
    with pytest.raises(ExportError, match="anonymous Canvas download"):
        export_canvas(graded(tmp_path / "a", anonymous), CANVAS, "TP7", tmp_path / "o.csv")


def test_never_writes_over_the_input(tmp_path):
    gradebook = tmp_path / "gradebook.csv"
    gradebook.write_bytes(CANVAS.read_bytes())
    with pytest.raises(ExportError, match="is the file you passed in"):
        export_canvas(graded(tmp_path, CANVAS_RESULTS), gradebook, "TP7", gradebook)
    assert gradebook.read_bytes() == CANVAS.read_bytes()


def test_a_cut_file_names_its_line(tmp_path):
    cut = tmp_path / "cut.csv"
    data = CANVAS.read_bytes()
    cut.write_bytes(data[: data.index(b'"Wu, Ch') + 7])  # ends inside a quoted name
    with pytest.raises(ExportError, match=r"cut.csv, line \d+: .*Download it again"):
        export_canvas(graded(tmp_path, CANVAS_RESULTS), cut, "TP7", tmp_path / "o.csv")


# --- Moodle ------------------------------------------------------------------------------------

GRADE, MODIFIED, COMMENTS = 4, 8, 9  # the worksheets' columns we fill


def moodle_edits(values: dict[str, tuple[str, str]]) -> dict[str, dict[int, str]]:
    """Participant id -> (grade, comment) as the cells PHP's quoting writes them."""
    return {
        participant: {GRADE: grade, MODIFIED: quoted(MOODLE_NOW), COMMENTS: quoted(comment)}
        for participant, (grade, comment) in values.items()
    }


def participant_key(path: Path) -> dict[str, list[str]]:
    """The worksheet's rows by participant id."""
    return {re.sub(r"\D", "", row[0]): row for row in rows(path)[1:]}


def test_moodle_english_worksheet(tmp_path):
    out = tmp_path / "worksheet.csv"
    report = export_moodle(graded(tmp_path, MOODLE_RESULTS), MOODLE_EN, out, now=NOW)

    expected = {
        "Participant 2417": ("30", "30 / 30 — all exercises passed"),
        "Participant 2418": ("18.5", "18.5 / 30 — exercises 02, 05 and 06 failed"),
        "Participant 2419": ("0", "0 / 30 — not graded normally (invalid_notebook)"),
        "Participant 2421": ("25", "25 / 30 — exercise 04 failed"),
    }
    assert out.read_bytes() == expected_bytes(MOODLE_EN, 0, moodle_edits(expected))
    by_participant = participant_key(out)
    assert by_participant["2420"][COMMENTS] == "Please submit, even late."  # missing: untouched
    assert by_participant["2418"][COMMENTS] == expected["Participant 2418"][1]  # was two lines
    assert report.missing == ["2420"] and sorted(report.written) == ["2417", "2418", "2419", "2421"]


def test_moodle_french_worksheet_out_of_20(tmp_path):
    grades = graded(tmp_path, MOODLE_RESULTS)
    out = tmp_path / "feuille.csv"
    with pytest.raises(ExportError, match="is worth 20 points.*--scale 20"):
        export_moodle(grades, MOODLE_FR, out, now=NOW)
    assert not out.exists()

    export_moodle(grades, MOODLE_FR, out, scale=20, now=NOW)
    expected = {
        "Participant2417": ("20", "20 / 20 — tous les exercices sont réussis"),
        "Participant2418": ("12.33", "12.33 / 20 — exercices 02, 05 et 06 non réussis"),
        "Participant2419": ("0", "0 / 20 — non corrigé normalement (invalid_notebook)"),
        "Participant2421": ("16.67", "16.67 / 20 — exercice 04 non réussi"),
    }
    # the date stays in English: Moodle's import reads it with strtotime, English only
    assert out.read_bytes() == expected_bytes(MOODLE_FR, 0, moodle_edits(expected))


def test_moodle_missing_zero_grades_and_tells_the_student(tmp_path):
    out = tmp_path / "worksheet.csv"
    export_moodle(graded(tmp_path, MOODLE_RESULTS), MOODLE_EN, out, missing="zero", now=NOW)
    turing = participant_key(out)["2420"]
    assert turing[GRADE] == "0" and turing[MODIFIED] == MOODLE_NOW
    assert turing[COMMENTS] == "0 / 30 — no notebook was graded for you"


def test_moodle_headers_in_another_language_are_named(tmp_path):
    german = tmp_path / "bewertung.csv"
    german.write_text(
        "Kennung,Vollständiger Name,Bewertung,Zuletzt geändert (Bewertung)\n"
        "Teilnehmer/in 2417,Ada Lovelace,,-\n",
        encoding="utf-8",
    )
    with pytest.raises(ExportError, match="Its headers: Kennung, Vollständiger Name") as error:
        export_moodle(graded(tmp_path, MOODLE_RESULTS), german, tmp_path / "o.csv")
    assert "Identifier" in str(error.value) and "Identifiant" in str(error.value)


def test_moodle_scale_worksheet_is_refused_before_any_grade_is_lost(tmp_path):
    """Moodle matches a scale-graded assignment's grades to the scale's items and skips a
    number without a message: the export must stop, not write 30s that vanish."""
    out = tmp_path / "worksheet.csv"
    with pytest.raises(ExportError) as error:
        export_moodle(graded(tmp_path, MOODLE_RESULTS[:2]), MOODLE_SCALE, out, now=NOW)
    message = str(error.value)
    assert "graded with a scale ('Scale' column: Not yet competent, Competent, Excellent)" in (
        message
    )
    assert "Type: Point" in message and "\n" not in message
    assert not out.exists()


def strtotime(stamp: str, zone: str) -> datetime:
    """The moment PHP's strtotime gives Moodle's date format in a server's time zone."""
    wall = datetime.strptime(stamp, "%A, %d %B %Y, %I:%M %p")
    return wall.replace(tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    "zone",
    [
        "Etc/GMT+12",
        "America/Los_Angeles",
        "UTC",
        "Europe/Paris",
        "Asia/Tokyo",
        "Pacific/Kiritimati",
    ],
)
@pytest.mark.parametrize("grader_zone", ["America/Los_Angeles", "Europe/Paris", "Asia/Tokyo"])
def test_moodle_stamp_is_not_before_the_export_in_any_server_zone(zone, grader_zone):
    """Moodle skips a row whose grade changed more than 60 s after the stamp it reads: a grade
    given up to the export must never look newer, wherever the server and the grader are."""
    exported = datetime(2026, 12, 2, 9, 17, 42, tzinfo=ZoneInfo(grader_zone))
    read = strtotime(moodle_stamp(exported), zone)
    assert not exported > read + timedelta(seconds=60)  # Moodle's own test for a stale row
    if zone == "Pacific/Kiritimati":  # the boundary: the zone furthest ahead reads the very minute
        assert read - exported < timedelta(minutes=1)


# --- feedback zips -----------------------------------------------------------------------------


def test_canvas_feedback_zip_names_match_the_re_upload(tmp_path):
    grades = graded(tmp_path, CANVAS_RESULTS)
    pages = tmp_path / "feedback.zip"
    report = export_canvas(grades, CANVAS, "TP7", tmp_path / "o.csv", feedback_zip=pages)

    with zipfile.ZipFile(pages) as archive:
        names = sorted(archive.namelist())
        assert len(names) == report.feedback_pages == len(CANVAS_RESULTS)
        for item in CANVAS_RESULTS:
            name = f"{item.feedback_name}_feedback.ipynb"
            assert re.fullmatch(r"[a-z]+(_LATE)?_[0-9]+_[0-9]+_feedback\.ipynb", name)
            # what Canvas reads: the first two numeric tokens are the user and attachment ids
            numbers = [token for token in name.split("_") if token.isdigit()][:2]
            assert numbers == [item.student_id, "5000" + item.student_id[-1]]
            assert name in names


def test_canvas_feedback_reads_under_the_notebook_name_canvas_gives_it(tmp_path):
    """Canvas attaches a re-uploaded file under the submission's display name (``tp7_qa.ipynb``,
    canvas-lms #2406): the file is a notebook that opens there and reads as the feedback."""
    grades = graded(tmp_path, CANVAS_RESULTS)
    pages = tmp_path / "feedback.zip"
    export_canvas(grades, CANVAS, "TP7", tmp_path / "o.csv", feedback_zip=pages)
    with zipfile.ZipFile(pages) as archive:
        data = archive.read("obriensean_LATE_1002_50002_feedback.ipynb")
    renamed = tmp_path / "tp7_qa.ipynb"  # what the student downloads from the comment
    renamed.write_bytes(data)
    nb = nbformat.read(renamed, as_version=4)
    nbformat.validate(nb)
    assert {cell.cell_type for cell in nb.cells} == {"markdown"}
    assert "feedback, not your notebook" in nb.cells[0].source
    assert "**Score: 18.5 / 30**" in nb.cells[0].source
    sources = [cell.source for cell in nb.cells[1:]]
    assert len(sources) == 6 and "3.5 / 5 points, ✗ failed" in sources[5]


def test_moodle_feedback_zip_folders_match_the_import(tmp_path):
    grades = graded(tmp_path, MOODLE_RESULTS)
    pages = tmp_path / "feedback.zip"
    report = export_moodle(grades, MOODLE_EN, tmp_path / "o.csv", feedback_zip=pages, now=NOW)

    with zipfile.ZipFile(pages) as archive:
        assert len(archive.namelist()) == len(MOODLE_RESULTS)
        for item in MOODLE_RESULTS:
            name = f"{item.feedback_name}/feedback.html"
            folder = re.fullmatch(
                r"(?P<name>[^_/]+)_(?P<pid>[0-9]+)_assignsubmission_file", name[:-14]
            )
            assert folder and folder["pid"] == item.student_id
            # what Moodle reads: explode('_', folder, 5)[1] is the participant id
            assert name.split("/")[0].split("_", 4)[1:] == [
                item.student_id,
                "assignsubmission",
                "file",
            ]
            page = grades / "feedback" / f"{item.student_id}.html"
            assert archive.read(name) == page.read_bytes()
    comments = {key: row[COMMENTS] for key, row in participant_key(tmp_path / "o.csv").items()}
    assert comments["2418"] == "18.5 / 30 — see your feedback page: exercises 02, 05 and 06 failed"
    assert report.feedback_zip == pages


def test_french_comment_points_to_the_page_in_french(tmp_path):
    grades = graded(tmp_path, MOODLE_RESULTS)
    out = tmp_path / "feuille.csv"
    export_moodle(grades, MOODLE_FR, out, scale=20, feedback_zip=tmp_path / "f.zip", now=NOW)
    comment = participant_key(out)["2421"][COMMENTS]
    assert comment == "16.67 / 20 — voir votre page de feedback : exercice 04 non réussi"


def test_feedback_zip_needs_a_platform_download(tmp_path):
    flat = [result(item.student_id) for item in CANVAS_RESULTS]  # graded from <id>.ipynb files
    out, pages = tmp_path / "o.csv", tmp_path / "feedback.zip"
    with pytest.raises(ExportError, match="not graded from a Canvas download"):
        export_canvas(graded(tmp_path, flat), CANVAS, "TP7", out, feedback_zip=pages)
    assert not out.exists() and not pages.exists()


def test_canvas_text_entry_gets_a_score_and_a_note_instead_of_a_page(tmp_path):
    text_entry = canvas("1004", "", "turingalan", status="invalid_notebook")
    grades = graded(tmp_path, [*CANVAS_RESULTS, text_entry])
    pages = tmp_path / "feedback.zip"
    report = export_canvas(grades, CANVAS, "TP7", tmp_path / "o.csv", feedback_zip=pages)
    assert report.feedback_pages == 4 and "1004" in report.written
    assert any("(1004)" in note for note in report.notes)


# --- Blackboard --------------------------------------------------------------------------------

BLACKBOARD_RESULTS = [
    result("alovelace", platform="blackboard", name="Ada Lovelace"),
    result("sobrien", failed=("02", "05", "06"), partial={"06": 3.5}, platform="blackboard"),
]


@pytest.mark.parametrize(
    ("column_arg", "scale", "header", "new_column"),
    [
        ("TP7 |12345", 30, "TP7 [Total Pts: 30 Score] |12345", False),
        ("TP7", None, "TP7 [Total Pts: 30 Score]", True),
        (rows(BLACKBOARD)[0][7], None, "TP7 [Total Pts: 30 Score] |12345", False),  # its header
    ],
)
def test_blackboard_upload_file(tmp_path, column_arg, scale, header, new_column):
    out = tmp_path / "upload.csv"
    grades = graded(tmp_path, BLACKBOARD_RESULTS)
    report = export(grades, "blackboard", out, column=column_arg, scale=scale)
    assert out.read_bytes().decode("utf-8") == (
        f'"Username","{header}"\r\n"alovelace","30"\r\n"sobrien","18.5"\r\n'
    )
    notes = " ".join(report.notes)
    assert ("new Grade Center column" in notes) == new_column
    assert ("a Text column worth 0 points" in notes) == new_column


def test_blackboard_column_id_without_points_is_refused(tmp_path):
    """``TP7 |12345`` names a column whose points nothing declares: 30-point scores would go
    into a 20-point column unchecked. Its points come from --scale or the download's header."""
    grades = graded(tmp_path, BLACKBOARD_RESULTS)
    out = tmp_path / "upload.csv"
    with pytest.raises(ExportError, match=r"'TP7 \|12345' does not say how many points.*--scale N"):
        export(grades, "blackboard", out, column="TP7 |12345")
    assert not out.exists()
    export(grades, "blackboard", out, column="TP7 |12345", scale=20)
    assert rows(out)[1:] == [["alovelace", "20"], ["sobrien", "12.33"]]


def test_blackboard_declared_points_need_the_scale(tmp_path):
    grades = graded(tmp_path, BLACKBOARD_RESULTS)
    tp6 = rows(BLACKBOARD)[0][6]  # TP6 [Total Pts: 20 Score] |12344
    with pytest.raises(ExportError, match="--scale 20"):
        export(grades, "blackboard", tmp_path / "o.csv", column=tp6)
    export(grades, "blackboard", tmp_path / "o.csv", column=tp6, scale=20)
    assert rows(tmp_path / "o.csv") == [
        ["Username", tp6],
        ["alovelace", "20"],
        ["sobrien", "12.33"],
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"feedback_zip": Path("f.zip")}, "--feedback-zip is for Canvas and Moodle"),
        ({"missing": "zero"}, "--missing zero needs the class list"),
        ({"column": None}, "--blackboard needs the column"),
        ({"column": "TP7 |abc"}, "its numeric id"),
        ({"column": "TP7 [Total 30] |12345"}, "not a Grade Center header"),
    ],
)
def test_blackboard_option_errors(tmp_path, options, message):
    grades = graded(tmp_path, BLACKBOARD_RESULTS)
    with pytest.raises(ExportError, match=message):
        export(grades, "blackboard", tmp_path / "o.csv", **{"column": "TP7", **options})


# --- the command line --------------------------------------------------------------------------


def test_cli_export_canvas(tmp_path, capsys):
    grades = graded(tmp_path, CANVAS_RESULTS)
    out, pages = tmp_path / "import.csv", tmp_path / "comments.zip"
    argv = ["export", str(grades), "--canvas", str(CANVAS), "--column", "TP7 (12345)"]
    code = main([*argv, "--out", str(out), "--feedback-zip", str(pages)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "canvas: 4 scores (out of 30) in 'TP7 (12345)'" in printed.out
    assert "4 feedback pages" in printed.out
    assert column(out, "TP7 (12345)")["1002"] == "18.5" and zipfile.is_zipfile(pages)

    code = main(["export", str(grades), "--canvas", str(CANVAS), "--column", "TP6", "--out", "x"])
    assert code == 2 and "tp-course: error:" in capsys.readouterr().err


def test_cli_export_needs_one_platform(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["export", str(tmp_path), "--out", str(tmp_path / "o.csv")])
    assert "--canvas" in capsys.readouterr().err


def test_report_line_is_one_line(tmp_path):
    out = tmp_path / "worksheet.csv"
    report = export_moodle(graded(tmp_path, MOODLE_RESULTS), MOODLE_EN, out, now=NOW)
    assert "\n" not in report.line() and report.line().startswith("moodle: 4 scores")
