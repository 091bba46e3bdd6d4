import filecmp
import multiprocessing
from pathlib import Path

import pytest

from tp_helpers import ResourceError
from tp_helpers.data import DATASET_NAME, build_dataset, offline_dataset_path
from tp_helpers.datagen import SPLIT_SIZES


def _answer_windows(tokenizer, row, max_length, stride):
    """Indices of the windows that hold the whole (first) answer of ``row``."""
    encoded = tokenizer(
        row["question"].lstrip(),
        row["context"],
        truncation="only_second",
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    start = row["answers"]["answer_start"][0]
    end = start + len(row["answers"]["text"][0])
    windows = []
    for i, offsets in enumerate(encoded["offset_mapping"]):
        context = [o for o, s in zip(offsets, encoded.sequence_ids(i)) if s == 1]
        if context[0][0] <= start and context[-1][1] >= end:
            windows.append(i)
    return len(encoded["input_ids"]), windows


def test_load_dataset_gives_the_squad_schema(offline_profile):
    from datasets import load_dataset

    train, validation = load_dataset(
        offline_profile.dataset, split=["train[:1%]", "validation[:5%]"]
    )
    assert (len(train), len(validation)) == (
        SPLIT_SIZES["train"] // 100,
        SPLIT_SIZES["validation"] // 20,
    )
    for split in (train, validation):
        assert split.column_names == ["id", "title", "context", "question", "answers"]
        assert split.features["answers"]["answer_start"].feature.dtype == "int32"
        assert split.features["answers"]["text"].feature.dtype == "string"


def test_every_answer_is_at_its_offset(offline_splits):
    for split in offline_splits.values():
        for row in split:
            assert row["answers"]["text"], row["id"]
            for text, start in zip(row["answers"]["text"], row["answers"]["answer_start"]):
                assert row["context"][start : start + len(text)] == text, row["id"]


def test_ids_unique_and_squad_like(offline_splits):
    ids = [i for split in offline_splits.values() for i in split["id"]]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 24 and int(i, 16) >= 0 for i in ids)


def test_validation_rows_have_several_gold_answers(offline_splits):
    validation = offline_splits["validation"]
    assert all(len(row["answers"]["text"]) == 3 for row in validation)
    differing = [row for row in validation if len(set(row["answers"]["text"])) > 1]
    assert len(differing) > len(validation) // 4  # a longer variant such as "in Lyon"


def test_some_questions_start_with_whitespace(offline_splits):
    train = offline_splits["train"]
    assert any(q != q.lstrip() for q in train["question"])


@pytest.mark.parametrize(("max_length", "stride"), [(384, 128), (128, 32)])
def test_long_contexts_exercise_every_window_case(offline_splits, tokenizer, max_length, stride):
    """The hard cases of the lab exist at the full profile's and the offline profile's sizes."""
    rows = offline_splits["train"].select(range(600))
    multi = later_only = overlap = cls_windows = 0
    for row in rows:
        n_features, windows = _answer_windows(tokenizer, row, max_length, stride)
        assert windows, f"{row['id']}: the answer is in no window"
        multi += n_features >= 2
        later_only += windows[0] > 0
        overlap += len(windows) >= 2
        cls_windows += n_features - len(windows)
    assert multi >= 10, "too few contexts overflow one window"
    assert later_only >= 3, "no answer sits only in a later window"
    assert overlap >= 1, "no answer sits in the overlap of two windows"
    assert cls_windows >= 10, "too few windows without the answer (CLS labels)"


def test_building_twice_gives_identical_bytes(tmp_path):
    first = build_dataset(tmp_path / "a" / DATASET_NAME)
    second = build_dataset(tmp_path / "b" / DATASET_NAME)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files  # README.md and one parquet file per split
    match, mismatch, errors = filecmp.cmpfiles(
        first, second, [str(f) for f in files], shallow=False
    )
    assert (mismatch, errors) == ([], [])


def _build_into(root: str) -> str:
    return str(offline_dataset_path(Path(root)))


def test_concurrent_builds_leave_one_complete_dataset(tmp_path):
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        paths = pool.map(_build_into, [str(tmp_path)] * 3)
    assert len(set(paths)) == 1
    assert [p.name for p in tmp_path.iterdir()] == [DATASET_NAME]  # no staging folder left
    reference = build_dataset(tmp_path / "reference" / DATASET_NAME)
    for path in reference.rglob("*.parquet"):
        assert filecmp.cmp(path, Path(paths[0]) / path.relative_to(reference), shallow=False)


def test_existing_dataset_is_reused_not_rebuilt(tmp_path):
    path = offline_dataset_path(tmp_path)
    stamp = (path / "README.md").stat().st_mtime_ns
    assert offline_dataset_path(tmp_path) == path
    assert (path / "README.md").stat().st_mtime_ns == stamp


def test_incomplete_cache_folder_is_a_clear_error(tmp_path):
    path = offline_dataset_path(tmp_path)
    next(path.rglob("*.parquet")).unlink()
    with pytest.raises(ResourceError) as info:
        offline_dataset_path(tmp_path)
    assert str(path) in str(info.value)
    assert "Delete that folder" in str(info.value) and "TP_DATA_DIR" in str(info.value)


def test_unusable_cache_location_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("TP_DATA_DIR", str(blocker))
    with pytest.raises(ResourceError, match="set TP_DATA_DIR to a writable folder"):
        offline_dataset_path()


def test_edge_rows_fall_inside_the_offline_profile_slices(offline_profile):
    """A run must meet the edge rows: the profile's slices hold every one of them."""
    from datasets import load_dataset

    from tp_helpers.datagen import EDGE_ROWS

    splits = {"train": offline_profile.train_split, "validation": offline_profile.validation_split}
    for split, edges in EDGE_ROWS.items():
        rows = load_dataset(offline_profile.dataset, split=splits[split])
        assert max(edges) < len(rows), (split, splits[split], len(rows))


def test_edge_rows_end_the_context_or_a_window(offline_splits, tokenizer):
    """The rows exercise 07/12's bound needs: the answer is the context's last token, or the last
    context token of a window that is not the last one (at the offline and full window sizes)."""
    from tp_helpers.datagen import EDGE_ROWS

    for split, edges in EDGE_ROWS.items():
        for index, windows in edges.items():
            row = offline_splits[split][index]
            answer, start = row["answers"]["text"][0], row["answers"]["answer_start"][0]
            if windows is None:
                assert row["context"].endswith(answer), row["id"]
                continue
            encoded = tokenizer(
                row["question"].lstrip(),
                row["context"],
                truncation="only_second",
                max_length=windows[0],
                stride=windows[1],
                return_overflowing_tokens=True,
                return_offsets_mapping=True,
            )
            ends = []
            for i in range(len(encoded["input_ids"]) - 1):
                last = max(k for k, s in enumerate(encoded.sequence_ids(i)) if s == 1)
                ends.append(tuple(encoded["offset_mapping"][i][last]))
            assert (start, start + len(answer)) in ends, (split, index, windows)
