"""Fast batched inference: sort by length, pad each batch only to its longest row, bf16 where native."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from vertune.hardware import autocast


def run_batches(
    model: torch.nn.Module,
    features: list[dict[str, Any]],
    collate: Callable[[list[dict[str, Any]]], dict[str, Any]],
    output: Callable[[Any, dict[str, Any]], torch.Tensor],
    *,
    batch_size: int,
    precision: str,
    device: torch.device,
    description: str = "predicting",
    quiet: bool = True,
) -> np.ndarray:
    """Run `model` over features and return `output(model_outputs, batch)` rows in the input order."""
    from tqdm.auto import tqdm

    order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
    results: list[np.ndarray] = [np.empty(0)] * len(features)
    model.eval()
    with torch.inference_mode(), autocast(device, precision):
        for start in tqdm(
            range(0, len(order), batch_size), desc=description, disable=quiet, unit="batch", leave=False
        ):
            chunk = order[start : start + batch_size]
            batch = collate([{k: v for k, v in features[i].items() if k != "labels"} for i in chunk])
            batch = {k: v.to(device) for k, v in batch.items()}
            rows = output(model(**batch), batch).float().cpu().numpy()
            for i, row in zip(chunk, rows, strict=True):
                results[i] = row
    return np.stack(results) if results else np.empty((0,))
