"""The method bake-off on two real datasets: `vertune compare` with every method x 3 seeds.

Subsampled to fit a shared 2-core CPU: a stratified sample of the train CSV (--train-rows) and of the
test CSV (--test-rows), max_length 64, at most --epochs epochs with early stopping (patience 2). The recipe
leaves training.learning_rate out, so each method gets its own default. Prints one JSON line per dataset
(the comparison summary and recommendation); the comparison directories stay under --work.

    .venv/bin/python bench/methods_compare.py --work /tmp/vertune-methods-bench
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve()
DATA_DIRS = [HERE.parents[2] / "shared" / "data", HERE.parents[3] / "shared" / "data"]
DATASETS = {"drug_reviews": "drug_reviews", "bbc_news": "bbc_news"}
METHODS = "full,freeze,head-only,bitfit,lora,adalora,ia3,prefix,prompt,adapter,full+l2sp,lora+l2sp"


def sample(frame: pd.DataFrame, rows: int, seed: int = 0) -> pd.DataFrame:
    if len(frame) <= rows:
        return frame
    share = rows / len(frame)
    parts = [g.sample(max(1, round(len(g) * share)), random_state=seed) for _, g in frame.groupby("label")]
    return pd.concat(parts).sample(frac=1.0, random_state=seed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path("/tmp/vertune-methods-bench"))
    parser.add_argument("--data-dir", type=Path, default=next((d for d in DATA_DIRS if d.is_dir()), None))
    parser.add_argument("--datasets", default="drug_reviews,bbc_news")
    parser.add_argument("--methods", default=METHODS)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--train-rows", type=int, default=200)
    parser.add_argument("--test-rows", type=int, default=200)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    from vertune import api
    from vertune.events import from_notify

    for name in args.datasets.split(","):
        stem = DATASETS[name]
        folder = args.work / name
        folder.mkdir(parents=True, exist_ok=True)
        train = sample(pd.read_csv(args.data_dir / f"{stem}_train.csv"), args.train_rows)
        test = sample(pd.read_csv(args.data_dir / f"{stem}_test.csv"), args.test_rows)
        train[["text", "label"]].to_csv(folder / "train.csv", index=False)
        test[["text", "label"]].to_csv(folder / "test.csv", index=False)
        recipe = {
            "model": "minilm",
            "data": {"train": "train.csv", "test": "test.csv", "validation_size": 0.15},
            "training": {"epochs": args.epochs, "max_length": args.max_length, "batch_size": 16, "seed": 0},
            "evaluation": {"baselines": ["tfidf_logreg"]},
            "output": str(folder / "run"),
        }
        (folder / "recipe.yaml").write_text(yaml.safe_dump(recipe), encoding="utf-8")
        result = api.compare(
            folder / "recipe.yaml",
            args.methods.split(","),
            seeds=args.seeds,
            output=folder / "compare",
            on_event=from_notify(lambda m: print(m, file=sys.stderr, flush=True)),
        ).summary
        print(
            json.dumps(
                {
                    "bench": "methods_compare",
                    "dataset": name,
                    "train_rows": len(train),
                    "test_rows": len(test),
                    "max_length": args.max_length,
                    "metric": result["metric"],
                    "summary": result["summary"],
                    "baselines": result["baselines"],
                    "recommendation": result["recommendation"],
                    "failures": result["failures"],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
