"""Where results live: ``DIR/results/<student_id>.json``, and the one way every file is written.

Every file the grader writes (a result, grades.csv, a feedback page, a platform's import file, a
feedback zip, Gradescope's results.json) goes through :func:`atomic_write`: a temporary file in
the same folder, then :func:`os.replace`. A grader killed at any moment leaves the previous
complete file, never half of one.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

from .result import StudentResult

#: the folder of ``DIR`` holding one JSON file per student
RESULTS = "results"


def atomic_write(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Write ``data`` (text is UTF-8, newlines as given) to ``path`` through a temporary file
    and :func:`os.replace`; ``mode``: the file's permissions (default: the temporary file's,
    readable by its owner only)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def result_path(out_dir: Path, student_id: str) -> Path:
    return Path(out_dir) / RESULTS / f"{student_id}.json"


def save_result(out_dir: Path, result: StudentResult) -> Path:
    """Store ``result`` as ``out_dir/results/<student_id>.json``."""
    path = result_path(out_dir, result.student_id)
    atomic_write(path, json.dumps(result.to_dict(), indent=1, ensure_ascii=False) + "\n")
    return path


def load_results(out_dir: Path) -> list[StudentResult]:
    """Every result stored in ``out_dir/results``, by student id (unreadable files skipped)."""
    results = []
    for path in sorted((Path(out_dir) / RESULTS).glob("*.json")):
        try:
            results.append(StudentResult.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            print(f"tp-course: skipping unreadable result {path}", file=sys.stderr)
    return sorted(results, key=lambda r: r.student_id)
