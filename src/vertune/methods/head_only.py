"""Train only the task head on top of a frozen backbone."""

from __future__ import annotations

from torch import nn

from vertune.methods.base import BaseMethod, backbone, set_trainable


class HeadOnly(BaseMethod):
    name = "head-only"

    def prepare(self, model: nn.Module) -> nn.Module:
        set_trainable(model, True)
        set_trainable(backbone(model), False)
        return model
