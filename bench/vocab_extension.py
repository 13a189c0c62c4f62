"""Does `model.extend_vocab: from_data` help the English MiniLM on Chinese? MSRA NER and THUCNews titles,
each trained twice on the same rows and seed, without and with the extension, side by side in one run.

- MSRA: as bench/ner_msra.py (a random subsample of the training sentences, the full canonical test set).
- THUCNews titles: 10-class headline classification, a random sample (seed 0) of the 8,000 training titles
  (10% of it as validation) and all 2,000 test titles, max_length 64; TF-IDF + logistic regression as baseline.

Prints one JSON line per run and a summary line; appends them to bench/results-vocab_extension-DATE.jsonl.

    .venv/bin/python bench/vocab_extension.py --msra-train-rows 1500 --msra-test-rows 1000 --epochs 2 \
        --thucnews-train-rows 2000 --thucnews-epochs 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ner_msra import DATA_DIR, SEED, run_msra, train_and_score


def run_thucnews(data_dir: Path, train_rows: int | None, epochs: float, extend_vocab: bool) -> dict[str, Any]:
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        train = pd.read_csv(data_dir / "thucnews_titles_train.csv", dtype=str, keep_default_na=False)
        if train_rows is not None and train_rows < len(train):
            train = train.sample(n=train_rows, random_state=SEED)
        train.to_csv(Path(tmp) / "train.csv", index=False)
        recipe = {
            "model": {"name": "minilm", "extend_vocab": "from_data" if extend_vocab else None},
            "task": "classification",
            "data": {
                "train": str(Path(tmp) / "train.csv"),
                "test": str(data_dir / "thucnews_titles_test.csv"),
            },
            "training": {"epochs": epochs, "max_length": 64, "seed": SEED},
            "evaluation": {"baselines": ["tfidf_logreg"]},
        }
        result = train_and_score(recipe, Path(tmp))
    return {
        "bench": "thucnews_titles",
        "model": "minilm",
        "extend_vocab": extend_vocab,
        "sampled_train_rows": len(train),
        "epochs": epochs,
        **result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--msra-train-rows", type=int, default=5000)
    parser.add_argument("--msra-test-rows", type=int, default=None)
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--thucnews-train-rows", type=int, default=None, help="default: all 8,000")
    parser.add_argument("--thucnews-epochs", type=float, default=3)
    parser.add_argument("--only", choices=["msra", "thucnews"], default=None)
    args = parser.parse_args()
    results_file = Path(__file__).parent / f"results-vocab_extension-{dt.date.today().isoformat()}.jsonl"
    runs = []
    for extend in (False, True):
        if args.only in (None, "msra"):
            runs.append(
                run_msra(args.data_dir, args.msra_train_rows, args.msra_test_rows, args.epochs, 128, extend)
            )
            _emit(runs[-1], results_file)
    for extend in (False, True):
        if args.only in (None, "thucnews"):
            runs.append(run_thucnews(args.data_dir, args.thucnews_train_rows, args.thucnews_epochs, extend))
            _emit(runs[-1], results_file)
    summary = {
        "bench": "vocab_extension_summary",
        **{
            f"{r['bench']}_{'extended' if r['extend_vocab'] else 'plain'}": r["test"].get(
                "f1", r["test"].get("accuracy")
            )
            for r in runs
        },
    }
    _emit(summary, results_file)


def _emit(record: dict[str, Any], path: Path) -> None:
    line = json.dumps(record, ensure_ascii=False)
    print(line, flush=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")


if __name__ == "__main__":
    main()
