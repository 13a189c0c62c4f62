"""lineage.json: where a run came from (data hashes, package versions, seed, machine, parent run)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import sys
import time
from pathlib import Path
from typing import Any

from vertune.hardware import machine_info
from vertune.recipe import Recipe

PACKAGES = ("vertune", "torch", "transformers", "accelerate", "tokenizers", "scikit-learn", "numpy")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


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
