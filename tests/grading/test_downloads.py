"""Learning platforms' downloads, graded as they come (tp_helpers.grading.platforms).

Each download is built in its platform's own naming from the tiny lab's students, graded for
real, and compared with the same notebooks graded from a flat folder of ``<key>.ipynb`` files.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import nbformat
import pytest

from tp_helpers.grading import grade_class
from tp_helpers.grading.platforms.canvas import name_fields
from tp_helpers.grading.platforms.download import DownloadError, read_download

from . import students as S

LAB = S.TINY_LAB.name  # tiny_lab.ipynb
TIMEOUT = 5


@pytest.fixture(scope="module")
def notebooks(tiny_nb, stub_nb, solved_nb) -> dict[str, bytes]:
    """The kinds of notebook a download holds, as bytes."""
    return {
        "full": nbformat.writes(solved_nb).encode(),
        "partial": nbformat.writes(S.with_region(solved_nb, "03", "spread = 0")).encode(),
        "blank": nbformat.writes(stub_nb).encode(),
    }


def make_zip(path: Path, entries: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def grade(submissions: Path, out: Path, **options):
    return grade_class(
        submissions, out, S.TINY_LAB, timeout=TIMEOUT, threads=1, progress=False, **options
    )


def rows(out: Path) -> dict[str, dict[str, str]]:
    text = (out / "grades.csv").read_text(encoding="utf-8")
    return {row["student_id"]: row for row in csv.DictReader(io.StringIO(text))}


def exercise_points(row: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in row.items() if key.startswith("ex") or key == "score"}


def assert_same_scores_as_flat(download_rows, notebooks_by_key, tmp_path):
    """The keyed notebooks graded from a flat folder give the very same points."""
    flat = tmp_path / "flat"
    flat.mkdir()
    for key, data in notebooks_by_key.items():
        (flat / f"{key}.ipynb").write_bytes(data)
    flat_rows = rows(grade(flat, tmp_path / "flat-out").out_dir)
    for key in notebooks_by_key:
        assert exercise_points(download_rows[key]) == exercise_points(flat_rows[key]), key


# --- Canvas ------------------------------------------------------------------------------------


def canvas_zip(tmp_path: Path, nbs: dict[str, bytes]) -> Path:
    return make_zip(
        tmp_path / "NLP-101-TP7_submissions.zip",
        {
            "lovelaceada_101_9001_tiny_lab.ipynb": nbs["blank"],
            "lovelaceada_101_9002_tiny_lab-1.ipynb": nbs["full"],  # the re-upload wins
            "hoppergrace_LATE_102_9003_tiny_lab.ipynb": nbs["partial"],
            "hoppergrace_LATE_102_9004_scratch.ipynb": nbs["blank"],  # named like the lab wins
            "anon_Xk3p9_9005_tiny_lab.ipynb": nbs["full"],
            "turingalan_104_text.html": "<p>I could not upload my notebook</p>",
            "babbagecharles_105_9006_first.ipynb": nbs["full"],
            "babbagecharles_105_9007_second.ipynb": nbs["blank"],
        },
    )


def test_canvas_download_graded_by_user_id(tmp_path, notebooks, capsys):
    download = canvas_zip(tmp_path, notebooks)
    run = grade_class(
        download, tmp_path / "out", S.TINY_LAB, timeout=TIMEOUT, threads=1, progress=True
    )
    assert (
        "Canvas download: 5 students, 1 late, 1 without a notebook, 1 with notebooks no rule "
        "separates" in capsys.readouterr().err
    )
    assert run.download.startswith("Canvas download: 5 students")
    graded = rows(run.out_dir)
    assert sorted(graded) == ["101", "102", "104", "105", "anon_Xk3p9"]
    assert graded["101"]["score"] == graded["101"]["max_score"]
    assert (graded["101"]["name"], graded["101"]["late"]) == ("lovelaceada", "no")
    assert (graded["102"]["name"], graded["102"]["late"]) == ("hoppergrace", "yes")
    assert graded["104"]["status"] == "invalid_notebook"
    assert "no notebook" in graded["104"]["reason"] and "text.html" in graded["104"]["reason"]
    assert graded["105"]["status"] == "invalid_notebook"
    assert "first.ipynb, second.ipynb" in graded["105"]["reason"]
    # feedback pages are named by the key only, never by a student's name
    assert sorted(p.name for p in (run.out_dir / "feedback").iterdir()) == [
        f"{key}.html" for key in sorted(graded)
    ]
    result = next(r for r in run.results if r.student_id == "102")
    assert (result.platform, result.feedback_name) == ("canvas", "hoppergrace_LATE_102_9003")
    assert_same_scores_as_flat(
        graded,
        {"101": notebooks["full"], "102": notebooks["partial"], "anon_Xk3p9": notebooks["full"]},
        tmp_path,
    )


def test_unpacked_canvas_folder_reads_like_its_zip(tmp_path, notebooks):
    archive = canvas_zip(tmp_path, notebooks)
    folder = tmp_path / "unpacked"
    zipfile.ZipFile(archive).extractall(folder)
    from_zip = read_download(archive, LAB, tmp_path / "a")
    from_folder = read_download(folder, LAB, tmp_path / "b")
    assert from_zip.line() == from_folder.line()
    for a, b in zip(from_zip.submissions, from_folder.submissions):
        assert (a.student_id, a.problem, a.late, a.name) == (
            b.student_id,
            b.problem,
            b.late,
            b.name,
        )
        assert a.problem or a.path.read_bytes() == b.path.read_bytes()


@pytest.mark.parametrize(
    ("name", "key", "late", "original"),
    [
        ("turingalan_1004_5556_tp7_anon_v2.ipynb", "1004", False, "tp7_anon_v2.ipynb"),
        ("lovelaceada_1001_5001_TP7 final (Ada) é.ipynb", "1001", False, "TP7 final (Ada) é.ipynb"),
        ("obrienseán_LATE_1002_5002_LATE_tp7-1.ipynb", "1002", True, "LATE_tp7-1.ipynb"),
        (
            "hopper2grace_1003_5003_2026_12_01_tp7_qa-1.ipynb",
            "1003",
            False,
            "2026_12_01_tp7_qa-1.ipynb",
        ),
        ("anon_Xk3p9_5004_my_anon_7_8.ipynb", "anon_Xk3p9", False, "my_anon_7_8.ipynb"),
        ("LATE_anon_Q2w9z_5005_tp7_LATE.ipynb", "anon_Q2w9z", True, "tp7_LATE.ipynb"),
        ("noetheremmy_1006_text.html", "1006", False, None),
        ("LATE_anon_Q2w9z_link.html", "anon_Q2w9z", True, None),
    ],
)
def test_canvas_names_read_by_the_platform_grammar(name, key, late, original):
    """Canvas writes ``[users_name, LATE, id].compact.join("_")``, then ``_<attachment id>_``
    and the student's own file name, which may hold anything Canvas keeps."""
    fields = name_fields(name)
    assert (fields["key"], fields["late"], fields["original"]) == (key, late, original)


