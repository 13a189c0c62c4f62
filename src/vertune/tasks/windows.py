"""Long texts as overlapping windows whose logits are pooled per text, in training and in prediction.

`data.long_text: chunk` tokenises each text into windows of `max_length` tokens that share `window_overlap`
tokens with their neighbours (the fast tokenizer's `return_overflowing_tokens` / `stride`). Every window
feature carries `"example"`: the index of the text it came from.

- Prediction: the model scores each window; `pool_rows` turns the rows of one text into one (mean or max).
- Training: `training_rows` groups a text's windows into one row, so a batch holds whole texts; the
  `WindowCollator` flattens them back into windows plus an `example` index tensor, and `pooled_loss` pools
  the window logits per text before the task's loss (cross-entropy, MSE or BCE by the head's problem type).
  The saved model stays a plain transformers model; pooling is vertune's job at inference.

Encoding and `pool_rows` need neither torch nor transformers (an ONNX Runtime prediction uses them without
either); the training side imports torch where it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from vertune.models.batching import PAD_MULTIPLE

if TYPE_CHECKING:
    import torch

Pooling = str  # "mean" | "max"


def encode_texts(
    inputs: Sequence[Any],
    tokenizer: Any,
    max_length: int,
    *,
    chunk: bool = False,
    overlap: int = 32,
    pairs: bool = False,
) -> list[dict[str, Any]]:
    """Features of texts (or (text, text_pair) pairs): one each, truncated, or one per window with `example`."""
    if pairs:
        first, second = [a for a, _ in inputs], [b for _, b in inputs]
        encoded = tokenizer(first, second, truncation=True, max_length=max_length)
    elif chunk:
        # The stride must leave room for new tokens in each window (special tokens take 2).
        stride = max(0, min(overlap, max_length // 2 - 2))
        encoded = tokenizer(
            list(inputs),
            truncation=True,
            max_length=max_length,
            stride=stride,
            return_overflowing_tokens=True,
            return_token_type_ids=False,
        )
    else:
        encoded = tokenizer(list(inputs), truncation=True, max_length=max_length, return_token_type_ids=False)
    mapping = encoded.pop("overflow_to_sample_mapping", None)
    features = [
        dict(zip(encoded.keys(), values, strict=True)) for values in zip(*encoded.values(), strict=True)
    ]
    if mapping is not None:
        for feature, example in zip(features, mapping, strict=True):
            feature["example"] = int(example)
    return features


def example_of(features: Sequence[dict[str, Any]]) -> list[int]:
    """The input index of each feature (features without windows are their own input)."""
    return [int(f.get("example", i)) for i, f in enumerate(features)]


def pool_rows(
    outputs: Sequence[np.ndarray], features: Sequence[dict[str, Any]], count: int, pooling: Pooling
) -> list[np.ndarray]:
    """One row per input: the mean or max of its windows' rows (rows of unwindowed inputs pass through)."""
    if not features or "example" not in features[0]:
        return [np.asarray(row) for row in outputs]
    grouped: list[list[np.ndarray]] = [[] for _ in range(count)]
    for row, example in zip(outputs, example_of(features), strict=True):
        grouped[example].append(np.asarray(row))
    reduce = np.max if pooling == "max" else np.mean
    return [reduce(np.stack(rows), axis=0) for rows in grouped]


def training_rows(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Training / evaluation rows for the Trainer: one per text, its windows' token lists side by side.

    Features without windows are returned as they are. Each text's `labels` is taken from its first window
    (every window of a text carries the text's target). `len(row["input_ids"])` is then the number of windows,
    which is what the Trainer's length-grouped sampler sorts by."""
    if not features or "example" not in features[0]:
        return features
    rows: dict[int, dict[str, Any]] = {}
    for feature in features:
        row = rows.setdefault(feature["example"], {"labels": feature["labels"]})
        for key, value in feature.items():
            if key not in ("labels", "example"):
                row.setdefault(key, []).append(value)
    return [rows[i] for i in sorted(rows)]


class WindowCollator:
    """Pads a batch; a batch of windowed texts becomes all their windows plus an `example` index per window."""

    def __init__(self, tokenizer: Any, label_dtype: str = "long"):
        """`label_dtype`: the torch dtype of the `labels` tensor, by name ("long", "float32")."""
        from transformers import DataCollatorWithPadding

        # Multiples of 16 keep bf16 matrix tiles (AMX, tensor cores) full.
        self.pad = DataCollatorWithPadding(tokenizer, pad_to_multiple_of=PAD_MULTIPLE, return_tensors="pt")
        self.label_dtype = label_dtype

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        labels = [row["labels"] for row in rows] if rows and "labels" in rows[0] else None
        windowed = bool(rows) and bool(rows[0]["input_ids"]) and isinstance(rows[0]["input_ids"][0], list)
        if windowed:
            windows, example = [], []
            for index, row in enumerate(rows):
                for w in range(len(row["input_ids"])):
                    windows.append({k: v[w] for k, v in row.items() if k != "labels"})
                    example.append(index)
            batch = dict(self.pad(windows))
            batch["example"] = torch.tensor(example, dtype=torch.long)
        else:
            batch = dict(self.pad([{k: v for k, v in row.items() if k != "labels"} for row in rows]))
        if labels is not None:
            batch["labels"] = torch.tensor(labels, dtype=getattr(torch, self.label_dtype))
        return batch


def pool_logits(logits: torch.Tensor, example: torch.Tensor, count: int, pooling: Pooling) -> torch.Tensor:
    """(windows, n) logits to (count, n), the mean or max over each text's windows (differentiable)."""
    import torch

    index = example.unsqueeze(-1).expand_as(logits)
    empty = torch.zeros(count, logits.shape[-1], dtype=logits.dtype, device=logits.device)
    reduce = "amax" if pooling == "max" else "mean"
    return empty.scatter_reduce(0, index, logits, reduce=reduce, include_self=False)


def problem_loss(problem_type: str | None, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The loss transformers' sequence-classification heads use for their `problem_type`."""
    from torch.nn import functional

    if problem_type == "regression":
        return functional.mse_loss(logits.squeeze(-1).float(), labels.float())
    if problem_type == "multi_label_classification":
        return functional.binary_cross_entropy_with_logits(logits.float(), labels.float())
    return functional.cross_entropy(logits.float(), labels)


def pooled_loss(model: Any, inputs: dict[str, Any], pooling: Pooling) -> tuple[torch.Tensor, Any] | None:
    """The loss on per-text pooled logits of a windowed batch; None for a batch without windows."""
    if "example" not in inputs:
        return None
    from transformers.modeling_outputs import SequenceClassifierOutput

    model_inputs = {k: v for k, v in inputs.items() if k not in ("example", "labels")}
    labels = inputs["labels"]
    logits = model(**model_inputs).logits
    pooled = pool_logits(logits, inputs["example"], labels.shape[0], pooling)
    loss = problem_loss(getattr(model.config, "problem_type", None), pooled, labels)
    return loss, SequenceClassifierOutput(loss=loss, logits=pooled)
