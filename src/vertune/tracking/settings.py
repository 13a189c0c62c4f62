"""Where a run is tracked: the recipe's `tracking` block, the environment, and the default store beside
the runs (torch-free, mlflow-free)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from vertune.recipe import TrackingConfig
from vertune.run import RunDir, read_json, write_json_atomic

#: `VERTUNE_TRACKING=off` turns tracking off for every run (the test suite sets it).
SWITCH = "VERTUNE_TRACKING"
#: Set before mlflow is imported: no telemetry, and a tracking server that is down costs seconds, not the
#: minutes of MLflow's default retries. `setdefault`: a user's own values win.
QUIET_ENVIRONMENT = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "20",
}
#: Set by `open_group` (compare) for the runs made meanwhile: {uri, experiment_id, run_id, kind} as JSON.
GROUP_ENV = "VERTUNE_TRACKING_GROUP"
#: In each tracked run directory: which MLflow run holds it.
TRACKING_FILE = "tracking.json"


@dataclass(frozen=True)
class TrackingSettings:
    enabled: bool
    uri: str
    experiment: str
    log_model: bool = False
    registered_model: str | None = None

    @property
    def artifact_location(self) -> str | None:
        """For a local SQLite store: artefacts in `mlartifacts/` beside the database (MLflow's default,
        ./mlruns, would land in whatever folder the command ran from). A server decides for itself."""
        if self.uri.startswith("sqlite:///"):
            return (Path(self.uri.removeprefix("sqlite:///")).parent / "mlartifacts").resolve().as_uri()
        return None


def switched_off() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() in ("0", "off", "false", "no")


def default_uri(run: RunDir) -> str:
    """`sqlite:///<the run directory's parent>/mlflow.db`: runs/mlflow.db for runs/<name>."""
    return "sqlite:///" + str(run.path.resolve().parent / "mlflow.db")


def settings_for(run: RunDir, config: TrackingConfig | None = None) -> TrackingSettings:
    """The run's tracking settings: `config`, else its saved recipe's `tracking` block (defaults for a run
    without one); `tracking.uri`, else MLFLOW_TRACKING_URI, else the SQLite store beside the run."""
    if config is None:
        config = saved_config(run)
    return TrackingSettings(
        enabled=config.enabled and not switched_off(),
        uri=config.uri or os.environ.get("MLFLOW_TRACKING_URI") or default_uri(run),
        experiment=config.experiment,
        log_model=config.log_model,
        registered_model=config.registered_model,
    )


def saved_config(run: RunDir) -> TrackingConfig:
    """The `tracking` block of the run's recipe.yaml (defaults when absent). Only that block is read: the
    whole recipe's validation imports the task registry and, through it, scikit-learn."""
    if not run.recipe_path.is_file():
        return TrackingConfig()
    raw = yaml.safe_load(run.recipe_path.read_text(encoding="utf-8")) or {}
    return TrackingConfig.model_validate(raw.get("tracking") or {})


def quiet_environment() -> None:
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def read_tracking(run: RunDir) -> dict[str, Any]:
    """The run's tracking.json ({} when it was never tracked)."""
    path = run.path / TRACKING_FILE
    return read_json(path) if path.is_file() else {}


def write_tracking(run: RunDir, record: dict[str, Any]) -> None:
    write_json_atomic(run.path / TRACKING_FILE, record)
