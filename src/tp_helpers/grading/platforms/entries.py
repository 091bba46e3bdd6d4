"""What a platform's download is made of: each student's files, before any choice."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.submission import SubmissionsError


class DownloadError(SubmissionsError):
    """A download that cannot be read as any layout, or a zip refused as unsafe."""


class EntryProblem(Exception):
    """One student's notebook cannot be written from the zip (too large, damaged, encrypted):
    that student's ``problem``, never the class's."""


@dataclass(frozen=True)
class Entry:
    """One file of a student's submission, before any choice."""

    path: str  # inside the zip or the folder, '/'-separated
    original: str  # the name the student gave it
    attempt: str = ""  # Blackboard's timestamp (sorts as it reads)
    prefix: str = ""  # Canvas: the name up to the attachment id (a feedback file's name)


@dataclass
class Student:
    key: str
    name: str = ""
    late: bool = False
    feedback_name: str = ""
    entries: list[Entry] = field(default_factory=list)
