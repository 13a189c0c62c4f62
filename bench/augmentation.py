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
from pathlib import Path
from typing import Any

import pandas as pd

from seeded_runs import DATA_DIR, run_settings

CONFIGS: dict[str, dict[str, Any]] = {
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

    import tempfile

    work = Path(tempfile.mkdtemp(prefix="vertune-augmentation-data-"))
    train = per_class(pd.read_csv(args.data_dir / "drug_reviews_train.csv"), args.rows_per_class)
    test = stratified(pd.read_csv(args.data_dir / "drug_reviews_test.csv"), args.test_rows)
    train.to_csv(work / "train.csv", index=False)
    test.to_csv(work / "test.csv", index=False)

    def scores(metrics: dict[str, Any]) -> dict[str, Any]:
        return {
            "sampled_rows": len(train),
            "test_rows": len(test),
            "epochs": args.epochs,
            "test_macro_f1": round(metrics["test"]["macro_f1"], 4),
            "test_accuracy": round(metrics["test"]["accuracy"], 4),
        }

    run_settings(
        "augmentation",
        {name: {"data": CONFIGS[name]} for name in args.configs.split(",")},
        {"train": str(work / "train.csv"), "test": str(work / "test.csv")},
        {"epochs": args.epochs, "max_length": args.max_length, "batch_size": 16},
        args.seeds,
        scores,
        ("test_macro_f1", "test_accuracy", "train_seconds"),
        extra={"dataset": "drug_reviews"},
    )


if __name__ == "__main__":
    main()
