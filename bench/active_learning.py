"""Active learning simulated on a labelled set used as the pool: does uncertainty or hybrid selection reach
random sampling's final macro-F1 with fewer labels?

The model is TF-IDF (words 1-2 + characters 2-4, fitted once on all texts: unsupervised) + logistic
regression, not a fine-tuned encoder: one fit per round per strategy per repeat has to run in seconds on the
shared CPU. `vertune select` uses the same `vertune.active.strategies.select`, with the run's own
probabilities and encoder embeddings; here coreset / hybrid run on a 100-dimension SVD of the TF-IDF vectors.
From `--seed-size` random rows, each round adds `--k` rows chosen by the strategy (their labels revealed),
refits, and scores macro-F1 on the test file. `--repeats` random seed sets, averaged. One JSON line per
strategy and a summary line; a plot next to this file.

    nice -n 10 .venv/bin/python bench/active_learning.py [--dataset drug_reviews] [--k 30 --rounds 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA_DIR.is_dir():  # a worktree under /work/wt
    DATA_DIR = Path("/work/shared/data")
STRATEGIES = ("random", "entropy", "margin", "least_confidence", "coreset", "hybrid")


def features(texts: list[str]) -> tuple[object, np.ndarray]:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    vectorizer = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=100_000)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)),
        ]
    )
    x = vectorizer.fit_transform(texts)
    dense = TruncatedSVD(n_components=100, random_state=0).fit_transform(x)
    return x, dense


def simulate(
    strategy: str,
    x_pool,
    emb_pool,
    y_pool,
    x_test,
    y_test,
    labels,
    seed_size: int,
    k: int,
    rounds: int,
    seed: int,
) -> list[tuple[int, float]]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    from vertune.active.strategies import select

    rng = np.random.default_rng(seed)
    labelled = list(rng.choice(len(y_pool), size=seed_size, replace=False))
    curve = []
    for round_ in range(rounds + 1):
        model = LogisticRegression(max_iter=2000).fit(x_pool[labelled], y_pool[labelled])
        score = f1_score(y_test, model.predict(x_test), average="macro", labels=labels, zero_division=0)
        curve.append((len(labelled), round(float(score), 4)))
        if round_ == rounds:
            break
        rest = np.setdiff1d(np.arange(len(y_pool)), labelled)
        probabilities = model.predict_proba(x_pool[rest])
        picked, _ = select(
            strategy, k, probabilities, emb_pool[rest], emb_pool[labelled], seed=seed * 1000 + round_
        )
        labelled += [int(rest[i]) for i in picked]
    return curve


def labels_to_reach(curve: list[tuple[float, float]], target: float) -> float | None:
    return next((n for n, f1 in curve if f1 >= target), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--dataset", default="drug_reviews")
    parser.add_argument("--seed-size", type=int, default=30)
    parser.add_argument("--k", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    load = os.getloadavg()[0]
    pool = pd.read_csv(args.data_dir / f"{args.dataset}_train.csv", keep_default_na=False)
    test = pd.read_csv(args.data_dir / f"{args.dataset}_test.csv", keep_default_na=False)
    x, dense = features(list(pool["text"]) + list(test["text"]))
    n = len(pool)
    y_pool, y_test = pool["label"].to_numpy(), test["label"].to_numpy()
    labels = sorted(set(y_pool))
    curves = {}
    for strategy in STRATEGIES:
        runs = [
            simulate(
                strategy,
                x[:n],
                dense[:n],
                y_pool,
                x[n:],
                y_test,
                labels,
                args.seed_size,
                args.k,
                args.rounds,
                r,
            )
            for r in range(args.repeats)
        ]
        mean = [
            (runs[0][i][0], round(float(np.mean([run[i][1] for run in runs])), 4))
            for i in range(len(runs[0]))
        ]
        curves[strategy] = mean
        print(
            json.dumps(
                {"bench": "active_learning", "dataset": args.dataset, "strategy": strategy, "curve": mean}
            )
        )
    random_final = curves["random"][-1]
    summary = {
        "bench": "active_learning",
        "date": dt.date.today().isoformat(),
        "dataset": args.dataset,
        "load_avg_1m": round(load, 2),
        "pool_rows": n,
        "test_rows": len(test),
        "seed_size": args.seed_size,
        "k": args.k,
        "rounds": args.rounds,
        "repeats": args.repeats,
        "random_final": {"labels": random_final[0], "macro_f1": random_final[1]},
        "labels_to_reach_random_final": {s: labels_to_reach(c, random_final[1]) for s, c in curves.items()},
        "final_macro_f1": {s: c[-1][1] for s, c in curves.items()},
    }
    print(json.dumps(summary), flush=True)
    plot(curves, Path(__file__).with_name(f"active_learning-{args.dataset}.png"), args.dataset)


def plot(curves: dict[str, list[tuple[int, float]]], path: Path, dataset: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    for strategy, curve in curves.items():
        axes.plot(
            *zip(*curve, strict=True),
            marker="o",
            markersize=3,
            label=strategy,
            linestyle="--" if strategy == "random" else "-",
        )
    axes.set_xlabel("labelled rows")
    axes.set_ylabel("test macro-F1 (TF-IDF + logistic regression)")
    axes.set_title(f"Active learning on {dataset}")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
