"""Checks of part 2: windows and their labels (exercises 03-06).

The checks never tokenise the way the exercise does: they tokenise the context alone, work out
which context tokens each window must hold (the first window from the context's start, each next
one ``doc_stride`` tokens before the previous one ends), and compare the student's features with
that.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ...metrics.squad import normalize_answer
from ..core import CheckFailed
from ._lab import (
    LAB,
    NO_ANSWER,
    batch,
    expect,
    has_answer,
    left_padding,
    long_rows,
    passed,
    plain_ids,
    rows_of,
)


@dataclass
class Window:
    row: int  # index of the row in the rows given to the function
    feature: int  # index of the feature in the function's output
    char_start: int  # first character of the context the window holds
    char_end: int  # one past its last character


def _context_side(tokenizer) -> int:
    return 1 if tokenizer.padding_side == "right" else 0


def _call(function, tokenizer, rows, max_length, doc_stride, exercise="03"):
    try:
        return function(batch(rows), tokenizer, max_length, doc_stride)
    except (IndexError, AssertionError) as error:
        if exercise == "04" and not isinstance(error, CheckFailed):
            raise LAB.fail("04", "ex04.skip", f"{type(error).__name__}: {error}") from None
        raise


def windows(features, tokenizer, rows, max_length: int, doc_stride: int, exercise: str):
    """Check the windows of ``features`` (made from ``rows``); return one :class:`Window` each."""
    missing = [key for key in ("input_ids",) if key not in features]
    expect(not missing, exercise, "ex03.keys", sorted(features.keys()))
    side = _context_side(tokenizer)
    pad_side = "right" if side == 1 else "left"
    order = "question first" if side == 1 else "context first, then the question"
    truncation = '"only_second"' if side == 1 else '"only_first"'
    found, feature = [], 0
    n_features = len(features["input_ids"])
    for r, row in enumerate(rows):
        question = plain_ids(tokenizer, row["question"].lstrip())
        context = tokenizer(row["context"], add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = context["input_ids"], context["offset_mapping"]
        budget = max_length - len(question) - 3
        start = 0
        while True:
            if feature >= n_features:
                raise LAB.fail(
                    exercise,
                    "ex03.windows",
                    f"{n_features} features in all",
                    expected=_n_windows(len(ids), budget, doc_stride),
                    row=r,
                    doc_stride=doc_stride,
                )
            tokens = list(features["input_ids"][feature])
            expect(
                len(tokens) == max_length,
                exercise,
                "ex03.length",
                f"feature {feature}: {len(tokens)} tokens",
                max_length=max_length,
            )
            sequence_ids = list(features.sequence_ids(feature))
            asked = [t for t, s in zip(tokens, sequence_ids) if s == 1 - side]
            held = [t for t, s in zip(tokens, sequence_ids) if s == side]
            expect(
                asked == question and held,
                exercise,
                "ex03.question",
                f"feature {feature}",
                order=order,
                truncation=truncation,
                why=f"this tokenizer pads on the {pad_side}",
            )
            end = min(start + len(held), len(ids))
            expect(
                held == ids[start:end],
                exercise,
                "ex03.windows",
                f"feature {feature}",
                expected=_n_windows(len(ids), budget, doc_stride),
                row=r,
                doc_stride=doc_stride,
            )
            found.append(Window(r, feature, offsets[start][0], offsets[end - 1][1]))
            feature += 1
            if end >= len(ids):
                break
            start = end - doc_stride
    expect(
        feature == n_features,
        exercise,
        "ex03.windows",
        f"{n_features} features",
        expected=feature,
        row="(all)",
        doc_stride=doc_stride,
    )
    return found


def _n_windows(n_tokens: int, budget: int, doc_stride: int) -> int:
    count, end = 1, min(budget, n_tokens)
    while end < n_tokens:
        end = min(end - doc_stride + budget, n_tokens)
        count += 1
    return count


def _visible_rows(train_dataset, tokenizer, max_length) -> list[dict]:
    indices = sorted(set(range(6)) | set(long_rows(train_dataset, tokenizer, max_length, 2)))
    return rows_of(train_dataset, indices)


def ex03(prepare_train_features, tokenizer, train_dataset, max_length, doc_stride, profile) -> None:
    rows = _visible_rows(train_dataset, tokenizer, max_length)
    features = _call(prepare_train_features, tokenizer, rows, max_length, doc_stride)
    found = windows(features, tokenizer, rows, max_length, doc_stride, "03")
    first = _call(
        prepare_train_features, tokenizer, rows_of(train_dataset, range(6)), max_length, doc_stride
    )
    shape = [len(first["input_ids"]), len(first["input_ids"][0])]
    LAB.check_reference(profile, "03", "ex03.shape", shape, "reference")
    passed(
        "03",
        f"{len(found)} windows of {max_length} tokens for {len(rows)} rows, the question whole "
        f"in each, {doc_stride} tokens shared between neighbours.",
    )


def ex03_hidden(prepare_train_features, tokenizer, train_dataset) -> None:
    left = left_padding(tokenizer)
    for tok, max_length, doc_stride in ((left, 128, 32), (tokenizer, 384, 128), (left, 64, 16)):
        rows = rows_of(train_dataset, long_rows(train_dataset, tokenizer, max_length, 3))
        rows += rows_of(train_dataset, range(3))
        features = _call(prepare_train_features, tok, rows, max_length, doc_stride)
        windows(features, tok, rows, max_length, doc_stride, "03")


# ------------------------------------------------------------------------------------------------
def _labels(features, exercise: str):
    starts, ends = features.get("start_positions"), features.get("end_positions")
    n = len(features["input_ids"])
    expect(
        starts is not None and ends is not None and len(starts) == len(ends) == n,
        exercise,
        "ex04.count",
        f"{n} features, {len(starts or [])} start and {len(ends or [])} end labels",
        n=n,
    )
    return starts, ends


def _check_labels(function, tokenizer, rows, max_length, doc_stride, exercise: str) -> int:
    """Labels of the windows of ``rows``: 04 judges the rows without an answer, 05 the others."""
    features = _call(function, tokenizer, rows, max_length, doc_stride, exercise)
    found = windows(features, tokenizer, rows, max_length, doc_stride, exercise)
    starts, ends = _labels(features, exercise)
    judged = 0
    for window in found:
        row, i = rows[window.row], window.feature
        tokens = list(features["input_ids"][i])
        cls = tokens.index(tokenizer.cls_token_id)
        label = (int(starts[i]), int(ends[i]))
        if not has_answer(row):
            if exercise == "04":
                expect(label == (cls, cls), "04", "ex04.cls", label, cls=cls)
                judged += 1
            continue
        if exercise != "05":
            continue
        judged += 1
        answer = row["answers"]["text"][0]
        answer_start = row["answers"]["answer_start"][0]
        inside = window.char_start <= answer_start and window.char_end >= answer_start + len(answer)
        if not inside:
            expect(label == (cls, cls), "05", "ex05.outside", label, feature=i, cls=cls)
            continue
        expect(label != (cls, cls), "05", "ex05.inside", label, feature=i)
        start, end = label
        decoded = tokenizer.decode(tokens[start : end + 1]) if 0 <= start <= end else ""
        wanted = tokenizer.decode(plain_ids(tokenizer, answer))
        expect(
            normalize_answer(decoded) == normalize_answer(wanted),
            "05",
            "ex05.span",
            f"{label} -> {decoded!r}",
            feature=i,
            answer=answer,
        )
    return judged


def ex04(prepare_train_features, tokenizer, train_dataset, max_length, doc_stride) -> None:
    rows = [
        dict(row, answers=NO_ANSWER)
        for row in _visible_rows(train_dataset, tokenizer, max_length)[-4:]
    ]
    n = 0
    for tok in (tokenizer, left_padding(tokenizer)):
        n = _check_labels(prepare_train_features, tok, rows, max_length, doc_stride, "04")
    passed(
        "04",
        f"all {n} windows of rows without an answer point at their own [CLS], with "
        "either padding side.",
    )


def ex04_hidden(prepare_train_features, tokenizer, train_dataset, validation_dataset) -> None:
    mixed = rows_of(validation_dataset, range(12))
    mixed += [
        dict(row, answers=NO_ANSWER)
        for row in rows_of(train_dataset, long_rows(train_dataset, tokenizer, 64, 3, start=20))
    ]
    for tok, max_length, doc_stride in ((left_padding(tokenizer), 64, 16), (tokenizer, 128, 32)):
        _check_labels(prepare_train_features, tok, mixed, max_length, doc_stride, "04")


def _edge_rows() -> list[dict]:
    """Answers on the very first and the very last character of the context."""
    first = "Lyon is where the painter spent most of her working life, far from the sea."
    last = "After many years abroad, the painter came home and settled in Lyon"
    return [
        {
            "id": "edge-first",
            "title": "t",
            "question": "Where did the painter work?",
            "context": first,
            "answers": {"text": ["Lyon"], "answer_start": [0]},
        },
        {
            "id": "edge-last",
            "title": "t",
            "question": "Where did the painter settle?",
            "context": last,
            "answers": {"text": ["Lyon"], "answer_start": [last.index("Lyon")]},
        },
    ]


def ex05(prepare_train_features, tokenizer, train_dataset, max_length, doc_stride) -> None:
    rows = [row for row in _visible_rows(train_dataset, tokenizer, max_length) if has_answer(row)]
    rows += _edge_rows()
    n = _check_labels(prepare_train_features, tokenizer, rows, max_length, doc_stride, "05")
    passed(
        "05",
        f"{n} windows of answerable rows: [CLS] exactly for those without the whole "
        "answer, the answer's tokens for the others.",
    )


def ex05_hidden(prepare_train_features, tokenizer, train_dataset, validation_dataset) -> None:
    rows = [row for row in rows_of(validation_dataset, range(20)) if has_answer(row)]
    rows += [
        row
        for row in rows_of(train_dataset, long_rows(train_dataset, tokenizer, 64, 6, start=10))
        if has_answer(row)
    ]
    rows += _edge_rows()
    for tok, max_length, doc_stride in (
        (left_padding(tokenizer), 64, 16),
        (tokenizer, 64, 16),
        (tokenizer, 384, 128),
        (left_padding(tokenizer), 128, 32),
    ):
        _check_labels(prepare_train_features, tok, rows, max_length, doc_stride, "05")


# ------------------------------------------------------------------------------------------------
#: sha256 of the right letter: the package students install does not hold the answer in clear
_RIGHT = "df7e70e5021544f4834bbee64a9e3789febc4be81470df629cad6ddb03320a5c"
_WRONG_ADVICE = {
    "A": "the row's length has nothing to do with it: an unanswerable question can have a long "
    "context, with several windows. Read B and C again.",
    "C": "[CLS] holds no answer text: its label is a convention, a place where the model puts "
    "its 'not here' score. Read A and B again.",
}


def ex06(same_rule) -> None:
    letter = same_rule.strip().upper() if isinstance(same_rule, str) else same_rule
    expect(letter in ("A", "B", "C"), "06", "ex06.letter", repr(same_rule))
    right = hashlib.sha256(letter.encode()).hexdigest() == _RIGHT
    expect(right, "06", "ex06.wrong", repr(same_rule), advice=_WRONG_ADVICE.get(letter, ""))
    passed("06", "a window of an unanswerable question is one more window without the answer.")
