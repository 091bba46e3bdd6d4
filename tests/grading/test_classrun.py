"""Grading a class: resume, shards and merge, parallel jobs (tp_helpers.grading.classrun)."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from tp_helpers.grading import classrun
from tp_helpers.grading.classrun import (
    GradingError,
    default_source,
    grade_class,
    in_shard,
    merge,
    parse_shard,
)
from tp_helpers.grading.engine.client import EngineError
from tp_helpers.grading.model.submission import Submission

from . import students as S

FAST = {"timeout": 10, "threads": 1, "progress": False}


def csv_of(folder):
    return (folder / "grades.csv").read_text()


@pytest.fixture(scope="module")
def unsharded(small_class, tmp_path_factory):
    out = tmp_path_factory.mktemp("unsharded")
    run = grade_class(small_class, out, S.TINY_LAB, **FAST)
    return out, run


def test_small_class(unsharded, small_class):
    out, run = unsharded
    assert run.ok and run.graded == ["ada", "bob", "cyd", "dan"] and run.skipped == []
    assert [(r.student_id, r.status, r.score) for r in run.results] == [
        ("ada", "ok", 10),
        ("bob", "ok", 0),
        ("cyd", "ok", 7),
        ("dan", "invalid_notebook", 0),
    ]
    assert sorted(p.name for p in (out / "feedback").iterdir()) == [
        "ada.html",
        "bob.html",
        "cyd.html",
        "dan.html",
    ]
    assert not (out / ".scratch").exists()
    stored = json.loads((out / "results" / "ada.json").read_text())
    assert stored["submission_sha256"] == Submission("ada", small_class / "ada.ipynb").sha256()


def test_rerun_skips_graded_students_and_regrades_changed_ones(small_class, tmp_path, stub_nb):
    submissions = tmp_path / "subs"
    shutil.copytree(small_class, submissions)
    out = tmp_path / "out"
    grade_class(submissions, out, S.TINY_LAB, **FAST)
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "results").iterdir()}

    again = grade_class(submissions, out, S.TINY_LAB, **FAST)
    assert again.graded == [] and again.skipped == ["ada", "bob", "cyd", "dan"]
    assert {p.name: p.stat().st_mtime_ns for p in (out / "results").iterdir()} == stamps

    S.write(stub_nb, submissions / "ada.ipynb")  # ada resubmits (the stub)
    third = grade_class(submissions, out, S.TINY_LAB, **FAST)
    assert third.graded == ["ada"] and len(third.skipped) == 3
    assert "ada,ok,0,10" in csv_of(out)


def test_shards_merge_into_the_unsharded_csv(unsharded, small_class, tmp_path):
    out, _ = unsharded
    first = grade_class(small_class, tmp_path / "s1", S.TINY_LAB, shard=(1, 2), **FAST)
    second = grade_class(small_class, tmp_path / "s2", S.TINY_LAB, shard=(2, 2), **FAST)
    assert first.graded == ["ada", "cyd"] and second.graded == ["bob", "dan"]
    merged = merge([tmp_path / "s1", tmp_path / "s2"], tmp_path / "merged")
    assert len(merged.results) == 4
    assert csv_of(tmp_path / "merged") == csv_of(out)
    # shards writing into one folder give the same CSV too
    grade_class(small_class, tmp_path / "one", S.TINY_LAB, shard=(2, 2), **FAST)
    grade_class(small_class, tmp_path / "one", S.TINY_LAB, shard=(1, 2), **FAST)
    assert csv_of(tmp_path / "one") == csv_of(out)


def test_two_jobs_give_the_same_csv(unsharded, small_class, tmp_path):
    out, _ = unsharded
    run = grade_class(small_class, tmp_path / "jobs2", S.TINY_LAB, jobs=2, **FAST)
    assert run.ok and sorted(run.graded) == ["ada", "bob", "cyd", "dan"]
    assert csv_of(tmp_path / "jobs2") == csv_of(out)


def test_threads_default_to_cores_per_job(small_class, tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(classrun, "usable_cores", lambda: 8)
    monkeypatch.setattr(
        classrun,
        "_grade_all",
        lambda pending, source, settings, *rest: seen.append(settings.threads),
    )
    grade_class(small_class, tmp_path / "o", S.TINY_LAB, jobs=3, progress=False)
    grade_class(small_class, tmp_path / "o", S.TINY_LAB, jobs=16, progress=False)
    assert seen == [2, 1]


def test_a_grader_failure_is_reported_and_retried(small_class, tmp_path, monkeypatch):
    real = classrun.grade_batch

    def flaky(group, source, settings, on_result):  # the engine fails for bob's batch
        real([s for s in group if s.student_id != "bob"], source, settings, on_result)
        raise EngineError("no reference for you")

    monkeypatch.setattr(classrun, "grade_batch", flaky)
    run = grade_class(small_class, tmp_path / "o", S.TINY_LAB, shard=(2, 2), **FAST)
    assert not run.ok and run.failed == {"bob": "no reference for you"}
    assert run.graded == ["dan"] and not (tmp_path / "o" / "results" / "bob.json").exists()
    assert "grader failed on 1: bob" in run.line()


def test_shard_selection_is_deterministic():
    subs = [Submission(name, None) for name in ("e", "a", "d", "b", "c")]
    assert [s.student_id for s in in_shard(subs, (1, 2))] == ["a", "c", "e"]
    assert [s.student_id for s in in_shard(subs, (2, 2))] == ["b", "d"]
    assert [s.student_id for s in in_shard(subs, None)] == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "-1/2"])
def test_bad_shards_are_clear_errors(text):
    with pytest.raises(GradingError, match="expected I/N with 1 <= I <= N"):
        parse_shard(text)
    assert parse_shard("2/3") == (2, 3)


def test_default_source_is_the_only_solution_notebook(tmp_path):
    with pytest.raises(GradingError, match="holds none; pass --source"):
        default_source(tmp_path)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "lab.ipynb").write_text("{}")
    assert default_source(tmp_path) == tmp_path / "solutions" / "lab.ipynb"
    (tmp_path / "solutions" / "other.ipynb").write_text("{}")
    with pytest.raises(GradingError, match="holds lab.ipynb, other.ipynb; pass --source"):
        default_source(tmp_path)


def test_merge_refuses_foreign_folders_and_mixed_sources(unsharded, tmp_path):
    out, _ = unsharded
    with pytest.raises(GradingError, match="has no results/ folder"):
        merge([tmp_path], tmp_path / "m")
    other = tmp_path / "other"
    shutil.copytree(out / "results", other / "results")
    path = other / "results" / "ada.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "source_sha256": "0" * 64}))
    with pytest.raises(GradingError, match="different source notebooks"):
        merge([out, other], tmp_path / "m")


def test_run_folders_of_dead_graders_are_removed(monkeypatch, tmp_path):
    import subprocess
    import sys

    monkeypatch.setattr(classrun.tempfile, "gettempdir", lambda: str(tmp_path))
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    for name, pid in (("tp-grade-dead", int(dead.stdout)), ("tp-grade-alive", os.getpid())):
        (tmp_path / name / "kernels").mkdir(parents=True)
        owner = {"pid": pid, "started": classrun._process_start(pid)}
        (tmp_path / name / "grader.json").write_text(json.dumps(owner))
    classrun._remove_stale_runs()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tp-grade-alive"]


def test_usable_cores_follow_the_cpu_affinity(monkeypatch):
    """On a Slurm node the allocation counts, not the whole machine."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert classrun.usable_cores() == 3


