"""Checks of part 1: the SQuAD v2 slices and their share of unanswerable questions."""

from __future__ import annotations

from ._lab import LAB, SQUAD_COLUMNS, expect, passed


def ex01(train_dataset, validation_dataset, profile) -> None:
    import datasets

    for split in (train_dataset, validation_dataset):
        expect(isinstance(split, datasets.Dataset), "01", "ex01.type", type(split).__name__)
        expect(split.column_names == SQUAD_COLUMNS, "01", "ex01.columns", split.column_names)
    rows = [len(train_dataset), len(validation_dataset)]
    LAB.check_reference(profile, "01", "ex01.rows", rows, "ex01.rows")
    passed("01", f"{rows[0]} training and {rows[1]} validation rows with the SQuAD columns.")


def ex01_hidden(train_dataset, validation_dataset, profile) -> None:
    first_ids = [train_dataset[0]["id"], validation_dataset[0]["id"]]
    LAB.check_reference(profile, "01", "ex01.first_ids", first_ids, "reference")


def _expected_share(dataset) -> float:
    answers = dataset["answers"]
    return sum(1 for entry in answers if not entry["text"]) / len(answers)


def _check_share(function, dataset, what: str) -> float:
    expected = _expected_share(dataset)
    found = function(dataset)
    expect(
        isinstance(found, (int, float)) and not isinstance(found, bool) and 0 <= found <= 1,
        "02",
        "ex02.number",
        found,
    )
    if abs(found - expected) > 1e-9:
        if abs(found - (1 - expected)) < 1e-9:
            advice = "that is the share of rows *with* an answer: count the empty answer lists."
        else:
            advice = (
                'a row has no answer when its `answers["text"]` list is empty; divide their '
                "count by the number of rows."
            )
        raise LAB.fail("02", "ex02.share", found, expected=expected, what=what, advice=advice)
    return found


def ex02(unanswerable_share, train_dataset, validation_dataset, profile) -> None:
    shares = [
        _check_share(unanswerable_share, train_dataset, "train_dataset"),
        _check_share(unanswerable_share, validation_dataset, "validation_dataset"),
    ]
    LAB.check_reference(profile, "02", "ex02.shares", [round(s, 6) for s in shares], "reference")
    passed(
        "02",
        f"{shares[0]:.0%} of the training and {shares[1]:.0%} of the validation questions have "
        "no answer.",
    )


def _table(kinds: str):
    """A small SQuAD v2 table: one row per letter, ``a`` answerable, ``n`` without an answer."""
    import datasets

    rows = []
    for i, kind in enumerate(kinds):
        context = f"Row {i} was written in Lyon."
        answers = (
            {"text": ["Lyon"], "answer_start": [context.index("Lyon")]}
            if kind == "a"
            else {"text": [], "answer_start": []}
        )
        question = "Where was it written?" if kind == "a" else "When was it read?"
        rows.append(
            {
                "id": str(i),
                "title": "t",
                "context": context,
                "question": question,
                "answers": answers,
            }
        )
    return datasets.Dataset.from_list(rows)


def ex02_hidden(unanswerable_share) -> None:
    for kinds in ("aaaa", "nnn", "anaa", "nanan"):
        _check_share(unanswerable_share, _table(kinds), f"a table of {len(kinds)} rows")
