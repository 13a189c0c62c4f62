"""Sentence embeddings from any transformers encoder: mean pooling over the attention mask, L2-normalised.

This is the pooling sentence-transformers uses for all-MiniLM-L6-v2 (the builtin `minilm`), so a model saved
by `task: embedding` loads in plain transformers and gives the same vectors:

    model, tokenizer = AutoModel.from_pretrained(d), AutoTokenizer.from_pretrained(d)
    batch = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1)
    vectors = normalize((hidden * mask).sum(1) / mask.sum(1))

Used by the zero-shot baseline, the embedding task's evaluation and the /v1/embeddings and /v1/search routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vertune.hardware import pick_device
from vertune.models.batching import run_batches


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)


class Encoder:
    """A frozen encoder that turns texts into unit vectors (cosine similarity = dot product)."""

    def __init__(self, model: Any, tokenizer: Any, max_length: int = 128, precision: str = "fp32"):
        self.device = pick_device()
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.precision = precision
        self.dimensions = int(model.config.hidden_size)

    @classmethod
    def from_directory(cls, path: str | Path, max_length: int = 128, precision: str = "fp32") -> Encoder:
        from transformers import AutoModel, AutoTokenizer

        return cls(
            AutoModel.from_pretrained(str(path)),
            AutoTokenizer.from_pretrained(str(path)),
            max_length,
            precision,
        )

    def encode(self, texts: Sequence[str], batch_size: int = 64, quiet: bool = True) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        features = self._features(texts)
        rows = run_batches(
            self._forward,
            features,
            self._collate,
            batch_size=batch_size,
            precision=self.precision,
            device=self.device,
            description="embedding",
            quiet=quiet,
        )
        vectors = np.stack(rows).astype(np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _features(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        return [{key: encoded[key][i] for key in encoded} for i in range(len(texts))]

    def _collate(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self.tokenizer.pad(rows, return_tensors="pt"))

    def _forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return mean_pool(self.model(**batch).last_hidden_state, batch["attention_mask"])
