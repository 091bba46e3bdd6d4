"""Exercise 30: the final predictions the SQuAD metric scores."""

from __future__ import annotations

from ._lab import _expect, _passed


def ex30(final_predictions, validation_dataset) -> None:
    ids = list(validation_dataset["id"])
    keys = list(final_predictions.keys()) if hasattr(final_predictions, "keys") else []
    _expect(
        sorted(keys) == sorted(ids), "30", "ex30.ids", f"{len(keys)} predictions", expected=len(ids)
    )
    for row in validation_dataset:
        prediction = final_predictions[row["id"]]
        _expect(
            isinstance(prediction, str) and prediction in row["context"],
            "30",
            "ex30.text",
            None,
            row=row["id"],
            prediction=prediction,
        )
    _passed("30", f"{len(ids)} predictions, each a piece of its context.")
