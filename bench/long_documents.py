"""Long documents: do overlapping windows with pooled logits (`data.long_text: chunk`) beat truncation?

BBC News articles (~500 tokens) against max_length 128: `truncate` reads the first 128 tokens; `chunk` reads
every window of 128 tokens (32 shared with the neighbour) and pools the windows' logits per article, with
mean or max pooling, in training and prediction. Same subsample, split, seed, model and settings for all
three; baselines off. Subsampled for the shared 2-core machine: a stratified sample of the train file
(default 300 articles, 10% of them held out for validation) and of the test file (default 150).

One JSON line per mode to stdout (test macro-F1 / accuracy, training seconds, prediction seconds on the test
set, windows per article), then a summary line.

    .venv/bin/python bench/long_documents.py [--train-rows 300 --test-rows 150 --epochs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.exists():
    DATA_DIR = Path("/work/shared/data")
SEED = 0
MODES = {
    "truncate": {"long_text": "truncate"},
    "chunk_mean": {"long_text": "chunk", "window_pooling": "mean"},
    "chunk_max": {"long_text": "chunk", "window_pooling": "max"},
}


def stratified(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    per_class = rows // frame["label"].nunique()
    return frame.groupby("label").sample(n=per_class, random_state=SEED).sort_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--train-rows", type=int, default=300)
    parser.add_argument("--test-rows", type=int, default=150)
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--modes", default=",".join(MODES))
    args = parser.parse_args()

    from vertune import api
    from vertune.models.predictor import Predictor

    work = Path(tempfile.mkdtemp(prefix="vertune-long-"))
    train = stratified(pd.read_csv(args.data_dir / "bbc_news_train.csv"), args.train_rows)
    test = stratified(pd.read_csv(args.data_dir / "bbc_news_test.csv"), args.test_rows)
    train.to_csv(work / "train.csv", index=False)
    test.to_csv(work / "test.csv", index=False)
    results = {}
    for mode in args.modes.split(","):
        recipe = {
            "model": "minilm",
            "task": "classification",
            "data": {"train": str(work / "train.csv"), "test": str(work / "test.csv"), **MODES[mode]},
            "training": {
                "epochs": args.epochs,
                "max_length": args.max_length,
                "batch_size": 16,
                "seed": SEED,
            },
            "evaluation": {"baselines": []},
            "output": str(work / mode),
        }
        path = work / f"{mode}.yaml"
        path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
        print(f"training {mode} ...", file=sys.stderr, flush=True)
        result = api.train(path, quiet=True)
        predictor = Predictor.from_run(work / mode)
        texts = list(test["text"])
        start = time.perf_counter()
        predictor.predict(texts)
        predict_seconds = time.perf_counter() - start
        windows = len(predictor.task.encode(texts, predictor.tokenizer, args.max_length)) / len(texts)
        metrics = result.metrics
        line = {
            "bench": "long_documents",
            "date": dt.date.today().isoformat(),
            "mode": mode,
            "train_articles": metrics["data"]["train"]["rows"],
            "validation_articles": metrics["data"]["validation"]["rows"],
            "test_articles": len(test),
            "max_length": args.max_length,
            "windows_per_test_article": round(windows, 2),
            "test_macro_f1": round(metrics["test"]["macro_f1"], 4),
            "test_accuracy": round(metrics["test"]["accuracy"], 4),
            "validation_macro_f1": round(metrics["validation"]["macro_f1"], 4),
            "epochs_run": metrics["train"]["epochs_run"],
            "train_seconds": metrics["train"]["training_seconds"],
            "predict_seconds": round(predict_seconds, 2),
            "longer_than_max_length": metrics["data"]["train"].get("longer_than_max_length"),
        }
        results[mode] = line
        print(json.dumps(line), flush=True)
    if "truncate" in results:
        base = results["truncate"]
        summary = {
            "bench": "long_documents",
            "summary": {
                mode: {
                    "macro_f1_points_vs_truncate": round(
                        100 * (r["test_macro_f1"] - base["test_macro_f1"]), 1
                    ),
                    "train_time_ratio_vs_truncate": round(r["train_seconds"] / base["train_seconds"], 2),
                    "predict_time_ratio_vs_truncate": round(
                        r["predict_seconds"] / base["predict_seconds"], 2
                    ),
                }
                for mode, r in results.items()
            },
        }
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
