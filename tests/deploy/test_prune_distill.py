"""Structured pruning and the distillation student keep a plain transformers model that reloads."""

import pytest
import torch

from vertune.deploy.distill import soft_loss, student_from_teacher
from vertune.deploy.prune import prune_ffn
from vertune.errors import VertuneError
from vertune.tasks import get_task


@pytest.fixture(scope="module")
def model(trained_run):
    return get_task("classification").load_trained(str(trained_run / "model"))


def test_prune_ffn_shrinks_every_layer_and_reloads(model, tmp_path):
    import copy

    pruned = copy.deepcopy(model)
    stats = prune_ffn(pruned, 0.25)
    assert stats["intermediate_size_after"] == round(stats["intermediate_size_before"] * 0.75)
    pruned.save_pretrained(tmp_path)
    reloaded = get_task("classification").load_trained(str(tmp_path))
    batch = {
        "input_ids": torch.tensor([[101, 2204, 102]]),
        "attention_mask": torch.ones(1, 3, dtype=torch.long),
    }
    with torch.no_grad():
        assert torch.allclose(pruned.eval()(**batch).logits, reloaded.eval()(**batch).logits, atol=1e-5)
    for layer in reloaded.base_model.encoder.layer:
        assert layer.intermediate.dense.out_features == stats["intermediate_size_after"]
    with pytest.raises(VertuneError, match="between 0 and 1"):
        prune_ffn(copy.deepcopy(model), 1.5)


def test_student_keeps_evenly_spaced_layers_with_the_teachers_weights(model):
    student = student_from_teacher(model, 3)
    teacher_layers = model.base_model.encoder.layer
    assert student.config.num_hidden_layers == 3 and len(student.base_model.encoder.layer) == 3
    last = student.base_model.encoder.layer[-1].output.dense.weight
    assert torch.equal(last, teacher_layers[len(teacher_layers) - 1].output.dense.weight)
    with pytest.raises(VertuneError, match="--student-layers"):
        student_from_teacher(model, len(teacher_layers))


def test_soft_loss_is_zero_when_the_student_matches_the_teacher():
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    assert soft_loss(logits, logits, "single_label_classification", None, 2.0).abs() < 1e-6
    assert (
        soft_loss(logits, logits + 1, "single_label_classification", None, 2.0).abs() < 1e-6
    )  # shift-invariant
    assert soft_loss(logits, -logits, "single_label_classification", None, 2.0) > 0.1
    assert soft_loss(logits, logits, "regression", None, 2.0) == 0
