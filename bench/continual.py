"""Continual learning over a sequence of steps: per strategy the accuracy matrix, forgetting, the new-data
metric and the cost, against joint training on all the data (issue 12's measurement).

Sequences (`--sequence`, data from /work/shared/data):
- `bbc_news` (class-incremental, 2 steps): business, entertainment, politics; then sports, tech
  (`--rows-per-class` training rows and `--test-per-class` test rows of each class, sampled with a fixed seed);
- `drug_reviews` (domain-incremental, 3 steps): the review's sentiment (negative / neutral / positive), the
  reviews arriving by condition: birth control, then mental health (depression, anxiety, bipolar, insomnia,
  ADHD, ...), then every other condition (pain, acne, ...); every row of each group.

The first model trains on step 1; each strategy (`--strategies`) continues it on step 2, that child on step 3,
... with `vertune continue` (`continual.strategy`; an entry `replay+l2sp:replay=0.5:l2sp=0.1` also sets those
`continual.` keys for that chain alone); "joint" trains the same recipe on every step at once (the upper
bound). Every model is scored on the test set of every step it has seen (and joint on all) by `vertune
evaluate`, as vertune's retention table scores them: macro-F1 over the set's own gold classes
(`continual.retention.set_score`), with accuracy beside it. Forgetting of the last model of a chain = the
largest drop on an earlier step's test set from the score of the model that learnt that step (R[j, j] -
R[last, j], the literature's); vertune's own `continual.forgetting` (against the parent only) is kept too.
`--seed` is the training seed of every model (the data sample stays fixed). One JSON line per model, then a
summary line per chain; the lines also go to bench/results-continual-<sequence>-DATE.jsonl.

    nice -n 10 .venv/bin/python bench/continual.py --sequence drug_reviews [--strategies none,replay,...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")
STRATEGIES = ("none", "replay", "l2sp", "ewc", "lwf", "replay+l2sp")
SAMPLE_SEED = 0
MENTAL_HEALTH = (
    "Depression",
    "Anxiety",
    "Bipolar",
    "Insomnia",
    "ADHD",
    "Panic",
    "Schizophrenia",
    "Obsessive",
)


@dataclass(frozen=True)
class Step:
    name: str
    rows: Callable[[pd.DataFrame], pd.Series]  # which rows of a split belong to the step
    per_class: bool  # sample --rows-per-class / --test-per-class of each class, or take every row


def bbc_steps() -> list[Step]:
    def classes(*names: str) -> Callable[[pd.DataFrame], pd.Series]:
        return lambda frame: frame.label.isin(names)

    return [
        Step("business+entertainment+politics", classes("business", "entertainment", "politics"), True),
        Step("sports+tech", classes("sports", "tech"), True),
    ]


def drug_steps() -> list[Step]:
    condition = lambda frame: frame.condition.fillna("").astype(str)  # noqa: E731
    birth = lambda frame: condition(frame).eq("Birth Control")  # noqa: E731
    mental = lambda frame: condition(frame).str.contains("|".join(MENTAL_HEALTH), case=False)  # noqa: E731
    return [
        Step("birth control", birth, False),
        Step("mental health", mental, False),
        Step("other conditions", lambda frame: ~birth(frame) & ~mental(frame), False),
    ]


SEQUENCES = {"bbc_news": bbc_steps, "drug_reviews": drug_steps}


def take(frame: pd.DataFrame, step: Step, per_class: int) -> pd.DataFrame:
    chosen = frame[step.rows(frame)]
    if step.per_class:
        chosen = pd.concat(
            [part.sample(per_class, random_state=SAMPLE_SEED) for _, part in chosen.groupby("label")]
        )
    return chosen.sample(frac=1.0, random_state=SAMPLE_SEED)[["text", "label"]]


def scores_on(run: Path, tests: dict[str, Path], metric: str) -> dict[str, dict[str, float]]:
    """{step: {score (vertune's retention score), accuracy}} of the run on each labelled file."""
    from vertune import api
    from vertune.continual.retention import set_score
    from vertune.events import ignore

    out = {}
    for name, path in tests.items():
        test = api.evaluate(run, path, output=run / "bench-eval" / name, quiet=True, on_event=ignore).metrics[
            "test"
        ]
        matrix = np.asarray(test["confusion_matrix"]["matrix"], dtype=float)
        out[name] = {"score": set_score(test, metric), "accuracy": float(np.trace(matrix) / matrix.sum())}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequence", choices=sorted(SEQUENCES), default="bbc_news")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--rows-per-class", type=int, default=40, help="class-incremental sequences")
    parser.add_argument("--test-per-class", type=int, default=30, help="class-incremental sequences")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--joint", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--work", type=Path, default=None, help="keep the runs here (default: a temp dir)")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], help="recipe key=value for every child"
    )
    parser.add_argument("--seed", type=int, default=0, help="training seed of every model")
    args = parser.parse_args()

    from vertune import api
    from vertune.events import ignore
    from vertune.hardware import machine_info
    from vertune.results import TrainResult

    work = args.work or Path(tempfile.mkdtemp(prefix="vertune-continual-"))
    work.mkdir(parents=True, exist_ok=True)
    steps = SEQUENCES[args.sequence]()
    train = pd.read_csv(args.data_dir / f"{args.sequence}_train.csv")
    test = pd.read_csv(args.data_dir / f"{args.sequence}_test.csv")
    trains, tests = [], {}
    for index, step in enumerate(steps):
        trains.append(work / f"step{index + 1}_train.csv")
        take(train, step, args.rows_per_class).to_csv(trains[-1], index=False)
        tests[step.name] = work / f"step{index + 1}_test.csv"
        take(test, step, args.test_per_class).to_csv(tests[step.name], index=False)
    joint_train = work / "joint_train.csv"
    pd.concat([pd.read_csv(path) for path in trains]).sample(frac=1.0, random_state=SAMPLE_SEED).to_csv(
        joint_train, index=False
    )
    names = list(tests)

    def recipe(train_file: Path, test_file: Path, output: Path) -> Path:
        path = work / f"{output.name}.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "model": "minilm",
                    "data": {"train": str(train_file), "test": str(test_file)},
                    "training": {
                        "epochs": args.epochs,
                        "max_length": args.max_length,
                        "batch_size": 16,
                        "seed": args.seed,
                    },
                    # no baselines, no attributed errors in the report: fewer CPU-seconds
                    "evaluation": {"baselines": [], "explain_errors": 0},
                    "output": str(output),
                }
            )
        )
        return path

    date = dt.date.today().isoformat()
    out = Path(__file__).parent / f"results-continual-{args.sequence}-{date}.jsonl"
    load = os.getloadavg()[0]
    common = {
        "bench": "continual",
        "data": args.sequence,
        "steps": names,
        "rows": {name: len(pd.read_csv(p)) for name, p in zip(names, trains, strict=True)},
        "date": date,
        "load_1min_at_start": round(load, 1),
        "seed": args.seed,
        "cpu": machine_info()["cpu"],
    }

    def emit(line: dict) -> None:
        line = {**common, **line}
        print(json.dumps(line), flush=True)
        with out.open("a", encoding="utf-8") as handle:  # at once: a run cut short keeps its lines
            handle.write(json.dumps(line) + "\n")

    def train_line(model: str, result: TrainResult, seen: list[str], began: float) -> dict:
        metric = result.metrics["recipe"]["metric"]
        scores = scores_on(result.run.path, {name: tests[name] for name in seen}, metric)
        return {
            "model": model,
            "metric": metric,
            "scores": {name: s["score"] for name, s in scores.items()},
            "accuracy": {name: s["accuracy"] for name, s in scores.items()},
            "epochs_run": result.metrics["train"]["epochs_run"],
            "seconds": round(time.perf_counter() - began, 1),
            "train_seconds": result.metrics["train"]["seconds"],
            "peak_rss_mb": result.metrics["train"].get("peak_rss_mb"),
        }

    began = time.perf_counter()
    first = api.train(
        recipe(trains[0], tests[names[0]], work / "step1"), overwrite=True, quiet=True, on_event=ignore
    )
    first_line = train_line("step 1", first, names[:1], began)
    emit(first_line)
    for entry in [s for s in args.strategies.split(",") if s]:
        strategy, *settings = entry.split(":")
        label = f"{strategy}" + (f" ({', '.join(settings)})" if settings else "")
        diagonal = {names[0]: first_line["scores"][names[0]]}  # R[j, j]: the score of the model that learnt j
        parent, total_train, peak = first.run.path, 0.0, 0.0
        for index in range(1, len(steps)):
            began = time.perf_counter()
            slug = entry.replace("+", "_").replace(":", "_").replace("=", "")
            child = api.continue_(
                parent,
                trains[index],
                test=tests[names[index]],
                output=work / f"step{index + 1}-{slug}",
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
            line = train_line(f"step {index + 1}, continue {label}", child, names[: index + 1], began)
            # the bench's scores are the retention table's (the same files, the same set_score)
            retention = child.metrics["retention"]
            for name in names[: index + 1]:
                assert abs(retention[str(tests[name])]["child"] - line["scores"][name]) < 1e-9, name
            diagonal[names[index]] = line["scores"][names[index]]
            total_train += line["train_seconds"]
            peak = max(peak, line["peak_rss_mb"] or 0.0)
            line |= {
                "strategy": label,
                "vertune_forgetting_points": round(
                    100 * (child.metrics["continual"]["forgetting"] or 0.0), 2
                ),
                "backward_transfer_points": round(
                    100 * (child.metrics["continual"]["backward_transfer"] or 0.0), 2
                ),
                "replayed_rows": child.metrics["continual"]["replayed_rows"],
                "forgetting_points": round(
                    100 * max(diagonal[name] - line["scores"][name] for name in names[:index]), 2
                ),
                "chain_train_seconds": round(total_train, 1),
                "chain_peak_rss_mb": peak,
            }
            emit(line)
            parent = child.run.path
    if args.joint:
        began = time.perf_counter()
        joint = api.train(
            recipe(joint_train, tests[names[-1]], work / "joint"), overwrite=True, quiet=True, on_event=ignore
        )
        emit(train_line("joint (every step at once)", joint, names, began) | {"strategy": "joint"})


if __name__ == "__main__":
    main()
