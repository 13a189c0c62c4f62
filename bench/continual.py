"""Continual learning on BBC News: the parent learns 3 classes, the child 2 new ones; per strategy the
accuracy matrix, forgetting, the new-data metric and the cost, against joint training on all the data.

Step A: business, entertainment, politics; step B: sports, tech (`--rows-per-class` training rows and
`--test-per-class` test rows per class, sampled with a fixed seed from /work/shared/data/bbc_news_*.csv).
The parent is trained on A; each strategy (`--strategies`) continues it on B with `vertune continue`
(`continual.strategy`; an entry `replay+l2sp:replay=0.5:l2sp=0.1` also sets those `continual.` keys for that
child alone); "joint" trains the same recipe on A + B at once (the upper bound). Each model is scored on the
A test set and the B test set (macro-F1 over the classes present). `--seed` is the training seed of every
model (the data sample stays fixed). One JSON line per model, then a summary line; the lines also go to
bench/results-continual-bbc_news-DATE.jsonl.

    nice -n 10 .venv/bin/python bench/continual.py [--rows-per-class 60] [--strategies none,replay,...]
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
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")
STEP_A = ("business", "entertainment", "politics")
STEP_B = ("sports", "tech")
STRATEGIES = ("none", "replay", "l2sp", "ewc", "lwf", "replay+l2sp")
SAMPLE_SEED = 0


def sample(frame: pd.DataFrame, classes: tuple[str, ...], rows: int) -> pd.DataFrame:
    parts = [frame[frame.label == c].sample(rows, random_state=SAMPLE_SEED) for c in classes]
    return pd.concat(parts).sample(frac=1.0, random_state=SAMPLE_SEED)[["text", "label"]]


def scores_on(run: Path, files: dict[str, Path]) -> dict[str, dict]:
    """The run's detailed test scores on each labelled file (`vertune evaluate`)."""
    from vertune import api
    from vertune.events import ignore

    return {
        name: api.evaluate(run, path, output=run / "bench-eval" / name, quiet=True, on_event=ignore).metrics[
            "test"
        ]
        for name, path in files.items()
    }


def cpu_name() -> str:
    for row in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").is_file() else []:
        if row.startswith("model name"):
            return row.split(":", 1)[1].strip()
    return "unknown"


def on_gold_classes(scores: dict) -> dict[str, float]:
    """Accuracy, and macro-F1 over the classes of the gold labels only, from a confusion matrix.

    vertune's macro-F1 averages over the classes in the gold labels *or* the predictions: on a test set of
    some of the model's classes, each other class it predicts even once adds an F1 of 0 to the average (one
    stray "tech" among 90 old-class rows costs a quarter of the score). Over the gold classes a wrong row
    costs its class's recall and the predicted class's precision only where that class is gold; accuracy
    is the continual-learning literature's accuracy matrix."""
    matrix = np.asarray(scores["confusion_matrix"]["matrix"], dtype=float)  # rows gold, columns predicted
    gold = np.flatnonzero(matrix.sum(axis=1) > 0)
    f1 = []
    for i in gold:
        predicted, support, hit = matrix[:, i].sum(), matrix[i].sum(), matrix[i, i]
        f1.append(2 * hit / (predicted + support) if predicted + support else 0.0)
    return {"accuracy": float(np.trace(matrix) / matrix.sum()), "macro_f1_gold": float(np.mean(f1))}


