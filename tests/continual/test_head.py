"""Head growth on the real MiniLM: old rows kept, new rows added, config and loss see the new size."""

from __future__ import annotations

import pytest
import torch

from vertune.continual.head import grow_head, grown_labels
from vertune.tasks import get_task


def test_grown_labels_keep_the_parents_ids():
    assert grown_labels(["b", "a"], ["a", "c", "b", "d"]) == ["b", "a", "c", "d"]
    assert grown_labels(["O", "B-PER", "I-PER"], ["O", "B-ORG", "I-ORG"]) == [
        "O",
        "B-PER",
        "I-PER",
        "B-ORG",
        "I-ORG",
    ]


@pytest.mark.parametrize("task_name", ["classification", "ner"])
def test_grow_head_keeps_old_rows_and_adds_new(minilm_dir, task_name):
    from vertune.recipe import DataConfig

    task = get_task(task_name, DataConfig(train="x.csv"))
    old = ["O", "B-PER", "I-PER"] if task_name == "ner" else ["negative", "positive"]
    labels = grown_labels(old, [*old, "B-ORG", "I-ORG"] if task_name == "ner" else ["neutral"])
    model = task.head(str(minilm_dir), old)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    grown = grow_head(model, old, labels)
    assert set(grown) == {"classifier.weight", "classifier.bias"} and set(grown.values()) == {len(old)}
    weight, bias = model.classifier.weight, model.classifier.bias
    assert weight.shape[0] == len(labels)
    assert torch.equal(weight[: len(old)], before["classifier.weight"])
    assert torch.equal(bias[: len(old)], before["classifier.bias"])
    assert not torch.equal(weight[len(old) :], torch.zeros_like(weight[len(old) :]))  # initialised, not zero
    for name, value in before.items():
        if not name.startswith("classifier."):
            assert torch.equal(dict(model.named_parameters())[name], value)
    assert model.config.num_labels == len(labels) and model.config.id2label[len(labels) - 1] == labels[-1]
    ids = torch.tensor([[101, 2204, 102]])
    target = (
        torch.tensor([[0, len(labels) - 1, 0]]) if task_name == "ner" else torch.tensor([len(labels) - 1])
    )
    out = model(input_ids=ids, labels=target)
    assert out.logits.shape[-1] == len(labels) and torch.isfinite(out.loss)


def test_grow_head_refuses_a_reordered_label_list(minilm_dir):
    from vertune.recipe import DataConfig

    model = get_task("classification", DataConfig(train="x.csv")).head(str(minilm_dir), ["a", "b"])
    with pytest.raises(ValueError):
        grow_head(model, ["a", "b"], ["b", "a", "c"])
