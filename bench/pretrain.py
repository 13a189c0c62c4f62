"""Task-adaptive pre-training (`model.pretrain`: masked LM on the recipe's own training texts) before
fine-tuning, against fine-tuning alone: THUCNews titles (Chinese, `model.extend_vocab: from_data` on the
English MiniLM, so the new CJK rows start untrained) and the drug reviews (English).

Per dataset: up to `--rows-per-class` training rows per class (drawn once, seed 0), a fixed stratified test
subset (`--test-rows`); `minilm`, method full, baselines off. Settings: `none` (fine-tune only) and `tapt`
(`model.pretrain: {epochs: --tapt-epochs}`), each with `--seeds` training seeds. The TAPT cache is a fresh
temporary directory, so every TAPT run pays its pre-training (the minutes reported include it). One JSON line
per run (test accuracy, macro-F1, held-out perplexity before / after, minutes), then a summary line per
dataset with the mean accuracy delta.

    nice -n 10 .venv/bin/python bench/pretrain.py [--datasets thucnews,drug_reviews] [--seeds 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")
DATASETS = {
    "thucnews": ("thucnews_titles", {"extend_vocab": "from_data"}, 32),
    "drug_reviews": ("drug_reviews", {}, 64),
}
SAMPLE_SEED = 0


def sample(frame: pd.DataFrame, per_class: int, total: int | None = None) -> pd.DataFrame:
    """Up to `per_class` rows of each label (or a stratified `total`), seed 0, shuffled."""
    if total is not None:
        share = min(1.0, total / len(frame))
        parts = [
            g.sample(max(1, round(len(g) * share)), random_state=SAMPLE_SEED)
            for _, g in frame.groupby("label")
        ]
    else:
        parts = [
            g.sample(min(per_class, len(g)), random_state=SAMPLE_SEED) for _, g in frame.groupby("label")
        ]
    return pd.concat(parts).sample(frac=1.0, random_state=SAMPLE_SEED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--datasets", default="thucnews,drug_reviews")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--rows-per-class", type=int, default=60)
    parser.add_argument("--test-rows", type=int, default=300)
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--tapt-epochs", type=float, default=3)
    parser.add_argument("--output", type=Path, default=None, help="append the JSON lines here too")
    args = parser.parse_args()

    from vertune import api

    work = Path(tempfile.mkdtemp(prefix="vertune-bench-pretrain-"))
    os.environ["VERTUNE_CACHE"] = str(work / "cache")  # never reuse a cached TAPT model across runs
    date = dt.date.today().isoformat()
    for name in args.datasets.split(","):
        stem, model_extra, max_length = DATASETS[name]
        train = sample(pd.read_csv(args.data_dir / f"{stem}_train.csv"), args.rows_per_class)
        test = sample(pd.read_csv(args.data_dir / f"{stem}_test.csv"), 0, args.test_rows)
        train[["text", "label"]].to_csv(work / f"{name}_train.csv", index=False)
        test[["text", "label"]].to_csv(work / f"{name}_test.csv", index=False)
        scores: dict[str, list[float]] = {"none": [], "tapt": []}
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            for setting in ("none", "tapt"):
                model: dict[str, object] = {"name": "minilm", **model_extra}
                if setting == "tapt":
                    model["pretrain"] = {"epochs": args.tapt_epochs}
                recipe = {
                    "model": model,
                    "task": "classification",
                    "data": {
                        "train": str(work / f"{name}_train.csv"),
                        "test": str(work / f"{name}_test.csv"),
                    },
                    "training": {
                        "epochs": args.epochs,
                        "max_length": max_length,
                        "batch_size": 32,
                        "seed": seed,
                        "early_stopping_patience": 0,
                    },
                    "evaluation": {"baselines": []},
                    "output": str(work / f"{name}-{setting}-{seed}"),
                }
                path = work / f"{name}-{setting}-{seed}.yaml"
                path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
                load = os.getloadavg()[0]
                started = time.perf_counter()
                metrics = api.train(path, quiet=True).metrics
                minutes = (time.perf_counter() - started) / 60
                test_scores = metrics["test"]
                line = {
                    "bench": "pretrain",
                    "date": date,
                    "dataset": name,
                    "setting": setting,
                    "seed": seed,
                    "train_rows": metrics["data"]["train"]["rows"],
                    "test_rows": test_scores["examples"],
                    "accuracy": round(test_scores["accuracy"], 4),
                    "macro_f1": round(test_scores["macro_f1"], 4),
                    "added_tokens": (metrics.get("vocabulary") or {}).get("added_tokens", 0),
                    "perplexity": (metrics.get("pretrain") or {}).get("perplexity"),
                    "pretrain_seconds": (metrics.get("pretrain") or {}).get("seconds"),
                    "minutes": round(minutes, 2),
                    "load_start": round(load, 1),
                    "load_end": round(os.getloadavg()[0], 1),
                }
                scores[setting].append(line["accuracy"])
                emit(line, args.output)
        delta = statistics.mean(scores["tapt"]) - statistics.mean(scores["none"])
        emit(
            {
                "bench": "pretrain",
                "dataset": name,
                "summary": True,
                "accuracy_delta": round(delta, 4),
                **{f"accuracy_{k}": round(statistics.mean(v), 4) for k, v in scores.items()},
            },
            args.output,
        )


def emit(line: dict[str, object], output: Path | None) -> None:
    text = json.dumps(line, ensure_ascii=False)
    print(text, flush=True)
    if output is not None:
        with output.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
