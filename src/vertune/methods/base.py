"""The Method protocol and the helpers that find a model's backbone and transformer layers."""

from __future__ import annotations

from typing import Any, Protocol

import torch
from torch import nn


class Method(Protocol):
    name: str

    def prepare(self, model: nn.Module) -> nn.Module:
        """Freeze or inject parameters; return the model to train."""

    def extra_loss(self, model: nn.Module) -> torch.Tensor | None:
        """A penalty added to the task loss during training, or None."""


class MethodStack:
    """Several methods applied in order (e.g. freeze + L2-SP); their extra losses add up."""

    def __init__(self, methods: list[Any]):
        self.methods = methods
        self.name = "+".join(m.name for m in methods)

    def prepare(self, model: nn.Module) -> nn.Module:
        for method in self.methods:
            model = method.prepare(model)
        return model

    def extra_loss(self, model: nn.Module) -> torch.Tensor | None:
        terms = [t for t in (m.extra_loss(model) for m in self.methods) if t is not None]
        return sum(terms[1:], terms[0]) if terms else None


def backbone(model: nn.Module) -> nn.Module:
    """The pre-trained encoder / decoder under the task head (`model.bert` for a BERT classifier)."""
    base = getattr(model, "base_model", None)
    if base is None or base is model:
        raise TypeError(f"cannot tell the backbone from the head in {type(model).__name__}")
    return base


def head_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The task head's parameters, plus the backbone's pooler (it feeds nothing but the head)."""
    inside = {id(p) for p in backbone(model).parameters()}
    head = [p for p in model.parameters() if id(p) not in inside]
    pooler = getattr(backbone(model), "pooler", None)
    return head + (list(pooler.parameters()) if isinstance(pooler, nn.Module) else [])


def transformer_layers(model: nn.Module) -> nn.ModuleList:
    """The stack of transformer blocks, found by shape rather than by per-architecture names."""
    count = getattr(getattr(model, "config", None), "num_hidden_layers", None)
    candidates = [m for m in backbone(model).modules() if isinstance(m, nn.ModuleList) and len(m) > 0]
    for module in candidates:
        if count is None or len(module) == count:
            return module
    raise TypeError(f"cannot find the transformer layers of {type(model).__name__}")


def input_embeddings(model: nn.Module) -> nn.Module:
    """The embedding block (word + position + ...) if the backbone has one, else the word embeddings."""
    base = backbone(model)
    return getattr(base, "embeddings", None) or model.get_input_embeddings()


def set_trainable(module: nn.Module, trainable: bool) -> None:
    for parameter in module.parameters():
        parameter.requires_grad_(trainable)
