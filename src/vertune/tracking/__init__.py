"""Experiment tracking in MLflow (`tracking:` recipe block). Importing this package imports no mlflow:
`track_run` and `register_promotion` import it only when they log.

    track_run(run, kind, on_event)                 a finished run directory -> one MLflow run (the
                                                   workflows' last stage: train, continue, pretrain,
                                                   compress; compare's trials are train runs)
    register_promotion(run, alias, gate_values)    `vertune promote`: a registry version + the alias

    settings.py    the tracking block, MLFLOW_TRACKING_URI, the default store runs/mlflow.db, telemetry off
    mlflow_log.py  what is logged: recipe params, per-epoch and final metrics, artefacts, lineage tags
    registry.py    the model registry (versions, aliases)
    listing.py     `vertune runs`: the run directories as a table (no MLflow needed)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.errors import VertuneError
from vertune.events import Info, Subscriber, Warning, ignore
from vertune.run import RunDir
from vertune.tracking.settings import TrackingSettings, quiet_environment, read_tracking, settings_for

__all__ = [
    "Promotion",
    "TrackingError",
    "TrackingSettings",
    "read_tracking",
    "register_promotion",
    "settings_for",
    "track_run",
]


class TrackingError(VertuneError):
    """The tracking store or server refused or could not be reached for an explicit request (promote)."""


@dataclass(frozen=True)
class Promotion:
    """A promotion as the registry holds it: `registered_model` version `version` is now `alias`."""

    registered_model: str
    version: int
    alias: str
    run_id: str
    uri: str
    promoted_by: str
    promoted_at: str
    gate: dict[str, Any]


def track_run(run: RunDir | str | Path, kind: str, on_event: Subscriber = ignore) -> dict[str, Any] | None:
    """Log the finished run to MLflow (unless tracking is off); returns tracking.json's record. A store or
    server that fails is a Warning, never a failed run: the run directory is complete either way."""
    run = run if isinstance(run, RunDir) else RunDir(run)
    settings = settings_for(run)
    if not settings.enabled:
        return None
    quiet_environment()  # telemetry off before mlflow is imported
    try:
        from vertune.tracking.mlflow_log import log_run

        record = log_run(run, kind, settings)
    except Exception as error:
        on_event(Warning(f"mlflow: the run was not logged to {settings.uri}: {_first_line(error)}"))
        return None
    on_event(Info(f"mlflow: logged as run {record['run_id']} in {settings.uri} ({settings.experiment})"))
    return record


def register_promotion(
    run: RunDir | str | Path, alias: str, gate_values: Mapping[str, Any]
) -> Promotion | None:
    """Register `run`'s model as a new version in the MLflow registry and move `alias` to it, with the gate
    values, who and when as the version's tags. None when tracking is off for the run; a TrackingError
    when the store fails (promotion was asked for explicitly)."""
    run = run if isinstance(run, RunDir) else RunDir(run)
    settings = settings_for(run)
    if not settings.enabled:
        return None
    quiet_environment()
    try:
        from vertune.tracking.registry import promote

        return Promotion(**promote(run, alias, gate_values, settings))
    except VertuneError:
        raise
    except Exception as error:
        raise TrackingError(
            f"mlflow: could not register {run.path} in {settings.uri}: {_first_line(error)}"
        ) from error


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
