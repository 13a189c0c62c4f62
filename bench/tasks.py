"""What the pair, regression and multi-label tasks reach on real data, against their baselines.

The data sets are built by bench/task_data.py from the team's labelled corpora (see its docstring for how).
Each task is trained with `vertune`'s defaults except: max_length 128, batch 16, the given epochs (early
stopping on), seed 0, and the task's own baselines. Subsampled for the shared 2-core machine
(--train-rows / --test-rows, a seeded random sample; validation is 10% of train).

One JSON line per task: the task's headline metrics for the fine-tuned model and each baseline.

    .venv/bin/python bench/tasks.py [--tasks regression,multilabel,pair,pair_score --train-rows 400]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).parent))

from task_data import BUILDERS, DEFAULT_DATA

SEED = 0
RECIPES = {
    "regression": {"task": "regression", "data": {"label_column": "useful_log"}},
    "multilabel": {"task": "multilabel", "data": {"label_column": "labels"}},
    "pair": {"task": "pair"},
    "pair_score": {"task": "pair", "data": {"label_column": "distance", "pair_target": "score"}},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--tasks", default=",".join(RECIPES))
    parser.add_argument("--train-rows", type=int, default=400)
    parser.add_argument("--test-rows", type=int, default=200)
    parser.add_argument("--epochs", type=float, default=3)
    args = parser.parse_args()

    from vertune import api

    work = Path(tempfile.mkdtemp(prefix="vertune-tasks-"))
    for name in args.tasks.split(","):
        files = {}
        for split, rows in (("train", args.train_rows), ("test", args.test_rows)):
            frame = BUILDERS[name](args.data_dir, split)
            frame = frame.sample(n=min(rows, len(frame)), random_state=SEED).sort_index()
            files[split] = work / f"{name}_{split}.csv"
            frame.to_csv(files[split], index=False)
        spec = RECIPES[name]
        recipe = {
            "model": "minilm",
            "task": spec["task"],
            "data": {"train": str(files["train"]), "test": str(files["test"]), **spec.get("data", {})},
            "training": {"epochs": args.epochs, "max_length": 128, "batch_size": 16, "seed": SEED},
            "output": str(work / name),
        }
        path = work / f"{name}.yaml"
        path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
        print(f"training {name} ...", file=sys.stderr, flush=True)
        metrics = api.train(path, quiet=True).metrics
        shown = metrics["recipe"]["summary_metrics"]
        line = {
            "bench": "tasks",
            "date": dt.date.today().isoformat(),
            "dataset": name,
            "task": spec["task"],
            "metric": metrics["recipe"]["metric"],
            "rows": {role: metrics["data"][role]["rows"] for role in ("train", "validation", "test")},
            "fine_tuned": {k: round(metrics["test"][k], 4) for k in shown},
            "baselines": {b: {k: round(r[k], 4) for k in shown} for b, r in metrics["baselines"].items()},
            "epochs_run": metrics["train"]["epochs_run"],
            "train_seconds": metrics["train"]["training_seconds"],
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
