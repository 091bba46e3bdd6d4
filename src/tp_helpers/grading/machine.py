"""How many runs ``tp-course grade`` keeps at work by default: the cores the process may use,
bounded by the memory the runs need.

Cores: the process's CPU affinity (a Slurm allocation, ``taskset``, a container's cpuset), then
the container's CPU quota (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``), whichever is
smaller: a container limited to 2 CPUs of a 64-core host sees 64 cores in its affinity.

Memory: what is available (``MemAvailable``, and the cgroup's ``memory.max`` less its
``memory.current`` when there is one), less :data:`BASE_BYTES` for the grader and the reference
state, divided by :data:`PER_JOB_BYTES`. The figures come from ``bench/README.md`` (grading):
a whole class run peaked at 1.62 GiB of PSS with ``--jobs 1`` and 1.45 GiB with ``--jobs 2``
(runs are forked from the reference, so they share its pages); one Gradescope submission, the
reference and a run in one container, peaked at 1.6 GiB. The budget is generous on purpose:
running out of memory costs a student a ``memory`` status, an idle core only time.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

GIB = 2**30
#: the grader, the reference state and its snapshots (the ``--jobs 1`` peak, rounded up)
BASE_BYTES = int(1.75 * GIB)
#: what one more run at a time may add (half the reference: a run's own pages, its batch)
PER_JOB_BYTES = int(0.75 * GIB)
CGROUP = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class JobsChoice:
    jobs: int
    cores: int
    cores_from: str
    memory_jobs: int | None  # None: the available memory is unknown

    def line(self) -> str:
        """``--jobs 2 (default: 2 cores of this process's CPU affinity; memory for 27 runs)``."""
        memory = (
            f"memory for {self.memory_jobs} run(s) at "
            f"{PER_JOB_BYTES / GIB:g} GiB each beyond {BASE_BYTES / GIB:g} GiB"
            if self.memory_jobs is not None
            else "available memory unknown"
        )
        return (
            f"--jobs {self.jobs} (default: {self.cores} core(s) from {self.cores_from}; "
            f"{memory}; --jobs N to choose)"
        )


def default_jobs(root: Path = CGROUP) -> JobsChoice:
    """The default ``--jobs``: at least 1, at most the usable cores and what memory allows."""
    cores, where = usable_cpus(root)
    available = available_memory(root)
    memory_jobs = None
    if available is not None:
        memory_jobs = max(1, int((available - BASE_BYTES) // PER_JOB_BYTES))
    jobs = max(1, min(cores, memory_jobs if memory_jobs is not None else cores))
    return JobsChoice(jobs, cores, where, memory_jobs)


def usable_cpus(root: Path = CGROUP) -> tuple[int, str]:
    """The cores this process may use and where that number comes from."""
    try:
        cores, where = len(os.sched_getaffinity(0)), "this process's CPU affinity"
    except AttributeError:  # macOS, Windows
        cores, where = os.cpu_count() or 1, "the machine's core count"
    quota = cpu_quota(root)
    if quota is not None and quota < cores:
        return quota, "the container's CPU quota"
    return cores, where


def cpu_quota(root: Path = CGROUP) -> int | None:
    """The cgroup's CPU quota in whole cores (rounded up), None when there is none."""
    text = _read(root / "cpu.max")  # v2: "max 100000" or "200000 100000"
    if text:
        quota, _, period = text.partition(" ")
        if quota != "max" and quota.isdigit() and period.strip().isdigit():
            return max(1, math.ceil(int(quota) / int(period)))
        return None
    quota_us = _read(root / "cpu" / "cpu.cfs_quota_us")  # v1
    period_us = _read(root / "cpu" / "cpu.cfs_period_us")
    if quota_us and period_us and quota_us.lstrip("-").isdigit() and int(quota_us) > 0:
        return max(1, math.ceil(int(quota_us) / int(period_us)))
    return None


def available_memory(root: Path = CGROUP, meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """Bytes available to new processes: the machine's and the cgroup's, the smaller."""
    values = []
    for line in (_read(meminfo) or "").splitlines():
        if line.startswith("MemAvailable:"):
            values.append(int(line.split()[1]) * 1024)
    limit, used = _read(root / "memory.max"), _read(root / "memory.current")
    if limit and limit.isdigit() and used and used.isdigit():
        values.append(max(0, int(limit) - int(used)))
    return min(values) if values else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None
