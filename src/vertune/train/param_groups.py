"""The optimizer's parameter groups: the head at its own rate, the body's layers at decaying rates (LLRD)."""

from __future__ import annotations

import re
from typing import Any

from torch import nn

from vertune.methods.base import backbone, head_parameters

LAYER_INDEX = re.compile(r"(?:^|\.)layers?\.(\d+)\.")


def layers_above(model: nn.Module) -> dict[int, int]:
    """Per body parameter (by id): how many encoder layers sit above it. The top layer (and anything after
    it, such as a final norm) is 0, the embeddings are the deepest; empty if no numbered layers are found."""
    named = list(backbone(model).named_parameters())
    index = {id(p): int(m.group(1)) for name, p in named if (m := LAYER_INDEX.search(name))}
    if not index:
        return {}
    top = max(index.values())
    return {
        id(p): top - index[id(p)] if id(p) in index else (top + 1 if "embed" in name else 0)
        for name, p in named
    }


def rate_groups(
    model: nn.Module,
    groups: list[dict[str, Any]],
    head_learning_rate: float | None,
    layer_lr_decay: float = 1.0,
) -> list[dict[str, Any]]:
    """`groups` (an optimizer's param groups) split so each holds one learning rate: the head's (and the
    pooler's) `head_learning_rate` (null: the group's rate), a body parameter the group's rate times
    `layer_lr_decay` ** (layers above it)."""
    head = {id(p) for p in head_parameters(model)}
    depth = layers_above(model) if layer_lr_decay != 1.0 else {}
    split = []
    for group in groups:
        by_rate: dict[float, list[nn.Parameter]] = {}
        for p in group["params"]:
            if id(p) in head:
                lr = head_learning_rate if head_learning_rate is not None else group["lr"]
            else:
                lr = group["lr"] * layer_lr_decay ** depth.get(id(p), 0)
            by_rate.setdefault(lr, []).append(p)
        split += [{**group, "params": params, "lr": lr} for lr, params in by_rate.items()]
    return split
