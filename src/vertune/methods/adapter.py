"""Bottleneck adapters (Houlsby et al., 2019; Pfeiffer et al., 2021) in every transformer layer.

PEFT has no bottleneck adapter and the maintained `adapters` library pins transformers 4.x, so the few
lines are here. An adapter is `x + up(act(down(x)))` on the output of a sub-layer's projection, before
the residual sum and layer norm; `up` starts at zero, so the prepared model computes exactly what the
pre-trained one did. Houlsby puts one after the attention output projection and one after the
feed-forward block; Pfeiffer only after the feed-forward block.

Adapters are not linear in the weights, so they cannot be merged: the run saves the whole model plus
`bottleneck_adapter.json`, and `vertune.models.loading.load_saved_model` rebuilds it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from vertune.methods.base import BaseMethod, hf_model, train_only_head, transformer_layers
from vertune.methods.options import AdapterOptions

if TYPE_CHECKING:
    from vertune.recipe import MethodConfig

CONFIG_FILE = "bottleneck_adapter.json"


class Bottleneck(nn.Module):
    def __init__(self, size: int, bottleneck: int):
        super().__init__()
        self.down = nn.Linear(size, bottleneck)
        self.up = nn.Linear(bottleneck, size)
        self.act = nn.GELU()
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.up(self.act(self.down(x)))


class AdaptedLinear(nn.Module):
    """A frozen projection followed by a trainable bottleneck."""

    def __init__(self, linear: nn.Linear, bottleneck: int):
        super().__init__()
        self.linear = linear
        self.adapter = Bottleneck(linear.out_features, bottleneck)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.adapter(self.linear(x))


def adapter_sites(layer: nn.Module, hidden: int, kind: str) -> list[str]:
    """Names (inside one layer) of the projections an adapter follows, found by shape, not by name.

    The feed-forward output is the Linear from a wider size back to `hidden`; the attention output is the
    last `hidden -> hidden` Linear registered before it (after query / key / value).
    """
    linears = [(n, m) for n, m in layer.named_modules() if isinstance(m, nn.Linear)]
    ffn_out = [i for i, (_, m) in enumerate(linears) if m.out_features == hidden and m.in_features > hidden]
    if not ffn_out:
        raise TypeError(f"cannot find the feed-forward output projection in {type(layer).__name__}")
    sites = [linears[ffn_out[-1]][0]]
    if kind == "houlsby":
        square = [
            n for n, m in linears[: ffn_out[-1]] if m.in_features == hidden and m.out_features == hidden
        ]
        if not square:
            raise TypeError(f"cannot find the attention output projection in {type(layer).__name__}")
        sites.insert(0, square[-1])
    return sites


def inject_adapters(model: nn.Module, kind: str, reduction: int) -> nn.Module:
    hidden: int = hf_model(model).config.hidden_size
    bottleneck = max(1, hidden // reduction)
    for layer in transformer_layers(model):
        for name in adapter_sites(layer, hidden, kind):
            parent_name, _, child = name.rpartition(".")
            parent = layer.get_submodule(parent_name) if parent_name else layer
            setattr(parent, child, AdaptedLinear(getattr(parent, child), bottleneck))
    return model


class BottleneckAdapter(BaseMethod):
    name = "adapter"

    def __init__(self, kind: str = "pfeiffer", reduction: int = 16):
        self.kind = kind
        self.reduction = reduction

    @classmethod
    def from_config(cls, config: MethodConfig, total_steps: int | None) -> BottleneckAdapter:
        options = config.options(AdapterOptions)
        return cls(options.kind, options.reduction)

    def prepare(self, model: nn.Module) -> nn.Module:
        inject_adapters(model, self.kind, self.reduction)
        train_only_head(model)
        for module in model.modules():
            if isinstance(module, Bottleneck):
                module.requires_grad_(True)
        hf_model(model).vertune_adapter = {"kind": self.kind, "reduction": self.reduction}  # read when saving
        return model


def adapter_settings(model: nn.Module) -> dict[str, Any] | None:
    return getattr(model, "vertune_adapter", None)


def write_adapter_config(directory: Path, settings: dict[str, Any]) -> None:
    (directory / CONFIG_FILE).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def read_adapter_config(directory: Path) -> dict[str, Any] | None:
    path = directory / CONFIG_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