def test_a_file_name_holding_anon_does_not_stop_the_download(tmp_path, notebooks):
    download = make_zip(
        tmp_path / "canvas.zip",
        {
            "turingalan_1004_5556_tp7_anon_v2.ipynb": notebooks["full"],
            "lovelaceada_1001_5001_tiny_lab.ipynb": notebooks["partial"],
        },
    )
    read = read_download(download, LAB, tmp_path / "out")
    assert [(s.student_id, s.problem) for s in read.submissions] == [("1001", ""), ("1004", "")]
    turing = read.submissions[1]
    assert turing.path.read_bytes() == notebooks["full"]
    assert turing.feedback_name == "turingalan_1004_5556"


# --- Moodle ------------------------------------------------------------------------------------


def test_moodle_folders_with_and_without_the_trailing_underscore(tmp_path, notebooks):
    download = make_zip(
        tmp_path / "NLP101-TP7-4242.zip",
        {
            "Ada Lovelace_2001_assignsubmission_file/tiny_lab.ipynb": notebooks["full"],
            "Grace Hopper_2002_assignsubmission_file_/tiny_lab.ipynb": notebooks["partial"],
            "Grace Hopper_2002_assignsubmission_onlinetext_/onlinetext.html": "<p>see file</p>",
            "Alan Turing_2003_assignsubmission_file/report.pdf": b"%PDF-1.4",
        },
    )
    run = grade(download, tmp_path / "out")
    assert run.download == "Moodle download: 3 students, 1 without a notebook"
    graded = rows(run.out_dir)
    assert sorted(graded) == ["2001", "2002", "2003"]
    assert graded["2001"]["name"] == "Ada Lovelace" and graded["2001"]["late"] == ""
    assert (
        graded["2003"]["status"] == "invalid_notebook" and "report.pdf" in graded["2003"]["reason"]
    )
    hopper = next(r for r in run.results if r.student_id == "2002")
    assert hopper.feedback_name == "Grace Hopper_2002_assignsubmission_file"
    assert_same_scores_as_flat(
        graded, {"2001": notebooks["full"], "2002": notebooks["partial"]}, tmp_path
    )


