"""The MLflow model registry side of `vertune promote`: a model version of the run, the alias moved to it,
the gate values recorded on the version and the run. Imports mlflow (through mlflow_log)."""

from __future__ import annotations

import getpass
import time
from collections.abc import Mapping
from typing import Any

from vertune.run import RunDir
from vertune.tracking.mlflow_log import MlflowException, client, log_run
from vertune.tracking.settings import TrackingSettings, read_tracking


def lineage_root(run: RunDir) -> RunDir:
    """The first ancestor of `run` (itself when it has no parent); stops at a parent that is gone."""
    seen = {run.path.resolve()}
    while (parent := run.load_lineage().get("parent_run")) and RunDir(parent).path.is_dir():
        run = RunDir(parent)
        if run.path.resolve() in seen:  # a copied run naming itself: no loop
            break
        seen.add(run.path.resolve())
    return run


def registered_name(run: RunDir, settings: TrackingSettings) -> str:
    """`tracking.registered_model`, else the name of the lineage's first run: every `continue` of one
    model lands in the same registered model, as its next version."""
    return settings.registered_model or lineage_root(run).path.name


def tracked_run(run: RunDir, settings: TrackingSettings) -> dict[str, Any]:
    """The run's tracking record in this store; a run not logged there yet is logged first."""
    record = read_tracking(run)
    if record.get("uri") == settings.uri and record.get("run_id"):
        return record
    return log_run(run, _kind(run), settings)


def _kind(run: RunDir) -> str:
    """What made a run that was never tracked, for its tags."""
    if not run.load_lineage().get("parent_run"):
        return "train"
    method = str(run.load_metrics().get("recipe", {}).get("method", ""))
    return "compress" if method.startswith("compress:") else "continue"


def promote(
    run: RunDir, alias: str, gate_values: Mapping[str, Any], settings: TrackingSettings
) -> dict[str, Any]:
    """Register `run` as a new version of its registered model and point `alias` at it."""
    record = tracked_run(run, settings)
    mlflow = client(settings)
    name = registered_name(run, settings)
    try:
        mlflow.create_registered_model(name, description="vertune runs promoted by `vertune promote`")
    except MlflowException as error:
        if error.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    who, when = getpass.getuser(), time.strftime("%Y-%m-%dT%H:%M:%S%z")
    # The weights: the logged artefact when tracking.log_model put them in the store, else model/ on disk.
    source = (
        f"runs:/{record['run_id']}/model" if record.get("model_logged") else run.model_dir.resolve().as_uri()
    )
    gate = {f"gate.{key}": str(value) for key, value in gate_values.items()}
    version = mlflow.create_model_version(
        name,
        source,
        run_id=record["run_id"],
        tags={"vertune.run_dir": str(run.path.resolve()), "promoted_by": who, "promoted_at": when, **gate},
        description=f"promoted to {alias} by {who} at {when}",
    )
    mlflow.set_registered_model_alias(name, alias, version.version)
    mlflow.set_tag(record["run_id"], f"vertune.promoted.{alias}", f"{name} v{version.version} {when}")
    return {
        "registered_model": name,
        "version": int(version.version),
        "alias": alias,
        "run_id": record["run_id"],
        "uri": settings.uri,
        "promoted_by": who,
        "promoted_at": when,
        "gate": dict(gate_values),
    }
