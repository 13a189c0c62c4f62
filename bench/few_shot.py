"""Few-shot learning curves: standard fine-tuning (`full`), `contrastive` (SetFit-style), `lora`, and the
baselines every run computes on its own split (TF-IDF + logistic regression, linear probe, zero-shot
embedding), at N rows per class and on the full training data.

Per dataset (`--datasets`: drug_reviews, bbc_news, thucnews_titles from ../shared/data): the training rows are
N per class (`--sizes`, `full` = every row), drawn per seed; validation is a fixed 8 rows per class drawn
from the rest of the training file; the test split is a fixed stratified subset of the test file
(`--test-rows`). Every method of one (dataset, size, seed) sees the same three splits, and the baselines come
from the `full` run (same split). Small CPU budget: MiniLM, `--max-length` tokens, `--epochs` epochs,
contrastive `--iterations` pairs per row. One JSON line per (dataset, size, seed, method); a summary line
per (dataset, size, method) with mean and standard deviation of test macro-F1.

    nice -n 10 .venv/bin/python bench/few_shot.py --datasets drug_reviews --sizes 8,64 --seeds 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import tempfile
from pathlib import Path

import pandas as pd
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")
BASELINES = ("tfidf_logreg", "linear_probe", "zero_shot_embedding")
VALIDATION_PER_CLASS = 8


def split(frame: pd.DataFrame, size: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, validation): validation = 8 rows per class (fixed), train = N per class of the rest (per seed)."""
    validation = frame.groupby("label").sample(VALIDATION_PER_CLASS, random_state=0)
    rest = frame.drop(validation.index)
    if size == "full":
        return rest.sample(frac=1.0, random_state=seed), validation
    rows = int(size)
    parts = [g.sample(min(rows, len(g)), random_state=seed) for _, g in rest.groupby("label")]
    return pd.concat(parts).sample(frac=1.0, random_state=seed), validation


