"""Diagnose an offline training run: what does a run that stalls do that a learning run does not?

    python bench/offline_diagnose.py --seeds 4242 5 [--threads 1] [--init-seed N] [--order-seed N]
        [--set freeze_embeddings=false] [--freeze bert.embeddings.word_embeddings] [--zero-head]
        [--args adam_beta2=0.98 lr_scheduler_type=constant_with_warmup]

Runs the solution notebook's own feature functions and the same Trainer set-up as the notebook
(the offline profile, its seed replaced, its embeddings frozen when the profile says so), in this
process, and prints per run:

* the training loss by tenth of the run (the loss of every optimiser step is recorded);
* the share of windows labelled at the CLS index, and what the model predicts for them and for
  the windows that hold the answer (argmax of the start logits), untrained and after each epoch;
* the gradient norms of the ``qa_outputs`` layer and of the encoder before each optimiser step
  (after clipping), the largest norms before clipping and which parameter groups carry them;
* how far the ``qa_outputs`` weight and the encoder moved;
* EM/F1 on the validation rows, exact matches per kind of question, and what the misses are
  (another fact's value from the same biography, a span overlapping the answer, or other).

``--init-seed`` and ``--order-seed`` split the run's one seed in two: the seed of the new head's
random start and the seed of the Trainer (batch order). ``--set`` replaces profile fields,
``--args`` TrainingArguments, ``--freeze`` keeps submodules as pretrained, ``--zero-head`` starts
``qa_outputs`` at zero. Figures only, no assertion: ``bench/README.md`` quotes them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(threads: int) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)
    sys.path.insert(0, str(ROOT))


def run(
    seed: int,
    init_seed: int | None,
    order_seed: int | None,
    overrides: dict,
    training_overrides: dict,
    freeze: list,
    zero_head: bool = False,
) -> dict:
    import numpy as np
    import torch
    import transformers
    from datasets import load_dataset
    from transformers import (
        AutoModelForQuestionAnswering,
        AutoTokenizer,
        Trainer,
        TrainerCallback,
        TrainingArguments,
        default_data_collator,
        set_seed,
    )

    import tp_helpers
    from tests.solution_code import notebook_functions
    from tp_helpers.metrics.squad import compute as squad_scores

    transformers.logging.set_verbosity_error()
    profile = dataclasses.replace(tp_helpers.get_profile("offline"), seed=seed, **overrides)
    fns = notebook_functions(
        "prepare_train_features", "prepare_validation_features", "postprocess_qa_predictions"
    )
    set_seed(profile.seed)
    tokenizer = AutoTokenizer.from_pretrained(profile.model_checkpoint)
    train, validation = load_dataset(
        profile.dataset, split=[profile.train_split, profile.validation_split]
    )
    kwargs = {
        "tokenizer": tokenizer,
        "max_length": profile.max_length,
        "doc_stride": profile.doc_stride,
    }
    train_features = train.map(
        fns["prepare_train_features"],
        fn_kwargs=kwargs,
        batched=True,
        remove_columns=train.column_names,
    )
    eval_features = validation.map(
        fns["prepare_train_features"],
        fn_kwargs=kwargs,
        batched=True,
        remove_columns=validation.column_names,
    )
    validation_features = validation.map(
        fns["prepare_validation_features"],
        fn_kwargs=kwargs,
        batched=True,
        remove_columns=validation.column_names,
    )
    set_seed(profile.seed if init_seed is None else init_seed)
    model = AutoModelForQuestionAnswering.from_pretrained(
        profile.model_checkpoint, **profile.model_config
    )
    if profile.freeze_embeddings:  # as the notebook does after exercise 14
        model.base_model.embeddings.requires_grad_(False)
    for name in freeze:
        model.get_submodule(name).requires_grad_(False)
    if zero_head:
        torch.nn.init.zeros_(model.qa_outputs.weight)
        torch.nn.init.zeros_(model.qa_outputs.bias)
    head_start = model.qa_outputs.weight.detach().clone()
    encoder_start = torch.cat([p.detach().flatten() for p in model.base_model.encoder.parameters()])
    args = TrainingArguments(
        output_dir="/tmp/offline_diagnose",
        eval_strategy="no",
        logging_strategy="steps",
        logging_steps=1,
        learning_rate=profile.learning_rate,
        per_device_train_batch_size=profile.train_batch_size,
        per_device_eval_batch_size=profile.eval_batch_size,
        num_train_epochs=profile.num_train_epochs,
        weight_decay=profile.weight_decay,
        warmup_steps=profile.warmup_steps,
        seed=profile.seed if order_seed is None else order_seed,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        **training_overrides,
    )

    record: dict = {
        "loss": [],
        "grad_norm": [],
        "groups": [],
        "head_grad": [],
        "encoder_grad": [],
        "epochs": [],
    }
    labels = np.array(train_features["start_positions"])
    record["cls_share"] = float((labels == 0).mean())
    eval_labels = np.array(eval_features["start_positions"])

    class Probe(TrainerCallback):
        def on_pre_optimizer_step(self, args, state, control, model=None, **kw):
            head, encoder = 0.0, 0.0
            groups: dict = {}
            for name, p in model.named_parameters():
                if p.grad is None:
                    continue
                sq = float(p.grad.detach().pow(2).sum())
                group = group_of(name)
                groups[group] = groups.get(group, 0.0) + sq
                if name.startswith("qa_outputs"):
                    head += sq
                else:
                    encoder += sq
            record["groups"].append({g: v**0.5 for g, v in groups.items()})
            record["head_grad"].append(head**0.5)
            record["encoder_grad"].append(encoder**0.5)

        def on_log(self, args, state, control, logs=None, **kw):
            if logs and "loss" in logs:
                record["loss"].append(logs["loss"])
                record["grad_norm"].append(logs.get("grad_norm", float("nan")))

        def on_epoch_end(self, args, state, control, model=None, **kw):
            record["epochs"].append(positions(model))

    def positions(model) -> dict:
        model.eval()
        inputs = eval_features.remove_columns(["start_positions", "end_positions"])
        with torch.no_grad():
            starts = []
            for i in range(0, len(inputs), 64):
                batch = default_data_collator(
                    [inputs[j] for j in range(i, min(i + 64, len(inputs)))]
                )
                starts.append(model(**batch).start_logits.argmax(-1).numpy())
        model.train()
        pred = np.concatenate(starts)
        cls = eval_labels == 0
        return {
            "cls_windows_pred_cls": float((pred[cls] == 0).mean()),
            "answer_windows_pred_cls": float((pred[~cls] == 0).mean()),
            "answer_windows_exact_start": float((pred[~cls] == eval_labels[~cls]).mean()),
        }

    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_features,
        data_collator=default_data_collator,
        processing_class=tokenizer,
        callbacks=[Probe()],
    )
    record["untrained"] = positions(model)
    trainer.train()
    head_end = model.qa_outputs.weight.detach()
    encoder_end = torch.cat([p.detach().flatten() for p in model.base_model.encoder.parameters()])
    record["head_moved"] = float((head_end - head_start).norm())
    record["head_start_norm"] = float(head_start.norm())
    record["head_end_norm"] = float(head_end.norm())
    record["encoder_moved"] = float((encoder_end - encoder_start).norm() / encoder_start.norm())
    raw = trainer.predict(validation_features.remove_columns(["example_id", "offset_mapping"]))
    predictions = fns["postprocess_qa_predictions"](
        validation, validation_features, raw.predictions
    )
    record["scores"] = squad_scores(
        [{"id": k, "prediction_text": v} for k, v in predictions.items()],
        [{"id": r["id"], "answers": r["answers"]} for r in validation],
    )
    record["by_question"] = by_question(validation, predictions)
    record["eval_cls_share"] = float((eval_labels == 0).mean())
    record["steps"] = len(record["loss"])
    return record


def group_of(name: str) -> str:
    """A parameter's group: the head, the embeddings, or one encoder layer's attention / FFN."""
    if name.startswith("qa_outputs"):
        return "head"
    if ".embeddings." in name:
        return "embeddings"
    parts = name.split(".")
    if "layer" in parts:
        i = parts[parts.index("layer") + 1]
        return f"L{i}.{'attn' if '.attention.' in name else 'ffn'}"
    return "other"


def by_question(validation, predictions: dict) -> dict:
    """Exact-match share per kind of question (the question with the person's name taken out),
    and, among the misses, the share whose prediction is another span of the same context."""
    from tp_helpers import datagen
    from tp_helpers.metrics.squad import normalize_answer

    values = {
        normalize_answer(v)
        for v in (*datagen.CITIES, *datagen.PROFESSIONS, *datagen.SUBJECTS, *datagen.INSTRUMENTS)
    } | {normalize_answer(v) for v in datagen.AWARDS}
    kinds: dict = {"misses": {"another fact's value": 0, "overlaps the answer": 0, "other": 0}}
    for row in validation:
        kind = row["question"].strip().replace(row["title"].replace("_", " "), "X")
        gold = {normalize_answer(t) for t in row["answers"]["text"]}
        guess = normalize_answer(predictions[row["id"]])
        hit = guess in gold
        if not hit:
            if any(guess in g or g in guess for g in gold):
                kinds["misses"]["overlaps the answer"] += 1
            elif (
                guess in values
                or guess.isdigit()
                or any(m.lower() in guess for m in datagen.MONTHS)
            ):
                kinds["misses"]["another fact's value"] += 1
            else:
                kinds["misses"]["other"] += 1
        entry = kinds.setdefault(kind, [0, 0])
        entry[0] += hit
        entry[1] += 1
    return kinds


def report(label: str, r: dict) -> None:
    loss = r["loss"]
    n = len(loss)
    tenths = [statistics.mean(loss[i * n // 10 : (i + 1) * n // 10]) for i in range(10)]
    print(f"== {label}: EM {r['scores']['exact_match']:.1f} F1 {r['scores']['f1']:.1f}")
    print(
        f"   windows labelled CLS: train {r['cls_share']:.1%}, validation {r['eval_cls_share']:.1%}"
    )
    print("   loss by tenth of the run: " + " ".join(f"{x:.2f}" for x in tenths))
    hg, eg = r["head_grad"], r["encoder_grad"]
    for name, g in (("qa_outputs", hg), ("encoder", eg)):
        parts = [statistics.mean(g[i * n // 5 : (i + 1) * n // 5]) for i in range(5)]
        print(f"   grad norm {name} by fifth: " + " ".join(f"{x:.3f}" for x in parts))
    for i, e in enumerate([r["untrained"], *r["epochs"]]):
        tag = "untrained" if i == 0 else f"epoch {i}"
        print(
            f"   {tag}: CLS windows predicted CLS {e['cls_windows_pred_cls']:.1%}; answer windows "
            f"predicted CLS {e['answer_windows_pred_cls']:.1%}, exact start "
            f"{e['answer_windows_exact_start']:.1%}"
        )
    print(
        f"   qa_outputs weight: norm {r['head_start_norm']:.3f} at the start, "
        f"{r['head_end_norm']:.3f} at the end, moved by {r['head_moved']:.3f}; encoder moved by "
        f"{r['encoder_moved']:.2%} of its norm"
    )
    spikes = sorted(range(n), key=lambda i: -r["grad_norm"][i])[:4]
    for i in spikes:
        top = sorted(r["groups"][i].items(), key=lambda kv: -kv[1])[:3]
        print(
            f"   step {i + 1}: loss {r['loss'][i]:.2f}, grad norm {r['grad_norm'][i]:.1f} before "
            "clipping; largest shares: " + ", ".join(f"{g} {v:.2f}" for g, v in top)
        )
    misses = r["by_question"].pop("misses")
    print("   misses: " + ", ".join(f"{k} {v}" for k, v in misses.items()))
    kinds = sorted(r["by_question"].items(), key=lambda kv: kv[1][0] / kv[1][1])
    print("   exact by question: " + "; ".join(f"{k} {h}/{n}" for k, (h, n) in kinds))
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[4242, 5])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--init-seed", type=int)
    parser.add_argument("--order-seed", type=int)
    parser.add_argument(
        "--args", nargs="*", default=[], help="TrainingArguments overrides, name=value"
    )
    parser.add_argument(
        "--freeze",
        nargs="*",
        default=[],
        help="submodules kept as pretrained, e.g. bert.embeddings",
    )
    parser.add_argument("--zero-head", action="store_true", help="start qa_outputs at zero")
    parser.add_argument("--set", nargs="*", default=[], help="profile overrides, field=value")
    args = parser.parse_args()
    setup(args.threads)
    overrides = {}
    for item in args.set:
        key, value = item.split("=", 1)
        kind = type(getattr(__import__("tp_helpers").get_profile("offline"), key))
        overrides[key] = value.lower() in {"1", "true", "yes"} if kind is bool else kind(value)
    training = {}
    for item in args.args:
        key, value = item.split("=", 1)
        training[key] = (
            float(value) if value.replace(".", "").replace("e-", "").isdigit() else value
        )
    for seed in args.seeds:
        r = run(
            seed, args.init_seed, args.order_seed, overrides, training, args.freeze, args.zero_head
        )
        report(f"seed {seed} (init {args.init_seed or seed}, order {args.order_seed or seed})", r)


if __name__ == "__main__":
    main()
