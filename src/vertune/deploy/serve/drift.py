"""Drift: the live predicted-label and input-length distributions against the training data's, as PSI.

References come from the run's metrics.json `data.train` section, written at training time:
- labels: `classes` (label -> count in the training split);
- lengths: `median_tokens` and `longer_than_max_length` give three bins with known training shares:
  at most the median (0.5), above the median up to max_length (0.5 - truncated share), truncated.
  A live input counts as truncated when its encoding reaches max_length (for windowed tasks: more than one
  window), so the last bin slightly over-counts inputs of exactly max_length tokens.

PSI = sum((live - ref) * ln(live / ref)) over bins (shares smoothed by 1e-4); the usual reading:
< 0.1 stable, 0.1-0.2 moderate, > 0.2 significant (the default warning threshold).
"""

from __future__ import annotations

import logging
import math
from collections import Counter, deque
from collections.abc import Sequence
from typing import Any

log = logging.getLogger("vertune.serve")
EPSILON = 1e-4


def psi(reference: Sequence[float], live: Sequence[float]) -> float:
    """Population stability index of two distributions over the same bins (counts or shares)."""
    ref_total, live_total = sum(reference) or 1, sum(live) or 1
    value = 0.0
    for r, x in zip(reference, live, strict=True):
        p, q = max(r / ref_total, EPSILON), max(x / live_total, EPSILON)
        value += (q - p) * math.log(q / p)
    return value


class DriftMonitor:
    """Live counts for one served model; `psi()` per signal once `min_samples` inputs were seen."""

    def __init__(
        self,
        model: str,
        train_stats: dict[str, Any],
        max_length: int,
        threshold: float = 0.2,
        min_samples: int = 100,
        window: int | None = None,
    ):
        self.model, self.max_length, self.threshold, self.min_samples = (
            model,
            max_length,
            threshold,
            min_samples,
        )
        classes = train_stats.get("classes")
        self.label_reference: dict[str, float] | None = dict(classes) if isinstance(classes, dict) else None
        median, truncated = train_stats.get("median_tokens"), train_stats.get("longer_than_max_length")
        self.median = median if isinstance(median, (int, float)) else None
        self.length_reference = (
            [0.5, max(0.5 - truncated, 0.0), truncated]
            if self.median is not None and isinstance(truncated, (int, float))
            else None
        )
        self.labels: Counter[str] = Counter()
        self.lengths = [0, 0, 0]
        self.seen = 0
        self.alerting: set[str] = set()
        # `window`: PSI over about the last `window` inputs (whole batches leave it), not all since start
        self.window = window
        self.batches: deque[tuple[Counter[str], list[int], int]] = deque()

    def observe(self, labels: Sequence[str], token_counts: Sequence[int]) -> dict[str, float]:
        """Add one batch of predictions; returns the PSI of each signal that has enough samples."""
        batch_labels, bins = Counter(labels), [0, 0, 0]
        for count in token_counts:
            if self.median is not None:
                bins[0 if count <= self.median else 1 if count < self.max_length else 2] += 1
        self._add(batch_labels, bins, len(token_counts), +1)
        if self.window is not None:
            self.batches.append((batch_labels, bins, len(token_counts)))
            while len(self.batches) > 1 and self.seen - self.batches[0][2] >= self.window:
                self._add(*self.batches.popleft(), -1)
        values = self.values()
        for signal, value in values.items():
            if value > self.threshold and signal not in self.alerting:
                self.alerting.add(signal)
                log.warning(
                    "drift: model %s, %s distribution PSI %.3f > %.2f over %d live inputs",
                    self.model,
                    signal,
                    value,
                    self.threshold,
                    self.seen,
                )
            elif value <= self.threshold:
                self.alerting.discard(signal)
        return values

    def _add(self, labels: Counter[str], bins: list[int], inputs: int, sign: int) -> None:
        for label, count in labels.items():
            self.labels[label] += sign * count
        self.labels = +self.labels  # drops labels whose count fell to 0
        self.lengths = [a + sign * b for a, b in zip(self.lengths, bins, strict=True)]
        self.seen += sign * inputs

    def values(self) -> dict[str, float]:
        if self.seen < min(self.min_samples, self.window or self.min_samples):
            return {}
        values = {}
        if self.label_reference:
            names = sorted(set(self.label_reference) | set(self.labels))
            values["label"] = psi(
                [self.label_reference.get(n, 0) for n in names], [self.labels[n] for n in names]
            )
        if self.length_reference:
            values["length"] = psi(self.length_reference, self.lengths)
        return values
