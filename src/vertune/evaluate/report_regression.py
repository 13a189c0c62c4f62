"""The report's regression section (task: regression, and pair with a score): error metrics in the label's
units and a predicted-vs-true scatter plot of the test set."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from vertune.evaluate.plots import _RC, _save, plt, real
from vertune.run import RunDir


def _scatter(metrics: Mapping[str, Any]) -> tuple[str, np.ndarray, np.ndarray] | None:
    """(split, true, predicted) of the first split that recorded its points, test first."""
    for split in ("test", "validation"):
        scores = metrics.get(split)
        points = scores.get("scatter") if isinstance(scores, Mapping) else None
        if isinstance(points, Mapping):
            true = [real(v) for v in points.get("true") or []]
            predicted = [real(v) for v in points.get("predicted") or []]
            pairs = [(t, p) for t, p in zip(true, predicted, strict=False) if t is not None and p is not None]
            if pairs:
                return split, np.array([t for t, _ in pairs]), np.array([p for _, p in pairs])
    return None


def plot_predicted_vs_true(true: np.ndarray, predicted: np.ndarray, path: Path, title: str) -> Path:
    """Each test example as a point; the diagonal is a perfect prediction."""
    low = float(min(true.min(), predicted.min()))
    high = float(max(true.max(), predicted.max()))
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(5.5, 5.2))
        ax.scatter(true, predicted, s=10, alpha=0.45, color="tab:blue", edgecolors="none")
        ax.plot([low, high], [low, high], color="tab:red", linestyle="--", linewidth=1.0, label="perfect")
        ax.set_xlabel("true value")
        ax.set_ylabel("predicted value")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
        return _save(fig, path)


def plots(run: RunDir, metrics: Mapping[str, Any]) -> dict[str, Path]:
    found = _scatter(metrics)
    path = run.plots_dir / "predicted_vs_true.png"
    if found is None:
        path.unlink(missing_ok=True)
        return {}
    split, true, predicted = found
    return {
        "predicted_vs_true": plot_predicted_vs_true(true, predicted, path, f"Predicted vs true ({split} set)")
    }


CAPTIONS = {"predicted_vs_true": "Predicted against true values; points on the dashed line are exact"}


def blocks(metrics: Mapping[str, Any]) -> list[Any]:
    from vertune.evaluate.report import Bullets, Heading, Paragraph, Table, _score

    test = metrics.get("test")
    if not isinstance(test, Mapping) or "scatter" not in test:
        return []
    rows = [
        [name, _score(test.get(key))]
        for name, key in (
            ("RMSE", "rmse"),
            ("MAE", "mae"),
            ("R²", "r2"),
            ("Pearson r", "pearson"),
            ("Spearman ρ", "spearman"),
        )
    ]
    target = (
        metrics.get("data", {}).get("train", {}).get("target", {})
        if isinstance(metrics.get("data"), Mapping)
        else {}
    )
    notes = [
        "Errors are in the label's own units: the model learns standardised targets (train mean and standard "
        "deviation, kept in task.json) and vertune puts its outputs back on the original scale.",
        "Plain transformers (pipeline / AutoModel) returns the standardised value; multiply by target_std and "
        "add target_mean from task.json, or use `vertune predict`.",
    ]
    blocks: list[Any] = [Heading("Regression (test set)"), Table(["Metric", "Value"], rows)]
    if isinstance(target, Mapping) and real(target.get("std")) is not None:
        blocks.append(
            Paragraph(
                f"Training targets: mean {target['mean']:.3f}, standard deviation {target['std']:.3f}, "
                f"range {target.get('min')} to {target.get('max')}; predicting the mean everywhere would give an "
                f"RMSE of about {target['std']:.3f}."
            )
        )
    blocks.append(Bullets(notes))
    return blocks
