"""The messages between the grader and the zygote (tp_helpers.grading.engine.protocol), and the
environment every run starts from (engine.policy.grading_env)."""

from __future__ import annotations

import os

from tp_helpers.checks.core import RECORD_ENV
from tp_helpers.grading.engine import protocol
from tp_helpers.grading.engine.policy import GRADING_ENV, grading_env
from tp_helpers.grading.engine.protocol import CellRun
from tp_helpers.profiles import OFFLINE_ENV_VARS


def test_grading_env_is_a_new_dict_with_offline_and_thread_settings(monkeypatch):
    monkeypatch.setenv("TP_PROFILE", "full")
    monkeypatch.setenv("OMP_NUM_THREADS", "16")
    monkeypatch.setenv(RECORD_ENV, "/tmp/recorded.json")
    before = dict(os.environ)
    env = grading_env(3)
    assert dict(os.environ) == before  # the grader's environment is untouched
    assert env["TP_PROFILE"] == "offline" and env["NBGRADER_EXECUTION"] == "autograde"
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "3"
    assert env["PATH"] == os.environ["PATH"]
    assert RECORD_ENV not in env  # recording reference values would turn checks into no-ops
    assert all(env[var] == "1" for var in OFFLINE_ENV_VARS)
    assert set(GRADING_ENV) >= {*OFFLINE_ENV_VARS, "MPLBACKEND"}


def test_cellrun_pass_rule():
    assert CellRun().passed
    assert not CellRun(stderr="x").passed and not CellRun(stderr="x").raised
    assert CellRun(error=("E", "")).raised and CellRun(timed_out=True).raised
    assert not CellRun(error=("E", "")).passed
    assert not CellRun(timed_out=True).passed
    assert CellRun(died="killed by SIGKILL").raised


def test_records_travel_whole_and_a_bad_one_is_garbled():
    read, write = os.pipe()
    try:
        first = protocol.record(0, None, "out", "", 0.25, [])
        second = protocol.record(1, ["ValueError", "bad"], "", "warn", 0.5, ["x was replaced"])
        data = protocol.pack_record(first) + protocol.pack_record(second)
        os.write(write, data[:7])  # a record split across reads is kept until it is whole
        reader = protocol.RecordReader(read)
        assert reader.read() == []
        os.write(write, data[7:])
        assert reader.read() == [first, second]
        assert CellRun.from_record(second) == CellRun(
            ("ValueError", "bad"), "warn", "", seconds=0.5
        )
        os.write(write, (protocol.MAX_RECORD + 1).to_bytes(4, "big"))
        assert reader.read() == [protocol.GARBLED]
        os.close(write)
        write = -1
        assert reader.read() is None
    finally:
        os.close(read)
        if write != -1:
            os.close(write)
