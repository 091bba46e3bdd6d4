"""Runs forked from the zygote of the tiny lab, for tests of the engine's parts.

``Runs(box)`` starts the zygote (``box``: (course, run_root, SandboxSettings or None)), waits
for its first snapshot (before exercise 01), and forks one run per call from it.
"""

from __future__ import annotations

import dataclasses
import queue
import uuid

from tp_helpers.grading import read_source
from tp_helpers.grading.engine import protocol
from tp_helpers.grading.engine.client import ZygoteProcess, send
from tp_helpers.grading.engine.policy import GradingSettings, job
from tp_helpers.grading.engine.protocol import CellRun

from . import students as S


class Runs:
    """The tiny lab's zygote, and runs forked from its first snapshot, one per call."""

    def __init__(self, box, limits=None, timeout=10.0) -> None:
        course, run_root, box_settings = box
        if limits is not None and box_settings is not None:
            box_settings = dataclasses.replace(box_settings, limits=limits)
        self.run_root = run_root
        settings = GradingSettings(
            run_root=run_root, timeout=timeout, threads=1, sandbox=box_settings
        )
        source = read_source(S.TINY_LAB)
        self.settings = settings
        self.zygote = ZygoteProcess(source, settings)
        events: queue.Queue = queue.Queue()
        self.zygote.start(events)
        while True:  # the zygote's turns are ours to give: up to its first snapshot
            event = events.get(timeout=60)[1]
            assert event.get(protocol.EVENT) in (
                protocol.WANT,
                protocol.STEPPED,
                protocol.SNAPSHOT,
                protocol.NOTE,
            ), event
            if event[protocol.EVENT] == protocol.WANT:
                self.zygote.go(event["step"])
            if event[protocol.EVENT] == protocol.SNAPSHOT:
                self.socket = event["socket"]
                break
        assert send(self.socket, {protocol.PREPARE: True}, 120) == {protocol.READY: True}

    def reply(self, code: str | list[str]) -> dict:
        """The run's reply: its records (one per execution), outcome, exit."""
        codes = [code] if isinstance(code, str) else code
        scratch = self.run_root / "runs" / f"r-{uuid.uuid4().hex[:8]}"
        return send(self.socket, job(self.settings, codes, "", scratch).message(), 120)

    def run(self, code: str) -> CellRun:
        reply = self.reply(code)
        records = reply.get("records", [])
        return CellRun.from_record(records[0]) if records else CellRun(died=reply.get("exit", "?"))

    def close(self) -> None:
        self.zygote.close()
