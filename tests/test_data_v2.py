"""The second lab's offline dataset (SQuAD v2.0 format, :mod:`tp_helpers.datagen_v2`)."""

import filecmp
import hashlib
import json
import re

import pytest

from tp_helpers import datagen, datagen_v2
from tp_helpers.data import DATASET_V2_NAME, build_dataset, offline_dataset_path


@pytest.fixture(scope="module")
def v2_folder():
    return offline_dataset_path(version="v2")


@pytest.fixture(scope="module")
def v2_splits(v2_folder):
    """Every split, loaded through ``datasets`` as ``rajpurkar/squad_v2`` would be."""
    from datasets import load_dataset

    return load_dataset(str(v2_folder))


def _says(context: str, fact_key: str) -> bool:
    """Does ``context`` write a sentence of this relation (one of its words, as a whole word)?"""
    words = datagen_v2.RELATION_WORDS[fact_key]
    return any(re.search(rf"\b{word}\b", context, re.IGNORECASE) for word in words)


def _unanswerable(row) -> bool:
    return not row["answers"]["text"]


def _digest(rows) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def test_v1_rows_are_unchanged():
    """TP7's rows (and its reference values) must not move when the v2 generator changes.

    The digest of the v1 rows without edge rows (those need the tokenizer) as they were when the
    v2 generator was added. Change it only with a new ``datagen.GENERATOR_VERSION``.
    """
    rows = datagen.generate(sizes={"train": 300, "validation": 100})
    assert datagen.GENERATOR_VERSION == 2
    assert _digest(rows) == "8eeaa028efe1d584ec24eb49a1f8a0cacbc842ebf0729920ecde92d78abe5c42"


def test_same_seed_same_rows_other_seed_other_rows():
    sizes = {"train": 60, "validation": 30}
    first, second = datagen_v2.generate_v2(sizes=sizes), datagen_v2.generate_v2(sizes=sizes)
    assert _digest(first) == _digest(second)
    other = datagen_v2.generate_v2(seed=1, sizes=sizes)
    assert [r["context"] for r in other["train"]] != [r["context"] for r in first["train"]]


def test_building_twice_gives_identical_bytes(tmp_path):
    first = build_dataset(tmp_path / "a" / DATASET_V2_NAME, "v2")
    second = build_dataset(tmp_path / "b" / DATASET_V2_NAME, "v2")
    files = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    assert len(files) == 3  # README.md and one parquet file per split
    assert filecmp.cmpfiles(first, second, files, shallow=False)[1:] == ([], [])


def test_load_dataset_gives_the_squad_v2_schema(v2_folder):
    from datasets import load_dataset

    train, validation = load_dataset(str(v2_folder), split=["train[:10%]", "validation[:20%]"])
    assert (len(train), len(validation)) == (200, 80)
    for split in (train, validation):
        assert split.column_names == ["id", "title", "context", "question", "answers"]
        assert split.features["answers"]["answer_start"].feature.dtype == "int32"
        assert split.features["answers"]["text"].feature.dtype == "string"
    assert any(_unanswerable(row) for row in validation)
    assert "Unanswerable rows: train 666 of 2000" in (v2_folder / "README.md").read_text()


