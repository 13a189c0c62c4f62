"""Does a score of 0.9 mean 90%? Expected calibration error, the reliability table behind a reliability
diagram, and temperature scaling fitted on validation logits. Torch-free (numpy, scipy); single-label tasks
(multilabel keeps its per-label thresholds).

- `expected_calibration_error(probabilities, gold)`: the row-weighted gap between confidence (the top
  probability) and accuracy over equal-width confidence bins (15, as Guo et al. 2017).
- `fit_temperature(logits, gold)`: the T > 0 that minimises the negative log-likelihood of softmax(logits / T)
  (one parameter: the ranking, hence accuracy and F1, is unchanged).
- `calibrate(validation_logits, validation_gold)`: the temperature, and whether to use it (only if it lowers
  validation ECE), with ECE before / after.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

BINS = 15
TEMPERATURE_RANGE = (0.05, 20.0)


def softmax(logits: np.ndarray | Sequence[Sequence[float]], temperature: float = 1.0) -> np.ndarray:
    scaled = np.asarray(logits, dtype=float) / temperature
    scaled -= scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    result: np.ndarray = exp / exp.sum(axis=-1, keepdims=True)
    return result


def reliability(
    probabilities: np.ndarray | Sequence[Sequence[float]], gold: Sequence[int] | np.ndarray, bins: int = BINS
) -> list[dict[str, float]]:
    """Per non-empty confidence bin: its range, mean confidence, accuracy and row count (the diagram's bars)."""
    probabilities, gold = np.asarray(probabilities, dtype=float), np.asarray(gold)
    confidence = probabilities.max(axis=-1)
    correct = probabilities.argmax(axis=-1) == gold
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    table = []
    for index in range(bins):
        rows = which == index
        if rows.any():
            table.append(
                {
                    "low": float(edges[index]),
                    "high": float(edges[index + 1]),
                    "confidence": float(confidence[rows].mean()),
                    "accuracy": float(correct[rows].mean()),
                    "rows": int(rows.sum()),
                }
            )
    return table


def expected_calibration_error(
    probabilities: np.ndarray | Sequence[Sequence[float]], gold: Sequence[int] | np.ndarray, bins: int = BINS
) -> float:
    table = reliability(probabilities, gold, bins)
    total = sum(row["rows"] for row in table)
    if total == 0:
        return 0.0
    return float(sum(row["rows"] * abs(row["accuracy"] - row["confidence"]) for row in table) / total)


def negative_log_likelihood(logits: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    probabilities = softmax(logits, temperature)
    return float(-np.mean(np.log(np.clip(probabilities[np.arange(len(gold)), gold], 1e-12, None))))


def fit_temperature(
    logits: np.ndarray | Sequence[Sequence[float]], gold: Sequence[int] | np.ndarray
) -> float:
    """The temperature minimising validation NLL (a bounded 1-D search over log T)."""
    from scipy.optimize import minimize_scalar

    logits, gold = np.asarray(logits, dtype=float), np.asarray(gold, dtype=np.int64)
    if len(gold) == 0:
        return 1.0
    low, high = np.log(TEMPERATURE_RANGE[0]), np.log(TEMPERATURE_RANGE[1])
    found = minimize_scalar(
        lambda log_t: negative_log_likelihood(logits, gold, float(np.exp(log_t))),
        bounds=(low, high),
        method="bounded",
    )
    return float(np.exp(found.x))


def calibrate(
    validation_logits: np.ndarray | Sequence[Sequence[float]], validation_gold: Sequence[int] | np.ndarray
) -> dict[str, Any]:
    """{"temperature", "use", "ece_before", "ece_after"} on validation: use the temperature only if it lowers
    validation ECE (for task.json; predict / serve divide logits by it when `use`)."""
    logits = np.asarray(validation_logits, dtype=float)
    temperature = fit_temperature(logits, validation_gold)
    before = expected_calibration_error(softmax(logits), validation_gold)
    after = expected_calibration_error(softmax(logits, temperature), validation_gold)
    return {"temperature": temperature, "use": after < before, "ece_before": before, "ece_after": after}
