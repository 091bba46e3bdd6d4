"""Exercises 14-17: the model, the training arguments, the Trainer."""

from __future__ import annotations

from ..arguments import compared, reports_nowhere
from ._lab import LAB, _expect, _passed


# ----------------------------------------------------------------------------------------------
# 14-17: model, arguments, Trainer
# ----------------------------------------------------------------------------------------------
def ex14(model, profile) -> None:
    head = getattr(model, "qa_outputs", None)
    _expect(
        head is not None and getattr(head, "out_features", None) == 2,
        "14",
        "ex14.head",
        type(model).__name__,
    )
    source = str(getattr(model.config, "_name_or_path", "")).rstrip("/")
    _expect(
        source == profile.model_checkpoint.rstrip("/"),
        "14",
        "ex14.checkpoint",
        source,
        checkpoint=profile.model_checkpoint,
    )
    for key, value in profile.model_config.items():
        _expect(
            getattr(model.config, key, None) == value,
            "14",
            "ex14.config",
            f"{key}={getattr(model.config, key, None)}",
            overrides=profile.model_config,
        )
    _passed("14", f"{type(model).__name__} with a qa_outputs head of 2 outputs.")


#: (TrainingArguments attribute, profile attribute or a fixed value in a 1-tuple, advice)
_ARGUMENTS = (
    ("eval_strategy", ("epoch",), 'evaluate once per epoch: `eval_strategy="epoch"`.'),
    (
        "logging_strategy",
        ("epoch",),
        'log the training loss each epoch: `logging_strategy="epoch"`.',
    ),
    ("learning_rate", "learning_rate", "use `profile.learning_rate`."),
    ("per_device_train_batch_size", "train_batch_size", "use `profile.train_batch_size`."),
    ("per_device_eval_batch_size", "eval_batch_size", "use `profile.eval_batch_size`."),
    ("num_train_epochs", "num_train_epochs", "use `profile.num_train_epochs`."),
    ("weight_decay", "weight_decay", "use `profile.weight_decay`."),
    ("warmup_steps", "warmup_steps", "use `warmup_steps=profile.warmup_steps`."),
    ("max_steps", "max_steps", "pass `max_steps=profile.max_steps`."),
    ("fp16", "fp16", "pass `fp16=profile.fp16`."),
    ("bf16", "bf16", "pass `bf16=profile.bf16`."),
    ("seed", "seed", "pass `seed=profile.seed`."),
    ("save_strategy", ("no",), 'no checkpoints: `save_strategy="no"`.'),
    ("disable_tqdm", (False,), "show the progress table: `disable_tqdm=False`."),
)


def ex15(args, profile) -> None:
    from transformers import TrainingArguments

    _expect(isinstance(args, TrainingArguments), "15", "ex15.type", type(args).__name__)
    for (name, _, advice), found, expected in compared(args, profile, _ARGUMENTS):
        _expect(
            found == expected,
            "15",
            "ex15.value",
            found,
            name=name,
            expected=expected,
            advice=advice,
        )
    _expect(
        reports_nowhere(args),
        "15",
        "ex15.value",
        args.report_to,
        name="report_to",
        expected="none",
        advice='no tracker: `report_to="none"`.',
    )
    _passed(
        "15",
        f"eval each epoch, lr={args.learning_rate:g}, "
        f"batch={args.per_device_train_batch_size}, epochs={args.num_train_epochs:g}.",
    )


def ex16(Trainer, default_data_collator) -> None:  # noqa: N803 (the names students import)
    import transformers

    _expect(
        Trainer is transformers.Trainer
        and default_data_collator is transformers.default_data_collator,
        "16",
        "ex16.names",
        f"{Trainer!r}, {default_data_collator!r}",
    )
    _passed("16", "Trainer and default_data_collator imported.")


def ex17(
    trainer, model, args, tokenized_train_dataset, tokenized_validation_dataset, tokenizer, profile
) -> None:
    import transformers

    _expect(isinstance(trainer, transformers.Trainer), "17", "ex17.type", type(trainer).__name__)
    parts = (
        ("model", model, "the model", "model=model"),
        ("args", args, "args", "args=args"),
        (
            "train_dataset",
            tokenized_train_dataset,
            "tokenized_train_dataset",
            "train_dataset=tokenized_train_dataset",
        ),
        (
            "eval_dataset",
            tokenized_validation_dataset,
            "tokenized_validation_dataset",
            "eval_dataset=tokenized_validation_dataset",
        ),
        (
            "data_collator",
            transformers.default_data_collator,
            "default_data_collator",
            "data_collator=default_data_collator",
        ),
        ("processing_class", tokenizer, "the tokenizer", "processing_class=tokenizer"),
    )
    for name, wanted, label, argument in parts:
        _expect(
            getattr(trainer, name, None) is wanted,
            "17",
            "ex17.part",
            type(getattr(trainer, name, None)).__name__,
            name=name,
            expected=label,
            argument=argument,
        )
    steps = len(trainer.get_train_dataloader())
    LAB.check_reference(profile, "17", "ex17.steps_per_epoch", steps, "reference")
    _passed("17", f"Trainer ready: {steps} steps per epoch.")
