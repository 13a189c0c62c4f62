import pytest
import torch

from vertune.errors import RecipeError
from vertune.methods import build_method
from vertune.methods.base import backbone
from vertune.recipe import MethodConfig
from vertune.tasks import get_task


@pytest.fixture
def model(minilm_dir):
    return get_task("classification").head(str(minilm_dir), ["a", "b"])


def trainable_names(model) -> set[str]:
    return {name for name, p in model.named_parameters() if p.requires_grad}


def test_full_trains_everything(model):
    prepared = build_method(MethodConfig(name="full")).prepare(model)
    assert trainable_names(prepared) == {name for name, _ in model.named_parameters()}


def test_head_only_trains_just_the_head(model):
    prepared = build_method(MethodConfig(name="head-only")).prepare(model)
    assert trainable_names(prepared) == {"classifier.weight", "classifier.bias"}


def test_freeze_lower_layers(model):
    config = MethodConfig(name="freeze", freeze={"layers": 2, "embeddings": True})
    names = trainable_names(build_method(config).prepare(model))
    assert not any(
        n.startswith(("bert.embeddings", "bert.encoder.layer.0.", "bert.encoder.layer.1.")) for n in names
    )
    assert any(n.startswith("bert.encoder.layer.2.") for n in names)
    assert "classifier.weight" in names


def test_freeze_more_layers_than_the_model_has(model):
    with pytest.raises(RecipeError, match="more than the model's 6 layers"):
        build_method(MethodConfig(name="freeze", freeze={"layers": 7})).prepare(model)


def test_l2sp_is_a_real_penalty_on_the_backbone_only(model):
    method = build_method(MethodConfig(name="full", l2sp=0.5))
    prepared = method.prepare(model)
    assert method.extra_loss(prepared).item() == 0.0
    with torch.no_grad():
        prepared.classifier.weight.add_(1.0)  # the head is not penalised
    assert method.extra_loss(prepared).item() == 0.0
    weight = backbone(prepared).encoder.layer[0].attention.self.query.weight
    with torch.no_grad():
        weight.add_(0.1)
    expected = 0.5 * (0.1**2) * weight.numel()
    penalty = method.extra_loss(prepared)
    assert penalty.item() == pytest.approx(expected, rel=1e-3)
    penalty.backward()
    assert weight.grad is not None and weight.grad.abs().sum() > 0


def test_l2sp_with_freezing_only_anchors_what_trains(model):
    method = build_method(MethodConfig(name="freeze", freeze={"layers": 6}, l2sp=1.0))
    method.prepare(model)
    assert method.name == "freeze+l2sp"
    assert method.extra_loss(model) is not None  # the pooler still trains and is anchored


def test_only_shape_changing_methods_skip_reloading_the_best_checkpoint():
    from vertune.methods import build_method
    from vertune.methods.base import reloads_best_checkpoint
    from vertune.recipe import MethodConfig

    assert reloads_best_checkpoint(build_method(MethodConfig(name="lora", l2sp=0.01), total_steps=10))
    assert not reloads_best_checkpoint(build_method(MethodConfig(name="adalora"), total_steps=10))
    assert not reloads_best_checkpoint(build_method(MethodConfig(name="adalora", l2sp=0.01), total_steps=10))


def test_prefix_backbone_takes_past_key_values_whatever_transformers_names_it(minilm_dir):
    """transformers 5.24 renamed BERT's past_key_values to cache; PEFT reads the signature for the old name."""
    import inspect

    from transformers import AutoModelForSequenceClassification

    from vertune.methods.peft_methods import accept_past_key_values

    model = AutoModelForSequenceClassification.from_pretrained(str(minilm_dir), num_labels=2)
    accept_past_key_values(model)
    assert "past_key_values" in inspect.signature(model.base_model.forward).parameters
    accept_past_key_values(model)  # a second call changes nothing
