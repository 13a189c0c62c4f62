"""vertune.tracking: a finished run directory logged to the default SQLite store beside the runs
(runs/mlflow.db), read back through MLflow's own client; telemetry off; tracking off by switch or recipe."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from vertune.events import Info, Warning
from vertune.run import RunDir
from vertune.tracking import read_tracking, settings_for, track_run


def test_a_run_lands_in_runs_mlflow_db_with_params_metrics_artefacts_and_lineage(
    tracked_env, runs_dir, derived_copy
):
    from mlflow.tracking import MlflowClient

    events: list = []
    record = track_run(runs_dir, "train", events.append)

    db = runs_dir.parent / "mlflow.db"
    assert record is not None and db.is_file()
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert read_tracking(RunDir(runs_dir)) == record
    assert any(isinstance(e, Info) and record["run_id"] in e.message for e in events)

    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    logged = client.get_run(record["run_id"])
    assert logged.info.status == "FINISHED" and logged.info.run_name == "reviews"
    recipe = yaml.safe_load((runs_dir / "recipe.yaml").read_text())
    params = logged.data.params
    assert params["model.name"] == recipe["model"]["name"]
    assert float(params["training.learning_rate"]) == recipe["training"]["learning_rate"]
    metrics = json.loads((runs_dir / "metrics.json").read_text())
    headline = metrics["recipe"].get("metric", "macro_f1")
    assert logged.data.metrics[f"test/{headline}"] == pytest.approx(metrics["test"][headline])
    for name in metrics["baselines"]:
        assert logged.data.metrics[f"baseline/{name}/{headline}"] == pytest.approx(
            metrics["baselines"][name][headline]
        )
    # one point per evaluation (epoch) in the validation series
    evaluations = [r for r in RunDir(runs_dir).read_log() if f"eval_{headline}" in r]
    history = client.get_metric_history(record["run_id"], f"eval/{headline}")
    assert [m.step for m in history] == [r["step"] for r in evaluations]
    tags = logged.data.tags
    lineage = json.loads((runs_dir / "lineage.json").read_text())
    assert tags["vertune.kind"] == "train" and tags["vertune.task"] == metrics["recipe"]["task"]
    assert tags["vertune.data.train.sha256"] == lineage["data"]["train"]["sha256"]
    artefacts = {a.path for a in client.list_artifacts(record["run_id"])}
    assert {"metrics.json", "report.html", "recipe.yaml", "lineage.json", "plots"} <= artefacts
    assert "model" not in artefacts  # weights only with tracking.log_model
    # artefacts beside the store, not in ./mlruns of wherever the command ran
    assert (runs_dir.parent / "mlartifacts").is_dir()
    assert not any(isinstance(e, Warning) for e in events)


def test_a_derived_run_is_linked_to_its_parent(tracked_env, runs_dir, derived_copy):
    from mlflow.tracking import MlflowClient

    parent = track_run(runs_dir, "train")
    child = derived_copy(runs_dir, "reviews-v2")
    record = track_run(child, "continue")

    assert parent and record
    tags = MlflowClient(tracking_uri=record["uri"]).get_run(record["run_id"]).data.tags
    assert tags["vertune.parent_run_id"] == parent["run_id"] == tags["mlflow.parentRunId"]
    assert tags["vertune.parent_run"] == str(runs_dir.resolve()) and tags["vertune.kind"] == "continue"


def test_off_by_switch_or_recipe_and_a_broken_store_is_only_a_warning(tracked_env, runs_dir, monkeypatch):
    monkeypatch.setenv("VERTUNE_TRACKING", "off")
    assert track_run(runs_dir, "train") is None
    monkeypatch.delenv("VERTUNE_TRACKING")

    recipe = yaml.safe_load((runs_dir / "recipe.yaml").read_text())
    (runs_dir / "recipe.yaml").write_text(yaml.safe_dump({**recipe, "tracking": {"enabled": False}}))
    assert not settings_for(RunDir(runs_dir)).enabled
    assert track_run(runs_dir, "train") is None and not (runs_dir / "tracking.json").exists()

    blocked = runs_dir.parent / "not-a-folder"
    blocked.write_text("a file where the store's folder should be")
    uri = f"sqlite:///{blocked}/mlflow.db"
    (runs_dir / "recipe.yaml").write_text(yaml.safe_dump({**recipe, "tracking": {"uri": uri}}))
    events: list = []
    assert track_run(runs_dir, "train", events.append) is None
    assert next(e for e in events if isinstance(e, Warning)).message.startswith(
        f"mlflow: the run was not logged to {uri}"
    )


def test_mlflow_tracking_uri_is_used_when_the_recipe_names_none(tracked_env, runs_dir, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    assert settings_for(RunDir(runs_dir)).uri == "http://127.0.0.1:9"
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert settings_for(RunDir(runs_dir)).uri == f"sqlite:///{runs_dir.parent.resolve()}/mlflow.db"


def test_a_comparisons_trials_nest_under_its_own_run(tracked_env, runs_dir):
    from mlflow.tracking import MlflowClient

    from vertune.recipe import TrackingConfig
    from vertune.tracking import close_group, open_group

    directory = runs_dir.parent / "reviews-compare"  # trials in reviews-compare/runs/<method>-seed<k>
    (directory / "runs").mkdir(parents=True)
    shutil.copy(runs_dir.parent / "mlflow.db", directory / "runs" / "mlflow.db")
    trial = directory / "runs" / "full-seed42"
    shutil.move(runs_dir, trial)

    group = open_group(directory, "compare", TrackingConfig())
    record = track_run(trial, "train")
    (directory / "comparison.md").write_text("# comparison\n")
    close_group(group, directory)

    assert group is not None and record is not None and "VERTUNE_TRACKING_GROUP" not in os.environ
    client = MlflowClient(tracking_uri=record["uri"])
    assert client.get_run(record["run_id"]).data.tags["mlflow.parentRunId"] == group["run_id"]
    grouped = client.get_run(group["run_id"])
    assert grouped.info.status == "FINISHED" and grouped.data.tags["vertune.kind"] == "compare"
    assert "comparison.md" in {a.path for a in client.list_artifacts(group["run_id"])}


def test_a_password_in_the_tracking_uri_is_not_logged(runs_dir):
    from vertune.tracking.mlflow_log import recipe_params

    recipe = yaml.safe_load((runs_dir / "recipe.yaml").read_text())
    uri = "https://me:secret@mlflow.internal:5000"
    (runs_dir / "recipe.yaml").write_text(yaml.safe_dump({**recipe, "tracking": {"uri": uri}}))
    assert recipe_params(RunDir(runs_dir))["tracking.uri"] == "https://***@mlflow.internal:5000"
