"""Test-wide set-up: no test may reach the network, and Hugging Face libraries must know it
before they are imported (huggingface_hub reads these variables at import time)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

for _var in (
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "HF_EVALUATE_OFFLINE",
    "TRANSFORMERS_OFFLINE",
):
    os.environ.setdefault(_var, "1")

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / "tp7_qa.ipynb"


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
