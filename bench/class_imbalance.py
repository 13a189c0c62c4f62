"""Class weights, focal loss and a balanced sampler on the drug reviews' rare neutral class.

Settings (`--configs`): none (plain cross-entropy), balanced (`training.class_weights: balanced`), focal
(`training.loss: focal`, gamma 2, no weights), sampler (`training.sampler: balanced`). Each is trained with
`--seeds` training seeds on the same split (data.split_seed fixed): drug_reviews_train.csv (validation 10%
split off), scored on drug_reviews_test.csv; small budget for the shared CPU (max_length 64, 2 epochs,
batch 16, baselines off). Per run one JSON line (test macro-F1, neutral F1 / recall); then one summary line
with the mean and standard deviation per setting.

    nice -n 10 .venv/bin/python bench/class_imbalance.py [--seeds 3] [--configs none,balanced,focal]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
from pathlib import Path

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")
CONFIGS = {
    "none": {},
    "balanced": {"class_weights": "balanced"},
    "focal": {"loss": "focal", "focal_gamma": 2.0},
    "sampler": {"sampler": "balanced"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--configs", default="none,balanced,focal")
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--max-length", type=int, default=64)
    args = parser.parse_args()

    from vertune import api

    work = Path(tempfile.mkdtemp(prefix="vertune-imbalance-"))
    results: dict[str, list[dict[str, float]]] = {}
    # seed-major: an interrupted run still has every setting at the first seeds
    for seed in range(args.seeds):
        for config in args.configs.split(","):
            load = os.getloadavg()[0]
            recipe = {
                "model": "minilm",
                "data": {
                    "train": str(args.data_dir / "drug_reviews_train.csv"),
                    "test": str(args.data_dir / "drug_reviews_test.csv"),
                    "split_seed": 0,
                },
                "training": {
                    "epochs": args.epochs,
                    "max_length": args.max_length,
                    "batch_size": 16,
                    "seed": seed,
                    **CONFIGS[config],
                },
                "evaluation": {"baselines": []},
                "output": str(work / f"{config}-{seed}"),
            }
            path = work / f"{config}-{seed}.yaml"
            path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
            metrics = api.train(path, quiet=True).metrics
            test = metrics["test"]
            neutral = test["per_class"]["neutral"]
            line = {
                "bench": "class_imbalance",
                "date": dt.date.today().isoformat(),
                "config": config,
                "seed": seed,
                "load_avg_1m": round(load, 2),
                "train_rows": metrics["data"]["train"]["rows"],
                "test_macro_f1": round(test["macro_f1"], 4),
                "test_accuracy": round(test["accuracy"], 4),
                "neutral_f1": round(neutral["f1"], 4),
                "neutral_recall": round(neutral["recall"], 4),
                "neutral_precision": round(neutral["precision"], 4),
                "train_seconds": metrics["train"]["training_seconds"],
            }
            results.setdefault(config, []).append(line)
            print(json.dumps(line), flush=True)
    summary = {
        config: {
            key: {
                "mean": round(statistics.mean(r[key] for r in runs), 4),
                "std": round(statistics.stdev(r[key] for r in runs), 4) if len(runs) > 1 else 0.0,
            }
            for key in ("test_macro_f1", "neutral_f1", "neutral_recall")
        }
        for config, runs in results.items()
    }
    print(json.dumps({"bench": "class_imbalance", "summary": summary}), flush=True)


if __name__ == "__main__":
    main()
