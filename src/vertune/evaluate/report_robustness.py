"""The report's robustness section (`vertune evaluate RUN --robustness`): the headline metric under each
seeded perturbation of the test split, its change, and how many predictions flipped (metrics.json
`test.robustness`, computed by evaluate/robustness.py)."""

from __future__ import annotations

from typing import Any

from vertune.evaluate.blocks import Block, Bullets, Heading, Paragraph, Table
from vertune.evaluate.formatting import metric_name, points, score, share
from vertune.evaluate.sections import ReportContext, register_section
from vertune.metrics_schema import RunMetrics

NAMES = {
    "typos_5": "typos (5% of characters)",
    "typos_10": "typos (10% of characters)",
    "casing": "UPPER CASE",
    "no_punctuation": "punctuation removed",
    "extra_whitespace": "extra whitespace",
    "full_width": "full-width characters",
    "half_width": "half-width characters",
    "entity_swap": "entity names swapped",
}


def _probed(metrics: RunMetrics) -> bool:
    return metrics.test is not None and bool(metrics.test.robustness)


def _change(probe: dict[str, Any]) -> str:
    if probe.get("flip_rate") is not None:
        return share(probe["flip_rate"]) or "—"
    if probe.get("mean_abs_change") is not None:
        return f"{probe['mean_abs_change']:.4f} (mean |change|)"
    return "—"


@register_section("robustness", order=17, applies_to=_probed)
def robustness(context: ReportContext) -> list[Block]:
    test = context.metrics.test
    assert test is not None and test.robustness is not None
    found = test.robustness
    metric = metric_name(str(found.get("metric", "")))
    rows = [["clean", score(found.get("clean")), "", "", ""]]
    for name, probe in (found.get("perturbations") or {}).items():
        rows.append(
            [
                NAMES.get(name, name),
                score(probe.get("metric")),
                points(float(probe.get("delta", 0.0))),
                _change(probe),
                share(probe.get("changed")) or "—",
            ]
        )
    blocks: list[Block] = [
        Heading("Robustness"),
        Paragraph(
            f"The {found.get('rows', '')} test rows rewritten the way real inputs differ from clean data "
            f"(seeded, seed {found.get('seed', 0)}); test {metric}, its change in points, the share of rows "
            "whose prediction flipped against the clean text's, and the share of rows the rewrite changed "
            "at all."
        ),
        Table(["Perturbation", f"Test {metric}", "Change (points)", "Flipped", "Rows changed"], rows),
    ]
    skipped = found.get("skipped") or {}
    if skipped:
        blocks.append(Bullets([f"{NAMES.get(k, k).replace('_', ' ')}: {why}" for k, why in skipped.items()]))
    return blocks
