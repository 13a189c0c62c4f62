"""Methods on a causal LM (the builtin SmolLM2): PEFT's task type is CAUSAL_LM, LoRA adapts every linear
projection of the blocks and leaves the (tied) LM head alone, and each method trains on the SFT loss."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from vertune.generation.encoding import encode_example
from vertune.methods import build_method
from vertune.recipe import recipe_from_dict

PROJECTIONS = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


def prepared(smollm2_dir, method: dict):
    recipe = recipe_from_dict(
        {"model": "smollm2", "task": "generation", "data": {"train": "x.jsonl"}, "method": method}
    )
    method_ = build_method(recipe.method, total_steps=10)
    return method_.prepare(AutoModelForCausalLM.from_pretrained(smollm2_dir)), method_


def test_lora_adapts_every_projection_and_not_the_lm_head(smollm2_dir):
    model, _ = prepared(smollm2_dir, {"name": "lora"})
    config = model.peft_config["default"]
    assert config.task_type == "CAUSAL_LM" and not config.modules_to_save
    assert set(config.target_modules) == PROJECTIONS
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)


@pytest.mark.parametrize("method", [{"name": "freeze"}, {"name": "ia3"}, {"name": "full", "l2sp": 0.01}])
def test_each_method_trains_on_the_sft_loss(smollm2_dir, method):
    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir)
    feature = encode_example(tokenizer, [{"role": "user", "content": "Say hi."}], "Hi!", 32)
    batch = {k: torch.tensor([v]) for k, v in feature.items()}
    model, method_ = prepared(smollm2_dir, method)
    model.train()
    loss = model(**batch).loss
    penalty = method_.extra_loss(model)
    (loss + (penalty if penalty is not None else 0)).backward()
    assert math.isfinite(float(loss.detach()))
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters() if p.requires_grad)


def test_bitfit_on_a_model_without_biases_is_a_clear_recipe_error(smollm2_dir):
    from vertune.errors import RecipeError

    with pytest.raises(RecipeError, match="no bias terms"):
        prepared(smollm2_dir, {"name": "bitfit"})
