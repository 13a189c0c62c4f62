"""Helpers for tests: the fixture data, recipe writing, and running the CLI like a user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

FIXTURES = Path(__file__).parent / "fixtures"
TRAIN_CSV = FIXTURES / "reviews_train.csv"
TEST_CSV = FIXTURES / "reviews_test.csv"

# Small and fast, but a real model on real data: 2 epochs of 81 rows at 64 tokens.
FAST_TRAINING = {"epochs": 2, "max_length": 64, "batch_size": 16, "learning_rate": 1e-4, "seed": 7}


def write_recipe(directory: Path, **changes: object) -> Path:
    """A recipe over the fixture data in `directory`; keyword arguments replace top-level sections."""
    recipe: dict[str, object] = {
        "model": "minilm",
        "task": "classification",
        "data": {"train": str(TRAIN_CSV), "test": str(TEST_CSV)},
        "training": dict(FAST_TRAINING),
        "evaluation": {"baselines": []},
        "output": str(directory / "run"),
    }
    recipe.update(changes)
    path = directory / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    return path


def vertune(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "vertune", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def fails_cleanly(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Assert a CLI call failed as a user error (exit 2, no traceback) naming each expected text."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    return result.stderr
