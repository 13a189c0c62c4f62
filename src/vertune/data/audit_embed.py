"""Near-duplicates by meaning for `vertune data audit`: pairs of rows whose frozen-encoder embeddings have a
cosine similarity at or above a threshold (paraphrases, templated texts, a review posted twice with edits),
within a split and across splits (leakage that exact matching misses).

Embeddings: the recipe's pre-trained model, frozen, mean-pooled over real tokens and L2-normalised, through
sentence-transformers (a plain transformers encoder gets mean pooling). Similarities are computed in blocks
so memory stays at block x rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

BLOCK = 1024
#: at most this many similar partners per row (the most similar), so one template cannot flood the CSV
PARTNERS_PER_ROW = 10


def frozen_embeddings(model: str, texts: Sequence[str], max_length: int, quiet: bool = True) -> np.ndarray:
    """Mean-pooled, L2-normalised embeddings of the pre-trained encoder (no fine-tuning), one row per text."""
    from sentence_transformers import SentenceTransformer

    from vertune.hardware import pick_device
    from vertune.models.loading import loading
    from vertune.models.resolve import resolve_model

    path = str(resolve_model(model))
    encoder = loading(
        model, lambda: SentenceTransformer(path, device=str(pick_device()), trust_remote_code=False)
    )
    encoder.max_seq_length = max_length
    vectors = encoder.encode(
        list(texts),
        batch_size=32,
        show_progress_bar=not quiet,
        normalize_embeddings=True,
        convert_to_numpy=True,
    )
    return np.asarray(vectors, dtype=np.float32)


def similar_pairs(embeddings: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """(i, j, cosine) with i < j and cosine >= threshold, most similar first (at most `PARTNERS_PER_ROW`
    partners after each row)."""
    found: dict[tuple[int, int], float] = {}
    n = len(embeddings)
    for start in range(0, n, BLOCK):
        block = embeddings[start : start + BLOCK] @ embeddings.T
        for offset, row in enumerate(block):
            i = start + offset
            row[: i + 1] = -1.0  # each pair once, never a row with itself
            candidates = np.flatnonzero(row >= threshold)
            if len(candidates) > PARTNERS_PER_ROW:
                candidates = candidates[np.argsort(-row[candidates])[:PARTNERS_PER_ROW]]
            for j in candidates.tolist():
                found[(i, j)] = float(row[j])
    return sorted(((i, j, s) for (i, j), s in found.items()), key=lambda p: -p[2])


def embedding_duplicates(
    rows: Sequence[Any], embeddings: np.ndarray, threshold: float
) -> list[dict[str, Any]]:
    """Pair records (like `audit.near_duplicates`'s) for similar rows whose normalised texts differ (equal
    ones are the exact pairs)."""
    from vertune.data.audit import normalise, pair_record

    keys = [normalise(r.text) for r in rows]
    return [
        pair_record(rows[i], rows[j], "embedding", round(similarity, 4))
        for i, j, similarity in similar_pairs(embeddings, threshold)
        if keys[i] != keys[j]
    ]
