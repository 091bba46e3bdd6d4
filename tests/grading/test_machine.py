"""The default --jobs: the usable cores (affinity, then a container's quota), bounded by memory."""

from __future__ import annotations

import os

from tp_helpers.grading import machine


def cgroup(tmp_path, **files):
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_affinity_when_no_quota(tmp_path):
    cores, where = machine.usable_cpus(cgroup(tmp_path, **{"cpu.max": "max 100000\n"}))
    assert cores == len(os.sched_getaffinity(0)) and "affinity" in where


def test_a_quota_below_the_affinity_wins(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    root = cgroup(tmp_path, **{"cpu.max": "150000 100000\n"})
    assert machine.usable_cpus(root) == (2, "the container's CPU quota")
    v1 = cgroup(
        tmp_path / "v1", **{"cpu__cpu.cfs_quota_us": "300000", "cpu__cpu.cfs_period_us": "100000"}
    )
    assert machine.cpu_quota(v1) == 3


def test_memory_bounds_the_jobs(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)))
    gib = machine.GIB
    # 4 GiB left in the cgroup: (4 - 1.75) / 0.75 = 3 runs
    root = cgroup(tmp_path, **{"memory.max": str(6 * gib), "memory.current": str(2 * gib)})
    choice = machine.default_jobs(root)
    assert (choice.jobs, choice.cores, choice.memory_jobs) == (3, 16, 3)
    assert choice.line().startswith("--jobs 3 (default: 16 core(s)")
    # too little memory still runs one at a time
    tight = cgroup(tmp_path / "t", **{"memory.max": str(gib), "memory.current": "0"})
    assert machine.default_jobs(tight).jobs == 1
