"""The offline dataset on disk: built once, then loaded exactly like the Hub's SQuAD.

``load_dataset(offline_dataset_path(), split=["train[:10%]", ...])`` must behave like
``load_dataset("rajpurkar/squad", split=[...])``, so the folder holds what a Hub dataset repository
holds: one parquet file per split and a ``README.md`` card whose YAML header declares the splits and
the features (``answer_start`` is int32, as in SQuAD).

The second lab (TP8) has its own folder, the same way: ``offline_dataset_path(version="v2")``
stands for ``load_dataset("rajpurkar/squad_v2", ...)``, with SQuAD v2.0's unanswerable questions
(rows of :mod:`tp_helpers.datagen_v2`).

The folder is written to a temporary sibling and renamed into place, so a reader never sees half a
dataset and two processes building it at once cannot corrupt it: the first rename wins, the other
build is discarded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from . import datagen, datagen_v2
from .errors import ResourceError

SPLITS = tuple(datagen.SPLIT_SIZES)


def _generator_fingerprint(*modules) -> str:
    """Short hash of the generator's source.

    ``datasets`` caches what it loads by path and file times, and may serve a stale copy after a
    folder is rebuilt in place. Naming the folder after the generator that wrote it means new
    rows always get a new path.
    """
    digest = hashlib.sha256()
    for module in modules or (datagen,):
        digest.update(Path(module.__file__).read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()[:8]


DATASET_NAME = f"squad-offline-v{datagen.GENERATOR_VERSION}-{_generator_fingerprint()}"
#: the v2 rows are made with v1's pieces: a change to either module makes a new folder
DATASET_V2_NAME = (
    f"squad-v2-offline-v{datagen_v2.GENERATOR_VERSION}-"
    f"{_generator_fingerprint(datagen, datagen_v2)}"
)
#: the dataset version ("v1": SQuAD v1.1, TP7; "v2": SQuAD v2.0, TP8) -> its folder's name
DATASET_NAMES = {"v1": DATASET_NAME, "v2": DATASET_V2_NAME}


def cache_root() -> Path:
    """``TP_DATA_DIR`` if set, else ``$XDG_CACHE_HOME/tp_helpers`` (``~/.cache/tp_helpers``)."""
    explicit = os.environ.get("TP_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "tp_helpers"


def offline_dataset_path(root: Path | None = None, version: str = "v1") -> Path:
    """Path of the offline dataset folder, building it first if it is not there yet.

    ``version`` "v1" is TP7's SQuAD v1.1 set, "v2" TP8's SQuAD v2.0 set (unanswerable questions).
    """
    if version not in DATASET_NAMES:
        raise ValueError(f"unknown dataset version {version!r}: use one of {sorted(DATASET_NAMES)}")
    target = (root or cache_root()) / DATASET_NAMES[version]
    if not target.exists():
        build_dataset(target, version)
    _check_readable(target)
    return target


def offline_v2_dataset_path(root: Path | None = None) -> Path:
    """The SQuAD v2.0 set's folder: ``offline_dataset_path(root, version="v2")``."""
    return offline_dataset_path(root, version="v2")


def _check_readable(folder: Path) -> None:
    expected = [folder / "README.md", *(folder / _parquet_name(s) for s in SPLITS)]
    for path in expected:
        if not os.access(path, os.R_OK) or not path.is_file():
            raise ResourceError(
                f"the offline dataset folder {folder} is incomplete or unreadable ({path.name} "
                f"cannot be read). Delete that folder so it is rebuilt, or set TP_DATA_DIR to a "
                "writable folder."
            )


def _parquet_name(split: str) -> str:
    return f"data/{split}-00000-of-00001.parquet"


def build_dataset(target: Path, version: str = "v1") -> Path:
    """Write the dataset into ``target`` atomically; return ``target``.

    Safe to call concurrently: if another process finished first, its folder is kept.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except OSError as exc:
        raise ResourceError(
            f"cannot create the offline dataset under {target.parent} ({exc.strerror}); set "
            "TP_DATA_DIR to a writable folder."
        ) from exc
    try:
        write_dataset(staging, version)
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():  # not a lost race: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def write_dataset(folder: Path, version: str = "v1") -> None:
    """Write every split as parquet plus the dataset card into ``folder`` (deterministic bytes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = datagen.generate(tokenizer=_tokenizer()) if version == "v1" else datagen_v2.generate_v2()
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("title", pa.string()),
            ("context", pa.string()),
            ("question", pa.string()),
            (
                "answers",
                pa.struct(
                    [("text", pa.list_(pa.string())), ("answer_start", pa.list_(pa.int32()))]
                ),
            ),
        ]
    )
    (folder / "data").mkdir(parents=True, exist_ok=True)
    for split, split_rows in rows.items():
        table = pa.Table.from_pylist(split_rows, schema=schema)
        pq.write_table(table, folder / _parquet_name(split), compression="zstd")
    sizes = {s: len(r) for s, r in rows.items()}
    card = _card(sizes) if version == "v1" else _card_v2(sizes, rows)
    (folder / "README.md").write_text(card, encoding="utf-8")


def _tokenizer():
    """The offline model's tokenizer: it places the edge rows (BERT-uncased vocabulary, the same
    token ids as distilbert-base-uncased, so they are edge rows in the full profile too)."""
    from transformers import AutoTokenizer

    from .models import offline_model_path

    return AutoTokenizer.from_pretrained(offline_model_path())


#: the SQuAD columns as a dataset card declares them (also the Hub stand-in's, tests/hub_mirror.py)
SQUAD_FEATURES_YAML = """  features:
  - name: id
    dtype: string
  - name: title
    dtype: string
  - name: context
    dtype: string
  - name: question
    dtype: string
  - name: answers
    sequence:
    - name: text
      dtype: string
    - name: answer_start
      dtype: int32
"""


def _card_header(sizes: dict[str, int]) -> str:
    data_files = "".join(
        f"  - split: {split}\n    path: {_parquet_name(split)}\n" for split in sizes
    )
    return f"""---
configs:
- config_name: default
  data_files:
{data_files}dataset_info:
{SQUAD_FEATURES_YAML}language:
- en
task_categories:
- question-answering
---
"""


def _card(sizes: dict[str, int]) -> str:
    return (
        _card_header(sizes)
        + f"""
# TP7 offline SQuAD-format dataset (generator v{datagen.GENERATOR_VERSION})

Short, invented biographies with one question each, in the SQuAD v1.1 schema. Generated by
`tp_helpers.datagen` (seed {datagen.SEED}) so that the lab runs without the Hugging Face Hub.
Validation rows carry three gold answers, as SQuAD's do. Do not edit: delete the folder to rebuild.
"""
    )


def _card_v2(sizes: dict[str, int], rows: dict[str, list[dict]]) -> str:
    counts = ", ".join(
        f"{split} {sum(not r['answers']['text'] for r in split_rows)} of {len(split_rows)}"
        for split, split_rows in rows.items()
    )
    return (
        _card_header(sizes)
        + f"""
# TP8 offline SQuAD v2.0-format dataset (generator v{datagen_v2.GENERATOR_VERSION})

The biographies of TP7's offline dataset, in the SQuAD v2.0 schema. One row in three asks about
the biography's person something the biography does not say, often beside a plausible answer of
the same type; its `answers` lists are empty. Unanswerable rows: {counts}.

Generated by `tp_helpers.datagen_v2` (seed {datagen.SEED}) so that the lab runs without the
Hugging Face Hub. Do not edit: delete the folder to rebuild.
"""
    )
