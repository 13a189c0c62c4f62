"""Prometheus metrics of the server (prometheus_client).

With one uvicorn worker, the metrics live in the process's own registry. With `--workers N`, the server sets
PROMETHEUS_MULTIPROC_DIR before the workers start and every worker writes its values to files there;
`/metrics` (answered by whichever worker gets the scrape) aggregates all workers' files: counters and
histograms are summed, the queue depth is summed over live workers, and the drift PSI is reported per worker
(`pid` label): each worker computes drift from the traffic it served.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class ServeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        if multiprocess():
            MultiProcessCollector(self.registry)
            own: Any = None  # values go to the shared files, not into a registry
        else:
            own = self.registry
        self.requests = Counter(
            "vertune_requests",
            "Prediction requests by model and HTTP status.",
            ["model", "status"],
            registry=own,
        )
        self.latency = Histogram(
            "vertune_request_latency_seconds",
            "Time from request to answer.",
            ["model"],
            buckets=LATENCY_BUCKETS,
            registry=own,
        )
        self.batch_size = Histogram(
            "vertune_batch_size",
            "Inputs per forward pass (micro-batches).",
            ["model"],
            buckets=BATCH_BUCKETS,
            registry=own,
        )
        self.inputs = Counter("vertune_inputs", "Inputs predicted.", ["model"], registry=own)
        self.errors = Counter(
            "vertune_errors",
            "Failed requests by kind (validation, auth, overload, internal).",
            ["model", "kind"],
            registry=own,
        )
        self.labels = Counter(
            "vertune_predicted_labels",
            "Predicted labels (classes, entity types).",
            ["model", "label"],
            registry=own,
        )
        self.queue_depth = Gauge(
            "vertune_queue_depth",
            "Requests waiting for a forward pass.",
            ["model"],
            multiprocess_mode="livesum",
            registry=own,
        )
        self.drift = Gauge(
            "vertune_drift_psi",
            "Population stability index of live vs training distributions.",
            ["model", "signal"],
            multiprocess_mode="all",
            registry=own,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
