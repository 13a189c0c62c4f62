"""What the drug-review training benches share (class_imbalance.py, augmentation.py): where the data is,
one small-budget `vertune train` per setting and seed, and the mean / std summary over seeds.

Both run seed-major (every setting at seed 0, then seed 1, ...), so an interrupted bench still has every
setting at the first seeds, and print one JSON line per run and one summary line at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")


def run_settings(
    bench: str,
    settings: dict[str, dict[str, dict[str, Any]]],
    data: dict[str, Any],
    training: dict[str, Any],
    seeds: int,
    measure: Callable[[dict[str, Any]], dict[str, Any]],
    summary_keys: Sequence[str],
    extra: dict[str, Any] | None = None,
) -> None:
    """Train each setting (name -> {"data": {...}, "training": {...}} changes) with training seeds 0..seeds-1,
    minilm, method full, baselines off; print a JSON line per run (`measure(metrics)` + the run's facts) and a
    summary line (mean and std over seeds of `summary_keys`)."""
    work = Path(tempfile.mkdtemp(prefix=f"vertune-{bench}-"))
    results: dict[str, list[dict[str, Any]]] = {}
    for seed in range(seeds):
        for name, changes in settings.items():
            load = os.getloadavg()[0]
            metrics = train_setting(work, f"{name}-{seed}", seed, data, training, changes)
            line = {
                "bench": bench,
                **(extra or {}),
                "date": dt.date.today().isoformat(),
                "config": name,
                "seed": seed,
                "load_avg_1m": round(load, 2),
                "train_rows": metrics["data"]["train"]["rows"],
                **measure(metrics),
                "train_seconds": metrics["train"]["training_seconds"],
            }
            results.setdefault(name, []).append(line)
            print(json.dumps(line), flush=True)
    print(
        json.dumps({"bench": bench, **(extra or {}), "summary": summarise(results, summary_keys)}), flush=True
    )


def train_setting(
    work: Path,
    name: str,
    seed: int,
    data: dict[str, Any],
    training: dict[str, Any],
    changes: dict[str, Any],
) -> dict[str, Any]:
    """One `api.train` of minilm (or `changes["model"]`), method full, baselines off, training seed `seed`,
    split seed 0: `data` and `training` updated by `changes["data"]` / `changes["training"]`, `changes["task"]`
    if given, `changes["evaluation"]` added to the evaluation block; the run's metrics. The recipe and the run go to `work / name`."""
    from vertune import api

    recipe = {
        "model": changes.get("model", "minilm"),
        **({"task": changes["task"]} if "task" in changes else {}),
        "data": {**data, "split_seed": 0, **changes.get("data", {})},
        "training": {**training, "seed": seed, **changes.get("training", {})},
        "evaluation": {"baselines": [], **changes.get("evaluation", {})},
        "output": str(work / name),
    }
    path = work / f"{name}.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    metrics: dict[str, Any] = api.train(path, quiet=True).metrics
    return metrics


def summarise(results: dict[str, list[dict[str, Any]]], keys: Sequence[str]) -> dict[str, Any]:
    """Per setting and key: mean and standard deviation over the seeds' runs."""
    return {
        name: {
            key: {
                "mean": round(statistics.mean(r[key] for r in runs), 4),
                "std": round(statistics.stdev(r[key] for r in runs), 4) if len(runs) > 1 else 0.0,
            }
            for key in keys
        }
        for name, runs in results.items()
    }
