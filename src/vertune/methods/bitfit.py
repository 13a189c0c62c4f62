"""BitFit (Ben Zaken et al., 2022): train only the backbone's bias terms, plus the head and the pooler."""

from __future__ import annotations

from torch import nn

from vertune.methods.base import BaseMethod, backbone, train_only_head


class BitFit(BaseMethod):
    name = "bitfit"

    def prepare(self, model: nn.Module) -> nn.Module:
        train_only_head(model)
        for name, parameter in backbone(model).named_parameters():
            if name == "bias" or name.endswith(".bias"):
                parameter.requires_grad_(True)
        return model
