"""MSRA NER (Chinese, PER / LOC / ORG): entity F1 of vertune's `ner` task with the builtin MiniLM.

Honest subsample: `--train-rows` sentences drawn at random (seed 0) from the MSRA training file (10% of them
become the validation split), scored on the full canonical MSRA test set (4,631 sentences, 172,601
characters) unless `--test-rows` cuts it. Published reference: BERT-base-Chinese, full training data, about
94.5-95.0 entity F1; MiniLM is an English uncased model, so the vocabulary extension matters here.

Prints one JSON line. Progress goes to stderr.

    .venv/bin/python bench/ner_msra.py --train-rows 5000 --epochs 3 --extend-vocab from_data
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The team's shared datasets sit beside the checkout (../shared/data; a worktree is one level deeper).
DATA_DIR = next(
    (
        p / "shared" / "data"
        for p in Path(__file__).resolve().parents[2:4]
        if (p / "shared" / "data").is_dir()
    ),
    Path("../shared/data"),
)
SEED = 0


def sentences(path: Path) -> list[list[str]]:
    """The CoNLL file's sentences, each as its lines."""
    blocks, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def sample_conll(source: Path, rows: int | None, target: Path) -> int:
    blocks = sentences(source)
    if rows is not None and rows < len(blocks):
        blocks = random.Random(SEED).sample(blocks, rows)
    target.write_text("\n\n".join("\n".join(b) for b in blocks) + "\n", encoding="utf-8")
    return len(blocks)


def train_and_score(recipe: dict[str, Any], work: Path) -> dict[str, Any]:
    """`api.train` on a recipe dict; the test scores, the data and vocabulary stats, and the times."""
    from vertune import api
    from vertune.events import from_notify
    from vertune.recipe import recipe_from_dict

    recipe = {**recipe, "output": str(work / "run")}
    start = time.perf_counter()
    result = api.train(
        recipe_from_dict(recipe),
        quiet=True,
        overwrite=True,
        on_event=from_notify(lambda m: print(m, file=sys.stderr)),
    )
    metrics = result.metrics
    return {
        "test": {k: v for k, v in metrics["test"].items() if isinstance(v, (int, float))},
        "per_class": metrics["test"].get("per_class"),
        "errors": metrics["test"].get("errors"),
        "baselines": {
            name: {k: v for k, v in scores.items() if isinstance(v, (int, float))}
            for name, scores in metrics.get("baselines", {}).items()
        },
        "rows": {role: stats["rows"] for role, stats in metrics["data"].items() if isinstance(stats, dict)},
        "vocabulary": {k: v for k, v in metrics.get("vocabulary", {}).items() if k != "examples"},
        "epochs_run": metrics["train"]["epochs_run"],
        "training_seconds": metrics["train"].get("training_seconds"),
        "samples_per_second": metrics["train"]["samples_per_second"],
        "wall_seconds": round(time.perf_counter() - start, 1),
    }


def run_msra(
    data_dir: Path,
    train_rows: int | None,
    test_rows: int | None,
    epochs: float,
    max_length: int,
    extend_vocab: bool,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        n_train = sample_conll(data_dir / "msra_ner_train.conll", train_rows, work / "train.conll")
        n_test = sample_conll(data_dir / "msra_ner_test.conll", test_rows, work / "test.conll")
        recipe = {
            "model": {"name": "minilm", "extend_vocab": "from_data" if extend_vocab else None},
            "task": "ner",
            "data": {"train": str(work / "train.conll"), "test": str(work / "test.conll")},
            "training": {"epochs": epochs, "max_length": max_length, "metric_for_best": "f1", "seed": SEED},
            "evaluation": {"baselines": ["most_frequent_tag"]},
        }
        result = train_and_score(recipe, work)
    return {
        "bench": "ner_msra",
        "model": "minilm",
        "extend_vocab": extend_vocab,
        "sampled_train_sentences": n_train,
        "test_sentences": n_test,
        "epochs": epochs,
        "max_length": max_length,
        "reference": "BERT-base-Chinese, full MSRA training data: about 94.5-95.0 entity F1 (literature)",
        **result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--train-rows", type=int, default=5000)
    parser.add_argument("--test-rows", type=int, default=None, help="default: the whole canonical test set")
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--extend-vocab", choices=["from_data", "off"], default="from_data")
    args = parser.parse_args()
    result = run_msra(
        args.data_dir,
        args.train_rows,
        args.test_rows,
        args.epochs,
        args.max_length,
        args.extend_vocab != "off",
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