def stratified(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    if rows <= 0 or rows >= len(frame):
        return frame
    return frame.groupby("label", group_keys=False).sample(frac=rows / len(frame), random_state=0)


def plot(lines_file: Path, image: Path) -> None:
    """Learning curves from the JSON lines: mean test macro-F1 (± std over seeds) per method, one panel per
    dataset; x = rows per class, `full` last."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in lines_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    frame = pd.DataFrame([r for r in rows if not r.get("summary")])
    datasets = list(dict.fromkeys(frame["dataset"]))
    colours = {m: f"C{i}" for i, m in enumerate(sorted(set(frame["method"])))}  # one colour per method
    figure, axes = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 4), squeeze=False)
    for axis, dataset in zip(axes[0], datasets, strict=True):
        part = frame[frame["dataset"] == dataset]
        sizes = sorted(set(part["rows_per_class"]), key=lambda s: (s == "full", int(s) if s != "full" else 0))
        for method, runs in part.groupby("method"):
            stats = runs.groupby("rows_per_class")["test_macro_f1"].agg(["mean", "std"]).reindex(sizes)
            axis.errorbar(
                range(len(sizes)),
                stats["mean"],
                yerr=stats["std"].fillna(0),
                marker="o",
                label=method,
                color=colours[method],
            )
        axis.set_xticks(range(len(sizes)), sizes)
        axis.set(title=dataset, xlabel="training rows per class", ylabel="test macro-F1")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(image, dpi=110)


def table(lines_file: Path) -> str:
    """A Markdown table of the JSON lines: test macro-F1 mean ± std over seeds (and their count), one row per
    dataset and rows per class, one column per method."""
    rows = [json.loads(line) for line in lines_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    frame = pd.DataFrame([r for r in rows if not r.get("summary")])
    stats = frame.groupby(["dataset", "rows_per_class", "method"])["test_macro_f1"].agg(
        ["mean", "std", "count"]
    )
    methods = sorted(set(frame["method"]))
    lines = ["| dataset | rows per class | " + " | ".join(methods) + " |", "|---" * (len(methods) + 2) + "|"]
    splits = sorted(
        {(d, s) for d, s, _ in stats.index},
        key=lambda c: (c[0], c[1] == "full", int(c[1]) if c[1] != "full" else 0),
    )
    for dataset, size in splits:
        cells = []
        for method in methods:
            if (dataset, size, method) not in stats.index:
                cells.append("-")
                continue
            mean, std, count = stats.loc[(dataset, size, method)]
            cells.append(f"{mean:.3f} ± {std:.3f} ({int(count)})" if count > 1 else f"{mean:.3f} (1)")
        lines.append(f"| {dataset} | {size} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--datasets", default="drug_reviews,bbc_news,thucnews_titles")
    parser.add_argument("--sizes", default="8,16,32,64,full")
    parser.add_argument("--methods", default="full,contrastive,lora")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds run from this one (resume a grid)")
    parser.add_argument("--test-rows", type=int, default=300)
    parser.add_argument("--epochs", type=float, default=5)
    parser.add_argument("--full-epochs", type=float, default=2, help="epochs on the full training data")
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=5, help="contrastive: pairs per row (x2)")
    parser.add_argument(
        "--max-steps", type=int, default=60, help="contrastive: at most this many pair batches"
    )
    parser.add_argument(
        "--pooling", default="mean", help="contrastive: mean or cls pooling in the pair phase"
    )
    parser.add_argument(
        "--train-body", action="store_true", help="contrastive: fine-tune the body after the pairs"
    )
    parser.add_argument(
        "--no-probe", action="store_true", help="contrastive: random head, not a linear probe"
    )
    parser.add_argument("--output", type=Path, default=None, help="append the JSON lines to this file")
    parser.add_argument(
        "--plot", type=Path, default=None, help="only draw the curves of this JSON-lines file"
    )
    parser.add_argument(
        "--table", type=Path, default=None, help="only print the Markdown table of this JSON-lines file"
    )
    args = parser.parse_args()
    if args.plot is not None:
        plot(args.plot, Path(__file__).with_name("few_shot.png"))
        return
    if args.table is not None:
        print(table(args.table))
        return

    from vertune import api

    work = Path(tempfile.mkdtemp(prefix="vertune-few-shot-"))
    results: dict[tuple[str, str, str], list[float]] = {}

    def emit(line: dict[str, object]) -> None:
        print(json.dumps(line), flush=True)
        if args.output is not None:
            with args.output.open("a", encoding="utf-8") as sink:
                sink.write(json.dumps(line) + "\n")

    for dataset in args.datasets.split(","):
        pool = pd.read_csv(args.data_dir / f"{dataset}_train.csv")[["text", "label"]]
        test = stratified(
            pd.read_csv(args.data_dir / f"{dataset}_test.csv")[["text", "label"]], args.test_rows
        )
        test.to_csv(work / f"{dataset}-test.csv", index=False)
        for seed in range(
            args.first_seed, args.first_seed + args.seeds
        ):  # seed-major: an interrupted run has every size at the first seeds
            for size in args.sizes.split(","):
                train, validation = split(pool, size, seed)
                stem = work / f"{dataset}-{size}-{seed}"
                train.to_csv(f"{stem}-train.csv", index=False)
                validation.to_csv(f"{stem}-validation.csv", index=False)
                for method in args.methods.split(","):
                    recipe = {
                        "model": "minilm",
                        "task": "classification",
                        "data": {
                            "train": f"{stem}-train.csv",
                            "validation": f"{stem}-validation.csv",
                            "test": str(work / f"{dataset}-test.csv"),
                        },
                        "training": {
                            "epochs": args.full_epochs if size == "full" else args.epochs,
                            "max_length": args.max_length,
                            "batch_size": 16,
                            "seed": seed,
                            "early_stopping_patience": 0,
                        },
                        "method": {
                            "name": method,
                            "contrastive": {
                                "iterations": args.iterations,
                                "max_steps": args.max_steps,
                                "pooling": args.pooling,
                                "train_body": args.train_body,
                                "probe_head": not args.no_probe,
                            },
                        },
                        # the baselines once per split, from the standard fine-tuning run
                        "evaluation": {"baselines": list(BASELINES) if method == "full" else []},
                        "output": f"{stem}-{method}",
                    }
                    if method == "contrastive" and args.train_body:  # the body at full fine-tuning's rate
                        recipe["training"]["learning_rate"] = 1e-4  # type: ignore[index]
                    path = Path(f"{stem}-{method}.yaml")
                    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
                    load = os.getloadavg()[0]
                    metrics = api.train(path, quiet=True).metrics
                    shutil.rmtree(recipe["output"], ignore_errors=True)  # ~90 MB of weights a run
                    common = {
                        "bench": "few_shot",
                        "date": dt.date.today().isoformat(),
                        "dataset": dataset,
                        "rows_per_class": size,
                        "seed": seed,
                        "train_rows": len(train),
                        "test_rows": len(test),
                        "load_avg_1m": round(load, 2),
                    }
                    label = method
                    if method == "contrastive":
                        label += "-cls" if args.pooling == "cls" else ""
                        label += "-body" if args.train_body else ""
                        label += "-noprobe" if args.no_probe else ""
                    scored = {label: metrics["test"]}
                    scored.update({name: metrics.get("baselines", {}).get(name) for name in BASELINES})
                    for name, scores in scored.items():
                        if not scores:
                            continue
                        f1 = round(float(scores["macro_f1"]), 4)
                        results.setdefault((dataset, size, name), []).append(f1)
                        extra = (
                            {"train_seconds": metrics["train"]["training_seconds"]} if name == label else {}
                        )
                        emit({**common, "method": name, "test_macro_f1": f1, **extra})
    for (dataset, size, method), scores in results.items():
        emit(
            {
                "bench": "few_shot",
                "summary": True,
                "dataset": dataset,
                "rows_per_class": size,
                "method": method,
                "seeds": len(scores),
                "mean_macro_f1": round(statistics.mean(scores), 4),
                "std_macro_f1": round(statistics.stdev(scores), 4) if len(scores) > 1 else 0.0,
            }
        )


if __name__ == "__main__":
    main()
