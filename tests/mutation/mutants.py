"""Plausible single mistakes in the TP7 solution regions, as data.

Each mutant replaces one piece of text (``old``, found exactly once in the region of its
exercise) by ``new``. They are the mistakes students make (docs/grading-contract.md, issue
7): the wrong truncation side, no overflow, no offsets, stride 0, ``<`` for ``<=``, a lost
``- 1``/``+ 1``, sequence ids of the wrong feature or sequence, n-best taking the worst
scores, keeping reversed pairs, question offsets left in place, ``.map`` without ``batched`` or
``remove_columns``…

``survives`` names a mutant that no check can catch, with the reason; the harness reports it but
does not count it against the checks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    exercise: str
    name: str
    old: str
    new: str
    survives: str = ""  # why no check can catch it (an equivalent mutant), if so


NO_BOUND = (
    "token_start_index <= token_end_index and offsets[token_start_index][0] <= start_char",
    "token_start_index < len(offsets) and offsets[token_start_index][0] <= start_char",
)

#: the bound read as "never past the last context token": the index stops on it (issue 24)
STOP_ON_LAST = (
    "token_start_index <= token_end_index and",
    "token_start_index < token_end_index and",
)

MUTANTS = (
    # 01
    Mutant(
        "01",
        "splits swapped",
        "[profile.train_split, profile.validation_split]",
        "[profile.validation_split, profile.train_split]",
    ),
    Mutant("01", "whole training split", "profile.train_split,", '"train",'),
    # 02
    Mutant(
        "02",
        "slow tokenizer",
        "(profile.model_checkpoint)",
        "(profile.model_checkpoint, use_fast=False)",
        survives="transformers 5 has a single (fast) tokenizer class per model: use_fast=False "
        "gives the same tokenizer",
    ),
    Mutant("02", "other checkpoint", "(profile.model_checkpoint)", "(profile.dataset)"),
    # 03
    Mutant("03", "wrong truncation side", 'truncation="only_second"', 'truncation="only_first"'),
    Mutant(
        "03", "no overflow", "return_overflowing_tokens=True", "return_overflowing_tokens=False"
    ),
    Mutant("03", "stride 0", "stride=doc_stride", "stride=0"),
    Mutant("03", "no max_length", "max_length=max_length,", ""),
    Mutant(
        "03",
        "context first",
        'long_example["question"],\n    long_example["context"],',
        'long_example["context"],\n    long_example["question"],',
    ),
    # 04
    Mutant("04", "no offsets", "return_offsets_mapping=True", "return_offsets_mapping=False"),
    Mutant("04", "the seed's loop variable", 'long_example["context"]', 'example["context"]'),
    Mutant("04", "stride 0", "stride=doc_stride", "stride=0"),
    # 05-07
    Mutant("05", "question sequence id", "!= 1:", "!= 0:"),
    Mutant("05", "skips special tokens only", "!= 1:", "is None:"),
    Mutant("06", "no - 1", "len(sequence_ids) - 1", "len(sequence_ids)"),
    Mutant("06", "question sequence id", "!= 1:", "!= 0:"),
    Mutant("07", "< for <= (start)", "[0] <= start_char", "[0] < start_char"),
    Mutant("07", "> for >= (end)", "[1] >= end_char", "[1] > end_char"),
    Mutant(
        "07",
        "missing - 1",
        "start_position = token_start_index - 1",
        "start_position = token_start_index",
    ),
    Mutant(
        "07", "missing + 1", "end_position = token_end_index + 1", "end_position = token_end_index"
    ),
    Mutant("07", "unbounded forward loop", *NO_BOUND),
    Mutant("07", "stops on the last context token", *STOP_ON_LAST),
    # 08
    Mutant(
        "08",
        "wrong truncation side",
        '"only_second" if pad_on_right else "only_first"',
        '"only_first" if pad_on_right else "only_second"',
    ),
    Mutant("08", "no padding", 'padding="max_length",', ""),
    Mutant("08", "stride 0", "stride=doc_stride", "stride=0"),
    Mutant(
        "08",
        "pad_on_right ignored",
        'examples["question" if pad_on_right else "context"],\n'
        '        examples["context" if pad_on_right else "question"],',
        'examples["question"],\n        examples["context"],',
    ),
    # 09
    Mutant("09", "no continue", "            continue\n", ""),
    Mutant(
        "09",
        "0 instead of cls_index",
        '["start_positions"].append(cls_index)\n            tokenized_examples["end_positions"]'
        ".append(cls_index)",
        '["start_positions"].append(0)\n            tokenized_examples["end_positions"].append(0)',
    ),
    Mutant(
        "09",
        "only the start labelled",
        '            tokenized_examples["end_positions"].append(cls_index)\n',
        "",
    ),
    # 10
    Mutant("10", "context id always 1", "context_id = 1 if pad_on_right else 0", "context_id = 1"),
    Mutant(
        "10",
        "question sequence id",
        "context_id = 1 if pad_on_right else 0",
        "context_id = 0 if pad_on_right else 1",
    ),
    Mutant("10", "no - 1", "len(input_ids) - 1", "len(input_ids)"),
    # 11
    Mutant(
        "11",
        "only the start labelled",
        '            tokenized_examples["end_positions"].append(cls_index)',
        "",
    ),
    Mutant(
        "11",
        "0 instead of cls_index",
        '["end_positions"].append(cls_index)',
        '["end_positions"].append(0)',
    ),
    # 12
    Mutant("12", "< for <= (start)", "[0] <= start_char", "[0] < start_char"),
    Mutant("12", "> for >= (end)", "[1] >= end_char", "[1] > end_char"),
    Mutant("12", "missing - 1", "append(token_start_index - 1)", "append(token_start_index)"),
    Mutant("12", "missing + 1", "append(token_end_index + 1)", "append(token_end_index)"),
    Mutant("12", "unbounded forward loop", *NO_BOUND),
    Mutant("12", "stops on the last context token", *STOP_ON_LAST),
    # 13
    Mutant(
        "13",
        "not batched",
        "    batched=True,\n    remove_columns=train_dataset",
        "    remove_columns=train_dataset",
    ),
    Mutant("13", "columns kept", "    remove_columns=validation_dataset.column_names,\n", ""),
    Mutant(
        "13",
        "validation from the train rows",
        "tokenized_validation_dataset = validation_dataset.map(",
        "tokenized_validation_dataset = train_dataset.map(",
    ),
    # 14
    Mutant(
        "14",
        "no head",
        "AutoModelForQuestionAnswering.from_pretrained",
        "__import__('transformers').AutoModel.from_pretrained",
    ),
    Mutant("14", "dropout overrides dropped", ", **profile.model_config)", ")"),
    # 15
    Mutant("15", "evaluation each step", 'eval_strategy="epoch"', 'eval_strategy="steps"'),
    Mutant(
        "15", "typed-in learning rate", "learning_rate=profile.learning_rate", "learning_rate=2e-5"
    ),
    Mutant("15", "no warm-up", "warmup_steps=profile.warmup_steps,", ""),
    Mutant("15", "no cap", "max_steps=profile.max_steps,", ""),
    # 16
    Mutant(
        "16",
        "other collator",
        "default_data_collator",
        "DataCollatorWithPadding as default_data_collator",
    ),
    # 17
    Mutant(
        "17",
        "datasets swapped",
        "train_dataset=tokenized_train_dataset,\n    eval_dataset=tokenized_validation_dataset,",
        "train_dataset=tokenized_validation_dataset,\n    eval_dataset=tokenized_train_dataset,",
    ),
    Mutant("17", "no tokenizer", "    processing_class=tokenizer,\n", ""),
    # 18-19
    Mutant(
        "18",
        "worst scores",
        "np.argsort(start_logits)[::-1][:n_best_size]",
        "np.argsort(start_logits)[:n_best_size]",
    ),
    Mutant(
        "18",
        "cut before reversing",
        "np.argsort(end_logits)[::-1][:n_best_size]",
        "np.argsort(end_logits)[:n_best_size][::-1]",
    ),
    Mutant(
        "18",
        "one too many",
        "np.argsort(start_logits)[::-1][:n_best_size]",
        "np.argsort(start_logits)[::-1][: n_best_size + 1]",
    ),
    Mutant("19", ">= for >", "start_index > end_index", "start_index >= end_index"),
    Mutant("19", "reversed pairs kept", "start_index > end_index", "start_index < end_index"),
    Mutant("19", "nothing skipped", "            continue", "            pass"),
    # 20-22
    Mutant("20", "no padding", 'padding="max_length",', ""),
    Mutant("20", "no offsets", "return_offsets_mapping=True,", ""),
    Mutant(
        "20",
        "wrong truncation side",
        '"only_second" if pad_on_right else "only_first"',
        '"only_first" if pad_on_right else "only_second"',
    ),
    Mutant("20", "stride 0", "stride=doc_stride", "stride=0"),
    Mutant("21", "sequence ids of feature 0", "sequence_ids(i)", "sequence_ids(0)"),
    Mutant(
        "22",
        "question offsets kept",
        "if sequence_ids[k] == context_index",
        "if sequence_ids[k] is not None",
    ),
    Mutant(
        "22",
        "question sequence id",
        "if sequence_ids[k] == context_index",
        "if sequence_ids[k] == 0",
    ),
    # 23
    Mutant("23", "not batched", "    batched=True,\n", ""),
    Mutant("23", "columns kept", "    remove_columns=validation_dataset.column_names,\n", ""),
    Mutant(
        "23", "train features", "    prepare_validation_features,", "    prepare_train_features,"
    ),
    # 24-26
    Mutant(
        "24",
        "worst scores",
        "np.argsort(start_logits)[::-1][:n_best_size]",
        "np.argsort(start_logits)[:n_best_size]",
    ),
    Mutant(
        "25",
        "question tokens kept",
        "            or offset_mapping[start_index] is None\n"
        "            or offset_mapping[end_index] is None\n",
        "",
    ),
    Mutant(
        "25",
        "range test dropped",
        "            start_index >= len(offset_mapping)\n"
        "            or end_index >= len(offset_mapping)\n            or ",
        "            ",
        survives="the logits of a feature have exactly one score per offset, so no index "
        "is ever out of range here; exercise 28's hidden test feeds longer logits",
    ),
    Mutant("26", "reversed pairs kept", "end_index < start_index or ", ""),
    Mutant("26", "<= for <", "end_index < start_index", "end_index <= start_index"),
    Mutant(
        "26",
        "length without + 1",
        "end_index - start_index + 1 > max_answer_length",
        "end_index - start_index > max_answer_length",
    ),
    # 27-29
    Mutant(
        "27",
        "worst scores",
        "np.argsort(start_logits)[::-1][:n_best_size]",
        "np.argsort(start_logits)[:n_best_size]",
    ),
    Mutant(
        "28",
        "question tokens kept",
        "                        or offset_mapping[start_index]"
        " is None\n                        or offset_mapping[end_index] is None\n",
        "",
    ),
    Mutant(
        "28",
        "range test dropped",
        "                        start_index >= len(offset_mapping)\n"
        "                        or end_index >= len(offset_mapping)\n"
        "                        or ",
        "                        ",
    ),
    Mutant("29", "reversed pairs kept", "end_index < start_index or ", ""),
    Mutant("29", "<= for <", "end_index < start_index", "end_index <= start_index"),
    Mutant(
        "29",
        "length without + 1",
        "end_index - start_index + 1 > max_answer_length",
        "end_index - start_index > max_answer_length",
    ),
    # 30
    Mutant("30", "the output object", "raw_predictions.predictions)", "raw_predictions)"),
    Mutant(
        "30", "training features", "validation_features, raw", "tokenized_validation_dataset, raw"
    ),
)
