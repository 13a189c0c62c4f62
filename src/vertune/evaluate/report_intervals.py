"""The report's uncertainty section: each headline test metric with its 95% bootstrap interval, and each
baseline comparison with the difference's interval, p-value and verdict (metrics.json `test.intervals`,
`comparisons`; computed by evaluate/intervals.py)."""

from __future__ import annotations

from vertune.evaluate.blocks import Block, Heading, Paragraph, Table
from vertune.evaluate.direction import lower_is_better
from vertune.evaluate.formatting import metric_name, points, score
from vertune.evaluate.sections import ReportContext, register_section
from vertune.metrics_schema import Comparison, RunMetrics


def _has_uncertainty(metrics: RunMetrics) -> bool:
    return bool((metrics.test is not None and metrics.test.intervals) or metrics.comparisons)


def difference_text(comparison: Comparison) -> str:
    """The difference and its interval: points for scores, the metric's units for errors."""
    metric = comparison.metric or ""
    low, high = comparison.interval
    if metric and lower_is_better(metric):
        return f"{comparison.difference:+.4f} [{low:+.4f}, {high:+.4f}]"
    return f"{points(comparison.difference)} [{points(low)}, {points(high)}] points"


def comparison_sentence(name: str, comparison: Comparison) -> str:
    """One line for the summary: the verdict with its evidence."""
    metric = metric_name(comparison.metric) if comparison.metric else "the headline metric"
    evidence = f"{difference_text(comparison)}, p = {comparison.p_value:.3g} ({comparison.test or 'paired bootstrap'})"
    if comparison.verdict == "beats":
        return f"Fine-tuning beats the best baseline ({name}) on test {metric}: {evidence}."
    if comparison.verdict == "loses":
        return (
            f"Fine-tuning loses to the best baseline ({name}) on test {metric}: {evidence}; consider shipping "
            f"{name}, or adding training data or trying another method or model first."
        )
    return (
        f"Fine-tuning ties the best baseline ({name}) on test {metric}, the difference is within noise: "
        f"{evidence}. More test rows would tell them apart."
    )


@register_section("uncertainty", order=15, applies_to=_has_uncertainty)
def uncertainty(context: ReportContext) -> list[Block]:
    metrics = context.metrics
    blocks: list[Block] = [Heading("How sure are these numbers")]
    intervals = metrics.test.intervals if metrics.test is not None else None
    if intervals and metrics.test is not None:
        rows = [
            [metric_name(name), score(metrics.test.value(name)), f"{score(low)} – {score(high)}"]
            for name, (low, high) in intervals.items()
        ]
        blocks += [
            Paragraph(
                "95% bootstrap intervals over the test rows (1,000 seeded resamples; NER resamples whole "
                "sentences): another test set of the same size could score anywhere in this range."
            ),
            Table(["Metric", "Test", "95% interval"], rows),
        ]
    if metrics.comparisons:
        rows = [
            [name, metric_name(c.metric or ""), difference_text(c), f"{c.p_value:.3g}", c.verdict]
            for name, c in metrics.comparisons.items()
        ]
        blocks += [
            Paragraph(
                "Fine-tuned model minus each baseline on the same test rows: a paired bootstrap interval of "
                "the difference (McNemar's exact test for accuracy). It beats a baseline only when the whole "
                "interval lies on the better side of zero."
            ),
            Table(["Baseline", "Metric", "Difference [95% interval]", "p-value", "Verdict"], rows),
        ]
    return blocks
