"""The report's plots: loss curve, confusion matrix and per-class F1, written as PNGs.

Pure drawing: each function takes plain data (already picked out of metrics.json / log.jsonl by the
report) and returns the path it wrote, or None when its data is missing or malformed, so the report can
simply leave that plot out. Files are written atomically (temporary name, then rename).
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported: no display, no GUI toolkit

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

DPI = 110
#: Classes up to this many get their counts written in the confusion-matrix cells.
ANNOTATE_MAX_CLASSES = 15
#: Tick labels longer than this are shortened with an ellipsis.
LABEL_CHARS = 28
#: Labels are data, not markup: never let a "$" in a label start mathtext.
_RC = {"text.parse_math": False, "font.size": 9}


def real(value: Any) -> float | None:
    """`value` as a finite float, or None for anything else (bools, strings, NaN, missing)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def metric_name(key: str) -> str:
    """Display name of a metric key: macro_f1 -> macro-F1, eval_accuracy -> accuracy."""
    return "-".join("F1" if part == "f1" else part for part in key.removeprefix("eval_").split("_"))


def _short(label: Any) -> str:
    text = str(label)
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _save(fig: Figure, path: Path) -> Path:
    """Write `fig` to `path` atomically and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # plain open(): the umask sets its mode
    try:
        fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    return path


def _series(log: Sequence[Any], key: str) -> tuple[list[float], list[float]]:
    """(steps, values) of the log records that have both a step and a finite `key`."""
    steps: list[float] = []
    values: list[float] = []
    for record in log:
        if not isinstance(record, Mapping):
            continue
        step, value = real(record.get("step")), real(record.get(key))
        if step is not None and value is not None:
            steps.append(step)
            values.append(value)
    return steps, values


def plot_loss_curve(
    log: Sequence[Any], path: Path, best_step: Any = None, metric: str | None = None
) -> Path | None:
    """Training and validation loss by step, the validation `metric` on a second axis, the best step marked.

    Skipped (None) when the log holds no loss at all.
    """
    train = _series(log, "loss")
    evaluation = _series(log, "eval_loss")
    if not train[0] and not evaluation[0]:
        return None
    scores = _series(log, f"eval_{metric}") if metric else ([], [])
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        if train[0]:
            ax.plot(*train, color="tab:blue", linewidth=1.4, label="training loss")
        if evaluation[0]:
            ax.plot(*evaluation, color="tab:orange", marker="o", linewidth=1.4, label="validation loss")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.grid(alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        if metric and scores[0]:
            right = ax.twinx()
            right.plot(*scores, color="tab:green", marker="s", linestyle="--", linewidth=1.2)
            right.set_ylabel(f"validation {metric_name(metric)}", color="tab:green")
            handles += right.get_lines()
            labels.append(f"validation {metric_name(metric)}")
        step = real(best_step)
        if step is not None:
            handles.append(ax.axvline(step, color="grey", linestyle=":", linewidth=1.2))
            labels.append(f"best checkpoint (step {step:g})")
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8)
        ax.set_title("Loss by training step")
        return _save(fig, path)


def _square_matrix(labels: Any, matrix: Any) -> np.ndarray | None:
    """The confusion matrix as an n×n float array matching `labels`, or None if it does not fit."""
    if not isinstance(labels, Sequence) or isinstance(labels, str) or not labels:
        return None
    try:
        array = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        return None
    n = len(labels)
    if array.shape != (n, n) or not np.isfinite(array).all():
        return None
    return array


def plot_confusion_matrix(
    labels: Any, matrix: Any, path: Path, title: str = "Confusion matrix"
) -> Path | None:
    """Row-normalised confusion matrix (share of each true class), with counts when there are few classes."""
    counts = _square_matrix(labels, matrix)
    if counts is None:
        return None
    n = len(counts)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    names = [_short(label) for label in labels]
    side = min(max(4.5, 1.8 + 0.38 * n), 16.0)
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(side + 1.2, side))
        image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
        ax.set_xticks(range(n), names, rotation=45 if n <= 10 else 90, ha="right" if n <= 10 else "center")
        ax.set_yticks(range(n), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        if n <= ANNOTATE_MAX_CLASSES:
            size = 9 if n <= 8 else 7
            for i in range(n):
                for j in range(n):
                    colour = "white" if shares[i, j] > 0.5 else "black"
                    ax.text(
                        j, i, f"{counts[i, j]:.0f}", ha="center", va="center", color=colour, fontsize=size
                    )
        ax.set_title(title)
        return _save(fig, path)


def plot_per_class_f1(
    per_class: Any, path: Path, title: str = "F1 by class", macro: Any = None
) -> Path | None:
    """Horizontal bars of each class's F1, weakest first, with its support; the macro average as a line."""
    if not isinstance(per_class, Mapping):
        return None
    rows = [
        (str(label), f1, real(scores.get("support")))
        for label, scores in per_class.items()
        if isinstance(scores, Mapping) and (f1 := real(scores.get("f1"))) is not None
    ]
    if not rows:
        return None
    rows.sort(key=lambda row: row[1])
    n = len(rows)
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(7.5, max(2.6, 1.0 + 0.3 * n)))
        positions = range(n)
        ax.barh(positions, [row[1] for row in rows], color="tab:blue", height=0.7)
        ax.set_yticks(positions, [_short(row[0]) for row in rows])
        ax.invert_yaxis()
        for y, (_, f1, support) in enumerate(rows):  # a column of values right of the axes
            note = f"{f1:.2f}" if support is None else f"{f1:.2f}  n={support:g}"
            ax.text(1.02, y, note, va="center", fontsize=7 if n > 15 else 8, clip_on=False)
        average = real(macro)
        if average is not None:
            ax.axvline(average, color="tab:red", linestyle="--", linewidth=1.0)
            title += f" (dashed line: macro-F1 {average:.3f})"
        ax.set_xlim(0.0, 1.0)
        ax.set_xlabel("F1")
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(title)
        return _save(fig, path)
