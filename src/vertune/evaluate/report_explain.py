"""The report's explanations: the most confident wrong test predictions, their text shaded by token
attribution (Integrated Gradients, models/explain.py) in report.html, the strongest tokens in report.md
(metrics.json `test.explanations`, written by stages/explain.explain_errors)."""

from __future__ import annotations

from vertune.evaluate.blocks import Block, Heading, Highlighted, Paragraph
from vertune.evaluate.sections import ReportContext, register_section
from vertune.metrics_schema import RunMetrics


def _explained(metrics: RunMetrics) -> bool:
    return metrics.test is not None and bool(metrics.test.explanations)


@register_section("explanations", order=55, applies_to=_explained)
def explanations(context: ReportContext) -> list[Block]:
    test = context.metrics.test
    assert test is not None and test.explanations is not None
    blocks: list[Block] = [
        Heading("Why the model got these wrong"),
        Paragraph(
            "The most confident wrong test predictions, each token shaded by its Integrated Gradients "
            "attribution toward the prediction (green pushed toward it, red against; scaled to the strongest "
            "token). Confident mistakes often point at a label error or a shortcut the model learnt."
        ),
    ]
    for item in test.explanations:
        spans = [(int(a), int(b), float(w)) for a, b, w in item.get("spans", [])]
        caption = (
            f"predicted {item.get('predicted')} ({float(item.get('score', 0.0)):.2f}), "
            f"gold {item.get('gold')}."
        )
        blocks.append(Highlighted(str(item.get("text", "")), spans, caption))
    return blocks
