"""lineage.json: where a run came from (data hashes, package versions, seed, machine, parent run)."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import Any

from vertune.hardware import machine_info
from vertune.recipe import Recipe
from vertune.versions import version_of

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


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str | None]:
    return {name: version_of(name) for name in PACKAGES}


def build_lineage(recipe: Recipe, parent: str | None = None) -> dict[str, Any]:
    data = {
        role: {"path": str(path), "sha256": sha256_file(Path(path))}
        for role in ("train", "validation", "test")
        if (path := getattr(recipe.data, role)) is not None
    }
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": sys.argv,
        "parent_run": parent,
        "model": recipe.model.name,
        "data": data,
        "seed": recipe.training.seed,
        "packages": package_versions(),
        "machine": machine_info(),
    }
