import dataclasses
import os
import subprocess
import sys

import pytest

from tp_helpers import ProfileError, get_profile
from tp_helpers.profiles import (
    AUTOGRADE_MAX_STEPS,
    FULL_STEPS_PER_EPOCH,
    OFFLINE_ENV_VARS,
    default_profile_name,
    training_steps,
)


def test_full_profile_carries_the_seed_settings():
    full = get_profile("full")
    assert full.dataset == "rajpurkar/squad"  # the namespaced id; bare "squad" is rejected
    assert (full.train_split, full.validation_split) == ("train[:1%]", "validation[:1%]")
    assert full.model_checkpoint == "distilbert/distilbert-base-uncased"
    assert (full.max_length, full.doc_stride) == (384, 128)
    assert (full.learning_rate, full.train_batch_size, full.num_train_epochs) == (2e-5, 16, 5)
    assert full.weight_decay == 0.01
    assert not full.offline


def test_offline_profile_points_at_local_resources(offline_profile):
    assert offline_profile.offline
    assert os.path.isdir(offline_profile.dataset)
    assert os.path.isfile(os.path.join(offline_profile.model_checkpoint, "config.json"))
    assert offline_profile.doc_stride < offline_profile.max_length
    for var in OFFLINE_ENV_VARS:
        assert os.environ[var] == "1"


def test_summary_is_one_line_naming_profile_device_and_sizes():
    line = str(get_profile("full"))
    assert "\n" not in line
    for part in (
        "profile=full",
        "device=cpu",
        "precision=fp32",
        "max_length=384",
        "doc_stride=128",
    ):
        assert part in line


@pytest.mark.parametrize(
    ("env", "cuda", "expected"),
    [
        ({}, True, "full"),
        ({}, False, "cpu"),  # Colab without a GPU: the network is there, the GPU is not
        ({"HF_HUB_OFFLINE": "1"}, True, "offline"),
        ({"HF_HUB_OFFLINE": "1"}, False, "offline"),  # no network wins over no GPU
        ({"HF_HUB_OFFLINE": "0"}, False, "cpu"),
        ({"HF_HUB_OFFLINE": "1", "TP_PROFILE": "full"}, True, "full"),
        ({"TP_PROFILE": "full"}, False, "full"),  # forcing the full profile on a CPU
        ({"TP_PROFILE": "offline"}, True, "offline"),
        ({"TP_PROFILE": "cpu"}, True, "cpu"),
    ],
)
def test_default_profile_name(env, cuda, expected):
    assert default_profile_name(env, cuda=cuda) == expected


@pytest.mark.parametrize(("available", "expected"), [(True, "full"), (False, "cpu")])
def test_default_profile_name_asks_torch_for_a_gpu(monkeypatch, available, expected):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
    assert default_profile_name({}) == expected


def test_an_explicit_or_offline_choice_does_not_probe_the_gpu(monkeypatch):
    def probe():
        raise AssertionError("the GPU was probed")

    monkeypatch.setattr("tp_helpers.profiles.cuda_available", probe)
    assert default_profile_name({"TP_PROFILE": "full"}) == "full"
    assert default_profile_name({"HF_HUB_OFFLINE": "1"}) == "offline"


