"""The penalties anchored at the parent: zero at the start, growing with the distance, limited to the
parent's rows of a grown layer, weighted by the Fisher for EWC; and LwF's distillation term."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from vertune.continual.lwf import distillation
from vertune.continual.penalties import AnchorPenalty, plain_name


class Tiny(nn.Module):
    """A backbone and a head, as the penalties see a transformers classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(2, 2)
        self.classifier = nn.Linear(2, 3)


def test_anchor_penalty_is_zero_at_the_parent_and_counts_only_old_rows():
    model = Tiny()
    penalty = AnchorPenalty("l2sp@parent", 0.5, {"classifier.weight": 2, "classifier.bias": 2})
    penalty.prepare(model)
    assert float(penalty.extra_loss(model).detach()) == 0.0
    assert penalty.anchored == 4 + 2 + 4 + 2  # body weight + bias, two old rows of the head
    with torch.no_grad():
        model.classifier.weight[2] += 10.0  # a new row moves freely
    assert float(penalty.extra_loss(model).detach()) == 0.0
    with torch.no_grad():
        model.body.weight += 1.0
    assert float(penalty.extra_loss(model).detach()) == 0.5 * 4


def test_ewc_weighs_by_the_fisher_and_skips_what_it_does_not_cover():
    model = Tiny()
    fisher = {"body.weight": torch.tensor([[2.0, 0.0], [0.0, 0.0]])}
    penalty = AnchorPenalty("ewc", 1.0, {}, fisher)
    penalty.prepare(model)
    assert penalty.anchored == 4
    with torch.no_grad():
        model.body.weight += 1.0
        model.classifier.weight += 1.0
    assert float(penalty.extra_loss(model).detach()) == 2.0


def test_plain_names_see_through_peft():
    assert plain_name("bert.encoder.layer.0.attention.self.query.base_layer.weight") == (
        "bert.encoder.layer.0.attention.self.query.weight"
    )
    assert plain_name("classifier.modules_to_save.default.weight") == "classifier.weight"


def test_distillation_is_zero_when_student_matches_teacher():
    logits = torch.tensor([[2.0, -1.0], [0.5, 0.1]])
    assert float(distillation(logits, logits, 2.0, None)) == pytest.approx(0.0, abs=1e-6)
    assert float(distillation(-logits, logits, 2.0, None)) > 0.1
    mask = torch.tensor([True, False])
    assert float(distillation(logits, torch.stack([logits[0], -logits[1]]), 2.0, mask)) == pytest.approx(
        0.0, abs=1e-6
    )
