"""TP7's hint table: for each way a check can fail, what was expected and the likely mistake.

Data only: :mod:`tp_helpers.checks.core` renders an entry as
``Exercise NN: <expected>`` / ``found: …`` / ``hint: <hint>``; ``{placeholders}`` are filled by the
check with the values it saw. Edit wording here, not in the checks.
"""

from __future__ import annotations

from ..core import COMMON_HINTS, Hint

TITLES = {
    "01": "load a slice of each split",
    "02": "the tokenizer",
    "03": "overflowing windows",
    "04": "offsets",
    "05": "first context token",
    "06": "last context token",
    "07": "answer token positions",
    "08": "tokenizer call in prepare_train_features",
    "09": "row without an answer",
    "10": "context bounds of a feature",
    "11": "answer outside the window",
    "12": "answer start/end labels",
    "13": "map both splits",
    "14": "the model",
    "15": "training arguments",
    "16": "Trainer and data collator imports",
    "17": "the Trainer",
    "18": "n-best start/end positions",
    "19": "start not after end",
    "20": "tokenizer call in prepare_validation_features",
    "21": "sequence ids of a feature",
    "22": "offsets outside the context",
    "23": "map the validation features",
    "24": "n-best positions of one feature",
    "25": "drop positions outside the context",
    "26": "drop reversed and too long spans",
    "27": "n-best positions in postprocess_qa_predictions",
    "28": "context filter in postprocess_qa_predictions",
    "29": "order and length filter in postprocess_qa_predictions",
    "30": "predict every validation answer",
}

