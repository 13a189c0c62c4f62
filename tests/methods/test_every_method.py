"""Every method on MiniLM with a sequence-classification AND a token-classification head: prepare,
forward + backward, save, reload, same outputs. The models are built directly (no Task), so the methods
are shown to be task-agnostic."""

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer

from vertune.errors import RecipeError
from vertune.methods import METHOD_NAMES, build_method
from vertune.methods.base import head_parameters
from vertune.methods.saving import save_trained
from vertune.models.loading import load_saved_model
from vertune.recipe import MethodConfig

HEADS = {"sequence": AutoModelForSequenceClassification, "token": AutoModelForTokenClassification}
TEXTS = ["the drug gave me a rash", "worked well, no side effects at all"]


@pytest.fixture(scope="module")
def tokenizer(minilm_dir):
    return AutoTokenizer.from_pretrained(minilm_dir)


def build(minilm_dir, head: str):
    torch.manual_seed(0)
    return HEADS[head].from_pretrained(str(minilm_dir), num_labels=3)


def batch_for(tokenizer, head: str):
    batch = dict(tokenizer(TEXTS, padding=True, return_tensors="pt"))
    shape = batch["input_ids"].shape if head == "token" else (len(TEXTS),)
    batch["labels"] = torch.arange(int(torch.tensor(shape).prod())).reshape(shape) % 3
    return batch


def config(name: str, merge: bool = True) -> MethodConfig:
    return MethodConfig(name=name, merge=merge, freeze={"layers": 3})


CASES = [
    (name, head, merge)
    for name in METHOD_NAMES
    for head in HEADS
    for merge in ((True, False) if name in ("lora", "ia3") else (True,))
    if not (name == "prompt" and head == "token")
]


@pytest.mark.parametrize(("name", "head", "merge"), CASES)
def test_prepare_train_save_reload(minilm_dir, tokenizer, tmp_path, name, head, merge):
    method = build_method(config(name, merge), total_steps=20)
    model = method.prepare(build(minilm_dir, head))
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert trainable
    head_ids = {id(p) for p in head_parameters(model)}
    assert head_ids & {id(p) for p in trainable}, "the head must train (with its own learning rate)"

    batch = batch_for(tokenizer, head)
    model.train()
    loss = model(**batch).loss
    loss.backward()
    assert all(p.grad is not None for p in trainable if id(p) in head_ids)
    with torch.no_grad():  # move every trainable weight so a reload that drops one is caught
        for p in trainable:
            p.add_(0.01 * torch.randn_like(p))
    model.eval()
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    with torch.no_grad():
        before = model(**inputs).logits
    kind = save_trained(model, tmp_path, merge=merge)
    reloaded = load_saved_model(tmp_path, HEADS[head]).eval()
    with torch.no_grad():
        after = reloaded(**inputs).logits
    torch.testing.assert_close(after, before, atol=1e-4, rtol=1e-4)
    expected = {"prefix": "adapter", "prompt": "adapter", "adapter": "bottleneck"}
    if name in ("lora", "adalora", "ia3"):
        assert kind == ("merged" if merge else "adapter")
    else:
        assert kind == expected.get(name, "plain")


def test_prompt_tuning_refuses_token_tasks(minilm_dir):
    with pytest.raises(RecipeError, match="use prefix"):
        build_method(config("prompt")).prepare(build(minilm_dir, "token"))


@pytest.mark.parametrize("name", ["lora", "bitfit", "ia3", "adapter", "prefix"])
def test_parameter_efficient_methods_train_under_two_percent(minilm_dir, name):
    model = build_method(config(name), total_steps=20).prepare(build(minilm_dir, "sequence"))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for n, p in model.named_parameters() if "original_module" not in n)
    assert trainable / total < 0.02


def test_lora_options_reach_peft(minilm_dir):
    options = {"r": 4, "alpha": 8, "dora": True, "rslora": True, "target_modules": ["query", "key"]}
    method = build_method(MethodConfig(name="lora", lora=options))
    peft_config = method.prepare(build(minilm_dir, "sequence")).peft_config["default"]
    assert (peft_config.r, peft_config.lora_alpha, peft_config.use_dora, peft_config.use_rslora) == (
        4,
        8,
        True,
        True,
    )
    assert set(peft_config.target_modules) == {"query", "key"}
    assert {"classifier", "pooler.dense"} <= set(peft_config.modules_to_save)


def test_houlsby_adapts_attention_and_feed_forward(minilm_dir):
    model = build_method(MethodConfig(name="adapter", adapter={"kind": "houlsby"})).prepare(
        build(minilm_dir, "sequence")
    )
    adapted = {n.split(".adapter.")[0] for n, _ in model.named_parameters() if ".adapter." in n}
    assert "bert.encoder.layer.0.attention.output.dense" in adapted
    assert "bert.encoder.layer.0.output.dense" in adapted
    assert len(adapted) == 12


def test_freeze_ratio(minilm_dir):
    method = build_method(MethodConfig(name="freeze", freeze={"ratio": 0.5}))
    model = method.prepare(build(minilm_dir, "sequence"))
    frozen_layers = {
        n.split(".")[3] for n, p in model.named_parameters() if "layer." in n and not p.requires_grad
    }
    assert frozen_layers == {"0", "1", "2"}


def test_l2sp_stacks_on_lora(minilm_dir):
    method = build_method(MethodConfig(name="lora", l2sp=1.0))
    model = method.prepare(build(minilm_dir, "sequence"))
    assert method.name == "lora+l2sp"
    lora_b = next(p for n, p in model.named_parameters() if "lora_B" in n)
    with torch.no_grad():
        lora_b.add_(0.1)
    assert method.extra_loss(model).item() == pytest.approx(0.01 * lora_b.numel(), rel=1e-3)
