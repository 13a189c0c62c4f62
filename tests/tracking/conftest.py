"""tests/tracking: MLflow tracking on (the suite turns it off elsewhere), runs/ with a copy of a trained run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def tracked_env(monkeypatch):
    monkeypatch.delenv("VERTUNE_TRACKING", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture
def runs_dir(trained_run: Path, tmp_path: Path) -> Path:
    """runs/reviews: a copy of the shared trained run (checkpoints/ left out)."""
    target = tmp_path / "runs" / "reviews"
    shutil.copytree(trained_run, target, ignore=shutil.ignore_patterns("checkpoints"))
    return target
