"""The promote workflow: the run's retention against the gate; when it passes, the alias moves to the run
and the promotion is recorded (the run's promotion.json, the registry's alias file, MLflow)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from vertune.continual.promote import default_registry, gate, record_promotion
from vertune.errors import RunDirError
from vertune.results import PromoteResult
from vertune.run import RunDir


def run_promote(
    run_path: str | Path, max_drop: float, min_gain: float, alias: str, registry: str | Path | None
) -> PromoteResult:
    run = RunDir(run_path).require_model()
    metrics = run.load_metrics()
    if not metrics:
        raise RunDirError(f"{run.path}: no metrics.json; only a finished run can be promoted")
    metric = metrics["recipe"]["metric"]
    rows = gate(metrics, max_drop, min_gain)
    if not all(row.passed for row in rows):
        return PromoteResult(run, False, metric, rows)
    where = Path(registry) if registry is not None else default_registry(run)
    # MLflow first: a store that refuses (TrackingError) leaves the alias where it was.
    mlflow = register_in_mlflow(run, alias, {"metric": metric, "max_drop": max_drop, "min_gain": min_gain})
    record = record_promotion(run, alias, where, metric, max_drop, min_gain, rows, mlflow)
    return PromoteResult(run, True, metric, rows, record)


def register_in_mlflow(run: RunDir, alias: str, gate_values: dict[str, Any]) -> dict[str, Any] | None:
    """The model version registered in MLflow and the alias moved there (None when tracking is off)."""
    from vertune.tracking import register_promotion

    promotion = register_promotion(run, alias, gate_values)
    return None if promotion is None else dataclasses.asdict(promotion)
