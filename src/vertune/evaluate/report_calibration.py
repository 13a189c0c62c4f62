"""The report's calibration parts (single-label tasks): ECE before / after temperature scaling and a
reliability diagram of the test split (metrics.json `test.ece`, `test.ece_uncalibrated`, `test.reliability`;
computed by tasks/calibrated.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vertune.evaluate.blocks import Block, Heading, Paragraph, Table
from vertune.evaluate.formatting import score
from vertune.evaluate.plots import PLOT_STYLE, plt, save_figure
from vertune.evaluate.sections import ReportContext, register_plot, register_section
from vertune.metrics_schema import ReliabilityBin, RunMetrics

PLOT = "reliability"


def _calibrated(metrics: RunMetrics) -> bool:
    return metrics.test is not None and metrics.test.value("ece") is not None


def plot_reliability(curves: Mapping[str, Sequence[ReliabilityBin]], path: Path) -> Path:
    """Accuracy against mean confidence per bin (a point's area ~ its rows); the diagonal is calibrated."""
    colours = {"uncalibrated": "tab:grey", "calibrated": "tab:blue"}
    with plt.rc_context(PLOT_STYLE):
        fig, ax = plt.subplots(figsize=(5.5, 5.2))
        ax.plot([0, 1], [0, 1], color="tab:red", linestyle="--", linewidth=1.0, label="perfectly calibrated")
        for name, bins in curves.items():
            if not bins:
                continue
            total = max(sum(b.rows for b in bins), 1)
            x, y = [b.confidence for b in bins], [b.accuracy for b in bins]
            ax.plot(x, y, marker="o", color=colours.get(name, "tab:green"), label=name, linewidth=1.2)
            ax.scatter(x, y, s=[20 + 400 * b.rows / total for b in bins], alpha=0.3, color=colours.get(name))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence (top probability)")
        ax.set_ylabel("accuracy")
        ax.set_title("Reliability (test set)")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
        return save_figure(fig, path)


@register_plot(
    PLOT,
    caption="Reliability: accuracy per confidence bin; on the dashed line a score of 0.9 means 90% right",
    order=45,
    applies_to=_calibrated,
)
def reliability(metrics: RunMetrics, log: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    curves = metrics.test.reliability if metrics.test is not None else None
    if not curves or not any(curves.values()):
        return None
    same = curves.get("calibrated") == curves.get("uncalibrated")
    return plot_reliability({"calibrated": curves["calibrated"]} if same else curves, path)


@register_section("calibration", order=16, applies_to=_calibrated)
def calibration(context: ReportContext) -> list[Block]:
    test = context.metrics.test
    assert test is not None
    temperature = test.value("temperature") or 1.0
    used = abs(temperature - 1.0) > 1e-9
    rows = [
        ["raw softmax (T = 1)", score(test.value("ece_uncalibrated"))],
        [
            f"served (T = {temperature:.3f})" if used else "served (T = 1, scaling did not help)",
            score(test.value("ece")),
        ],
    ]
    blocks: list[Block] = [
        Heading("Calibration"),
        Paragraph(
            "Expected calibration error on the test split (15 equal-width confidence bins; 0 means a score of "
            "0.9 is right 90% of the time). A temperature fitted on the validation split divides the logits "
            "when it lowers validation ECE; it is stored in task.json and predict / serve use it. It never "
            "changes which class wins, so accuracy and F1 are unchanged."
        ),
        Table(["Probabilities", "Test ECE"], rows),
    ]
    if PLOT in context.plots:
        blocks.append(Paragraph("The reliability diagram is with the plots below."))
    return blocks
