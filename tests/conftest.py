"""Shared fixtures: the real offline MiniLM, a small real dataset, and one trained run reused by tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from helpers import vertune, write_recipe


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    from vertune.models import resolve_model

    return Path(resolve_model("minilm"))


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run trained through the CLI with both baselines, shared by the tests that only read it."""
    directory = tmp_path_factory.mktemp("trained")
    recipe = write_recipe(directory, evaluation={"baselines": ["tfidf_logreg", "linear_probe"]})
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return directory / "run"


@pytest.fixture
def copy_of(tmp_path: Path):
    def copy(path: Path) -> Path:
        target = tmp_path / path.name
        shutil.copytree(path, target)
        return target

    return copy
