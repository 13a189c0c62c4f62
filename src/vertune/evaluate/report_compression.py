"""The compress stage's document: parent and compressed model side by side, and the deltas.

`compression_blocks(metrics)` is the body; `write_compression_report(run, metrics)` writes it as the
compressed run's report.md and report.html; a run report of a compressed run shows it as a section.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vertune.evaluate.blocks import Block, Heading, Paragraph, Table
from vertune.evaluate.render import write_document
from vertune.evaluate.sections import ReportContext, register_section
from vertune.metrics_schema import Measurement, RunMetrics, as_run_metrics
from vertune.run import RunDir


def _compressed(metrics: RunMetrics) -> bool:
    return metrics.compression is not None


def _row(name: str, measured: Measurement, metric: str) -> list[str]:
    value = measured.test.value(metric)
    return [
        name,
        measured.runtime,
        "—" if value is None else f"{value:.4f}",
        f"{measured.size_mb:.1f}",
        f"{measured.p50_ms:.1f}",
        f"{measured.p99_ms:.1f}",
        f"{measured.throughput_bs32:.1f}",
    ]


def compression_blocks(metrics: RunMetrics) -> list[Block]:
    """Any warning (a collapsed metric) first, then parent and compressed model measured side by side
    (metric, size, latency, throughput), and the deltas."""
    c = metrics.compression
    if c is None:
        return []
    metric = metrics.recipe.metric
    header = ["model", "runtime", metric, "size MB", "p50 ms (batch 1)", "p99 ms", "inputs/s (batch 32)"]
    delta = c.delta
    change = f"{delta[metric]:+.4f}" if metric in delta else "—"
    return [
        *(Paragraph(f"Warning: {warning}.", highlight=True) for warning in c.warnings),
        Paragraph(
            f"Parent: `{metrics.recipe.parent}`. Measured side by side in one process on this machine."
        ),
        Table(
            header, [_row("parent", c.parent, metric), _row("compressed", c.compressed, metric)], "llrrrrr"
        ),
        Paragraph(
            f"Delta: {metric} {change}, size x{delta.get('size_ratio')}, "
            f"throughput x{delta.get('throughput_speedup')}, p50 x{delta.get('p50_speedup')} faster."
        ),
    ]


@register_section("compression", order=45, applies_to=_compressed)
def compression(context: ReportContext) -> list[Block]:
    c = context.metrics.compression
    if c is None:
        return []
    return [Heading(f"Compression: {c.method}"), *compression_blocks(context.metrics)]


def write_compression_report(run: RunDir, metrics: RunMetrics | Mapping[str, Any]) -> dict[str, Path]:
    """The compressed run's report.md and report.html; {"markdown", "html"}."""
    metrics = as_run_metrics(metrics, str(run.metrics_path))
    method = metrics.compression.method if metrics.compression is not None else "?"
    title = f"Compressed run: {method}"
    return write_document(
        run.report_md, run.report_html, [Heading(title, 1), *compression_blocks(metrics)], title
    )
