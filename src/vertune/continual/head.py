"""The parent's model as the starting point of a continued run: loaded from its model/ (merged when it is an
adapter), with the output layer grown for labels the parent never saw. Old rows are copied unchanged, so a
label of the parent keeps its id and its weights; new rows start small (the model's initializer range) with
the old rows' mean bias, so a new label starts near the prior of the old ones."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from vertune.errors import RecipeError
from vertune.methods.base import backbone


def grown_labels(parent: Sequence[str], new: Sequence[str]) -> list[str]:
    """The parent's labels in their order (ids unchanged), then the labels only the new data has."""
    return [*parent, *(label for label in new if label not in parent)]


def load_parent_model(task: Any, model_dir: str | Path) -> nn.Module:
    """The parent run's trained model as a plain transformers model (a PEFT adapter is merged in)."""
    from vertune.methods.saving import can_merge, is_peft_model

    model = task.load_trained(str(model_dir))
    if is_peft_model(model):
        if not can_merge(model):
            raise RecipeError(
                f"{model_dir}: a prefix / prompt tuning run cannot be continued (its virtual tokens do not "
                "merge into the weights); continue from a run trained with another method"
            )
        model = model.merge_and_unload()
    return model


def output_layer(model: nn.Module, rows: int) -> tuple[nn.Module, str, nn.Linear]:
    """(owner module, attribute name, layer) of the head's last linear layer with `rows` outputs."""
    inside = {id(m) for m in backbone(model).modules()}
    found = None
    for owner in model.modules():
        if id(owner) in inside:
            continue
        for name, child in owner.named_children():
            if isinstance(child, nn.Linear) and child.out_features == rows and id(child) not in inside:
                found = (owner, name, child)
    if found is None:
        raise RecipeError(f"cannot find the output layer with {rows} outputs in {type(model).__name__}")
    return found


def grow_head(model: nn.Module, old: Sequence[str], labels: Sequence[str]) -> dict[str, int]:
    """Grow the output layer from `old` to `labels` (which starts with `old`) in place; returns
    {parameter name: rows the parent had} for each grown parameter (the penalties anchor those rows)."""
    if list(labels[: len(old)]) != list(old):
        raise ValueError("the new label list must start with the parent's labels")
    config: Any = getattr(model, "config", None)
    if config is not None:
        config.num_labels = len(labels)
        config.id2label = dict(enumerate(labels))
        config.label2id = {label: i for i, label in enumerate(labels)}
    if hasattr(model, "num_labels"):  # the loss of transformers' heads reshapes by it
        model.num_labels = len(labels)  # type: ignore[assignment]
    if len(labels) == len(old):
        return {}
    owner, attribute, layer = output_layer(model, len(old))
    grown = nn.Linear(layer.in_features, len(labels), bias=layer.bias is not None)
    grown.to(device=layer.weight.device, dtype=layer.weight.dtype)
    std = float(getattr(config, "initializer_range", 0.02) or 0.02)
    with torch.no_grad():
        grown.weight.normal_(0.0, std)
        grown.weight[: len(old)] = layer.weight
        if layer.bias is not None and grown.bias is not None:
            grown.bias.fill_(float(layer.bias.mean()))
            grown.bias[: len(old)] = layer.bias
    setattr(owner, attribute, grown)
    prefix = next(name for name, module in model.named_modules() if module is grown)
    return {f"{prefix}.weight": len(old), **({f"{prefix}.bias": len(old)} if layer.bias is not None else {})}
