"""Warm-start the task head with a linear probe before fine-tuning (LP-FT, Kumar et al., ICLR 2022).

A randomly initialised classifier on a pre-trained encoder first spends its updates on the class prior, and
on small data often never leaves it (sentence-embedding checkpoints make it worse: their pooler output
barely varies between texts). Fitting a logistic regression on the frozen features that enter the output
layer, and starting from it, gives fine-tuning a head that already separates the classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from torch import nn

from vertune.methods.base import LINEAR_PROBE, HeadProbe, head_parameters, hf_model
from vertune.models.batching import run_batches


def output_layer(model: nn.Module) -> nn.Linear:
    """The head's last linear layer: the one that produces one logit per label."""
    head = {id(p) for p in head_parameters(model)}
    num_labels = hf_model(model).config.num_labels
    candidates = [
        m
        for m in model.modules()
        if isinstance(m, nn.Linear) and m.out_features == num_labels and id(m.weight) in head
    ]
    if not candidates:
        raise TypeError(f"cannot find the output layer of {type(model).__name__}")
    return candidates[-1]


def warm_start_head(
    model: nn.Module,
    features: list[dict[str, Any]],
    target_ids: np.ndarray,
    collate: Callable[[list[dict[str, Any]]], dict[str, Any]],
    *,
    precision: str,
    device: torch.device,
    batch_size: int,
    quiet: bool = True,
    probe: HeadProbe = LINEAR_PROBE,
) -> dict[str, float]:
    """Set the output layer to a logistic regression fitted on its frozen inputs. Returns the fit's accuracy."""
    layer = output_layer(model)
    captured: list[torch.Tensor] = []
    hook = layer.register_forward_pre_hook(lambda _module, args: captured.append(args[0]))
    try:
        model.eval()
        rows = run_batches(
            lambda batch: (model(**batch), captured.pop())[1],
            features,
            collate,
            batch_size=batch_size,
            precision=precision,
            device=device,
            description="linear probe of the head",
            quiet=quiet,
        )
    finally:
        hook.remove()
    inputs = np.stack(rows)
    width = inputs.shape[1]
    mean, std = (
        (inputs.mean(0), inputs.std(0) + 1e-6) if probe.standardise else (np.zeros(width), np.ones(width))
    )
    scaled_inputs = (inputs - mean) / std
    fitted = LogisticRegression(C=probe.strength, max_iter=5000).fit(scaled_inputs, target_ids)
    weight, bias = _full_rows(fitted, layer.out_features, inputs.shape[1])
    with torch.no_grad():  # fold the standardisation into the layer: w/std . x + (b - w/std . mean)
        scaled = weight / std
        layer.weight.copy_(torch.as_tensor(scaled, dtype=layer.weight.dtype))
        if layer.bias is not None:
            layer.bias.copy_(torch.as_tensor(bias - scaled @ mean, dtype=layer.bias.dtype))
    model.train()
    return {"head_probe_train_accuracy": round(float(fitted.score(scaled_inputs, target_ids)), 4)}


def _full_rows(probe: LogisticRegression, n_labels: int, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights for every label id (binary problems and classes absent from train included)."""
    weight, bias = np.zeros((n_labels, n_features)), np.full(n_labels, -10.0)
    if len(probe.classes_) == 2 and probe.coef_.shape[0] == 1:  # sklearn's binary form: one row
        rows, offsets = (
            np.vstack([-probe.coef_[0] / 2, probe.coef_[0] / 2]),
            np.array([-1, 1]) * probe.intercept_[0] / 2,
        )
    else:
        rows, offsets = probe.coef_, probe.intercept_
    weight[probe.classes_], bias[probe.classes_] = rows, offsets
    return weight, bias
