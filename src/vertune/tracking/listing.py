"""`vertune runs [DIR]`: every run directory under DIR as one row (name, task, model, method, headline
metric, status, parent), read from the run directories themselves: no MLflow needed, nothing imported
beyond the standard library."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.errors import RunDirError
from vertune.run import RunDir
from vertune.tracking.settings import read_tracking

#: Where `vertune promote` records a run's promotions (vertune.continual.promote.PROMOTION_FILE).
PROMOTION_FILE = "promotion.json"
#: A run without metrics.json whose files changed this recently is still being written.
RUNNING_SECONDS = 120
#: How deep runs are looked for (a comparison's trials sit at DIR/<comparison>/runs/<trial>).
MAX_DEPTH = 4
#: Folders that never hold runs (MLflow's artefact store, checkpoints, evaluations of a run).
SKIPPED = {"mlartifacts", "mlruns", "checkpoints", "model", "plots", "onnx", "evaluations"}


@dataclass(frozen=True)
class RunRow:
    name: str
    path: Path
    task: str | None
    model: str | None
    method: str | None
    metric: str | None
    value: float | None
    status: str  # finished | running | incomplete
    parent: str | None
    created: str | None
    mlflow_run_id: str | None
    promoted: list[str]  # the aliases `vertune promote` gave the run (promotion.json)


def list_runs(directory: str | Path = "runs") -> list[RunRow]:
    """The runs under `directory` (itself included when it is a run), oldest first."""
    root = Path(directory)
    if not root.is_dir():
        raise RunDirError(f"{root}: no such directory; give the folder that holds your runs")
    rows = [run_row(RunDir(path), root) for path in _run_dirs(root, 0)]
    return sorted(rows, key=lambda row: (row.created or "", row.name))


def is_run(path: Path) -> bool:
    return (path / "recipe.yaml").is_file() and (
        (path / "lineage.json").is_file() or (path / "metrics.json").is_file()
    )


def _run_dirs(path: Path, depth: int) -> Iterator[Path]:
    if is_run(path):
        yield path
        return
    if depth >= MAX_DEPTH:
        return
    for child in sorted(path.iterdir()):
        if child.is_dir() and not child.name.startswith(".") and child.name not in SKIPPED:
            yield from _run_dirs(child, depth + 1)


def run_row(run: RunDir, root: Path) -> RunRow:
    metrics = _read(run.metrics_path)
    lineage = _read(run.lineage_path)
    recipe = metrics.get("recipe") or {}
    metric = recipe.get("metric")
    value = (metrics.get("test") or {}).get(metric) if metric else None
    parent = lineage.get("parent_run") or recipe.get("parent")
    return RunRow(
        name=_relative(run.path, root),
        path=run.path,
        task=recipe.get("task") or _recipe_value(run, "task"),
        model=recipe.get("model") or lineage.get("model"),
        method=recipe.get("method") or _recipe_value(run, "method"),
        metric=metric,
        value=float(value) if isinstance(value, int | float) else None,
        status=status(run),
        parent=_relative(Path(parent), root) if parent else None,
        created=lineage.get("created"),
        mlflow_run_id=read_tracking(run).get("run_id"),
        promoted=sorted(
            {str(p.get("alias")) for p in _read(run.path / PROMOTION_FILE).get("promotions", [])}
        ),
    )


def status(run: RunDir) -> str:
    if run.metrics_path.is_file():
        return "finished"
    newest = max((p.stat().st_mtime for p in run.path.rglob("*") if p.is_file()), default=0.0)
    return "running" if time.time() - newest < RUNNING_SECONDS else "incomplete"


def _relative(path: Path, root: Path) -> str:
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return str(path)
    return path.resolve().name if relative == Path() else str(relative)


def _recipe_value(run: RunDir, key: str) -> str | None:
    """task / method.name from recipe.yaml, for a run that has no metrics.json yet."""
    import yaml

    try:
        raw = yaml.safe_load(run.recipe_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    value = raw.get(key)
    return str(value.get("name")) if isinstance(value, dict) else (str(value) if value else None)


def _read(path: Path) -> dict[str, Any]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return content if isinstance(content, dict) else {}