def test_moodle_flat_mode_folder(tmp_path, notebooks):
    folder = tmp_path / "moodle-flat"
    folder.mkdir()
    (folder / "Ada Lovelace_2001_assignsubmission_file_tiny_lab.ipynb").write_bytes(
        notebooks["partial"]
    )
    (folder / "Grace Hopper_2002_assignsubmission_file_tiny_lab (1).ipynb").write_bytes(
        notebooks["full"]
    )
    (folder / "Grace Hopper_2002_assignsubmission_file_tiny_lab.ipynb").write_bytes(
        notebooks["blank"]
    )
    download = read_download(folder, LAB, tmp_path / "unpacked")
    assert download.layout == "moodle"
    chosen = {s.student_id: s.path.read_bytes() for s in download.submissions}
    assert chosen == {"2001": notebooks["partial"], "2002": notebooks["full"]}


# --- Blackboard --------------------------------------------------------------------------------


def receipt(name: str, user: str, files: list[str]) -> str:
    lines = [
        f"Name: {name} ({user})",
        "Assignment: TP7 tiny",
        "Date Submitted: Tuesday, 1 December 2026 09:30:00 o'clock CET",
        "Current Mark: Needs Marking",
        "",
        "Files:",
        *(f"\tOriginal filename: {f.rsplit('_', 2)[-1]}\n\tFilename: {f}" for f in files),
    ]
    return "\n".join(lines) + "\n"


def test_blackboard_latest_attempt_and_receipts(tmp_path, notebooks):
    first = "TP7 tiny_alovelace_attempt_2026-11-30-10-00-00"
    second = "TP7 tiny_alovelace_attempt_2026-12-01-09-30-00"
    hopper = "TP7 tiny_g_hopper_attempt_2026-12-01-08-00-00"  # a username with an underscore
    download = make_zip(
        tmp_path / "gradebook_NLP101_TP7.zip",
        {
            f"{first}_tiny_lab.ipynb": notebooks["blank"],
            f"{first}.txt": receipt("Ada Lovelace", "alovelace", [f"{first}_tiny_lab.ipynb"]),
            f"{second}_tiny_lab.ipynb": notebooks["full"],
            f"{second}.txt": receipt("Ada Lovelace", "alovelace", [f"{second}_tiny_lab.ipynb"]),
            f"{hopper}_tiny_lab.ipynb": notebooks["partial"],
            f"{hopper}.txt": receipt("Grace Hopper", "g_hopper", [f"{hopper}_tiny_lab.ipynb"]),
        },
    )
    run = grade(download, tmp_path / "out")
    assert run.download == "Blackboard download: 2 students"
    graded = rows(run.out_dir)
    assert sorted(graded) == ["alovelace", "g_hopper"]
    assert graded["g_hopper"]["name"] == "Grace Hopper"
    assert_same_scores_as_flat(
        graded, {"alovelace": notebooks["full"], "g_hopper": notebooks["partial"]}, tmp_path
    )


def french_receipt(name: str, user: str, attempt: str) -> str:
    """A receipt as Blackboard writes it for a French-speaking user (labels translated)."""
    return (
        f"Nom : {name} ({user})\nDevoir : TP7 tiny\n"
        "Date de soumission : mardi 1 décembre 2026 09 h 30 min 00 s CET\n"
        "Note actuelle : Doit être noté\n\nFichiers :\n"
        f"\tNom de fichier original : tiny_lab.ipynb\n\tNom de fichier : {attempt}_tiny_lab.ipynb\n"
    )


