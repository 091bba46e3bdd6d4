"""Plausible single mistakes in the TP7 solution regions, as data (how they are tried: harness.py).

They are the mistakes students make (docs/grading-contract.md, issue 7): the wrong truncation
side, no overflow, no offsets, stride 0, ``<`` for ``<=``, a lost ``- 1``/``+ 1``, sequence ids of
the wrong feature or sequence, n-best taking the worst scores, keeping reversed pairs, question
offsets left in place, ``.map`` without ``batched`` or ``remove_columns``… An exercise that
repeats an earlier one's code (12 labels what 07 labels, 24 and 27 take 18's n-best, 28 and 29
filter as 25 and 26 do) is tried with the same mistakes.

A mistake that ``survives`` is one no check can catch, with the reason; the harness reports it
but does not count it against the checks.
"""

from __future__ import annotations

from dataclasses import replace

from . import mistakes as shared
from .mistakes import Mistake, mutants

NO_BOUND = (
    "token_start_index <= token_end_index and offsets[token_start_index][0] <= start_char",
    "token_start_index < len(offsets) and offsets[token_start_index][0] <= start_char",
)

#: the bound read as "never past the last context token": the index stops on it (issue 24)
STOP_ON_LAST = (
    "token_start_index <= token_end_index and",
    "token_start_index < token_end_index and",
)

QUESTION_SEQUENCE_ID = Mistake("question sequence id", "!= 1:", "!= 0:")

#: the answer's start and end tokens, found by the two loops of 07 and of 12
ANSWER_SPAN = (
    Mistake("< for <= (start)", "[0] <= start_char", "[0] < start_char"),
    Mistake("> for >= (end)", "[1] >= end_char", "[1] > end_char"),
    Mistake("missing - 1", "token_start_index - 1", "token_start_index"),
    Mistake("missing + 1", "token_end_index + 1", "token_end_index"),
    Mistake("unbounded forward loop", *NO_BOUND),
    Mistake("stops on the last context token", *STOP_ON_LAST),
)

COLUMNS_KEPT = Mistake("columns kept", "    remove_columns=validation_dataset.column_names,\n", "")

WORST_SCORES = Mistake(
    "worst scores",
    "np.argsort(start_logits)[::-1][:n_best_size]",
    "np.argsort(start_logits)[:n_best_size]",
)

#: 25 and 28: the start or end index of a candidate answer outside the context
QUESTION_TOKENS_KEPT = Mistake(
    "question tokens kept",
    "    or offset_mapping[start_index] is None\n    or offset_mapping[end_index] is None\n",
    "",
)
RANGE_TEST_DROPPED = Mistake(
    "range test dropped",
    "    start_index >= len(offset_mapping)\n    or end_index >= len(offset_mapping)\n    or ",
    "    ",
)

#: 26 and 29: the pairs a candidate answer may not be
ANSWER_LENGTH = (
    Mistake("reversed pairs kept", "end_index < start_index or ", ""),
    Mistake("<= for <", "end_index < start_index", "end_index <= start_index"),
    Mistake(
        "length without + 1",
        "end_index - start_index + 1 > max_answer_length",
        "end_index - start_index > max_answer_length",
    ),
)

