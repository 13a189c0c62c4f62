"""Retrieval with `task: embedding` against BM25 and the untuned encoder, on the same test corpus.

Two real tasks from ../shared/data:
- bbc: BBC News headline (the first line of each text) -> its article body (the rest, first 600 characters);
  the corpus is every test article.
- drug: a drug review -> the condition it was written about (`condition` column); the corpus is every
  distinct condition of the test rows.

Training pairs: the first `--train-rows` rows of the training file (shuffled with a fixed seed); test: the
first `--test-rows` of the test file. MiniLM, `--epochs`, `--max-length` tokens, batch 16, in-batch negatives.
One JSON line per (task, seed, model): recall@1/10, MRR@10, nDCG@10 and the corpus size.

    nice -n 10 .venv/bin/python bench/retrieval.py --tasks bbc,drug --seeds 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")
BODY_CHARS = 600


def pairs(task: str, frame: pd.DataFrame) -> pd.DataFrame:
    if task == "bbc":
        parts = frame["text"].str.split("\n", n=1)
        return pd.DataFrame(
            {"query": parts.str[0].str.strip(), "positive": parts.str[1].str.strip().str[:BODY_CHARS]}
        ).dropna()
    return pd.DataFrame({"query": frame["text"], "positive": frame["condition"]}).dropna()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--tasks", default="bbc,drug")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--train-rows", type=int, default=400)
    parser.add_argument("--test-rows", type=int, default=300)
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--output", type=Path, default=None, help="append the JSON lines to this file")
    args = parser.parse_args()

    from vertune import api

    work = Path(tempfile.mkdtemp(prefix="vertune-retrieval-"))
    files = {"bbc": "bbc_news", "drug": "drug_reviews"}
    for task in args.tasks.split(","):
        train = pairs(task, pd.read_csv(args.data_dir / f"{files[task]}_train.csv"))
        train = train.sample(frac=1.0, random_state=0).head(args.train_rows)
        test = pairs(task, pd.read_csv(args.data_dir / f"{files[task]}_test.csv")).head(args.test_rows)
        train.to_csv(work / f"{task}-train.csv", index=False)
        test.to_csv(work / f"{task}-test.csv", index=False)
        for seed in range(args.seeds):
            recipe = {
                "model": "minilm",
                "task": "embedding",
                "data": {"train": str(work / f"{task}-train.csv"), "test": str(work / f"{task}-test.csv")},
                "training": {
                    "epochs": args.epochs,
                    "max_length": args.max_length,
                    "batch_size": 16,
                    "seed": seed,
                },
                "evaluation": {"baselines": ["bm25", "untuned_encoder"]},
                "output": str(work / f"{task}-{seed}"),
            }
            path = work / f"{task}-{seed}.yaml"
            path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
            load = os.getloadavg()[0]
            metrics = api.train(path, quiet=True).metrics
            scored = {"tuned": metrics["test"], **metrics["baselines"]}
            for model, scores in scored.items():
                line = {
                    "bench": "retrieval",
                    "date": dt.date.today().isoformat(),
                    "task": task,
                    "seed": seed,
                    "model": model,
                    "train_pairs": metrics["data"]["train"]["rows"],
                    "test_queries": len(test),
                    "corpus_size": scores["corpus_size"],
                    "load_avg_1m": round(load, 2),
                    **{
                        k: round(float(scores[k]), 4)
                        for k in ("recall_at_1", "recall_at_10", "mrr_at_10", "ndcg_at_10")
                    },
                }
                if model == "tuned":
                    line["train_seconds"] = metrics["train"]["training_seconds"]
                print(json.dumps(line), flush=True)
                if args.output is not None:
                    with args.output.open("a", encoding="utf-8") as sink:
                        sink.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