def test_blackboard_translated_receipt_keys_the_username_from_the_file_name(tmp_path, notebooks):
    ada = "TP7 tiny_ada_lovelace_attempt_2026-12-01-09-30-00"
    bob = "TP7 tiny_b_o_b_attempt_2026-12-01-10-00-00"
    download = make_zip(
        tmp_path / "gradebook_NLP101_TP7.zip",
        {
            f"{ada}_tiny_lab.ipynb": notebooks["full"],
            f"{ada}.txt": french_receipt("Ada Lovelace", "ada_lovelace", ada),
            f"{bob}_tiny_lab.ipynb": notebooks["partial"],
            f"{bob}.txt": "Devoir : TP7 tiny\nFichiers :\n",  # no name line at all
        },
    )
    read = read_download(download, LAB, tmp_path / "out")
    assert [(s.student_id, s.name) for s in read.submissions] == [
        ("ada_lovelace", "Ada Lovelace"),
        ("b_o_b", ""),
    ]


def test_blackboard_receipt_and_file_name_disagreeing_is_reported(tmp_path, notebooks):
    ada = "TP7 tiny_ada_lovelace_attempt_2026-12-01-09-30-00"
    download = make_zip(
        tmp_path / "gradebook.zip",
        {
            f"{ada}_tiny_lab.ipynb": notebooks["full"],
            f"{ada}.txt": french_receipt("Ada Lovelace", "lovelace", ada),
        },
    )
    with pytest.raises(DownloadError, match=r"receipt names the username 'lovelace'.*--assignment"):
        read_download(download, LAB, tmp_path / "out")


def test_blackboard_without_receipts_needs_the_assignment_name(tmp_path, notebooks):
    download = make_zip(
        tmp_path / "gradebook.zip",
        {
            "TP7_s_1234_attempt_2026-12-01-09-30-00_tiny_lab.ipynb": notebooks["full"],
            "TP7_s_5678_attempt_2026-12-01-09-31-00_tiny_lab.ipynb": notebooks["partial"],
        },
    )
    with pytest.raises(DownloadError, match="usernames may hold '_'.*--assignment"):
        read_download(download, LAB, tmp_path / "out")
    read = read_download(download, LAB, tmp_path / "out", assignment="TP7")
    assert [s.student_id for s in read.submissions] == ["s_1234", "s_5678"]


# --- names that fit no pattern, forced layouts, unsafe zips ------------------------------------


def test_a_file_that_fits_no_pattern_is_named(tmp_path, notebooks):
    download = make_zip(
        tmp_path / "canvas.zip",
        {"lovelaceada_101_9001_tiny_lab.ipynb": notebooks["full"], "notes.txt": "hi"},
    )
    with pytest.raises(DownloadError, match=r"notes\.txt: .*Canvas.*<user_id>_<attachment_id>"):
        read_download(download, LAB, tmp_path / "out")
    with pytest.raises(DownloadError, match=r"lovelaceada_101_9001_tiny_lab.ipynb: .*Moodle"):
        read_download(download, LAB, tmp_path / "out", layout="moodle")


def test_forced_flat_layout_keeps_the_file_stems(tmp_path, notebooks):
    folder = tmp_path / "flat"
    folder.mkdir()
    (folder / "lovelaceada_101_9001_tiny_lab.ipynb").write_bytes(notebooks["full"])
    assert read_download(folder, LAB, tmp_path / "x").layout == "canvas"
    forced = read_download(folder, LAB, tmp_path / "y", layout="flat")
    assert [s.student_id for s in forced.submissions] == ["lovelaceada_101_9001_tiny_lab"]


@pytest.mark.parametrize("evil", ["../escaped.ipynb", "/tmp/escaped-abs.ipynb", "a/../../x.ipynb"])
def test_a_zip_entry_outside_the_folder_is_refused(tmp_path, notebooks, evil):
    download = tmp_path / "in" / "canvas.zip"
    download.parent.mkdir()
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("lovelaceada_101_9001_tiny_lab.ipynb", notebooks["full"])
        archive.writestr(zipfile.ZipInfo(evil), notebooks["full"])
    out = tmp_path / "out"
    with pytest.raises(DownloadError, match="points outside the folder"):
        grade(download, out)
    assert not list(tmp_path.rglob("escaped*")) and not Path("/tmp/escaped-abs.ipynb").exists()
    assert not (out / "downloads").exists()


