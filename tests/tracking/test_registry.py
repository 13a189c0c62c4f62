"""tracking.register_promotion (for `vertune promote`): a registry version of the run, the alias moved to
it, the gate values, who and when on the version; a run that was never logged is logged first."""

from __future__ import annotations

import pytest

from vertune.run import RunDir
from vertune.tracking import TrackingError, register_promotion, track_run
from vertune.tracking.registry import lineage_root


def test_promotion_registers_a_version_and_moves_the_alias(tracked_env, runs_dir, derived_copy):
    from mlflow.tracking import MlflowClient

    first = track_run(runs_dir, "train")
    child = derived_copy(runs_dir, "reviews-2026-01")
    assert lineage_root(RunDir(child)).path.resolve() == runs_dir.resolve()

    v1 = register_promotion(runs_dir, "production", {"max_drop": 1.0, "min_gain": 0.0})
    v2 = register_promotion(child, "production", {"max_drop": 1.0, "min_gain": 0.0, "forgetting": 0.4})

    assert v1 is not None and v2 is not None and first is not None
    assert v1.registered_model == v2.registered_model == "reviews"  # the lineage's first run names it
    assert (v1.version, v2.version) == (1, 2) and v1.run_id == first["run_id"]
    client = MlflowClient(tracking_uri=v2.uri, registry_uri=v2.uri)
    current = client.get_model_version_by_alias("reviews", "production")
    assert int(current.version) == 2 and current.run_id == v2.run_id  # the child, logged on the way
    assert current.tags["gate.forgetting"] == "0.4" and current.tags["promoted_by"] == v2.promoted_by
    assert current.source == (child / "model").resolve().as_uri()
    assert client.get_run(v2.run_id).data.tags["vertune.parent_run_id"] == first["run_id"]
    assert "vertune.promoted.production" in client.get_run(v2.run_id).data.tags


def test_promotion_with_tracking_off_is_none_and_a_dead_server_is_one_line(
    tracked_env, runs_dir, monkeypatch
):
    monkeypatch.setenv("VERTUNE_TRACKING", "off")
    assert register_promotion(runs_dir, "production", {}) is None
    monkeypatch.delenv("VERTUNE_TRACKING")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")  # nothing listens on port 9
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with pytest.raises(TrackingError, match=r"^mlflow: could not register .* in http://127.0.0.1:9: "):
        register_promotion(runs_dir, "production", {})
