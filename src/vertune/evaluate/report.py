"""The run report: report.md and a self-contained report.html, built once from the same blocks.

`write_report` validates the metrics (metrics_schema.RunMetrics), draws every registered plot that
applies (removing the files of those it skips), asks every registered section that applies for its blocks
(sections.py), and writes the blocks through the renderers (render.py). The built-in sections live in the
modules imported below, which register them when imported; they never import this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# Imported for their registrations: the sections and plots every run report may carry.
from vertune.evaluate import (  # noqa: F401
    report_compression,
    report_core,
    report_generation,
    report_intervals,
    report_multilabel,
    report_ner,
    report_pretrain,
    report_regression,
    report_vocab,
)
from vertune.evaluate.blocks import Block
from vertune.evaluate.formatting import metric_name
from vertune.evaluate.render import to_html, to_markdown, write_document
from vertune.evaluate.report_core import report_title, verdict
from vertune.evaluate.sections import ReportContext, registered_plots, sections_for
from vertune.metrics_schema import RunMetrics, as_run_metrics
from vertune.run import RunDir

__all__ = [
    "build_report",
    "draw_plots",
    "metric_name",
    "report_title",
    "to_html",
    "to_markdown",
    "verdict",
    "write_report",
]


def draw_plots(run: RunDir, metrics: RunMetrics, log: Sequence[Mapping[str, Any]]) -> dict[str, Path]:
    """Draw every registered plot that applies into run.plots_dir; {name: png}. A skipped plot's old file
    is removed, so a report never shows a stale plot."""
    drawn = {}
    for plot in registered_plots():
        path = run.plots_dir / f"{plot.name}.png"
        png = plot.draw(metrics, log, path) if plot.applies_to(metrics) else None
        if png is None:
            path.unlink(missing_ok=True)
        else:
            drawn[plot.name] = png
    return drawn


def build_report(run: RunDir, metrics: RunMetrics, plots: Mapping[str, Path]) -> list[Block]:
    """The whole report as blocks, in reading order."""
    context = ReportContext(run, metrics, plots)
    return [block for section in sections_for(metrics) for block in section.build(context) or ()]


def write_report(
    run: RunDir, metrics: RunMetrics | Mapping[str, Any], log: Sequence[Mapping[str, Any]]
) -> dict[str, Path]:
    """Write the plots, report.md and report.html of `run`; {"markdown", "html", plot name: png}.

    `metrics` is a RunMetrics, or a metrics.json mapping, validated first (RunDirError if it does not fit)."""
    metrics = as_run_metrics(metrics, str(run.metrics_path))
    records = [record for record in log if isinstance(record, Mapping)]
    plots = draw_plots(run, metrics, records)
    files = write_document(
        run.report_md, run.report_html, build_report(run, metrics, plots), report_title(run)
    )
    return {**files, **plots}