#: one line of the warning a training loop printed at every step (the shape of a real log)
WARNING_LINE = (
    "/usr/lib/python3/dist-packages/transformers/trainer.py:1234: UserWarning: "
    "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
    "`torch.amp.GradScaler('cuda', args...)` instead.\n"
)


def with_log(nb, size: int) -> bytes:
    """``nb`` whose first code cell printed ``size`` bytes of one repeated warning."""
    nb = nbformat.from_dict(nb)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    text = WARNING_LINE * (size // len(WARNING_LINE))
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=text)]
    return nbformat.writes(nb).encode()


def write_huge_entry(archive: zipfile.ZipFile, name: str, size: int) -> None:
    """An entry of ``size`` bytes streamed in, as a platform's zipper writes a large file."""
    info = zipfile.ZipInfo(name, date_time=(2026, 12, 1, 9, 30, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    chunk = b"\0" * 2**26
    with archive.open(info, "w", force_zip64=True) as out:
        for start in range(0, size, len(chunk)):
            out.write(chunk[: size - start])


@pytest.fixture(scope="module")
def hostile_canvas(tmp_path_factory, solved_nb, notebooks) -> Path:
    """A Canvas download: a perfect notebook, one with 60 MB of a repeated warning in an output
    (deflating over 250 times), and one entry inflating to 2.1 GiB."""
    path = tmp_path_factory.mktemp("hostile") / "NLP-101-TP7_submissions.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lovelaceada_101_9001_tiny_lab.ipynb", notebooks["full"])
        archive.writestr("hoppergrace_102_9002_tiny_lab.ipynb", with_log(solved_nb, 60 * 10**6))
        write_huge_entry(archive, "turingalan_103_9003_tiny_lab.ipynb", int(2.1 * 2**30))
    return path


def test_a_compressible_notebook_is_read_and_an_oversized_one_costs_its_student(hostile_canvas):
    with zipfile.ZipFile(hostile_canvas) as archive:
        log = archive.getinfo("hoppergrace_102_9002_tiny_lab.ipynb")
    assert log.file_size > 60 * 10**6 and log.file_size / log.compress_size > 250
    out = hostile_canvas.parent / "unpacked"
    download = read_download(hostile_canvas, LAB, out)
    assert download.line() == (
        "Canvas download: 3 students, 0 late, 1 with a notebook too large or damaged"
    )
    by_key = {s.student_id: s for s in download.submissions}
    assert by_key["102"].path.stat().st_size == log.file_size and not by_key["102"].problem
    assert by_key["103"].problem.startswith(
        "the notebook inflates to 2.1 GiB, over the 512 MiB a notebook may have"
    )
    written = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert written < 100 * 2**20  # the 2.1 GiB entry was never inflated


def test_one_oversized_notebook_among_good_ones_grades_the_class(
    hostile_canvas, tmp_path, notebooks
):
    """The log's warnings lie outside the graded regions: its student is graded like any."""
    run = grade(hostile_canvas, tmp_path / "out")
    graded = rows(run.out_dir)
    assert graded["101"]["status"] == "ok" and graded["101"]["score"] == graded["101"]["max_score"]
    assert exercise_points(graded["102"]) == exercise_points(graded["101"])
    assert graded["103"]["status"] == "invalid_notebook"
    assert "inflates to 2.1 GiB, over the 512 MiB" in graded["103"]["reason"]


def test_a_damaged_entry_costs_its_student_alone(tmp_path, notebooks):
    download = make_zip(
        tmp_path / "canvas.zip",
        {
            "lovelaceada_101_9001_tiny_lab.ipynb": notebooks["full"],
            "hoppergrace_102_9002_tiny_lab.ipynb": notebooks["partial"],
        },
    )
    data = bytearray(download.read_bytes())
    with zipfile.ZipFile(download) as archive:
        info = archive.getinfo("hoppergrace_102_9002_tiny_lab.ipynb")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 100 : start + 110] = b"\xff" * 10  # a bit rot in the compressed bytes
    download.write_bytes(bytes(data))
    read = read_download(download, LAB, tmp_path / "out")
    by_key = {s.student_id: s for s in read.submissions}
    assert not by_key["101"].problem
    assert by_key["102"].problem.startswith("the notebook cannot be taken out of the zip")
    assert not (tmp_path / "out" / "canvas" / "102.ipynb").exists()


