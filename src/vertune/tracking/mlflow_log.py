"""One vertune run -> one MLflow run, read from the run directory after the workflow wrote it: the recipe
as params, the evaluations of log.jsonl as per-epoch metrics, metrics.json's final scores, the report,
plots and metrics as artefacts (model/ only with `tracking.log_model`), lineage as tags, the parent's
MLflow run linked. Imports mlflow; only `vertune.tracking` imports this module, and only when it logs."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from vertune.run import RunDir
from vertune.tracking.settings import (
    GROUP_ENV,
    TrackingSettings,
    quiet_environment,
    read_tracking,
    write_tracking,
)

quiet_environment()  # before mlflow is imported: its telemetry reads the environment at import

from mlflow.entities import Metric, Param, RunStatus  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

__all__ = ["MlflowException", "client", "experiment_id", "log_run"]

#: MLflow's limits (mlflow.utils.validation): a param value, a tag value.
PARAM_LENGTH = 6000
TAG_LENGTH = 5000
#: The files of a run that go up as artefacts when present (model/ only with tracking.log_model).
ARTEFACT_FILES = (
    "metrics.json",
    "report.html",
    "report.md",
    "recipe.yaml",
    "lineage.json",
    "labels.json",
    "task.json",
    "runtime.json",
)
ARTEFACT_DIRS = ("plots",)
#: log.jsonl keys that are bookkeeping, not metrics.
LOG_BOOKKEEPING = {"step", "epoch", "time", "total_flos"}

for _name in ("mlflow", "alembic"):  # SQLite store migrations and the like: not the user's business
    logging.getLogger(_name).setLevel(logging.WARNING)


def client(settings: TrackingSettings) -> MlflowClient:
    return MlflowClient(tracking_uri=settings.uri, registry_uri=settings.uri)


def experiment_id(mlflow: MlflowClient, settings: TrackingSettings) -> str:
    """The experiment's id, created on first use (artefacts beside a local SQLite store)."""
    found = mlflow.get_experiment_by_name(settings.experiment)
    if found is not None:
        return str(found.experiment_id)
    try:
        return str(mlflow.create_experiment(settings.experiment, settings.artifact_location))
    except MlflowException:  # created meanwhile by another process
        again = mlflow.get_experiment_by_name(settings.experiment)
        if again is None:
            raise
        return str(again.experiment_id)


