"""Plausible single mistakes in the TP8 solution regions, as data (how they are tried: harness.py).

The issue's list first: the null score taken as the maximum, the threshold's sign flipped, the
[CLS] index read from the wrong window, F1 on an unanswerable question computed against the
empty list; then the mistakes each exercise invites. Where TP8 runs TP7's code (loading, the
windows, the [CLS] labels, the training arguments), it is tried with TP7's mistakes.
"""

from __future__ import annotations

from . import mistakes as shared
from .mistakes import Mistake, mutants

MUTANTS = mutants(
    {
        "01": (shared.SPLITS_SWAPPED, shared.WHOLE_TRAINING_SPLIT),
        "02": (
            Mistake("share of answerable rows", '["text"]) == 0', '["text"]) > 0'),
            Mistake(
                "a count, not a share",
                "sum(without_answer) / len(without_answer)",
                "sum(without_answer)",
            ),
            Mistake(
                "a percentage",
                "sum(without_answer) / len(without_answer)",
                "100 * sum(without_answer) / len(without_answer)",
            ),
            Mistake(
                "empty string taken for no answer",
                'len(answers["text"]) == 0',
                'answers["text"] == [""]',
            ),
        ),
        "03": (
            shared.TRUNCATION_SIDE,
            shared.NO_OVERFLOW,
            shared.STRIDE_0,
            shared.NO_PADDING,
            shared.PAD_ON_RIGHT_IGNORED,
        ),
        "04": (
            shared.NO_CONTINUE,
            Mistake(
                "a fixed 0 for [CLS]",
                'tokenized_examples["start_positions"].append(cls_index)',
                'tokenized_examples["start_positions"].append(0)',
            ),
            Mistake(
                "tests the text for an empty string",
                'len(answers["answer_start"]) == 0',
                'answers["text"] == [""]',
            ),
        ),
        "05": (
            Mistake("and for or", "> start_char or offsets", "> start_char and offsets"),
            Mistake(
                ">= for > (start)",
                "offsets[first][0] > start_char",
                "offsets[first][0] >= start_char",
            ),
            Mistake(
                "<= for < (end)", "offsets[last][1] < end_char", "offsets[last][1] <= end_char"
            ),
            shared.NO_CONTINUE,
        ),
        "06": (
            Mistake("letter A", 'same_rule = "B"', 'same_rule = "A"'),
            Mistake("letter C", 'same_rule = "B"', 'same_rule = "C"'),
        ),
        "07": (
            shared.TYPED_IN_LEARNING_RATE,
            Mistake(
                "train on the validation features",
                "train_dataset=tokenized_train_dataset",
                "train_dataset=tokenized_validation_dataset",
            ),
            shared.NO_WARM_UP,
            Mistake("precision forced", "bf16=profile.bf16", "bf16=True"),
            shared.NO_STEP_CAP,
        ),
        "08": (
            Mistake(
                "[CLS] index of the first window",
                "cls_index = input_ids.index",
                "cls_index = all_input_ids[0].index",
            ),
            Mistake(
                "[CLS] index of the row's first window",
                "cls_index = input_ids.index",
                'cls_index = all_input_ids[features_per_example[example["id"]][0]].index',
            ),
            Mistake(
                "a fixed 0 for [CLS]",
                "cls_index = input_ids.index(tokenizer.cls_token_id)",
                "cls_index = 0",
            ),
            Mistake(
                "start logit only",
                "start_logits[cls_index] + end_logits[cls_index]",
                "start_logits[cls_index]",
            ),
            Mistake(
                "logits multiplied",
                "start_logits[cls_index] + end_logits[cls_index]",
                "start_logits[cls_index] * end_logits[cls_index]",
            ),
        ),
        "09": (
            Mistake("the maximum", "min(null_scores)", "max(null_scores)"),
            Mistake("the first window", "min(null_scores)", "null_scores[0]"),
            Mistake("the last window", "min(null_scores)", "null_scores[-1]"),
            Mistake("the mean", "min(null_scores)", "sum(null_scores) / len(null_scores)"),
        ),
        "10": (
            Mistake(
                "threshold sign flipped",
                'score["null_score"] + threshold',
                'score["null_score"] - threshold',
            ),
            Mistake(">= for >", '> score["null_score"]', '>= score["null_score"]'),
            Mistake("threshold ignored", 'score["null_score"] + threshold', 'score["null_score"]'),
            Mistake("answers when the null score wins", '["score"] > score', '["score"] < score'),
        ),
        "11": (
            Mistake(
                "unanswerable scored against the empty list",
                'if len(gold_texts) == 0:\n    return float(normalize_answer(prediction) == "")\n'
                "return max(f1(prediction, gold) for gold in gold_texts)",
                "return max((f1(prediction, gold) for gold in gold_texts), default=0.0)",
            ),
            Mistake(
                "every unanswerable question right",
                'float(normalize_answer(prediction) == "")',
                "1.0",
            ),
            Mistake("no normalisation", 'normalize_answer(prediction) == ""', 'prediction == ""'),
            Mistake(
                "first gold answer only",
                "max(f1(prediction, gold) for gold in gold_texts)",
                "f1(prediction, gold_texts[0])",
            ),
        ),
        "12": (
            Mistake("not in percent", "100 * np.mean", "np.mean"),
            Mistake(
                "threshold 0 everywhere",
                "predictions_at(scores, threshold)",
                "predictions_at(scores, 0.0)",
            ),
            Mistake("answerable rows only", "for i in gold]", "for i in gold if gold[i]]"),
        ),
        "13": (
            Mistake("argmin", "np.argmax(f1_by_threshold)", "np.argmin(f1_by_threshold)"),
            Mistake(
                "the F1, not the threshold",
                "thresholds[int(np.argmax(f1_by_threshold))]",
                "max(f1_by_threshold)",
            ),
            Mistake(
                "the last threshold",
                "thresholds[int(np.argmax(f1_by_threshold))]",
                "thresholds[-1]",
            ),
        ),
        "14": (
            Mistake(
                "conditions swapped",
                'not gold[i] and predictions[i] != ""',
                'gold[i] and predictions[i] == ""',
            ),
            Mistake(
                "every wrong answer counted as abstained",
                'gold[i] and predictions[i] == ""]',
                "gold[i] and predictions[i] not in gold[i]]",
            ),
            Mistake(
                "every unanswerable row", 'not gold[i] and predictions[i] != ""', "not gold[i]"
            ),
        ),
    }
)
