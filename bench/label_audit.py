"""Does `vertune data audit` find wrong labels? Drug reviews with a seeded 10% of training labels flipped.

A copy of drug_reviews_train.csv gets `--flip` of its rows' labels changed to another class at random
(seeded); the test file stays clean. `api.audit` runs on a recipe over the copy (train + the real test
file), and we measure, on the training file's rows: precision and recall of the flipped rows among the top-k
ranked issues (k = the number flipped) and among all issues cleanlab flags. Then the effect of cleaning:
macro-F1 on the clean test file of a TF-IDF + logistic regression (the audit's own model, not a fine-tune:
cheap enough to repeat) trained on the noisy training rows, on the noisy rows minus the flagged ones, and on
the original labels (the ceiling). One JSON line on stdout.

    nice -n 10 .venv/bin/python bench/label_audit.py [--flip 0.1] [--seed 0] [--model minilm --epochs 1]

`--model` scores the folds with that encoder fine-tuned per fold (`data audit --model`) instead of TF-IDF;
`--similarity` is the embedding near-duplicate threshold (0 = exact pairs only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")


def macro_f1(train_texts: list[str], train_labels: list[str], test: pd.DataFrame) -> float:
    from sklearn.metrics import f1_score

    from vertune.data.audit import tfidf_logistic

    model = tfidf_logistic().fit(train_texts, train_labels)
    return round(float(f1_score(test["label"], model.predict(list(test["text"])), average="macro")), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--flip", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--model", default=None)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--similarity", type=float, default=0.95)
    args = parser.parse_args()

    from vertune import api

    load = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="vertune-audit-"))
    train = pd.read_csv(args.data_dir / "drug_reviews_train.csv", keep_default_na=False)
    test = pd.read_csv(args.data_dir / "drug_reviews_test.csv", keep_default_na=False)
    rng = np.random.default_rng(args.seed)
    flipped = rng.choice(len(train), size=round(args.flip * len(train)), replace=False)
    labels = sorted(train["label"].unique())
    noisy = train.copy()
    for i in flipped:
        noisy.loc[i, "label"] = rng.choice([label for label in labels if label != train.loc[i, "label"]])
    noisy.to_csv(work / "train.csv", index=False)
    # the csv reader numbers rows by their first physical line (texts span lines); map them back by order
    from vertune.data.readers import read_table

    lines = read_table(work / "train.csv").lines
    flipped_lines = {lines[i] for i in flipped}
    recipe = {
        "model": "minilm",
        "data": {"train": str(work / "train.csv"), "test": str(args.data_dir / "drug_reviews_test.csv")},
        "training": {"max_length": args.max_length},
        "output": str(work / "run"),
    }
    (work / "recipe.yaml").write_text(yaml.safe_dump(recipe), encoding="utf-8")
    started = time.perf_counter()
    result = api.audit(
        work / "recipe.yaml",
        folds=args.folds,
        on_event=lambda event: None,
        model=args.model,
        epochs=args.epochs,
        similarity=args.similarity or None,
    )
    seconds = round(time.perf_counter() - started, 1)
    train_file = str(work / "train.csv")
    train_issues = [i["line"] for i in result.issues if i["file"] == train_file]
    k = len(flipped_lines)
    top = set(train_issues[:k])
    found = set(train_issues)
    flagged_rows = {lines.index(line) for line in found}
    kept = [i for i in range(len(noisy)) if i not in flagged_rows]
    top_rows = {lines.index(line) for line in top}
    kept_top = [i for i in range(len(noisy)) if i not in top_rows]
    line = {
        "bench": "label_audit",
        "date": dt.date.today().isoformat(),
        "load_avg_1m": round(load[0], 2),
        "train_rows": len(train),
        "flipped": k,
        "folds": result.folds,
        "scorer": result.scorer,
        "audit_seconds": seconds,
        "issues_in_train_file": len(found),
        "issues_in_test_file": sum(1 for i in result.issues if i["file"] != train_file),
        "top_k_precision": round(len(top & flipped_lines) / k, 4),
        "top_k_recall": round(len(top & flipped_lines) / k, 4),
        "all_issues_precision": round(len(found & flipped_lines) / max(1, len(found)), 4),
        "all_issues_recall": round(len(found & flipped_lines) / k, 4),
        "tfidf_test_macro_f1": {
            "noisy": macro_f1(list(noisy["text"]), list(noisy["label"]), test),
            "cleaned (flagged train rows dropped)": macro_f1(
                [noisy["text"][i] for i in kept], [noisy["label"][i] for i in kept], test
            ),
            "cleaned (top-k flagged train rows dropped)": macro_f1(
                [noisy["text"][i] for i in kept_top], [noisy["label"][i] for i in kept_top], test
            ),
            "original labels": macro_f1(list(train["text"]), list(train["label"]), test),
        },
        "near_duplicate_pairs": len(result.duplicates),
        "near_duplicate_pairs_by_embedding": sum(d["match"] == "embedding" for d in result.duplicates),
        "near_duplicate_pairs_across_splits": sum(d["where"] == "across" for d in result.duplicates),
    }
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