def _no_gpu_and_the_network(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for var in ("TP_PROFILE", *OFFLINE_ENV_VARS):
        monkeypatch.delenv(var, raising=False)


def test_cpu_profile_is_the_full_one_but_for_the_training():
    full, cpu = get_profile("full"), get_profile("cpu")
    training = {"num_train_epochs", "learning_rate", "warmup_steps", "model_config"}
    differ = {
        f.name
        for f in dataclasses.fields(full)
        if getattr(full, f.name) != getattr(cpu, f.name) and f.name != "name"
    }
    assert differ == training
    assert cpu.name == "cpu" and not cpu.offline
    assert (cpu.dataset, cpu.model_checkpoint) == ("rajpurkar/squad", full.model_checkpoint)
    assert (cpu.max_length, cpu.doc_stride, cpu.train_batch_size) == (384, 128, 16)
    # 0.4 of an epoch of the full profile's 57 steps, against its 5 epochs
    assert training_steps(full) == 285 and training_steps(cpu) == 23
    assert cpu.max_steps == -1  # the autograder's cap still has the field to itself
    # DistilBERT's own dropout settings (hidden_dropout_prob would be BERT's, ignored here)
    assert cpu.model_config == {"dropout": 0.0, "attention_dropout": 0.0, "qa_dropout": 0.0}


def test_no_gpu_with_the_network_chooses_cpu_and_says_so(monkeypatch):
    _no_gpu_and_the_network(monkeypatch)
    profile = get_profile()
    assert profile.name == "cpu"
    summary, note = str(profile).split("\n")  # the profile line, then one line of note
    assert summary.startswith("profile=cpu device=cpu precision=fp32 ")
    assert "epochs=0.4 lr=0.0001 batch=16" in summary
    assert note == profile.note
    assert note.startswith("No GPU found")  # why
    assert "23 optimiser steps (0.4 epoch) instead of the full profile's 285" in note  # what
    assert "under 10 minutes" in note and "lower scores" in note  # what to expect
    assert "TP_PROFILE=full" in note  # how to force the full profile


def test_tp8s_cpu_note_does_not_quote_tp7s_steps(monkeypatch):
    """TP8's full data is SQuAD v2.0's, whose steps per epoch are not TP7's 57: its note speaks
    in epochs (it once said "23 optimiser steps ... instead of 285", TP7's figures)."""
    _no_gpu_and_the_network(monkeypatch)
    note = get_profile(lab="tp8_unanswerable").note
    assert "0.4 epoch of training instead of the full profile's 5" in note
    assert "285" not in note and "23 " not in note


def test_the_note_only_comes_with_the_automatic_choice(monkeypatch):
    _no_gpu_and_the_network(monkeypatch)
    assert get_profile("cpu").note == ""  # asked for by name: nothing to explain
    monkeypatch.setenv("TP_PROFILE", "cpu")
    assert get_profile().note == ""
    monkeypatch.setenv("TP_PROFILE", "full")  # forced: the full profile, on the CPU
    forced = get_profile()
    assert (forced.name, forced.device, forced.note) == ("full", "cpu", "")
    assert "\n" not in str(forced)
    monkeypatch.delenv("TP_PROFILE")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert get_profile().name == "offline" and get_profile().note == ""


def test_cpu_profile_checks_read_the_full_profiles_data_values():
    from tp_helpers.checks.tp7_qa import LAB

    full = LAB._reference_values("full")
    cpu = LAB._reference_values("cpu")
    assert cpu == full and "inherits" not in cpu
    assert cpu["ex01.rows"] == [876, 106] and cpu["ex03.lengths"] == [384, 157]
    assert cpu["ex13.features"] == [908, 106] and cpu["ex23.features"] == 106
    # the batch is the full profile's, so the steps per epoch are too
    assert cpu["ex17.steps_per_epoch"] == FULL_STEPS_PER_EPOCH


def test_unknown_profile_lists_the_valid_ones():
    with pytest.raises(ProfileError) as info:
        get_profile("gpu-please")
    message = str(info.value)
    assert "unknown profile 'gpu-please'" in message
    assert "cpu, full, offline" in message and "TP_PROFILE" in message


def test_unknown_profile_from_environment(monkeypatch):
    monkeypatch.setenv("TP_PROFILE", "colab")
    with pytest.raises(ProfileError, match="valid profiles: cpu, full, offline"):
        get_profile()


def test_autograde_caps_training_steps(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert get_profile("full").max_steps == AUTOGRADE_MAX_STEPS
    assert get_profile("full").compare_untrained is False  # grading skips the extra pass
    monkeypatch.delenv("NBGRADER_EXECUTION")
    assert get_profile("full").max_steps == -1
    assert get_profile("full").compare_untrained is True


def test_offline_profile_sets_env_before_hf_imports(tmp_path):
    """In a fresh interpreter, huggingface_hub imported after get_profile sees offline mode."""
    code = (
        "import tp_helpers, sys\n"
        "assert 'huggingface_hub' not in sys.modules and 'transformers' not in sys.modules\n"
        "tp_helpers.get_profile('offline')\n"
        "from huggingface_hub import constants\n"
        "print(constants.HF_HUB_OFFLINE)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV_VARS}
    env["TP_DATA_DIR"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_tp_seed_replaces_the_seed(monkeypatch):
    from tp_helpers import ProfileError, get_profile

    monkeypatch.setenv("TP_SEED", "7")
    assert get_profile("full").seed == 7
    monkeypatch.setenv("TP_SEED", "seven")
    with pytest.raises(ProfileError, match="TP_SEED='seven' is not an integer"):
        get_profile("full")


#: (name, compute capability) of GPUs students meet, and the precision each must train in
GPUS = [
    ("Tesla V100-SXM2-16GB", (7, 0), "fp16"),
    ("Tesla T4", (7, 5), "fp16"),  # Colab's free GPU: bf16 only emulated
    ("NVIDIA A100-SXM4-40GB", (8, 0), "bf16"),
    ("NVIDIA L4", (8, 9), "bf16"),
    ("NVIDIA H100 80GB HBM3", (9, 0), "bf16"),
]


@pytest.mark.parametrize(("name", "capability", "precision"), GPUS)
def test_precision_follows_the_compute_capability(monkeypatch, name, capability, precision):
    import torch

    def bf16_supported(including_emulation=True):  # torch's rule: emulation passes on any GPU
        return including_emulation or capability >= (8, 0)

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: capability)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: name)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", bf16_supported)
    profile = get_profile("full")
    assert (profile.device, profile.precision) == ("cuda", precision)
    assert profile.bf16 == (precision == "bf16") and profile.fp16 == (precision == "fp16")
    assert f"device=cuda:{name} precision={precision} " in str(profile)


def test_no_cuda_is_cpu_in_fp32(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    profile = get_profile("full")
    assert (profile.device, profile.precision, profile.gpu) == ("cpu", "fp32", "")
    assert "device=cpu precision=fp32 " in str(profile)


def test_the_trainer_runs_the_cpu_profiles_fraction_of_an_epoch(tmp_path):
    """0.4 epoch of 908 features in batches of 16: 23 steps, then one training-loss log and
    one evaluation (``*_strategy="epoch"`` still fires when training stops inside the epoch)."""
    import torch
    from transformers import (
        DistilBertConfig,
        DistilBertForQuestionAnswering,
        Trainer,
        TrainingArguments,
    )

    cpu = get_profile("cpu")
    torch.manual_seed(0)
    tiny = DistilBertConfig(
        vocab_size=64, dim=16, hidden_dim=32, n_layers=1, n_heads=2, max_position_embeddings=8,
        **cpu.model_config,
    )  # fmt: skip
    features = [
        {
            "input_ids": torch.randint(0, 64, (8,)),
            "attention_mask": torch.ones(8, dtype=torch.long),
            "start_positions": torch.tensor(i % 8),
            "end_positions": torch.tensor(i % 8),
        }
        for i in range(908)  # the full profile's training features
    ]
    args = TrainingArguments(
        output_dir=str(tmp_path),
        eval_strategy="epoch",
        logging_strategy="epoch",
        learning_rate=cpu.learning_rate,
        per_device_train_batch_size=cpu.train_batch_size,
        per_device_eval_batch_size=cpu.eval_batch_size,
        num_train_epochs=cpu.num_train_epochs,
        weight_decay=cpu.weight_decay,
        warmup_steps=cpu.warmup_steps,
        max_steps=cpu.max_steps,
        seed=cpu.seed,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        dataloader_pin_memory=False,
    )
    trainer = Trainer(
        model=DistilBertForQuestionAnswering(tiny),
        args=args,
        train_dataset=features,
        eval_dataset=features[:106],
    )
    assert len(trainer.get_train_dataloader()) == FULL_STEPS_PER_EPOCH
    result = trainer.train()
    assert result.global_step == training_steps(cpu) == 23
    logged = [entry for entry in trainer.state.log_history if "loss" in entry]
    evaluated = [entry for entry in trainer.state.log_history if "eval_loss" in entry]
    assert len(logged) == len(evaluated) == 1
    assert logged[0]["epoch"] == evaluated[0]["epoch"] == pytest.approx(23 / 57, abs=1e-3)
