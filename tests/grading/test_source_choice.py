"""With several labs in solutions/, `tp-course grade` takes the lab its submissions name."""

from __future__ import annotations

import zipfile

import pytest

from tp_helpers.errors import TPError
from tp_helpers.grading import default_source

from ..conftest import REPO

LABS = ("tp7_qa", "tp8_unanswerable")


@pytest.fixture
def course(tmp_path):
    (tmp_path / "solutions").mkdir()
    for lab in LABS:
        (tmp_path / "solutions" / f"{lab}.ipynb").write_text("{}")
    return tmp_path


def test_one_solution_is_the_source_whatever_the_submissions(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "tp7_qa.ipynb").write_text("{}")
    assert default_source(tmp_path).name == "tp7_qa.ipynb"


def test_a_flat_folder_is_read_for_the_checks_each_notebook_imports(course, tmp_path):
    submissions = tmp_path / "subs"
    submissions.mkdir()
    # a student's notebook named by student id only: its text says which lab it is
    student = (REPO / "notebooks" / "tp8_unanswerable.ipynb").read_text()
    (submissions / "s001.ipynb").write_text(student)
    assert default_source(course, submissions).name == "tp8_unanswerable.ipynb"
    (submissions / "s001.ipynb").write_text((REPO / "notebooks" / "tp7_qa.ipynb").read_text())
    assert default_source(course, submissions).name == "tp7_qa.ipynb"


def test_a_zip_is_read_for_its_file_names(course, tmp_path):
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("lovelaceada_1004_5556_tp8_unanswerable.ipynb", "{}")
    assert default_source(course, download).name == "tp8_unanswerable.ipynb"


def test_submissions_naming_no_lab_or_both_ask_for_source(course, tmp_path):
    submissions = tmp_path / "subs"
    submissions.mkdir()
    (submissions / "s001.ipynb").write_text("{}")
    with pytest.raises(TPError, match="pass --source"):
        default_source(course, submissions)
    (submissions / "s002_tp7_qa.ipynb").write_text("{}")
    (submissions / "s003_tp8_unanswerable.ipynb").write_text("{}")
    with pytest.raises(TPError, match="name tp7_qa and tp8_unanswerable; pass --source"):
        default_source(course, submissions)
