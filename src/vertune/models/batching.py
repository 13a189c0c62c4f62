"""Fast batched inference: sort by length, pad each batch only to its longest row, bf16 where native.

`batched_rows` (the order and the reassembly) and `pad_arrays` (numpy padding) are torch-free: ONNX Runtime
batches the same way without importing torch; `run_batches` is the PyTorch loop on top."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

Forward = Callable[[dict[str, "torch.Tensor"]], "torch.Tensor"]
#: batches are padded to a multiple of this many tokens, by the task collators and by `pad_arrays` alike
PAD_MULTIPLE = 16


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
    import torch

    from vertune.hardware import autocast

    def rows_of(rows: list[dict[str, Any]]) -> np.ndarray:
        batch = {k: v.to(device) for k, v in collate(rows).items()}
        return np.asarray(forward(batch).float().cpu().numpy())

    with torch.inference_mode(), autocast(device, precision):
        return batched_rows(features, rows_of, batch_size, description, quiet)


def batched_rows(
    features: list[dict[str, Any]],
    rows_of: Callable[[list[dict[str, Any]]], np.ndarray],
    batch_size: int,
    description: str = "predicting",
    quiet: bool = True,
) -> list[np.ndarray]:
    """`rows_of(batch)` over batches of similar lengths (shortest first, so each batch pads little), one
    output row per feature in the input order; each batch's features without their targets and window
    bookkeeping. A progress bar unless `quiet`."""
    order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
    starts: Iterable[int] = range(0, len(order), batch_size)
    if not quiet:  # tqdm is imported only to show the bar (start-up time)
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=description, unit="batch", leave=False)
    results: list[np.ndarray] = [np.empty(0)] * len(features)
    for start in starts:
        chunk = order[start : start + batch_size]
        for i, row in zip(chunk, rows_of([_model_keys(features[i]) for i in chunk]), strict=True):
            results[i] = row
    return results


def pad_arrays(
    rows: Sequence[dict[str, Any]], names: Sequence[str], tokenizer: Any, multiple: int = PAD_MULTIPLE
) -> dict[str, np.ndarray]:
    """The `names` columns of a batch as int64 arrays padded to its longest row, rounded up to `multiple` (as
    the torch collators pad): input_ids with the tokenizer's pad id, token_type_ids with its pad type id,
    the rest (attention_mask) with 0, on the tokenizer's padding side."""
    longest = max(len(row["input_ids"]) for row in rows)
    width = -(-longest // multiple) * multiple
    fills = {"input_ids": tokenizer.pad_token_id or 0, "token_type_ids": tokenizer.pad_token_type_id}
    left = tokenizer.padding_side == "left"
    arrays = {}
    for name in names:
        array = np.full((len(rows), width), fills.get(name, 0), dtype=np.int64)
        for i, row in enumerate(rows):
            values = row[name]
            if left:
                array[i, width - len(values) :] = values
            else:
                array[i, : len(values)] = values
        arrays[name] = array
    return arrays


def _model_keys(feature: dict[str, Any]) -> dict[str, Any]:
    """A feature without its gold targets and its window bookkeeping."""
    return {k: v for k, v in feature.items() if k not in ("labels", "example")}
