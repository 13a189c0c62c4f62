"""Experiment tracking in MLflow (`tracking:` recipe block). Importing this package imports no mlflow:
`track_run` and `register_promotion` import it only when they log.

    track_run(run, kind, on_event)                 a finished run directory -> one MLflow run (the
                                                   workflows' last stage: train, continue, pretrain,
                                                   compress; compare's trials are train runs)
    register_promotion(run, alias, gate_values)    `vertune promote`: a registry version + the alias
    open_group / close_group                       `vertune compare`: one MLflow run, its trials nested

    settings.py    the tracking block, MLFLOW_TRACKING_URI, the default store runs/mlflow.db, telemetry off
    mlflow_log.py  what is logged: recipe params, per-epoch and final metrics, artefacts, lineage tags
    registry.py    the model registry (versions, aliases)
    listing.py     `vertune runs`: the run directories as a table (no MLflow needed)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.errors import VertuneError
from vertune.events import Info, Subscriber, Warning, ignore
from vertune.recipe import TrackingConfig
from vertune.run import RunDir
from vertune.tracking.settings import (
    GROUP_ENV,
    TrackingSettings,
    quiet_environment,
    read_tracking,
    settings_for,
)

__all__ = [
    "Promotion",
    "TrackingError",
    "TrackingSettings",
    "close_group",
    "open_group",
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


def open_group(
    directory: str | Path, kind: str, config: TrackingConfig, on_event: Subscriber = ignore
) -> dict[str, Any] | None:
    """An MLflow run for a group of runs made under `directory` (a comparison's trials, in
    `directory/runs/`): every run logged until `close_group` is nested under it (through the environment,
    which the trials' processes inherit). None when tracking is off or the store fails (a Warning)."""
    directory = Path(directory)
    settings = settings_for(RunDir(directory / "runs" / "_"), config)  # the trials' store
    if not settings.enabled:
        return None
    quiet_environment()
    try:
        from vertune.tracking.mlflow_log import open_group_run

        record = open_group_run(directory, kind, settings)
    except Exception as error:
        on_event(Warning(f"mlflow: no {kind} run in {settings.uri}: {_first_line(error)}"))
        return None
    os.environ[GROUP_ENV] = json.dumps(record)
    return record


def close_group(record: dict[str, Any] | None, directory: str | Path, on_event: Subscriber = ignore) -> None:
    """End the group's MLflow run: its files (comparison.md / .html / .json, plots) as artefacts."""
    os.environ.pop(GROUP_ENV, None)
    if record is None:
        return
    try:
        from vertune.tracking.mlflow_log import close_group_run

        close_group_run(record, Path(directory))
    except Exception as error:
        on_event(Warning(f"mlflow: the {record['kind']} run was not completed: {_first_line(error)}"))


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
