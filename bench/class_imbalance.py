"""Class weights, focal loss and a balanced sampler on the drug reviews' rare neutral class.

Settings (`--configs`): none (plain cross-entropy, uniform sampling), balanced (`training.class_weights:
balanced`), focal (`training.loss: focal`, gamma 2, no weights), sampler (`training.sampler: balanced`). Each
is trained with `--seeds` training seeds on the same split (data.split_seed fixed): drug_reviews_train.csv
(validation 10% split off), scored on drug_reviews_test.csv; small budget for the shared CPU (max_length 64,
2 epochs, batch 16, baselines off). Per run one JSON line (test macro-F1, neutral F1 / recall); then one
summary line with the mean and standard deviation per setting (`seeded_runs.py`).

    nice -n 10 .venv/bin/python bench/class_imbalance.py [--seeds 3] [--configs none,balanced,focal,sampler]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from seeded_runs import DATA_DIR, run_settings

CONFIGS: dict[str, dict[str, Any]] = {
    "none": {},
    "balanced": {"class_weights": "balanced"},
    "focal": {"loss": "focal", "focal_gamma": 2.0},
    "sampler": {"sampler": "balanced"},
}


def neutral_scores(metrics: dict[str, Any]) -> dict[str, Any]:
    test = metrics["test"]
    neutral = test["per_class"]["neutral"]
    return {
        "test_macro_f1": round(test["macro_f1"], 4),
        "test_accuracy": round(test["accuracy"], 4),
        "neutral_f1": round(neutral["f1"], 4),
        "neutral_recall": round(neutral["recall"], 4),
        "neutral_precision": round(neutral["precision"], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--configs", default="none,balanced,focal")
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--max-length", type=int, default=64)
    args = parser.parse_args()
    run_settings(
        "class_imbalance",
        {name: {"training": CONFIGS[name]} for name in args.configs.split(",")},
        {
            "train": str(args.data_dir / "drug_reviews_train.csv"),
            "test": str(args.data_dir / "drug_reviews_test.csv"),
        },
        {"epochs": args.epochs, "max_length": args.max_length, "batch_size": 16},
        args.seeds,
        neutral_scores,
        ("test_macro_f1", "test_accuracy", "neutral_f1", "neutral_recall"),
    )


if __name__ == "__main__":
    main()