def test_one_row_in_three_is_unanswerable_in_every_slice(v2_splits):
    """Exactly one per block of three rows: ``split[:3k]`` holds k unanswerable rows."""
    assert {split: len(rows) for split, rows in v2_splits.items()} == datagen_v2.SPLIT_SIZES
    for rows in v2_splits.values():
        flags = [_unanswerable(row) for row in rows]
        for k in range(len(flags) // 3):
            assert sum(flags[3 * k : 3 * k + 3]) == 1, k
        answer_starts = [row["answers"]["answer_start"] for row in rows if _unanswerable(row)]
        assert all(starts == [] for starts in answer_starts)


def test_an_unanswerable_question_asks_what_its_context_does_not_say(v2_splits):
    """About the biography's own person, a relation the biography has no sentence of."""
    for rows in v2_splits.values():
        for row in rows:
            fact = datagen_v2.question_fact(row["question"])
            assert row["title"].replace("_", " ") in row["question"], row["id"]
            assert row["title"].replace("_", " ") in row["context"], row["id"]
            assert _says(row["context"], fact) != _unanswerable(row), row["id"]


def test_a_plausible_answer_of_the_right_type_is_often_there_and_says_nothing(v2_splits):
    """The twin relation (died in a city for "where was ... born?") is in about two thirds of the
    biographies that can have one, answerable or not: its presence is no shortcut."""
    shown = {True: [], False: []}
    for row in v2_splits["train"]:
        fact = datagen_v2.question_fact(row["question"])
        if fact in datagen_v2.TWINS:
            shown[_unanswerable(row)].append(_says(row["context"], datagen_v2.TWINS[fact]))
    share = {kind: sum(flags) / len(flags) for kind, flags in shown.items()}
    assert 0.6 < share[True] < 0.8 and 0.6 < share[False] < 0.8, share
    assert abs(share[True] - share[False]) < 0.08, share


def test_every_answer_is_at_its_offset(v2_splits):
    for split, rows in v2_splits.items():
        for row in rows:
            texts, starts = row["answers"]["text"], row["answers"]["answer_start"]
            golds = 0 if _unanswerable(row) else 1 if split == "train" else 3
            assert len(texts) == len(starts) == golds, row["id"]
            for text, start in zip(texts, starts):
                assert row["context"][start : start + len(text)] == text, row["id"]


def test_ids_unique_and_not_tp7s(v2_splits, offline_splits):
    ids = [i for rows in v2_splits.values() for i in rows["id"]]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 24 and int(i, 16) >= 0 for i in ids)
    assert not set(ids) & {i for rows in offline_splits.values() for i in rows["id"]}


def test_long_contexts_give_windows_without_the_answer(v2_splits, tokenizer):
    """At the offline profile's 128 / 32, as in TP7: contexts over several windows, answers only
    in a later one, and unanswerable questions over several windows (all CLS labels)."""
    rows = v2_splits["train"].select(range(600))
    encoded = tokenizer(
        [row["question"].lstrip() for row in rows],
        [row["context"] for row in rows],
        truncation="only_second",
        max_length=128,
        stride=32,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    windows: dict[int, list[bool]] = {}
    for feature, row_index in enumerate(encoded["overflow_to_sample_mapping"]):
        row = rows[row_index]
        if _unanswerable(row):
            windows.setdefault(row_index, []).append(False)
            continue
        start = row["answers"]["answer_start"][0]
        end = start + len(row["answers"]["text"][0])
        sequence_ids = encoded.sequence_ids(feature)
        context = [o for o, s in zip(encoded["offset_mapping"][feature], sequence_ids) if s == 1]
        windows.setdefault(row_index, []).append(context[0][0] <= start and context[-1][1] >= end)
    unanswerable_long = sum(len(w) > 1 for i, w in windows.items() if _unanswerable(rows[i]))
    answerable = [w for i, w in windows.items() if not _unanswerable(rows[i])]
    assert all(any(w) for w in answerable), "an answer is in no window"
    assert unanswerable_long >= 10, "too few unanswerable questions over several windows"
    assert sum(len(w) > 1 for w in answerable) >= 10, "too few answerable contexts overflow"
    assert sum(not w[0] for w in answerable) >= 3, "no answer sits only in a later window"


def test_question_fact_names_the_relation():
    assert datagen_v2.question_fact("  Where did Ada Novak die?") == "death_city"
    assert datagen_v2.question_fact("What prize did Ada Novak win?") == "award"
    with pytest.raises(ValueError, match="not a generated question"):
        datagen_v2.question_fact("Who is Ada Novak?")


def test_an_unknown_dataset_version_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset version 'v3'"):
        offline_dataset_path(tmp_path, version="v3")
