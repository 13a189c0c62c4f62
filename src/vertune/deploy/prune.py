"""Structured pruning of the feed-forward blocks: the least important FFN neurons of every layer go.

Importance of neuron j in a layer: ||W_in[j, :]|| * ||W_out[:, j]|| (how much it can carry in and out,
magnitude-based, no data needed). The same count is removed from every layer, so the result is still a
plain transformers model (`config.intermediate_size` shrinks) that loads with `from_pretrained`. Attention
heads are not pruned: transformers 5 dropped `prune_heads` and per-layer head counts cannot be expressed in
a BERT config. Whole layers go with distillation (`distill.py`, `--student-layers`). A short recovery
fine-tune against the parent (as teacher) follows in `compress`.
"""

from __future__ import annotations

from typing import Any

import torch

from vertune.errors import VertuneError


def encoder_layers(model: Any) -> torch.nn.ModuleList:
    """The transformer layers of a BERT-style encoder (BERT, RoBERTa, MiniLM, ELECTRA, ...)."""
    layers = getattr(getattr(model.base_model, "encoder", None), "layer", None)
    if not isinstance(layers, torch.nn.ModuleList):
        raise VertuneError(
            f"{type(model).__name__}: pruning and distillation support BERT-style encoders "
            "(base_model.encoder.layer); use --quantize int8 for this model"
        )
    return layers


def prune_ffn(model: Any, fraction: float) -> dict[str, int]:
    """Remove `fraction` of the FFN neurons of every layer, in place. Returns the sizes before and after."""
    from transformers.pytorch_utils import prune_linear_layer

    if not 0 < fraction < 1:
        raise VertuneError(f"--prune {fraction}: give the share of FFN neurons to remove, between 0 and 1")
    layers = encoder_layers(model)
    before = model.config.intermediate_size
    keep = max(1, round(before * (1 - fraction)))
    layer: Any
    for layer in layers:
        inner, outer = layer.intermediate.dense, layer.output.dense
        importance = inner.weight.detach().norm(dim=1) * outer.weight.detach().norm(dim=0)
        index = importance.topk(keep).indices.sort().values
        layer.intermediate.dense = prune_linear_layer(inner, index, dim=0)
        layer.output.dense = prune_linear_layer(outer, index, dim=1)
    model.config.intermediate_size = keep
    return {"intermediate_size_before": before, "intermediate_size_after": keep, "layers": len(layers)}
