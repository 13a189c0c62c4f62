"""Retrieval metrics and the retrieval baselines (torch-free except `untuned_encoder`).

Each query has one relevant document (its positive); the corpus is every distinct positive of the split. From
the 1-based rank of the relevant document per query: recall@1/5/10 (share of queries whose document is in
the top k), MRR@10 (mean of 1/rank, 0 beyond 10) and nDCG@10 (one relevant document: 1/log2(rank + 1), 0
beyond 10).

Baselines on the same split: `bm25` (Okapi BM25 from `rank-bm25` over lower-cased word tokens, one token per
CJK character) and `untuned_encoder` (the pre-trained encoder before tuning, mean pooling, cosine).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

TOKEN = re.compile(r"[\u3400-\u9fff]|[^\W_]+", re.UNICODE)
DESCRIPTIONS = {
    "bm25": "Okapi BM25 (rank-bm25) over lower-cased word tokens (one per CJK character); no training",
    "untuned_encoder": "the pre-trained encoder before tuning: mean-pooled embeddings, cosine; no training",
}


def corpus_of(documents: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct documents in first-seen order, and each query's document index."""
    index: dict[str, int] = {}
    gold = np.array([index.setdefault(d, len(index)) for d in documents], dtype=np.int64)
    return list(index), gold


def ranks(scores: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """The 1-based rank of each query's gold document under (queries, documents) scores (ties count against)."""
    gold_scores = scores[np.arange(len(gold)), gold][:, None]
    return (scores >= gold_scores).sum(axis=1).astype(np.int64)


def rank_metrics(rank: np.ndarray) -> dict[str, float]:
    if not len(rank):
        return {
            name: 0.0 for name in ("recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "ndcg_at_10")
        }
    top10 = rank <= 10
    return {
        "recall_at_1": float(np.mean(rank <= 1)),
        "recall_at_5": float(np.mean(rank <= 5)),
        "recall_at_10": float(np.mean(top10)),
        "mrr_at_10": float(np.mean(np.where(top10, 1.0 / rank, 0.0))),
        "ndcg_at_10": float(np.mean(np.where(top10, 1.0 / np.log2(rank + 1), 0.0))),
    }


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def bm25_scores(queries: Sequence[str], documents: Sequence[str]) -> np.ndarray:
    from rank_bm25 import BM25Okapi

    index = BM25Okapi([tokens(d) or [""] for d in documents])
    return (
        np.stack([index.get_scores(tokens(q)) for q in queries]) if queries else np.zeros((0, len(documents)))
    )


def retrieval_baseline(
    name: str,
    queries: Sequence[str],
    positives: Sequence[str],
    model: str,
    max_length: int,
    quiet: bool = True,
) -> tuple[dict[str, Any], np.ndarray]:
    """The baseline's scores (and seconds-free description) and its rank per query."""
    documents, gold = corpus_of(positives)
    if name == "bm25":
        scores = bm25_scores(queries, documents)
    else:
        from vertune.models.embed import Encoder
        from vertune.models.loading import loading
        from vertune.models.resolve import resolve_model

        encoder = loading(model, lambda: Encoder.from_directory(resolve_model(model), max_length))
        scores = encoder.encode(queries, quiet=quiet) @ encoder.encode(documents, quiet=quiet).T
    rank = ranks(scores, gold)
    return {**rank_metrics(rank), "corpus_size": len(documents), "description": DESCRIPTIONS[name]}, rank
