"""Generation (issue 11): SmolLM2-135M-Instruct fine-tuned (LoRA, full) against the same base model prompted
zero-shot and few-shot, on real generation tasks built from the team's corpora (../shared/data):

- condition: drug review -> the patient's condition (`condition` column; the 8 most frequent in train),
  scored by exact match (and classification by generation: accuracy / macro-F1 of the likeliest label);
- headline: BBC article body -> its headline (the article's first line), scored by ROUGE-L;
- sentiment: drug review -> positive / neutral / negative (classification by generation).

Each (task, method) is one `vertune train` run; the zero-shot and few-shot baselines come from the task's
first generative run on the same test rows. `--methods minilm,...` also trains the MiniLM classifier on the
same rows (text -> answer as a label), for classification by generation against an encoder. One JSON line
per run: metrics, train tokens/s, generation tokens/s, peak RSS.

    python bench/generation.py --tasks condition --methods lora --train-rows 120 --test-rows 40
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pandas as pd

DATA = Path(os.environ.get("VERTUNE_SHARED_DATA", "/work/shared/data"))
WORDS = 40  # reviews / articles cut to their first words, so examples fit max_length
PROMPTS = {
    "condition": "Which medical condition was this drug taken for? Answer with the condition only.\n\nReview: {}",
    "headline": "Write the headline of this news article.\n\nArticle: {}",
    "sentiment": "Is this drug review positive, neutral or negative? Answer with one word.\n\nReview: {}",
}
METRICS = {"condition": "exact_match", "headline": "rouge_l", "sentiment": "exact_match"}


def clip(text: str, words: int = WORDS) -> str:
    return " ".join(str(text).split()[:words])


def task_frame(task: str, split: str) -> pd.DataFrame:
    if task == "headline":
        frame = pd.read_csv(DATA / f"bbc_news_{split}.csv")
        parts = frame["text"].str.split("\n", n=1)
        return pd.DataFrame(
            {"prompt": [clip(p[1]) for p in parts], "response": [p[0].strip() for p in parts]}
        )
    frame = pd.read_csv(DATA / f"drug_reviews_{split}.csv")
    if task == "condition":
        top = pd.read_csv(DATA / "drug_reviews_train.csv")["condition"].value_counts().index[:8]
        frame = frame[frame["condition"].isin(top)]
        return pd.DataFrame({"prompt": frame["text"].map(clip), "response": frame["condition"]})
    return pd.DataFrame({"prompt": frame["text"].map(clip), "response": frame["label"]})


def write_data(task: str, out: Path, train_rows: int, test_rows: int, seed: int) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split, rows in (("train", train_rows), ("test", test_rows)):
        frame = task_frame(task, split)
        frame = frame.sample(min(rows, len(frame)), random_state=seed)
        # the same rows as text / label, for the encoder classifier compared on the same split
        classifier = frame.rename(columns={"prompt": "text", "response": "label"})
        classifier.to_csv(out / f"{task}_{split}_classifier.csv", index=False)
        frame["prompt"] = [PROMPTS[task].format(p) for p in frame["prompt"]]
        paths[split] = out / f"{task}_{split}.jsonl"
        frame.to_json(paths[split], orient="records", lines=True, force_ascii=False)
    return paths


def classify_with_minilm(task: str, args: argparse.Namespace, load: float) -> None:
    """The MiniLM classifier (vertune's defaults) on the same training and test rows, for the comparison
    the issue asks of classification by generation."""
    from vertune import api
    from vertune.recipe import recipe_from_dict

    data = args.output / "data"
    recipe = recipe_from_dict(
        {
            "model": "minilm",
            "task": "classification",
            "data": {
                "train": str(data / f"{task}_train_classifier.csv"),
                "test": str(data / f"{task}_test_classifier.csv"),
                "validation_size": 0.1,
            },
            "training": {"max_length": args.max_length, "seed": args.seed},
            "evaluation": {"baselines": []},
            "output": str(args.output / f"{task}-minilm"),
        }
    )
    start = time.perf_counter()
    metrics = api.train(recipe, overwrite=True, quiet=True).metrics
    line = {
        "bench": "generation",
        "task": task,
        "method": "minilm classifier",
        "train_rows": metrics["data"]["train"]["rows"],
        "test": {k: v for k, v in metrics["test"].items() if isinstance(v, (int, float))},
        "seconds": round(time.perf_counter() - start, 1),
        "load_at_start": round(load, 1),
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(line), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="condition,headline,sentiment")
    parser.add_argument("--methods", default="lora,full")
    parser.add_argument("--train-rows", type=int, default=200)
    parser.add_argument("--test-rows", type=int, default=60)
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lora-lr", type=float, default=None, help="null = vertune's LoRA default (1e-3)")
    parser.add_argument("--full-lr", type=float, default=5e-5)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--output", type=Path, default=Path("/tmp/bench-generation"))
    parser.add_argument("--baselines", default="zero_shot,few_shot")
    args = parser.parse_args()

    from vertune import api
    from vertune.hardware import peak_rss_mb
    from vertune.recipe import recipe_from_dict

    load = os.getloadavg()[0]
    for task in args.tasks.split(","):
        paths = write_data(task, args.output / "data", args.train_rows, args.test_rows, args.seed)
        generative = [m for m in args.methods.split(",") if m != "minilm"]
        if "minilm" in args.methods.split(","):
            classify_with_minilm(task, args, load)
        for index, method in enumerate(generative):
            recipe = recipe_from_dict(
                {
                    "model": "smollm2",
                    "task": "generation",
                    "data": {
                        "train": str(paths["train"]),
                        "test": str(paths["test"]),
                        "validation_size": 0.1,
                    },
                    "method": {"name": method},
                    "training": {
                        "epochs": args.epochs,
                        "max_length": args.max_length,
                        "batch_size": args.batch_size,
                        "eval_batch_size": 8,
                        "seed": args.seed,
                        "learning_rate": args.lora_lr if method == "lora" else args.full_lr,
                        "early_stopping_patience": 0,
                    },
                    "generation": {"max_new_tokens": args.max_new_tokens},
                    "evaluation": {
                        "metrics": ["exact_match", "rouge_l", "token_f1", "chrf"],
                        # the base model's scores do not depend on the method: measured with the first one
                        "baselines": args.baselines.split(",") if index == 0 and args.baselines else [],
                    },
                    "output": str(args.output / f"{task}-{method}"),
                }
            )
            start = time.perf_counter()
            result = api.train(recipe, overwrite=True, quiet=True)
            metrics = result.metrics
            train = metrics["train"]
            print(
                json.dumps(
                    {
                        "bench": "generation",
                        "task": task,
                        "method": method,
                        "metric": METRICS[task],
                        "train_rows": metrics["data"]["train"]["rows"],
                        "test_rows": metrics["test"]["examples"],
                        "test": {k: v for k, v in metrics["test"].items() if k != "examples"},
                        "baselines": {
                            name: {k: v for k, v in b.items() if isinstance(v, (int, float))}
                            for name, b in metrics.get("baselines", {}).items()
                        },
                        "train_tokens_per_second": train.get("tokens_per_second"),
                        "generation_tokens_per_second": train.get("generation_tokens_per_second"),
                        "peak_rss_mb": peak_rss_mb(),
                        "seconds": round(time.perf_counter() - start, 1),
                        "load_at_start": round(load, 1),
                        "date": time.strftime("%Y-%m-%d"),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
