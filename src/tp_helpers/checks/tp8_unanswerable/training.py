"""Checks of part 3: the training arguments and the Trainer (exercise 07)."""

from __future__ import annotations

from ..arguments import compared, reports_nowhere
from ._lab import LAB, expect, passed

#: (TrainingArguments attribute, profile attribute, or a fixed value in a 1-tuple)
_ARGUMENTS = (
    ("learning_rate", "learning_rate"),
    ("per_device_train_batch_size", "train_batch_size"),
    ("per_device_eval_batch_size", "eval_batch_size"),
    ("num_train_epochs", "num_train_epochs"),
    ("weight_decay", "weight_decay"),
    ("warmup_steps", "warmup_steps"),
    ("max_steps", "max_steps"),
    ("fp16", "fp16"),
    ("bf16", "bf16"),
    ("seed", "seed"),
    ("eval_strategy", ("epoch",)),
    ("logging_strategy", ("epoch",)),
    ("save_strategy", ("no",)),
)


def ex07(args, trainer, model, tokenized_train_dataset, tokenized_validation_dataset, profile):
    from transformers import Trainer, TrainingArguments, default_data_collator

    expect(
        isinstance(args, TrainingArguments),
        "07",
        "ex07.argument",
        type(args).__name__,
        name="args",
        expected="a TrainingArguments",
        advice="`args` must be made by `TrainingArguments(...)`.",
    )
    for (name, source), found, expected in compared(args, profile, _ARGUMENTS):
        advice = (
            f"pass `{name}=profile.{source}`: typed-in numbers differ between profiles."
            if isinstance(source, str)
            else f'pass `{name}="{expected}"`.'
        )
        expect(
            found == expected,
            "07",
            "ex07.argument",
            found,
            name=name,
            expected=expected,
            advice=advice,
        )
    expect(
        reports_nowhere(args),
        "07",
        "ex07.argument",
        args.report_to,
        name="report_to",
        expected="'none'",
        advice='pass `report_to="none"`.',
    )
    expect(
        isinstance(trainer, Trainer),
        "07",
        "ex07.trainer",
        type(trainer).__name__,
        name="type",
        expected="Trainer",
    )
    parts = (
        ("model", trainer.model is model, "the model loaded above"),
        ("args", trainer.args is args, "`args`"),
        (
            "train_dataset",
            trainer.train_dataset is tokenized_train_dataset,
            "tokenized_train_dataset",
        ),
        (
            "eval_dataset",
            trainer.eval_dataset is tokenized_validation_dataset,
            "tokenized_validation_dataset",
        ),
        ("data_collator", trainer.data_collator is default_data_collator, "default_data_collator"),
        ("processing_class", trainer.processing_class is not None, "the tokenizer"),
    )
    for name, right, expected in parts:
        expect(right, "07", "ex07.trainer", None, name=name, expected=expected)
    steps = len(trainer.get_train_dataloader())
    LAB.check_reference(profile, "07", "ex07.steps_per_epoch", steps, "reference")
    passed("07", f"the profile's arguments; {steps} steps per epoch on the training features.")


def ex07_hidden(args, trainer, profile) -> None:
    expect(
        args.disable_tqdm is False,
        "07",
        "ex07.argument",
        args.disable_tqdm,
        name="disable_tqdm",
        expected=False,
        advice="pass `disable_tqdm=False`.",
    )
    expect(
        trainer.processing_class is not None and hasattr(trainer.processing_class, "cls_token_id"),
        "07",
        "ex07.trainer",
        None,
        name="processing_class",
        expected="the tokenizer",
    )
