"""Full fine-tuning: every parameter trains."""

from __future__ import annotations

from torch import nn

from vertune.methods.base import BaseMethod


class FullFineTuning(BaseMethod):
    name = "full"

    def prepare(self, model: nn.Module) -> nn.Module:
        for parameter in model.parameters():
            parameter.requires_grad_(True)
        return model
