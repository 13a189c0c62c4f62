"""Freeze the lowest N transformer layers (and optionally the embeddings); train the rest and the head."""

from __future__ import annotations

import torch
from torch import nn

from vertune.methods.base import input_embeddings, set_trainable, transformer_layers


class FreezeLowerLayers:
    name = "freeze"

    def __init__(self, layers: int, embeddings: bool = True, ratio: float | None = None):
        self.layers = layers
        self.embeddings = embeddings
        self.ratio = ratio

    @classmethod
    def from_config(cls, config) -> FreezeLowerLayers:
        return cls(config.freeze.layers, config.freeze.embeddings, config.freeze.ratio)

    def prepare(self, model: nn.Module) -> nn.Module:
        stack = transformer_layers(model)
        if self.ratio is not None:
            self.layers = int(self.ratio * len(stack))
        if self.layers > len(stack):
            from vertune.errors import RecipeError

            raise RecipeError(
                f"method.freeze.layers: {self.layers} is more than the model's {len(stack)} layers; "
                "use head-only to freeze them all"
            )
        set_trainable(model, True)
        for layer in stack[: self.layers]:
            set_trainable(layer, False)
        if self.embeddings:
            set_trainable(input_embeddings(model), False)
        return model

    def extra_loss(self, model: nn.Module) -> torch.Tensor | None:
        return None
