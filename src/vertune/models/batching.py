"""Fast batched inference: sort by length, pad each batch only to its longest row, bf16 where native."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from vertune.hardware import autocast

Forward = Callable[[dict[str, torch.Tensor]], torch.Tensor]


def run_batches(
    forward: Forward,
    features: list[dict[str, Any]],
    collate: Callable[[list[dict[str, Any]]], dict[str, Any]],
    *,
    batch_size: int,
    precision: str,
    device: torch.device,
    description: str = "predicting",
    quiet: bool = True,
) -> list[np.ndarray]:
    """`forward(batch)` over features, one output row per feature in the input order.

    Rows keep their batch's padding (a token task's rows differ in length between batches); the caller trims.
    `forward` is any callable on a collated batch: a torch model's logits, an ONNX session, a pooling hook.
    """
    from tqdm.auto import tqdm

    order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
    results: list[np.ndarray] = [np.empty(0)] * len(features)
    with torch.inference_mode(), autocast(device, precision):
        for start in tqdm(
            range(0, len(order), batch_size), desc=description, disable=quiet, unit="batch", leave=False
        ):
            chunk = order[start : start + batch_size]
            batch = collate([_model_keys(features[i]) for i in chunk])
            batch = {k: v.to(device) for k, v in batch.items()}
            rows = forward(batch).float().cpu().numpy()
            for i, row in zip(chunk, rows, strict=True):
                results[i] = row
    return results


def _model_keys(feature: dict[str, Any]) -> dict[str, Any]:
    """A feature without its gold targets and its window bookkeeping."""
    return {k: v for k, v in feature.items() if k not in ("labels", "example")}