def test_ctrl_c_during_the_zygotes_cleanup_finishes_it_then_stops(
    small_class, tmp_path, monkeypatch
):
    """The CI once saw Ctrl-C land inside ``shutil.rmtree`` of the zygote's socket folder: the
    interrupt became ``OSError: Bad file descriptor`` and the grader died with a traceback. The
    cleanup now finishes, and the run stops with its usual message."""
    from tp_helpers.grading.classrun import GradingInterrupted
    from tp_helpers.grading.engine import client

    removed = []
    real_rmtree = client.shutil.rmtree

    def rmtree_hit_by_ctrl_c(path, *args, **kwargs):
        if Path(path).name.startswith("snapshots-") and not removed:  # the zygote's sockets
            os.kill(os.getpid(), signal.SIGINT)  # the handler runs before the next bytecode
            removed.append(Path(path))
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(client.shutil, "rmtree", rmtree_hit_by_ctrl_c)
    out = tmp_path / "out"
    with pytest.raises(GradingInterrupted, match="run the same command again"):
        grade_class(small_class, out, S.TINY_LAB, batch=2, **FAST)
    assert len(removed) == 1 and not removed[0].exists()  # the cleanup ran to its end
    graded = sorted(p.stem for p in (out / "results").iterdir())
    assert graded == ["ada", "bob"]  # the first batch is saved, the second never started
