"""EDA augmentation (`data.augment`) on a small drug-review training set: with / without, over seeds.

Settings (`--configs`): none (no augmentation), eda1 (`data.augment: {method: eda, factor: 1.0}`), eda2
(factor 2.0). Training rows: up to `--rows-per-class` rows per class of drug_reviews_train.csv, sampled once
with a fixed seed (the neutral class has only 54 rows, so all of them); validation 10% split off by vertune
(split seed fixed), augmentation applies to the training part only. Scored on a fixed stratified subset of
drug_reviews_test.csv (`--test-rows`, 0 = all). Each setting is trained with `--seeds` training seeds; small
budget for the CPU (max_length 64, `--epochs` epochs, batch 16, baselines off). Per run one JSON line (test
macro-F1, accuracy, training seconds); then one summary line with the mean and standard deviation per setting.

    nice -n 10 .venv/bin/python bench/augmentation.py [--seeds 3] [--configs none,eda1,eda2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
from pathlib import Path

import pandas as pd
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")
CONFIGS: dict[str, dict[str, object]] = {
    "none": {},
    "eda1": {"augment": {"method": "eda", "factor": 1.0}},
    "eda2": {"augment": {"method": "eda", "factor": 2.0}},
}
SAMPLE_SEED = 0


def per_class(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    """Up to `rows` rows of each label, drawn with the fixed sample seed, shuffled."""
    parts = [g.sample(min(rows, len(g)), random_state=SAMPLE_SEED) for _, g in frame.groupby("label")]
    return pd.concat(parts).sample(frac=1.0, random_state=SAMPLE_SEED)


def stratified(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    """A stratified subset of about `rows` rows (all rows when `rows` is 0 or at least the frame)."""
    if rows <= 0 or rows >= len(frame):
        return frame
    share = rows / len(frame)
    parts = [
        g.sample(max(1, round(len(g) * share)), random_state=SAMPLE_SEED) for _, g in frame.groupby("label")
    ]
    return pd.concat(parts).sample(frac=1.0, random_state=SAMPLE_SEED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--configs", default="none,eda1")
    parser.add_argument("--rows-per-class", type=int, default=64)
    parser.add_argument("--test-rows", type=int, default=0)
    parser.add_argument("--epochs", type=float, default=4)
    parser.add_argument("--max-length", type=int, default=64)
    args = parser.parse_args()

    from vertune import api

    work = Path(tempfile.mkdtemp(prefix="vertune-augmentation-"))
    train = per_class(pd.read_csv(args.data_dir / "drug_reviews_train.csv"), args.rows_per_class)
    test = stratified(pd.read_csv(args.data_dir / "drug_reviews_test.csv"), args.test_rows)
    train.to_csv(work / "train.csv", index=False)
    test.to_csv(work / "test.csv", index=False)
    results: dict[str, list[dict[str, float]]] = {}
    # seed-major: an interrupted run still has every setting at the first seeds
    for seed in range(args.seeds):
        for config in args.configs.split(","):
            load = os.getloadavg()[0]
            recipe = {
                "model": "minilm",
                "data": {
                    "train": str(work / "train.csv"),
                    "test": str(work / "test.csv"),
                    "split_seed": 0,
                    **CONFIGS[config],
                },
                "training": {
                    "epochs": args.epochs,
                    "max_length": args.max_length,
                    "batch_size": 16,
                    "seed": seed,
                },
                "evaluation": {"baselines": []},
                "output": str(work / f"{config}-{seed}"),
            }
            path = work / f"{config}-{seed}.yaml"
            path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
            metrics = api.train(path, quiet=True).metrics
            test_metrics = metrics["test"]
            line = {
                "bench": "augmentation",
                "dataset": "drug_reviews",
                "date": dt.date.today().isoformat(),
                "config": config,
                "seed": seed,
                "load_avg_1m": round(load, 2),
                "sampled_rows": len(train),
                "train_rows": metrics["data"]["train"]["rows"],
                "test_rows": len(test),
                "epochs": args.epochs,
                "test_macro_f1": round(test_metrics["macro_f1"], 4),
                "test_accuracy": round(test_metrics["accuracy"], 4),
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
            for key in ("test_macro_f1", "test_accuracy", "train_seconds")
        }
        for config, runs in results.items()
    }
    print(json.dumps({"bench": "augmentation", "dataset": "drug_reviews", "summary": summary}), flush=True)


if __name__ == "__main__":
    main()
