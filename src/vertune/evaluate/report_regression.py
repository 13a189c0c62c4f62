"""The report's regression parts (task: regression, and pair with a score): error metrics in the label's
units and a predicted-vs-true scatter plot of the test set."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vertune.evaluate.blocks import Block, Bullets, Heading, Paragraph, Table
from vertune.evaluate.formatting import real, score
from vertune.evaluate.plots import PLOT_STYLE, plt, save_figure
from vertune.evaluate.sections import ReportContext, for_tasks, register_plot, register_section
from vertune.metrics_schema import RunMetrics

REGRESSION_TASKS = for_tasks("regression", "pair")


def _scatter(metrics: RunMetrics) -> tuple[str, np.ndarray, np.ndarray] | None:
    """(split, true, predicted) of the first split that recorded its points, test first."""
    for split in ("test", "validation"):
        scores = metrics.scores(split)
        points = scores.scatter if scores is not None else None
        if points is not None:
            pairs = [
                (t, p)
                for t, p in zip(map(real, points.true), map(real, points.predicted), strict=False)
                if t is not None and p is not None
            ]
            if pairs:
                return split, np.array([t for t, _ in pairs]), np.array([p for _, p in pairs])
    return None


def plot_predicted_vs_true(true: np.ndarray, predicted: np.ndarray, path: Path, title: str) -> Path:
    """Each test example as a point; the diagonal is a perfect prediction."""
    low = float(min(true.min(), predicted.min()))
    high = float(max(true.max(), predicted.max()))
    with plt.rc_context(PLOT_STYLE):
        fig, ax = plt.subplots(figsize=(5.5, 5.2))
        ax.scatter(true, predicted, s=10, alpha=0.45, color="tab:blue", edgecolors="none")
        ax.plot([low, high], [low, high], color="tab:red", linestyle="--", linewidth=1.0, label="perfect")
        ax.set_xlabel("true value")
        ax.set_ylabel("predicted value")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
        return save_figure(fig, path)


@register_plot(
    "predicted_vs_true",
    caption="Predicted against true values; points on the dashed line are exact",
    order=40,
    applies_to=REGRESSION_TASKS,
)
def predicted_vs_true(metrics: RunMetrics, log: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    found = _scatter(metrics)
    if found is None:
        return None
    split, true, predicted = found
    return plot_predicted_vs_true(true, predicted, path, f"Predicted vs true ({split} set)")


METRICS = (
    ("RMSE", "rmse"),
    ("MAE", "mae"),
    ("R²", "r2"),
    ("Pearson r", "pearson"),
    ("Spearman ρ", "spearman"),
)
NOTES = [
    "Errors are in the label's own units: the model learns standardised targets (train mean and standard "
    "deviation, kept in task.json) and vertune puts its outputs back on the original scale.",
    "Plain transformers (pipeline / AutoModel) returns the standardised value; multiply by target_std and "
    "add target_mean from task.json, or use `vertune predict`.",
]


@register_section("regression", order=60, applies_to=REGRESSION_TASKS)
def regression(context: ReportContext) -> list[Block]:
    metrics = context.metrics
    test = metrics.test
    if test is None or test.scatter is None:
        return []
    rows = [[name, score(test.value(key))] for name, key in METRICS]
    train = metrics.data.split("train") if metrics.data is not None else None
    target = train.target if train is not None else None
    blocks: list[Block] = [Heading("Regression (test set)"), Table(["Metric", "Value"], rows)]
    if target is not None and real(target.std) is not None and real(target.mean) is not None:
        blocks.append(
            Paragraph(
                f"Training targets: mean {target.mean:.3f}, standard deviation {target.std:.3f}, "
                f"range {target.min} to {target.max}; predicting the mean everywhere would give an "
                f"RMSE of about {target.std:.3f}."
            )
        )
    blocks.append(Bullets(NOTES))
    return blocks