def columns(scores: dict[str, dict], metric: str) -> dict[str, float]:
    """The bench line's score columns: A / B (the metric as vertune reports it) and the gold-class views."""
    line = {}
    for name, test in scores.items():
        extra = on_gold_classes(test)
        line |= {name: float(test[metric]), f"{name}_accuracy": extra["accuracy"]}
        line[f"{name}_macro_f1_gold"] = extra["macro_f1_gold"]
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--rows-per-class", type=int, default=60)
    parser.add_argument("--test-per-class", type=int, default=40)
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--joint", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--work", type=Path, default=None, help="keep the runs here (default: a temp dir)")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], help="recipe key=value for every child"
    )
    parser.add_argument(
        "--joint-epochs", type=float, default=None, help="epochs of the joint run (default: --epochs)"
    )
    parser.add_argument("--reuse-parent", action="store_true", help="keep a parent already trained in --work")
    parser.add_argument("--seed", type=int, default=0, help="training seed of every model")
    args = parser.parse_args()

    from vertune import api
    from vertune.events import ignore

    work = args.work or Path(tempfile.mkdtemp(prefix="vertune-continual-"))
    work.mkdir(parents=True, exist_ok=True)
    train = pd.read_csv(args.data_dir / "bbc_news_train.csv")
    test = pd.read_csv(args.data_dir / "bbc_news_test.csv")
    files = {
        "a_train": sample(train, STEP_A, args.rows_per_class),
        "a_test": sample(test, STEP_A, args.test_per_class),
        "b_train": sample(train, STEP_B, args.rows_per_class),
        "b_test": sample(test, STEP_B, args.test_per_class),
    }
    files["joint_train"] = pd.concat([files["a_train"], files["b_train"]]).sample(
        frac=1.0, random_state=SAMPLE_SEED
    )
    paths = {}
    for name, frame in files.items():
        paths[name] = work / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    tests = {"A": paths["a_test"], "B": paths["b_test"]}

    def recipe(train_file: Path, test_file: Path, output: Path, epochs: float = args.epochs) -> Path:
        path = work / f"{output.name}.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "model": "minilm",
                    "data": {"train": str(train_file), "test": str(test_file)},
                    "training": {
                        "epochs": epochs,
                        "max_length": args.max_length,
                        "batch_size": 16,
                        "seed": args.seed,
                    },
                    # no baselines, no attributed errors in the report: accuracy only, and fewer CPU-seconds
                    "evaluation": {"baselines": [], "explain_errors": 0},
                    "output": str(output),
                }
            )
        )
        return path

    lines = []
    date = dt.date.today().isoformat()
    out = Path(__file__).parent / f"results-continual-bbc_news-{date}.jsonl"
    load = os.getloadavg()[0]

    def emit(line: dict) -> None:
        line = {
            "bench": "continual",
            "data": "bbc_news",
            "date": date,
            "load_1min_at_start": round(load, 1),
            "seed": args.seed,
            "cpu": cpu_name(),
            **line,
        }
        print(json.dumps(line), flush=True)
        lines.append(line)
        with out.open("a", encoding="utf-8") as handle:  # at once: a run cut short keeps its lines
            handle.write(json.dumps(line) + "\n")

    began = time.perf_counter()
    if args.reuse_parent and (work / "parent" / "metrics.json").is_file():  # same sample, same sha256
        from vertune.results import TrainResult
        from vertune.run import RunDir

        kept = RunDir(work / "parent")
        parent = TrainResult(kept, kept.load_metrics())
    else:
        parent = api.train(
            recipe(paths["a_train"], paths["a_test"], work / "parent"),
            overwrite=True,
            quiet=True,
            on_event=ignore,
        )
    metric = parent.metrics["recipe"]["metric"]
    parent_scores = scores_on(parent.run.path, {"A": tests["A"]})  # it cannot predict B's labels
    emit(
        {
            "model": "parent (A only)",
            "metric": metric,
            **columns(parent_scores, metric),
            "B": None,
            "validation": parent.metrics["validation"][metric],
            "seconds": round(time.perf_counter() - began, 1),
            "train_seconds": parent.metrics["train"]["seconds"],
        }
    )
    for entry in [s for s in args.strategies.split(",") if s]:
        strategy, *settings = entry.split(":")
        began = time.perf_counter()
        child = api.continue_(
            parent.run.path,
            paths["b_train"],
            test=paths["b_test"],
            output=work / f"child-{entry.replace('+', '_').replace(':', '_').replace('=', '')}",
            overrides=[
                f"continual.strategy={strategy}",
                "continual.fisher_rows=64",
                *args.overrides,
                *(f"continual.{setting}" for setting in settings),
            ],
            overwrite=True,
            quiet=True,
            on_event=ignore,
        )
        retention = child.metrics["retention"]
        a, b = retention[str(paths["a_test"])]["child"], retention[str(paths["b_test"])]["child"]
        child_scores = columns(
            {**scores_on(child.run.path, {"A": tests["A"]}), "B": child.metrics["test"]}, metric
        )
        assert (
            abs(child_scores["A"] - a) < 1e-9 and abs(child_scores["B"] - b) < 1e-9
        )  # the retention table's
        validation = child.metrics["continual"].get("validation", {})
        emit(
            {
                "model": f"continue {strategy}" + (f" ({', '.join(settings)})" if settings else ""),
                "metric": metric,
                **child_scores,
                "forgetting_points": round(100 * child.metrics["continual"]["forgetting"], 2),
                "replayed_rows": child.metrics["continual"]["replayed_rows"],
                "validation": child.metrics["validation"][metric],
                "validation_new": validation.get("new"),
                "validation_earlier": validation.get("earlier"),
                "validation_rows": validation.get("rows"),
                "epochs_run": child.metrics["train"]["epochs_run"],
                "best_step": child.metrics["train"]["best_step"],
                "seconds": round(time.perf_counter() - began, 1),
                "train_seconds": child.metrics["train"]["seconds"],
                "peak_rss_mb": child.metrics["train"]["peak_rss_mb"],
            }
        )
    if args.joint:
        began = time.perf_counter()
        joint = api.train(
            recipe(paths["joint_train"], paths["b_test"], work / "joint", args.joint_epochs or args.epochs),
            overwrite=True,
            quiet=True,
            on_event=ignore,
        )
        joint_scores = columns(scores_on(joint.run.path, tests), metric)
        emit(
            {
                "model": "joint (A + B at once)",
                "metric": metric,
                **joint_scores,
                "validation": joint.metrics["validation"][metric],
                "epochs_run": joint.metrics["train"]["epochs_run"],
                "best_step": joint.metrics["train"]["best_step"],
                "seconds": round(time.perf_counter() - began, 1),
                "train_seconds": joint.metrics["train"]["seconds"],
                "peak_rss_mb": joint.metrics["train"]["peak_rss_mb"],
            }
        )
    print(
        json.dumps(
            {
                "bench": "continual",
                "summary": {line["model"]: [line["A"], line["B"]] for line in lines},
                "work": str(work),
            }
        )
    )


if __name__ == "__main__":
    main()