def test_an_nbgrader_tree_in_a_zip(tmp_path, notebooks):
    download = make_zip(
        tmp_path / "submitted.zip",
        {
            "submitted/ada/tp/tiny_lab.ipynb": notebooks["full"],
            "submitted/bob/tp/tiny_lab.ipynb": notebooks["partial"],
        },
    )
    read = read_download(download, LAB, tmp_path / "out")
    assert read.layout == "nbgrader" and read.line() == "nbgrader folder: 2 students"
    assert [s.student_id for s in read.submissions] == ["ada", "bob"]


# --- the round trip: the platform's download in, the platform's gradebook out ------------------


LMS = S.REPO / "tests" / "fixtures" / "lms"


def cli(*args: str) -> None:
    from tp_helpers.cli import main

    assert main([str(arg) for arg in args]) == 0


def gradebook_rows(path: Path) -> dict[str, list[str]]:
    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return {row[1]: row for row in table[1:]}


def test_canvas_round_trip(tmp_path, notebooks):
    """Download → grade → the instructor's own gradebook export filled → feedback zip."""
    download = make_zip(
        tmp_path / "QA-2026-TP7_submissions.zip",
        {
            "lovelaceada_1001_5001_tiny_lab.ipynb": notebooks["full"],
            "obrienseán_LATE_1002_5002_tiny_lab.ipynb": notebooks["partial"],
            "hoppergraceamazing_1003_text.html": "<p>no notebook</p>",
        },
    )
    grades = tmp_path / "grades"
    cli("grade", download, "--out", grades, "--source", S.TINY_LAB, "--timeout", TIMEOUT)
    gradebook = LMS / "canvas_gradebook.csv"
    out, comments = tmp_path / "import.csv", tmp_path / "comments.zip"
    cli(
        "export", grades, "--canvas", gradebook, "--column", "TP7 (12345)", "--scale", "30",
        "--out", out, "--feedback-zip", comments,
    )  # fmt: skip
    before, after = gradebook_rows(gradebook), gradebook_rows(out)
    target = list(csv.reader(io.StringIO(gradebook.read_text(encoding="utf-8-sig"))))[0].index(
        "TP7 (12345)"
    )
    graded = rows(grades)
    for user, row in after.items():
        expected = list(before[user])
        if user in graded:  # the lab's 10 points scaled to the column's 30
            expected[target] = f"{float(graded[user]['score']) * 3:g}"
        assert row == expected, user
    assert after["1001"][target] == "30" and after["1003"][target] == "0"
    names = zipfile.ZipFile(comments).namelist()
    assert sorted(names) == [
        "lovelaceada_1001_5001_feedback.ipynb",
        "obrienseán_LATE_1002_5002_feedback.ipynb",
    ]  # the text entry has no attachment to comment on


def test_moodle_round_trip(tmp_path, notebooks):
    download = make_zip(
        tmp_path / "QA2026-TP7-88.zip",
        {
            "Ada Lovelace_2417_assignsubmission_file/tiny_lab.ipynb": notebooks["full"],
            "Seán O'Brien_2418_assignsubmission_file_/tiny_lab.ipynb": notebooks["partial"],
        },
    )
    grades = tmp_path / "grades"
    cli("grade", download, "--out", grades, "--source", S.TINY_LAB, "--timeout", TIMEOUT)
    worksheet = LMS / "moodle_worksheet_en.csv"
    out, feedback = tmp_path / "worksheet.csv", tmp_path / "feedback.zip"
    cli(
        "export", grades, "--moodle", worksheet, "--scale", "30", "--out", out,
        "--feedback-zip", feedback,
    )  # fmt: skip
    filled = {
        row["Identifier"]: row
        for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))
    }
    graded = rows(grades)
    assert float(filled["Participant 2417"]["Grade"]) == 30
    assert float(filled["Participant 2418"]["Grade"]) == float(graded["2418"]["score"]) * 3
    assert filled["Participant 2419"]["Grade"] == ""  # no submission: left as it was
    assert sorted(zipfile.ZipFile(feedback).namelist()) == [
        "Ada Lovelace_2417_assignsubmission_file/feedback.html",
        "Seán O'Brien_2418_assignsubmission_file/feedback.html",
    ]
