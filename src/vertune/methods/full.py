"""Full fine-tuning: every parameter trains."""

from __future__ import annotations

import torch
from torch import nn


class FullFineTuning:
    name = "full"

    @classmethod
    def from_config(cls, config) -> FullFineTuning:
        return cls()

    def prepare(self, model: nn.Module) -> nn.Module:
        for parameter in model.parameters():
            parameter.requires_grad_(True)
        return model

    def extra_loss(self, model: nn.Module) -> torch.Tensor | None:
        return None
