"""tests/tracking: MLflow tracking on (the suite turns it off elsewhere), runs/ with a copy of a trained run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest


@pytest.fixture
def tracked_env(monkeypatch):
    monkeypatch.delenv("VERTUNE_TRACKING", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow SQLite store with its tables made, once: creating them costs ~1.5 CPU-s per new store."""
    import os

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow.tracking import MlflowClient

    path = tmp_path_factory.mktemp("store") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def runs_dir(trained_run: Path, tmp_path: Path, empty_store: Path) -> Path:
    """runs/reviews: a copy of the shared trained run (checkpoints/ left out), beside runs/mlflow.db (an
    empty store: what the first tracked run would make there)."""
    target = tmp_path / "runs" / "reviews"
    shutil.copytree(trained_run, target, ignore=shutil.ignore_patterns("checkpoints"))
    shutil.copy(empty_store, target.parent / "mlflow.db")
    return target


@pytest.fixture
def derived_copy():
    """`derived_copy(parent, name)`: a copy of `parent` beside it whose lineage.json names `parent`."""

    def copy(parent: Path, name: str) -> Path:
        child = parent.parent / name
        shutil.copytree(parent, child, ignore=shutil.ignore_patterns("tracking.json"))
        lineage = json.loads((child / "lineage.json").read_text())
        (child / "lineage.json").write_text(json.dumps({**lineage, "parent_run": str(parent.resolve())}))
        return child

    return copy
