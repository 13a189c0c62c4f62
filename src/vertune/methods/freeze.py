"""Freeze the lowest N transformer layers (and optionally the embeddings); train the rest and the head."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import nn

from vertune.methods.base import BaseMethod, input_embeddings, set_trainable, transformer_layers
from vertune.methods.options import FreezeOptions

if TYPE_CHECKING:
    from vertune.recipe import MethodConfig


class FreezeLowerLayers(BaseMethod):
    name = "freeze"

    def __init__(self, layers: int, embeddings: bool = True, ratio: float | None = None):
        self.layers = layers
        self.embeddings = embeddings
        self.ratio = ratio

    @classmethod
    def from_config(cls, config: MethodConfig, total_steps: int | None) -> FreezeLowerLayers:
        options = config.options(FreezeOptions)
        return cls(options.layers, options.embeddings, options.ratio)

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
