"""The ``rajpurkar/squad_v2`` stand-in (second lab), loaded as Colab loads it: through the Hub API.

``load_dataset`` runs in a child process whose ``HF_ENDPOINT`` is the mirror, with a fresh
``HF_HOME`` and no offline switch (``huggingface_hub`` reads both when imported, and this process
imported it offline).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from . import hub_mirror
from .conftest import REPO

_LOAD = """
import json
from datasets import load_dataset

train, validation = load_dataset("rajpurkar/squad_v2", split=["train[:1%]", "validation[:1%]"])
print(json.dumps({
    "sizes": [len(train), len(validation)],
    "columns": train.column_names,
    "answer_start": str(train.features["answers"]["answer_start"].feature.dtype),
    "unanswerable": [sum(not a["text"] for a in rows["answers"]) for rows in (train, validation)],
    "first": train[0]["id"],
}))
"""


@pytest.fixture(scope="module")
def v2_repo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hub") / "datasets" / hub_mirror.DATASET_V2_REPO
    return hub_mirror.build_dataset_v2_repo(folder)


def test_the_repository_has_squad_v2s_layout_and_sizes(v2_repo):
    import pyarrow.parquet as pq

    files = sorted(p.relative_to(v2_repo).as_posix() for p in v2_repo.rglob("*") if p.is_file())
    parquet = [
        "squad_v2/train-00000-of-00001.parquet",
        "squad_v2/validation-00000-of-00001.parquet",
    ]
    assert files == ["README.md", *parquet]
    rows = {name: pq.read_table(v2_repo / name).num_rows for name in parquet}
    assert list(rows.values()) == [130_319, 11_873]
    card = (v2_repo / "README.md").read_text(encoding="utf-8")
    assert "config_name: squad_v2" in card and "path: squad_v2/train-*" in card
    assert "num_examples: 130319" in card and "plain_text" not in card
    ids = [i for name in parquet for i in pq.read_table(v2_repo / name)["id"].to_pylist()]
    assert len(set(ids)) == len(ids)


def test_load_dataset_through_the_mirror(v2_repo, tmp_path):
    repos = {("dataset", hub_mirror.DATASET_V2_REPO): v2_repo}
    env = {k: v for k, v in os.environ.items() if k not in hub_mirror.HF_VARIABLES}
    with hub_mirror.HubMirror(repos) as mirror:
        env.update(hub_mirror.NO_OUTSIDE_NETWORK, HF_ENDPOINT=mirror.url, HF_HOME=str(tmp_path))
        result = subprocess.run(
            [sys.executable, "-c", _LOAD], cwd=REPO, env=env, capture_output=True, text=True
        )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    # 1 % of SQuAD v2.0's 130,319 / 11,873 rows, rounded to the closest: 1303.19 / 118.73
    assert loaded["sizes"] == [1303, 119]
    assert loaded["columns"] == ["id", "title", "context", "question", "answers"]
    assert loaded["answer_start"] == "int32"
    # one row in three unanswerable, as in the offline v2 set: 434 blocks of 3 and one row; 39
    # blocks and two rows
    assert loaded["unanswerable"][0] in (434, 435) and loaded["unanswerable"][1] in (39, 40)
    served = [path for _, path, status, route in mirror.requests if route == "resolve"]
    assert any("squad_v2/train-00000-of-00001.parquet" in path for path in served), served
