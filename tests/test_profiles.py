import os
import subprocess
import sys

import pytest

from tp_helpers import ProfileError, get_profile
from tp_helpers.profiles import AUTOGRADE_MAX_STEPS, OFFLINE_ENV_VARS, default_profile_name


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
    ("env", "expected"),
    [
        ({}, "full"),
        ({"HF_HUB_OFFLINE": "1"}, "offline"),
        ({"HF_HUB_OFFLINE": "1", "TP_PROFILE": "full"}, "full"),
        ({"TP_PROFILE": "offline"}, "offline"),
    ],
)
def test_default_profile_name(env, expected):
    assert default_profile_name(env) == expected


def test_unknown_profile_lists_the_valid_ones():
    with pytest.raises(ProfileError) as info:
        get_profile("gpu-please")
    message = str(info.value)
    assert "unknown profile 'gpu-please'" in message
    assert "full, offline" in message and "TP_PROFILE" in message


def test_unknown_profile_from_environment(monkeypatch):
    monkeypatch.setenv("TP_PROFILE", "colab")
    with pytest.raises(ProfileError, match="valid profiles: full, offline"):
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
