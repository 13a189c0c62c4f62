"""The report's retention parts (a continued run): parent and child on every test set of the lineage, the
forgetting and backward transfer, the lineage's matrix (row = model, column = test set) and a plot of each
test set's score along the lineage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vertune.evaluate.blocks import Block, Bullets, Heading, Paragraph, Table
from vertune.evaluate.formatting import DASH, metric_name, points, real, score
from vertune.evaluate.plots import PLOT_STYLE, plt, save_figure
from vertune.evaluate.sections import ReportContext, register_plot, register_section
from vertune.metrics_schema import RunMetrics


def _continued(metrics: RunMetrics) -> bool:
    return metrics.continual is not None and bool(metrics.retention)


def _short(name: str) -> str:
    return Path(name.removesuffix(" (test split)")).name + (
        " (split)" if name.endswith("(test split)") else ""
    )


@register_section("retention", order=12, applies_to=_continued)
def retention(context: ReportContext) -> list[Block]:
    metrics = context.metrics
    continual, table = metrics.continual, metrics.retention or {}
    assert continual is not None
    metric = metric_name(continual.metric)
    rows = [
        [
            _short(name) + (" (new)" if name == continual.new_test_set else ""),
            score(row.parent),
            score(row.child),
            DASH if row.delta is None else points(row.delta),
        ]
        for name, row in table.items()
    ]
    blocks: list[Block] = [
        Heading("Retention"),
        Paragraph(
            f"Strategy {continual.strategy}. The continued model against its parent on every test set of the "
            f"lineage ({metric}; the parent has no score where it cannot predict the set's labels)."
        ),
        Table(["Test set", "Parent", "This run", "Change (points)"], rows),
    ]
    facts = []
    forgetting, transfer = real(continual.forgetting), real(continual.backward_transfer)
    if forgetting is not None:
        facts.append(f"Forgetting (largest drop on an earlier test set): {100 * forgetting:.2f} points")
    if transfer is not None:
        facts.append(
            f"Backward transfer (mean change on earlier models' own test sets): {100 * transfer:+.2f} points"
        )
    validation = continual.get("validation") or {}
    if "earlier" in validation:
        facts.append(
            f"Validation (early stopping and the kept checkpoint): {score(validation.get('new'))} on the new "
            f"rows, {score(validation.get('earlier'))} on the replayed earlier rows "
            f"({validation.get('rows', {}).get('earlier')} rows)"
        )
    if facts:
        blocks.append(Bullets(facts))
    names = continual.test_sets
    matrix = [[_short(row.model), *(score(row.scores.get(n)) for n in names)] for row in continual.matrix]
    if matrix:
        blocks += [
            Paragraph(f"The lineage's matrix ({metric}; row = model, oldest first; column = test set):"),
            Table(["Model", *(_short(n) for n in names)], matrix),
        ]
    return blocks


@register_plot(
    "retention",
    caption="Each test set's score along the lineage (oldest model first); a falling line is forgetting",
    order=35,
    applies_to=_continued,
)
def retention_plot(metrics: RunMetrics, log: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    continual = metrics.continual
    if continual is None or len(continual.matrix) < 2:
        return None
    models = [_short(row.model) for row in continual.matrix]
    with plt.rc_context(PLOT_STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        for name in continual.test_sets:
            found = [(i, real(row.scores.get(name))) for i, row in enumerate(continual.matrix)]
            points_ = [(i, v) for i, v in found if v is not None]
            ax.plot([i for i, _ in points_], [v for _, v in points_], marker="o", label=_short(name))
        ax.set_xticks(range(len(models)), models, rotation=15, ha="right")
        ax.set_ylabel(metric_name(continual.metric))
        ax.set_title("Retention along the lineage")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        return save_figure(fig, path)
