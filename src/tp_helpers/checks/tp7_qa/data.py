"""Exercises 01-02: the data and the tokenizer."""

from __future__ import annotations

from ._lab import LAB, PAIR, SQUAD_COLUMNS, _expect, _passed


# ----------------------------------------------------------------------------------------------
# 01-02: data and tokenizer
# ----------------------------------------------------------------------------------------------
def ex01(train_dataset, validation_dataset, profile) -> None:
    import datasets

    for split in (train_dataset, validation_dataset):
        _expect(isinstance(split, datasets.Dataset), "01", "ex01.type", type(split).__name__)
        _expect(split.column_names == SQUAD_COLUMNS, "01", "ex01.columns", split.column_names)
    n_answers = (
        len(train_dataset[0]["answers"]["text"]),
        len(validation_dataset[0]["answers"]["text"]),
    )
    _expect(
        not (n_answers[0] > 1 and n_answers[1] == 1),
        "01",
        "ex01.order",
        f"answers per row: train {n_answers[0]}, validation {n_answers[1]}",
    )
    rows = [len(train_dataset), len(validation_dataset)]
    LAB.check_reference(profile, "01", "ex01.rows", rows, "ex01.rows")
    _passed("01", f"{rows[0]} training and {rows[1]} validation rows with the SQuAD columns.")


def ex01_hidden(train_dataset, validation_dataset, profile) -> None:
    first_ids = [train_dataset[0]["id"], validation_dataset[0]["id"]]
    LAB.check_reference(profile, "01", "ex01.first_ids", first_ids, "reference")


def ex02(tokenizer, profile) -> None:
    _expect(getattr(tokenizer, "is_fast", False), "02", "ex02.fast", type(tokenizer).__name__)
    ids = tokenizer(*PAIR)["input_ids"]
    _expect(
        ids[:5] == [101, 7632, 1010, 1045, 2052],
        "02",
        "ex02.checkpoint",
        ids[:5],
        checkpoint=profile.model_checkpoint,
    )
    _passed("02", f"{type(tokenizer).__name__}; the pair encodes to {len(ids)} ids {ids[:5]}...")


def ex02_hidden(tokenizer, profile) -> None:
    ids = tokenizer(*PAIR)["input_ids"]
    LAB.check_reference(profile, "02", "ex02.pair_ids", ids, "reference")
    _expect(
        tokenizer.name_or_path.rstrip("/") == profile.model_checkpoint.rstrip("/"),
        "02",
        "ex02.checkpoint",
        tokenizer.name_or_path,
        checkpoint=profile.model_checkpoint,
    )
