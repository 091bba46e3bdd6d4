"""Plausible single mistakes in the TP8 solution regions, as data (see :mod:`.mutants`).

The issue's list first: the null score taken as the maximum, the threshold's sign flipped, the
[CLS] index read from the wrong window, F1 on an unanswerable question computed against the
empty list; then the mistakes each exercise invites.
"""

from __future__ import annotations

from .mutants import Mutant

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
    Mutant("02", "share of answerable rows", '["text"]) == 0', '["text"]) > 0'),
    Mutant(
        "02",
        "a count, not a share",
        "sum(without_answer) / len(without_answer)",
        "sum(without_answer)",
    ),
    Mutant(
        "02",
        "a percentage",
        "sum(without_answer) / len(without_answer)",
        "100 * sum(without_answer) / len(without_answer)",
    ),
    Mutant(
        "02",
        "empty string taken for no answer",
        'len(answers["text"]) == 0',
        'answers["text"] == [""]',
    ),
    # 03
    Mutant(
        "03", "wrong truncation side", 'truncation="only_second" if', 'truncation="only_first" if'
    ),
    Mutant(
        "03", "no overflow", "return_overflowing_tokens=True", "return_overflowing_tokens=False"
    ),
    Mutant("03", "stride 0", "stride=doc_stride", "stride=0"),
    Mutant("03", "no padding", 'padding="max_length",', ""),
    Mutant(
        "03",
        "question always first",
        'examples["question" if pad_on_right else "context"],\n'
        '        examples["context" if pad_on_right else "question"],',
        'examples["question"],\n        examples["context"],',
    ),
    # 04
    Mutant("04", "no continue", "cls_index)\n            continue", "cls_index)"),
    Mutant(
        "04",
        "a fixed 0 for [CLS]",
        'tokenized_examples["start_positions"].append(cls_index)',
        'tokenized_examples["start_positions"].append(0)',
    ),
    Mutant(
        "04",
        "tests the text for an empty string",
        'len(answers["answer_start"]) == 0',
        'answers["text"] == [""]',
    ),
    # 05
    Mutant("05", "and for or", "> start_char or offsets", "> start_char and offsets"),
    Mutant(
        "05",
        ">= for > (start)",
        "offsets[first][0] > start_char",
        "offsets[first][0] >= start_char",
    ),
    Mutant("05", "<= for < (end)", "offsets[last][1] < end_char", "offsets[last][1] <= end_char"),
    Mutant("05", "no continue", "cls_index)\n            continue", "cls_index)"),
    # 06
    Mutant("06", "letter A", 'same_rule = "B"', 'same_rule = "A"'),
    Mutant("06", "letter C", 'same_rule = "B"', 'same_rule = "C"'),
    # 07
    Mutant(
        "07",
        "TP7's full learning rate",
        "learning_rate=profile.learning_rate",
        "learning_rate=2e-5",
    ),
    Mutant(
        "07",
        "train on the validation features",
        "train_dataset=tokenized_train_dataset",
        "train_dataset=tokenized_validation_dataset",
    ),
    Mutant("07", "no warm-up", "warmup_steps=profile.warmup_steps,", ""),
    Mutant("07", "precision forced", "bf16=profile.bf16", "bf16=True"),
    Mutant("07", "max_steps ignored", "max_steps=profile.max_steps,", ""),
    # 08
    Mutant(
        "08",
        "[CLS] index of the first window",
        "cls_index = input_ids.index",
        "cls_index = all_input_ids[0].index",
    ),
    Mutant(
        "08",
        "[CLS] index of the row's first window",
        "cls_index = input_ids.index",
        'cls_index = all_input_ids[features_per_example[example["id"]][0]].index',
    ),
    Mutant(
        "08",
        "a fixed 0 for [CLS]",
        "cls_index = input_ids.index(tokenizer.cls_token_id)",
        "cls_index = 0",
    ),
    Mutant(
        "08",
        "start logit only",
        "start_logits[cls_index] + end_logits[cls_index]",
        "start_logits[cls_index]",
    ),
    Mutant(
        "08",
        "logits multiplied",
        "start_logits[cls_index] + end_logits[cls_index]",
        "start_logits[cls_index] * end_logits[cls_index]",
    ),
    # 09
    Mutant("09", "the maximum", "min(null_scores)", "max(null_scores)"),
    Mutant("09", "the first window", "min(null_scores)", "null_scores[0]"),
    Mutant("09", "the last window", "min(null_scores)", "null_scores[-1]"),
    Mutant("09", "the mean", "min(null_scores)", "sum(null_scores) / len(null_scores)"),
    # 10
    Mutant(
        "10",
        "threshold sign flipped",
        'score["null_score"] + threshold',
        'score["null_score"] - threshold',
    ),
    Mutant("10", ">= for >", '> score["null_score"]', '>= score["null_score"]'),
    Mutant("10", "threshold ignored", 'score["null_score"] + threshold', 'score["null_score"]'),
    Mutant("10", "answers when the null score wins", '["score"] > score', '["score"] < score'),
    # 11
    Mutant(
        "11",
        "unanswerable scored against the empty list",
        '    if len(gold_texts) == 0:\n        return float(normalize_answer(prediction) == "")\n'
        "    return max(f1(prediction, gold) for gold in gold_texts)",
        "    return max((f1(prediction, gold) for gold in gold_texts), default=0.0)",
    ),
    Mutant(
        "11",
        "every unanswerable question right",
        'float(normalize_answer(prediction) == "")',
        "1.0",
    ),
    Mutant("11", "no normalisation", 'normalize_answer(prediction) == ""', 'prediction == ""'),
    Mutant(
        "11",
        "first gold answer only",
        "max(f1(prediction, gold) for gold in gold_texts)",
        "f1(prediction, gold_texts[0])",
    ),
    # 12
    Mutant("12", "not in percent", "100 * np.mean", "np.mean"),
    Mutant(
        "12",
        "threshold 0 everywhere",
        "predictions_at(scores, threshold)",
        "predictions_at(scores, 0.0)",
    ),
    Mutant("12", "answerable rows only", "for i in gold]", "for i in gold if gold[i]]"),
    # 13
    Mutant("13", "argmin", "np.argmax(f1_by_threshold)", "np.argmin(f1_by_threshold)"),
    Mutant(
        "13",
        "the F1, not the threshold",
        "thresholds[int(np.argmax(f1_by_threshold))]",
        "max(f1_by_threshold)",
    ),
    Mutant(
        "13", "the last threshold", "thresholds[int(np.argmax(f1_by_threshold))]", "thresholds[-1]"
    ),
    # 14
    Mutant(
        "14",
        "conditions swapped",
        'not gold[i] and predictions[i] != ""',
        'gold[i] and predictions[i] == ""',
    ),
    Mutant(
        "14",
        "every wrong answer counted as abstained",
        'gold[i] and predictions[i] == ""]',
        "gold[i] and predictions[i] not in gold[i]]",
    ),
    Mutant("14", "every unanswerable row", 'not gold[i] and predictions[i] != ""', "not gold[i]"),
)
