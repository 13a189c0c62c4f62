"""lineage.json: where a run came from (data hashes, package versions, seed, machine, parent run)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vertune.hardware import machine_info
from vertune.models.resolve import run_of_model
from vertune.recipe import Recipe
from vertune.run import sha256_file
from vertune.versions import version_of

if TYPE_CHECKING:
    from vertune.pretrain.recipe import PretrainRecipe

__all__ = ["build_lineage", "package_versions", "sha256_file"]

PACKAGES = (
    "vertune",
    "torch",
    "transformers",
    "peft",
    "accelerate",
    "tokenizers",
    "scikit-learn",
    "numpy",
    "onnxruntime",
)


def package_versions() -> dict[str, str | None]:
    return {name: version_of(name) for name in PACKAGES}


def build_lineage(recipe: Recipe | PretrainRecipe, parent: str | None = None) -> dict[str, Any]:
    data = {
        role: {"path": str(path), "sha256": sha256_file(Path(path))}
        for role in ("train", "validation", "test")
        if (path := getattr(recipe.data, role, None)) is not None
    }
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": sys.argv,
        "parent_run": parent,
        "model": recipe.model.name,
        "base_run": run_of_model(recipe.model.name),  # `model: runs/dapt-x`: the run that made the model
        "data": data,
        "seed": recipe.training.seed,
        "packages": package_versions(),
        "machine": machine_info(),
    }