def log_run(run: RunDir, kind: str, settings: TrackingSettings) -> dict[str, Any]:
    """Log the finished run directory `run` as a new MLflow run; returns (and writes) tracking.json."""
    mlflow = client(settings)
    experiment = experiment_id(mlflow, settings)
    lineage = run.load_lineage()
    metrics = run.load_metrics()
    parent = parent_run_id(lineage, settings, experiment)
    tags = run_tags(run, kind, lineage, metrics, parent, experiment)
    if (group := group_run(settings)) and "mlflow.parentRunId" not in tags:
        tags["vertune.group_run_id"] = group["run_id"]  # a comparison's trial
        if group["experiment_id"] == experiment:
            tags["mlflow.parentRunId"] = group["run_id"]
    started = _created_ms(lineage) or int(time.time() * 1000)
    mlflow_run = mlflow.create_run(experiment, start_time=started, tags=tags, run_name=run.path.name)
    run_id = mlflow_run.info.run_id
    try:
        params = [Param(k, v) for k, v in recipe_params(run).items()]
        mlflow.log_batch(run_id, metrics=list(epoch_metrics(run.read_log())), params=params)
        final_step = max((int(r.get("step", 0)) for r in run.read_log()), default=0)
        now = int(time.time() * 1000)
        finals = [Metric(k, v, now, final_step) for k, v in final_metrics(metrics).items()]
        mlflow.log_batch(run_id, metrics=finals)
        for name in ARTEFACT_FILES:
            if (run.path / name).is_file():
                mlflow.log_artifact(run_id, str(run.path / name))
        for name in ARTEFACT_DIRS:
            if (run.path / name).is_dir() and any((run.path / name).iterdir()):
                mlflow.log_artifacts(run_id, str(run.path / name), name)
        if settings.log_model and run.model_dir.is_dir():
            mlflow.log_artifacts(run_id, str(run.model_dir), "model")
    except BaseException:
        mlflow.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
        raise
    mlflow.set_terminated(run_id, RunStatus.to_string(RunStatus.FINISHED))
    record = {
        "uri": settings.uri,
        "experiment": settings.experiment,
        "experiment_id": experiment,
        "run_id": run_id,
        "model_logged": settings.log_model and run.model_dir.is_dir(),
        "logged": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    write_tracking(run, record)
    return record


def parent_run_id(lineage: Mapping[str, Any], settings: TrackingSettings, experiment: str) -> dict[str, str]:
    """The parent's MLflow run, when the parent was tracked in the same store: {run_id, experiment_id}."""
    parent = lineage.get("parent_run")
    if not parent:
        return {}
    record = read_tracking(RunDir(parent))
    if record.get("uri") != settings.uri or "run_id" not in record:
        return {}
    return {"run_id": record["run_id"], "experiment_id": str(record.get("experiment_id", ""))}


def group_run(settings: TrackingSettings) -> dict[str, str]:
    """The group run (a comparison) this run is made under, when it is in the same store."""
    try:
        record = json.loads(os.environ.get(GROUP_ENV) or "{}")
    except ValueError:
        return {}
    if record.get("uri") != settings.uri or "run_id" not in record:
        return {}
    return {"run_id": record["run_id"], "experiment_id": str(record["experiment_id"])}


def open_group_run(directory: Path, kind: str, settings: TrackingSettings) -> dict[str, Any]:
    mlflow = client(settings)
    experiment = experiment_id(mlflow, settings)
    tags = {
        "vertune.kind": kind,
        "vertune.run_dir": str(directory.resolve()),
        "mlflow.source.name": f"vertune {kind}",
    }
    group = mlflow.create_run(experiment, tags=tags, run_name=directory.name)
    return {"uri": settings.uri, "experiment_id": experiment, "run_id": group.info.run_id, "kind": kind}


def close_group_run(record: dict[str, Any], directory: Path) -> None:
    mlflow = MlflowClient(tracking_uri=record["uri"])
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.suffix in (".md", ".html", ".json", ".png"):
            mlflow.log_artifact(record["run_id"], str(path))
    mlflow.set_terminated(record["run_id"], RunStatus.to_string(RunStatus.FINISHED))


def run_tags(
    run: RunDir,
    kind: str,
    lineage: Mapping[str, Any],
    metrics: Mapping[str, Any],
    parent: Mapping[str, str],
    experiment: str,
) -> dict[str, str]:
    """Lineage as tags: kind, run directory, task / model / method, data files and their sha256, seed,
    command, parent run (its directory and, when tracked in the same store, its MLflow run)."""
    recipe = metrics.get("recipe", {})
    tags: dict[str, Any] = {
        "vertune.kind": kind,
        "vertune.run_dir": str(run.path.resolve()),
        "vertune.task": recipe.get("task"),
        "vertune.model": recipe.get("model") or lineage.get("model"),
        "vertune.method": recipe.get("method"),
        "vertune.seed": lineage.get("seed"),
        "vertune.created": lineage.get("created"),
        "vertune.command": " ".join(map(str, lineage.get("command") or [])) or None,
        "vertune.parent_run": lineage.get("parent_run"),
        "mlflow.source.name": f"vertune {kind}",
        "mlflow.source.type": "LOCAL",
    }
    for role, entry in (lineage.get("data") or {}).items():
        tags[f"vertune.data.{role}"] = entry.get("path")
        tags[f"vertune.data.{role}.sha256"] = entry.get("sha256")
    if parent:
        tags["vertune.parent_run_id"] = parent["run_id"]
        if parent.get("experiment_id") == experiment:
            tags["mlflow.parentRunId"] = parent["run_id"]  # the MLflow UI nests the child under it
    return {k: str(v)[:TAG_LENGTH] for k, v in tags.items() if v is not None}


def recipe_params(run: RunDir) -> dict[str, str]:
    """The resolved recipe (recipe.yaml as the run saved it), flattened to `section.key` params."""
    if not run.recipe_path.is_file():
        return {}
    import yaml

    raw = yaml.safe_load(run.recipe_path.read_text(encoding="utf-8")) or {}
    params = {key: _text(value)[:PARAM_LENGTH] for key, value in _flatten(raw)}
    if "tracking.uri" in params:  # a password in the URI never becomes a param
        params["tracking.uri"] = re.sub(r"//[^/@]*@", "//***@", params["tracking.uri"])
    return params


def epoch_metrics(log: list[dict[str, Any]]) -> Iterator[Metric]:
    """log.jsonl as metric series: each evaluation's `eval_*` scores as `eval/<name>`, the training loss,
    learning rate and gradient norm as `train/<name>`, at their step and time. The final test scores that
    the train workflow also logs there (`test/...`, `baseline/...`) come from metrics.json instead."""
    for record in log:
        step = int(record.get("step") or 0)
        stamp = int(float(record.get("time") or time.time()) * 1000)
        for key, value in record.items():
            if key in LOG_BOOKKEEPING or "/" in key or not _is_number(value):
                continue
            name = f"eval/{key.removeprefix('eval_')}" if key.startswith("eval_") else f"train/{key}"
            yield Metric(_key(name), float(value), stamp, step)


def final_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """metrics.json's scalars: `test/`, `baseline/<name>/`, `validation/`, `train/` (seconds, samples per
    second, parameters), and any `retention` / `compression` numbers, with MLflow-safe names."""
    from vertune.stages.tracking import final_scalars

    scalars = final_scalars(metrics.get("test") or {}, metrics.get("baselines") or {})
    for section in ("validation", "train", "retention", "compression"):
        content = metrics.get(section)
        if isinstance(content, dict):
            scalars |= {
                f"{section}/{key}": float(v)
                for key, v in _flatten(content)
                if _is_number(v) and "confusion" not in key and "per_class" not in key
            }
    return {_key(k): v for k, v in scalars.items()}


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}{_key(str(key))}.")
    else:
        yield prefix.rstrip("."), value


def _key(name: str) -> str:
    """MLflow allows letters, digits, `_ - . / :` and spaces in names; anything else becomes `_`."""
    return re.sub(r"[^\w\-./: ]", "_", name, flags=re.ASCII)


def _text(value: Any) -> str:
    return "null" if value is None else str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _created_ms(lineage: Mapping[str, Any]) -> int | None:
    try:
        return int(datetime.strptime(str(lineage["created"]), "%Y-%m-%dT%H:%M:%S%z").timestamp() * 1000)
    except (KeyError, ValueError):
        return None
