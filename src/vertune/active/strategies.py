"""Selection strategies over class probabilities and embeddings (numpy only, shared by `vertune select` and
`bench/active_learning.py`).

Uncertainty: `entropy` (of the class distribution), `margin` (1 - the gap between the two most likely
classes), `least_confidence` (1 - the top probability); the highest scores are picked. Diversity: `coreset`
is k-center greedy (Sener & Savarese 2018) on embeddings, starting from the labelled rows as centres: each
pick is the row farthest from everything labelled or picked so far. `hybrid` keeps the `prefilter` x k most
uncertain rows (entropy) and runs k-center greedy among them. `random` is a seeded shuffle.
"""

from __future__ import annotations

import numpy as np

STRATEGIES = ("entropy", "margin", "least_confidence", "coreset", "hybrid", "random")
NEEDS_EMBEDDINGS = ("coreset", "hybrid")


def uncertainty(probabilities: np.ndarray, strategy: str) -> np.ndarray:
    """One score per row, higher = more uncertain."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1.0)
    if strategy == "entropy":
        return -(p * np.log(p)).sum(axis=1)
    top = np.sort(p, axis=1)[:, ::-1]
    if strategy == "margin":
        return 1.0 - (top[:, 0] - (top[:, 1] if p.shape[1] > 1 else 0.0))
    if strategy == "least_confidence":
        return 1.0 - top[:, 0]
    raise ValueError(f"not an uncertainty strategy: {strategy}")


def k_center_greedy(
    embeddings: np.ndarray, k: int, centres: np.ndarray | None = None, candidates: np.ndarray | None = None
) -> list[int]:
    """k row indices of `embeddings` (among `candidates`, default all), each the farthest (Euclidean) from
    the `centres` and the rows picked before it. Without centres the first pick is the row farthest from the
    mean."""
    x = np.asarray(embeddings, dtype=np.float64)
    pool = np.arange(len(x)) if candidates is None else np.asarray(candidates)
    if len(pool) == 0 or k <= 0:
        return []
    points = x[pool]
    if centres is not None and len(centres):
        nearest = _min_distances(points, np.asarray(centres, dtype=np.float64))
    else:
        nearest = np.linalg.norm(points - points.mean(axis=0), axis=1)
    picked: list[int] = []
    for _ in range(min(k, len(pool))):
        i = int(np.argmax(nearest))
        picked.append(int(pool[i]))
        nearest = np.minimum(nearest, np.linalg.norm(points - points[i], axis=1))
        nearest[i] = -1.0  # never twice
    return picked


def _min_distances(points: np.ndarray, centres: np.ndarray, chunk: int = 2048) -> np.ndarray:
    out = np.empty(len(points))
    centre_norms = (centres**2).sum(axis=1)
    for start in range(0, len(points), chunk):
        block = points[start : start + chunk]
        squared = (block**2).sum(axis=1)[:, None] - 2 * block @ centres.T + centre_norms[None, :]
        out[start : start + chunk] = np.sqrt(np.maximum(squared.min(axis=1), 0.0))
    return out


def select(
    strategy: str,
    k: int,
    probabilities: np.ndarray | None = None,
    embeddings: np.ndarray | None = None,
    labelled_embeddings: np.ndarray | None = None,
    seed: int = 0,
    prefilter: int = 5,
) -> tuple[list[int], np.ndarray]:
    """The k rows to label, best first, and every row's score (uncertainty; for coreset / random the pick
    order, 1 for the first pick)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy}")
    n = len(probabilities) if probabilities is not None else len(embeddings)  # type: ignore[arg-type]
    k = min(k, n)
    if strategy == "random":
        order = np.random.default_rng(seed).permutation(n)[:k].tolist()
        return order, _rank_scores(order, n)
    if strategy == "coreset":
        assert embeddings is not None
        order = k_center_greedy(embeddings, k, labelled_embeddings)
        return order, _rank_scores(order, n)
    assert probabilities is not None
    scores = uncertainty(probabilities, "entropy" if strategy == "hybrid" else strategy)
    ranked = np.argsort(-scores, kind="stable")
    if strategy != "hybrid":
        return ranked[:k].tolist(), scores
    assert embeddings is not None
    shortlist = ranked[: min(n, prefilter * k)]
    return k_center_greedy(embeddings, k, labelled_embeddings, candidates=shortlist), scores


def _rank_scores(order: list[int], n: int) -> np.ndarray:
    scores = np.zeros(n)
    for position, i in enumerate(order):
        scores[i] = 1.0 - position / max(1, len(order))
    return scores
