"""Experiment trackers (`training.report_to`): checked before anything runs; the final test and baseline
scores are flattened into scalars for them (the Trainer's own logs reach them through transformers)."""

from __future__ import annotations

import importlib.util
from typing import Any

from vertune.errors import RecipeError
from vertune.recipe import Recipe

#: `training.report_to` -> the packages that provide it (any one will do), as transformers looks for them.
TRACKER_PACKAGES = {"tensorboard": ("tensorboard", "tensorboardX"), "mlflow": ("mlflow",)}


def check_tracker(recipe: Recipe) -> None:
    """Fail at once, with the fix, when `training.report_to` names a tracker that is not installed."""
    name = recipe.training.report_to
    if name == "none":
        return
    if not any(importlib.util.find_spec(package) for package in TRACKER_PACKAGES[name]):
        raise RecipeError(
            f"training.report_to: {name} is not installed; pip install {TRACKER_PACKAGES[name][0]}, "
            "or set training.report_to: none"
        )


def final_scalars(test: dict[str, Any], baselines: dict[str, dict[str, Any]]) -> dict[str, float]:
    """`test/<metric>` and `baseline/<name>/<metric>` for every scalar score (per-class tables left out)."""
    scalars = {f"test/{k}": float(v) for k, v in test.items() if _is_number(v)}
    for name, scores in baselines.items():
        scalars |= {f"baseline/{name}/{k}": float(v) for k, v in scores.items() if _is_number(v)}
    return scalars


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
