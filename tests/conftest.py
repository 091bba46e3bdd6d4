"""Fixtures shared by the tests (the offline environment itself is set in ../conftest.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from tp_helpers.runner import SOLUTION_NOTEBOOK

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / SOLUTION_NOTEBOOK


@pytest.fixture(scope="session")
def offline_profile():
    from tp_helpers import get_profile

    return get_profile("offline")


@pytest.fixture(scope="session")
def tokenizer(offline_profile):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(offline_profile.model_checkpoint)


@pytest.fixture(scope="session")
def offline_splits(offline_profile):
    """The whole offline dataset, every split, loaded through datasets like the Hub's SQuAD."""
    from datasets import load_dataset

    return load_dataset(offline_profile.dataset)


@pytest.fixture
def browser_work(tmp_path):
    """A work folder and a started headless Chromium (the browser tests of both labs); skip, with
    the reason, without one."""
    from .test_browser import BrowserUnavailable, chromium

    with contextlib.ExitStack() as stack:
        try:
            driver = stack.enter_context(chromium(tmp_path))
        except BrowserUnavailable as exc:
            pytest.skip(f"no headless Chromium: {exc}")
        yield tmp_path, driver