HINTS = {
    **COMMON_HINTS,
    # 01
    "ex01.type": Hint(
        "`train_dataset` and `validation_dataset` should be two `datasets.Dataset` objects.",
        "pass a *list* of the two split expressions to `split=`: you then get a list of two "
        "datasets to unpack, not a `DatasetDict`.",
    ),
    "ex01.columns": Hint(
        "the five SQuAD columns id, title, context, question, answers.",
        "load `profile.dataset`, the profile's SQuAD-format dataset.",
    ),
    "ex01.order": Hint(
        "training rows have one answer each; validation rows several.",
        "the first split expression is the training one: `[profile.train_split, "
        "profile.validation_split]`, in that order.",
    ),
    "ex01.rows": Hint(
        "{reference} rows (train, validation) in the {profile} profile.",
        "use `profile.train_split` and `profile.validation_split`, not whole splits.",
    ),
    # 02
    "ex02.fast": Hint(
        "a *fast* tokenizer (it can return offsets and overflowing windows).",
        "create it with `AutoTokenizer.from_pretrained(profile.model_checkpoint)` and no "
        "`use_fast=False`.",
    ),
    "ex02.checkpoint": Hint(
        "the tokenizer of `{checkpoint}`, whose ids begin [101, 7632, 1010, 1045, 2052, ...].",
        "load it from `profile.model_checkpoint`: the model and its tokenizer must come from the "
        "same checkpoint.",
    ),
    # 03-04
    "ex03.type": Hint(
        "the tokenizer's output (a `BatchEncoding` with `input_ids`) for `long_example`.",
        "call `tokenizer(question, context, ...)` and store what it returns.",
    ),
    "ex03.one_feature": Hint(
        "several features for the long example (its question + context has more than "
        "{max_length} tokens).",
        "did you ask the tokenizer to return the overflowing tokens "
        "(`return_overflowing_tokens=True`) and to truncate (`max_length`, `truncation`)?",
    ),
    "ex03.too_long": Hint(
        "at most {max_length} tokens per feature (`max_length`).",
        "pass `max_length=max_length`; without it the model's own maximum is used.",
    ),
    "ex03.short": Hint(
        "every feature but the last filled up to exactly {max_length} tokens.",
        "no padding is needed here; check `max_length` and the truncation strategy.",
    ),
    "ex03.question": Hint(
        "the whole question at the start of every feature: only the context may be cut.",
        "truncate only the second sequence of the pair (the context): look at the values "
        "`truncation` accepts, and put the question first.",
    ),
    "ex03.example": Hint(
        "the features of `long_example` (its question and its context).",
        "tokenise `long_example['question']` and `long_example['context']`, not another row.",
    ),
    "ex03.stride": Hint(
        "consecutive windows sharing exactly doc_stride={doc_stride} context tokens.",
        "pass `stride=doc_stride`: without it, windows do not overlap and an answer on a cut is "
        "lost.",
    ),
    "ex03.coverage": Hint(
        "the windows, put together, cover the whole context in order.",
        "tokenise the context as the second text of the pair, with overflowing tokens kept.",
    ),
    "ex04.offsets": Hint(
        "an `offset_mapping` with one (start, end) pair per token of every feature.",
        "add `return_offsets_mapping=True` to the call of exercise 03.",
    ),
    "ex04.context_offsets": Hint(
        "offsets of context tokens that point at the same text in `long_example['context']`.",
        "tokenise `long_example` itself (question first, context second).",
    ),
    # 05-07
    "ex05.start": Hint(
        "`token_start_index` = {expected} for feature {feature} (its first context token).",
        "start at 0 and move forward while the sequence id is not 1 (1 marks the context, 0 the "
        "question, None the special tokens).",
    ),
    "ex06.end": Hint(
        "`token_end_index` = {expected} for feature {feature} (its last context token).",
        "start at the last position, `len(sequence_ids) - 1`, and move backward while the "
        "sequence id is not 1.",
    ),
    "ex0x.loop": Hint(
        "one entry per feature ({n} features) in `bounds` and `labels`.",
        "the loop stopped early or was changed: run the whole cell and read any error it shows.",
    ),
    "ex07.label": Hint(
        "in feature {feature}, tokens start_position..end_position decoding to the answer "
        "{answer!r}.",
        "{advice}",
    ),
    "ex07.none": Hint(
        "feature {feature} holds the whole answer, so it needs a (start, end) position.",
        "set `start_position` and `end_position` inside the `if`.",
    ),
    # 08-12
    "ex08.count": Hint(
        "one feature per window: {expected} features for these {rows} rows.",
        "{advice}",
    ),
    "ex08.length": Hint(
        "every feature padded to exactly {max_length} tokens (features are stacked in batches).",
        'pass `padding="max_length"` with `max_length=max_length`.',
    ),
    "ex08.question": Hint(
        "the whole question in every feature, with the {order} ({why}).",
        "order the pair with `pad_on_right` (question first when it is true) and truncate only the "
        'context (`"only_second"` if `pad_on_right` else `"only_first"`).',
    ),
    "ex08.stride": Hint(
        "consecutive windows of a row sharing doc_stride={doc_stride} context tokens.",
        "pass `stride=doc_stride` and `return_overflowing_tokens=True`.",
    ),
    "ex08.keys": Hint(
        "the model inputs plus `start_positions` and `end_positions`, one label pair per feature.",
        "{advice}",
    ),
    "ex09.cls": Hint(
        "a row without an answer labelled CLS ({cls}, {cls}) in every window.",
        'when `answers["answer_start"]` is empty, append `cls_index` to both label lists, then '
        "`continue` to the next feature.",
    ),
    "ex09.skip": Hint(
        "a row without an answer (its `answer_start` list is empty) labelled with `cls_index`, "
        "then skipped: the rest of the loop body needs an answer.",
        "after appending `cls_index` to both label lists, `continue` to the next feature.",
    ),
    "ex10.window": Hint(
        "a CLS label exactly when the answer is not fully inside the window (feature {feature}: "
        "the answer is {where} the window).",
        "set `token_start_index` / `token_end_index` to the first / last token whose sequence id "
        "is the context's ({context_id} here: 1 if `pad_on_right` else 0), as in 05 and 06.",
    ),
    "ex11.cls": Hint(
        "windows without the whole answer labelled (cls_index, cls_index) (feature {feature}).",
        "append `cls_index` to both `start_positions` and `end_positions`.",
    ),
    "ex12.span": Hint(
        "feature {feature}'s labels decoding to the answer {answer!r}.",
        "{advice}",
    ),
    # 13
    "ex13.type": Hint(
        "`tokenized_train_dataset` and `tokenized_validation_dataset` as `Dataset` objects.",
        "store what `train_dataset.map(...)` and `validation_dataset.map(...)` return.",
    ),
    "ex13.columns": Hint(
        "only the columns {expected}.",
        "pass `remove_columns=<the dataset>.column_names` so the text columns are dropped.",
    ),
    "ex13.count": Hint(
        "one feature per window of every row: {expected} features for {split}.",
        "map with `batched=True` (the function expects lists of rows) on the right split, with "
        "`fn_kwargs` giving the tokenizer, `max_length` and `doc_stride`.",
    ),
    "ex13.labels": Hint(
        "the same features and labels as `prepare_train_features` gives on the first rows of "
        "{split}.",
        "map `prepare_train_features` itself over {split}, with `batched=True`.",
    ),
    # 14-17
    "ex14.head": Hint(
        "a model with a question-answering head (`qa_outputs`, 2 outputs per token).",
        "use `AutoModelForQuestionAnswering`, not `AutoModel`.",
    ),
    "ex14.checkpoint": Hint(
        "the model of `{checkpoint}`.",
        "load it from `profile.model_checkpoint`.",
    ),
    "ex14.config": Hint(
        "the profile's configuration overrides {overrides}.",
        "pass `**profile.model_config` to `from_pretrained`.",
    ),
    "ex15.type": Hint(
        "`args`, a `TrainingArguments` object.",
        "create it with `TrainingArguments(output_dir=output_dir, ...)`.",
    ),
    "ex15.value": Hint(
        "{name}={expected!r}.",
        "{advice}",
    ),
    "ex16.names": Hint(
        "`Trainer` and `default_data_collator` imported from `transformers`.",
        "write `from transformers import Trainer, default_data_collator`.",
    ),
    "ex17.type": Hint(
        "`trainer`, a `Trainer`.",
        "create it with `Trainer(model=model, args=args, ...)`.",
    ),
    "ex17.part": Hint(
        "`trainer.{name}` to be {expected}.",
        "pass `{argument}` to the Trainer.",
    ),
    # 18-19, 24
    "nbest.length": Hint(
        "{n_best_size} positions in `{name}`.",
        "keep the first `n_best_size` positions after sorting.",
    ),
    "nbest.order": Hint(
        "the positions of the {n_best_size} largest scores of `{logits}`, largest first.",
        "`np.argsort` sorts in increasing order: reverse it (`[::-1]`) before keeping the first "
        "`n_best_size`.",
    ),
    "ex19.pairs": Hint(
        "{expected} pairs kept: those whose start is not after their end.",
        "skip a pair (`continue`) only when its start comes after its end; a one-token answer "
        "has start == end and is kept.",
    ),
    # 20-22
    "ex20.calls": Hint(
        "one tokenizer call per batch.",
        "put every argument (offsets, overflow, padding…) in one call, as in exercise 08.",
    ),
    "ex20.count": Hint(
        "one feature per window: {expected} features for these {rows} rows.",
        "use exactly the arguments of exercise 08 (`stride`, overflow, truncation side).",
    ),
    "ex20.length": Hint(
        "every feature padded to exactly {max_length} tokens.",
        'pass `padding="max_length"` as in exercise 08.',
    ),
    "ex20.question": Hint(
        "the whole question in every feature, with the {order}.",
        "order the pair and truncate as in exercise 08, following `pad_on_right`.",
    ),
    "ex20.keys": Hint(
        "the model inputs plus `example_id` and `offset_mapping`.",
        "keep the offsets: `return_offsets_mapping=True`.",
    ),
    "ex20.example_id": Hint(
        "each feature's `example_id` naming the row it comes from.",
        'the given code appends `examples["id"][sample_mapping[i]]`: do not change it.',
    ),
    "ex22.offsets": Hint(
        "offsets kept on the context tokens only, `None` everywhere else (feature {feature}, "
        "token {token}: {problem}).",
        "{advice}",
    ),
    # 23
    "ex23.columns": Hint(
        "the columns {expected}.",
        "map `prepare_validation_features` (not `prepare_train_features`) and remove the "
        "original columns.",
    ),
    "ex23.count": Hint(
        "{expected} validation features, one per window.",
        "map `validation_dataset` with `batched=True` and the same `fn_kwargs` as in 13.",
    ),
    # 25-26
    "ex25.candidates": Hint(
        "{expected} valid candidates (found {found_count}).",
        "{advice}",
    ),
    # 27-29
    "post.prediction": Hint(
        "the prediction {expected!r} for row {row} ({situation}).",
        "{advice}",
    ),
    "post.type": Hint(
        "a dictionary mapping every row id to its predicted text.",
        "return `predictions` (row id -> text) at the end of the function.",
    ),
    # 30
    "ex30.ids": Hint(
        "one prediction per validation row ({expected} rows), keyed by row id.",
        "call `postprocess_qa_predictions(validation_dataset, validation_features, "
        "raw_predictions.predictions)`.",
    ),
    "ex30.text": Hint(
        "every prediction is a piece of its row's context (row {row}: {prediction!r}).",
        "pass the validation rows, their features and the logits, in that order.",
    ),
}


#: the likely mistake behind a span label that does not decode to the answer (07, 12), chosen by
#: ``windows._label_mistake``
LABEL_ADVICE = {
    "last_token": (
        "the answer is the window's last context token (position {last}) and the start came out "
        "one token early: the forward loop must let `token_start_index` go one token beyond the "
        "last context token (`token_end_index`), and no further, before the step back."
    ),
    "reversed": (
        "the start is after the end: check the step back (`- 1` after the forward loop, `+ 1` "
        "after the backward loop) and the forward loop's bound (one token beyond "
        "`token_end_index` at most)."
    ),
    "special": (
        "a label points at [SEP] or padding: bound the forward loop by the context, so that "
        "`token_start_index` goes at most one token beyond `token_end_index`."
    ),
    "too_many": (
        "one token too many: the loops stop one token past the answer; check `<=` / `>=` in the "
        "loops and the step back (`- 1` after the forward loop, `+ 1` after the backward loop)."
    ),
    "too_few": (
        "the span misses part of the answer: check `<=` / `>=` in the loops and the step back "
        "(`- 1` after the forward loop, `+ 1` after the backward loop)."
    ),
    "outside": "a label is outside the feature.",
}
