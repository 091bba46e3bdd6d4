"""Runs forked from a reference process of the tiny lab, for tests of the engine's parts.

``Runs(box)`` starts the reference (``box``: (course, run_root, SandboxSettings or None)),
waits for its first snapshot (before exercise 01), and forks one run per call from it.
"""

from __future__ import annotations

import dataclasses
import queue
import uuid

from tp_helpers.grading import read_source
from tp_helpers.grading.engine.scheduler import ForkEngine, ReferenceProcess, _cell_run, _send
from tp_helpers.grading.execute import CellRun
from tp_helpers.grading.scoring.pipeline import GradingSettings

from . import students as S


class Runs:
    """The tiny lab's reference, and runs forked from its first snapshot, one per call."""

    def __init__(self, box, limits=None, timeout=10.0) -> None:
        course, run_root, box_settings = box
        if limits is not None and box_settings is not None:
            box_settings = dataclasses.replace(box_settings, limits=limits)
        self.run_root = run_root
        settings = GradingSettings(
            run_root=run_root, timeout=timeout, threads=1, sandbox=box_settings
        )
        source = read_source(S.TINY_LAB)
        self.engine = ForkEngine(source, settings)
        self.reference = ReferenceProcess(source, settings)
        events: queue.Queue = queue.Queue()
        self.reference.start(events)
        while True:  # the reference's turns are ours to give: up to its first snapshot
            event = events.get(timeout=60)[1]
            assert event.get("event") in ("want", "stepped", "snapshot", "note"), event
            if event["event"] == "want":
                self.reference.go(event["step"])
            if event["event"] == "snapshot":
                self.socket = event["socket"]
                break
        assert _send(self.socket, {"prepare": True}, 120) == {"ready": True}  # as the engine

    def reply(self, code: str | list[str]) -> dict:
        """The run's reply: its records (one per execution), outcome, exit."""
        codes = [code] if isinstance(code, str) else code
        scratch = self.run_root / "runs" / f"r-{uuid.uuid4().hex[:8]}"
        return _send(self.socket, self.engine.request(codes, "", scratch), 120)

    def run(self, code: str) -> CellRun:
        reply = self.reply(code)
        records = reply.get("records", [])
        return _cell_run(records[0]) if records else CellRun(died=reply.get("exit", "?"))

    def close(self) -> None:
        self.reference.close()
