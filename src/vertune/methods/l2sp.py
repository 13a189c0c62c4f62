"""L2-SP (Li et al., 2018): lambda * ||theta - theta_0||^2 over the backbone's trainable parameters.

theta_0 is a frozen copy of the pre-trained values taken when the method is prepared; the head is not
penalised (it has no pre-trained value). The penalty keeps a small-data fine-tune near the starting point.
"""

from __future__ import annotations

import torch
from torch import nn

from vertune.methods.base import BaseMethod, backbone


class L2SPPenalty(BaseMethod):
    name = "l2sp"

    def __init__(self, strength: float):
        self.strength = strength
        self._anchors: list[tuple[nn.Parameter, torch.Tensor]] = []

    def prepare(self, model: nn.Module) -> nn.Module:
        # Only parameters that train can move; frozen ones would add a constant zero.
        self._anchors = [(p, p.detach().clone()) for p in backbone(model).parameters() if p.requires_grad]
        return model

    def extra_loss(self, model: nn.Module) -> torch.Tensor | None:
        if not self._anchors:
            return None
        if self._anchors[0][1].device != self._anchors[0][0].device:  # the trainer moved the model
            self._anchors = [(p, p0.to(p.device)) for p, p0 in self._anchors]
        terms = [((p.float() - p0.float()) ** 2).sum() for p, p0 in self._anchors]
        return self.strength * sum(terms[1:], terms[0])