MUTANTS = mutants(
    {
        "01": (shared.SPLITS_SWAPPED, shared.WHOLE_TRAINING_SPLIT),
        "02": (
            Mistake(
                "slow tokenizer",
                "(profile.model_checkpoint)",
                "(profile.model_checkpoint, use_fast=False)",
                survives="transformers 5 has a single (fast) tokenizer class per model: "
                "use_fast=False gives the same tokenizer",
            ),
            Mistake("other checkpoint", "(profile.model_checkpoint)", "(profile.dataset)"),
        ),
        "03": (
            Mistake("wrong truncation side", 'truncation="only_second"', 'truncation="only_first"'),
            shared.NO_OVERFLOW,
            shared.STRIDE_0,
            Mistake("no max_length", "max_length=max_length,", ""),
            Mistake(
                "context first",
                'long_example["question"],\n    long_example["context"],',
                'long_example["context"],\n    long_example["question"],',
            ),
        ),
        "04": (
            shared.NO_OFFSETS,
            Mistake("the seed's loop variable", 'long_example["context"]', 'example["context"]'),
            shared.STRIDE_0,
        ),
        "05": (
            QUESTION_SEQUENCE_ID,
            Mistake("skips special tokens only", "!= 1:", "is None:"),
        ),
        "06": (
            Mistake("no - 1", "len(sequence_ids) - 1", "len(sequence_ids)"),
            QUESTION_SEQUENCE_ID,
        ),
        "07": ANSWER_SPAN,
        "08": (
            shared.TRUNCATION_SIDE,
            shared.NO_PADDING,
            shared.STRIDE_0,
            shared.PAD_ON_RIGHT_IGNORED,
        ),
        "09": (
            shared.NO_CONTINUE,
            Mistake(
                "0 instead of cls_index",
                '["start_positions"].append(cls_index)\n'
                '    tokenized_examples["end_positions"].append(cls_index)',
                '["start_positions"].append(0)\n    tokenized_examples["end_positions"].append(0)',
            ),
            Mistake(
                "only the start labelled",
                '    tokenized_examples["end_positions"].append(cls_index)\n',
                "",
            ),
        ),
        "10": (
            Mistake(
                "context id always 1", "context_id = 1 if pad_on_right else 0", "context_id = 1"
            ),
            Mistake(
                "question sequence id",
                "context_id = 1 if pad_on_right else 0",
                "context_id = 0 if pad_on_right else 1",
            ),
            Mistake("no - 1", "len(input_ids) - 1", "len(input_ids)"),
        ),
        "11": (
            Mistake(
                "only the start labelled",
                'tokenized_examples["end_positions"].append(cls_index)',
                "",
            ),
            Mistake(
                "0 instead of cls_index",
                '["end_positions"].append(cls_index)',
                '["end_positions"].append(0)',
            ),
        ),
        "12": ANSWER_SPAN,
        "13": (
            Mistake(
                "not batched",
                "    batched=True,\n    remove_columns=train_dataset",
                "    remove_columns=train_dataset",
            ),
            COLUMNS_KEPT,
            Mistake(
                "validation from the train rows",
                "tokenized_validation_dataset = validation_dataset.map(",
                "tokenized_validation_dataset = train_dataset.map(",
            ),
        ),
        "14": (
            Mistake(
                "no head",
                "AutoModelForQuestionAnswering.from_pretrained",
                "__import__('transformers').AutoModel.from_pretrained",
            ),
            Mistake("dropout overrides dropped", ", **profile.model_config)", ")"),
        ),
        "15": (
            Mistake("evaluation each step", 'eval_strategy="epoch"', 'eval_strategy="steps"'),
            shared.TYPED_IN_LEARNING_RATE,
            shared.NO_WARM_UP,
            shared.NO_STEP_CAP,
        ),
        "16": (
            Mistake(
                "other collator",
                "default_data_collator",
                "DataCollatorWithPadding as default_data_collator",
            ),
        ),
        "17": (
            Mistake(
                "datasets swapped",
                "train_dataset=tokenized_train_dataset,\n"
                "    eval_dataset=tokenized_validation_dataset,",
                "train_dataset=tokenized_validation_dataset,\n"
                "    eval_dataset=tokenized_train_dataset,",
            ),
            Mistake("no tokenizer", "    processing_class=tokenizer,\n", ""),
        ),
        "18": (
            WORST_SCORES,
            Mistake(
                "cut before reversing",
                "np.argsort(end_logits)[::-1][:n_best_size]",
                "np.argsort(end_logits)[:n_best_size][::-1]",
            ),
            Mistake(
                "one too many",
                "np.argsort(start_logits)[::-1][:n_best_size]",
                "np.argsort(start_logits)[::-1][: n_best_size + 1]",
            ),
        ),
        "19": (
            Mistake(">= for >", "start_index > end_index", "start_index >= end_index"),
            Mistake("reversed pairs kept", "start_index > end_index", "start_index < end_index"),
            Mistake("nothing skipped", "continue", "pass"),
        ),
        "20": (shared.NO_PADDING, shared.NO_OFFSETS, shared.TRUNCATION_SIDE, shared.STRIDE_0),
        "21": (Mistake("sequence ids of feature 0", "sequence_ids(i)", "sequence_ids(0)"),),
        "22": (
            Mistake(
                "question offsets kept",
                "if sequence_ids[k] == context_index",
                "if sequence_ids[k] is not None",
            ),
            Mistake(
                "question sequence id",
                "if sequence_ids[k] == context_index",
                "if sequence_ids[k] == 0",
            ),
        ),
        "23": (
            Mistake("not batched", "    batched=True,\n", ""),
            COLUMNS_KEPT,
            Mistake(
                "train features", "    prepare_validation_features,", "    prepare_train_features,"
            ),
        ),
        "24": (WORST_SCORES,),
        "25": (
            QUESTION_TOKENS_KEPT,
            replace(
                RANGE_TEST_DROPPED,
                survives="the logits of a feature have exactly one score per offset, so no index "
                "is ever out of range here; exercise 28's hidden test feeds longer logits",
            ),
        ),
        "26": ANSWER_LENGTH,
        "27": (WORST_SCORES,),
        "28": (QUESTION_TOKENS_KEPT, RANGE_TEST_DROPPED),
        "29": ANSWER_LENGTH,
        "30": (
            Mistake("the output object", "raw_predictions.predictions)", "raw_predictions)"),
            Mistake(
                "training features",
                "validation_features, raw",
                "tokenized_validation_dataset, raw",
            ),
        ),
    }
)
