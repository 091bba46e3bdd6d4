"""TP8's hint table: for each way a check can fail, what was expected and the likely mistake.

Data only, as TP7's: :mod:`tp_helpers.checks.core` renders an entry as
``Exercise NN: <expected>`` / ``found: …`` / ``hint: <hint>``, filling ``{placeholders}`` with the
values the check saw. Edit wording here, not in the checks.
"""

from __future__ import annotations

from ..core import COMMON_HINTS, Hint

TITLES = {
    "01": "load a slice of each split",
    "02": "share of unanswerable questions",
    "03": "tokenizer call in prepare_train_features",
    "04": "unanswerable question: every window at [CLS]",
    "05": "window without the whole answer at [CLS]",
    "06": "why TP7's rule already fits",
    "07": "training arguments and Trainer",
    "08": "null score of a window",
    "09": "null score of a question: the minimum",
    "10": "answer only when the span beats the null score",
    "11": "F1 of one prediction, SQuAD v2 rules",
    "12": "F1 as a function of the threshold",
    "13": "the best threshold",
    "14": "answered or abstained by mistake",
}

HINTS = {
    **COMMON_HINTS,
    # 01
    "ex01.type": Hint(
        "`train_dataset` and `validation_dataset` should be two `datasets.Dataset` objects.",
        "pass a *list* of the two split expressions to `split=` and unpack the two datasets.",
    ),
    "ex01.columns": Hint(
        "the five SQuAD columns id, title, context, question, answers.",
        "load `profile.dataset`, the profile's SQuAD v2-format dataset.",
    ),
    "ex01.rows": Hint(
        "{reference} rows (train, validation) in the {profile} profile.",
        "the split expressions are `profile.train_split` then `profile.validation_split`, in "
        "that order.",
    ),
    # 02
    "ex02.number": Hint(
        "a number between 0 and 1.",
        "return the share as a fraction: the count of rows without an answer divided by the "
        "number of rows (not a percentage, not a count).",
    ),
    "ex02.share": Hint(
        "{expected:.3f} of the rows of {what} have no answer.",
        "{advice}",
    ),
    # 03
    "ex03.length": Hint(
        "every feature exactly {max_length} tokens long.",
        'pad every window to `max_length` (`padding="max_length"`) and pass '
        "`max_length=max_length`.",
    ),
    "ex03.question": Hint(
        "the whole question in every feature, {order}.",
        "truncate only the context ({truncation}), with question and context in the order "
        "`pad_on_right` gives ({why}).",
    ),
    "ex03.windows": Hint(
        "{expected} windows for row {row}, consecutive ones sharing {doc_stride} tokens.",
        "return the overflowing tokens as extra features (`return_overflowing_tokens=True`), "
        "with `stride=doc_stride`.",
    ),
    "ex03.keys": Hint(
        "the features' `offset_mapping` and `overflow_to_sample_mapping`.",
        "ask the tokenizer for the offsets (`return_offsets_mapping=True`) and the overflowing "
        "tokens: the code after your call pops both.",
    ),
    # 04
    "ex04.skip": Hint(
        "a row without an answer labelled, then skipped.",
        "after appending `cls_index` to both label lists, `continue`: the code below needs an "
        "answer and fails on an empty list.",
    ),
    "ex04.cls": Hint(
        "every window of a row without an answer labelled ({cls}, {cls}), its own [CLS].",
        'test `len(answers["answer_start"]) == 0` and append `cls_index` (read from this '
        "feature's input_ids, not a fixed 0) as start and as end.",
    ),
    "ex04.count": Hint(
        "one start and one end label per feature ({n} features).",
        "append exactly one start and one end position per feature, then `continue`.",
    ),
    # 05
    "ex05.outside": Hint(
        "feature {feature} does not hold the whole answer: labelled ({cls}, {cls}).",
        "label with `cls_index` when the answer starts *before* the window's first context "
        "character or ends *after* its last one: either one is enough (`or`).",
    ),
    "ex05.inside": Hint(
        "feature {feature} holds the whole answer: labelled with its tokens, not [CLS].",
        "a window holds the answer when `offsets[first][0] <= start_char` and "
        "`offsets[last][1] >= end_char`; an answer that starts on the window's very first "
        "token, or ends on its last one, is inside.",
    ),
    "ex05.span": Hint(
        "feature {feature}'s labels decode to the answer {answer!r}.",
        "after labelling a window, `continue` to the next one: a window must get exactly one "
        "start and one end label.",
    ),
    # 06
    "ex06.letter": Hint(
        "one of the letters A, B or C.",
        'set `same_rule` to a string: "A", "B" or "C".',
    ),
    "ex06.wrong": Hint(
        "the sentence that says why TP7's label fits.",
        "{advice}",
    ),
    # 07
    "ex07.argument": Hint(
        "`{name}` = {expected} (from the profile).",
        "{advice}",
    ),
    "ex07.trainer": Hint(
        "the Trainer's `{name}` is {expected}.",
        "pass model, args, the tokenised train and validation datasets, "
        "`default_data_collator` and `processing_class=tokenizer`.",
    ),
    # 08-09
    "post.call": Hint(
        "`postprocess_with_null` runs on features built for the check.",
        "read the error (`found`).",
    ),
    "ex08.null": Hint(
        "the null score of row {row} ({windows} window(s)): {expected:.2f}.",
        "{advice}",
    ),
    "ex09.null": Hint(
        "the null score of row {row}, over its {windows} windows: {expected:.2f}.",
        "{advice}",
    ),
    "post.type": Hint(
        "a dictionary: row id -> {{'text', 'score', 'null_score'}}.",
        "keep the given `scores[...] = {{...}}` line and return `scores`.",
    ),
    # 10
    "ex10.decision": Hint(
        "{expected!r} for a span scoring {score} against a null score of {null_score} at "
        "threshold {threshold}.",
        "{advice}",
    ),
    # 11
    "ex11.value": Hint(
        "v2_f1({prediction!r}, {gold!r}) = {expected:.3f}.",
        "{advice}",
    ),
    # 12
    "ex12.length": Hint(
        "one F1 per threshold: {expected} values.",
        "append exactly one value to `f1_by_threshold` for each threshold, in order.",
    ),
    "ex12.value": Hint(
        "F1 {expected:.2f} at threshold {threshold}.",
        "{advice}",
    ),
    # 13
    "ex13.best": Hint(
        "a threshold of `thresholds` whose F1 is the highest ({expected:.2f}).",
        "{advice}",
    ),
    # 14
    "ex14.list": Hint(
        "`{name}`: {expected}, in the order of `gold`.",
        "{advice}",
    ),
}
