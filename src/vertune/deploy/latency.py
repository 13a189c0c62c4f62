"""Latency and throughput of a predictor on this machine, end to end (tokenise, forward, decode)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from vertune.models.predictor import RunPredictor


def latency_samples(predictor: RunPredictor, inputs: list[Any], warmup: int = 3) -> list[float]:
    """Milliseconds of each request of one input (batch 1), after `warmup` untimed ones."""
    for item in inputs[:warmup]:
        predictor.predict([item])
    times = []
    for item in inputs:
        start = time.perf_counter()
        predictor.predict([item])
        times.append((time.perf_counter() - start) * 1000)
    return times


def latency_ms(predictor: RunPredictor, inputs: list[Any], warmup: int = 3) -> dict[str, float]:
    """p50 / p99 of one request of one input at a time (batch 1), in milliseconds."""
    times = latency_samples(predictor, inputs, warmup)
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p99_ms": round(float(np.percentile(times, 99)), 2),
    }


def throughput(predictor: RunPredictor, inputs: list[Any], batch_size: int = 32, repeats: int = 1) -> float:
    """Inputs per second at `batch_size` (batches sorted by length, as the predictor runs them); the median
    of `repeats` passes over all inputs, after one warm-up batch."""
    predictor.batch_size = batch_size
    predictor.predict(inputs[:batch_size])
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        predictor.predict(inputs)
        rates.append(len(inputs) / (time.perf_counter() - start))
    return round(float(np.median(rates)), 2)


def size_mb(*paths: Path) -> float:
    """Size on disk of the files that hold the weights the runtime loads."""
    return round(sum(p.stat().st_size for p in paths) / 2**20, 2)
