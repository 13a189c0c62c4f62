"""Train only the task head on top of a frozen backbone."""

from __future__ import annotations

import torch
from torch import nn

from vertune.methods.base import backbone, set_trainable


class HeadOnly:
    name = "head-only"

    @classmethod
    def from_config(cls, config) -> HeadOnly:
        return cls()

    def prepare(self, model: nn.Module) -> nn.Module:
        set_trainable(model, True)
        set_trainable(backbone(model), False)
        return model

    def extra_loss(self, model: nn.Module) -> torch.Tensor | None:
        return None
