"""Penalties anchored at the parent's weights: L2-SP (Li et al., 2018) with theta_0 = the parent instead of
the pre-trained model, and EWC (Kirkpatrick et al., 2017), the same weighted by the parent's diagonal Fisher
information. Unlike `methods/l2sp.py` (backbone only: a new head has no pre-trained value), these cover the
head too: the parent's rows of a grown output layer are what old labels are decided by."""

from __future__ import annotations

import re

import torch
from torch import nn

from vertune.methods.base import BaseMethod, unwrap

#: what PEFT inserts into parameter names (`query.base_layer.weight`, `classifier.modules_to_save.default.
#: weight`); removed, a name matches the parent's
_PEFT_PARTS = re.compile(r"\.(base_layer|modules_to_save\.default|original_module)(?=\.)")


def plain_name(name: str) -> str:
    return _PEFT_PARTS.sub("", name)


class AnchorPenalty(BaseMethod):
    """strength * sum_i w_i (theta_i - theta_parent_i)^2 over the trainable parameters the parent has; the
    values at `prepare` are the parent's (the run starts from it), `rows` limits grown tensors to the
    parent's rows, `weights` (EWC: the Fisher, by plain name) weighs each entry (absent: 1)."""

    def __init__(
        self,
        name: str,
        strength: float,
        rows: dict[str, int],
        weights: dict[str, torch.Tensor] | None = None,
    ):
        self.name = name
        self.strength = strength
        self.rows = rows
        self.weights = weights
        self._anchors: list[tuple[nn.Parameter, int | None, torch.Tensor, torch.Tensor | None]] = []

    def prepare(self, model: nn.Module) -> nn.Module:
        self._anchors = []
        for name, parameter in unwrap(model).named_parameters():
            if not parameter.requires_grad:
                continue
            plain = plain_name(name)
            weight = None
            if self.weights is not None:
                weight = self.weights.get(plain)
                if weight is None:
                    continue  # EWC: only what the parent's Fisher covers (not new LoRA matrices)
            rows = self.rows.get(plain)
            anchor = parameter.detach()[:rows] if rows is not None else parameter.detach()
            if weight is not None and weight.shape != anchor.shape:
                continue
            self._anchors.append((parameter, rows, anchor.clone(), weight))
        return model

    @property
    def anchored(self) -> int:
        """How many values the penalty holds to the parent's."""
        return sum(anchor.numel() for _, _, anchor, _ in self._anchors)

    def extra_loss(self, model: nn.Module) -> torch.Tensor | None:
        if not self._anchors or self.strength == 0:
            return None
        terms = []
        for i, (parameter, rows, anchor, weight) in enumerate(self._anchors):
            if anchor.device != parameter.device:  # the trainer moved the model
                anchor = anchor.to(parameter.device)
                weight = weight.to(parameter.device) if weight is not None else None
                self._anchors[i] = (parameter, rows, anchor, weight)
            current = parameter[:rows] if rows is not None else parameter
            squared = (current.float() - anchor.float()) ** 2
            terms.append((squared * weight).sum() if weight is not None else squared.sum())
        return self.strength * torch.stack(terms).sum()
