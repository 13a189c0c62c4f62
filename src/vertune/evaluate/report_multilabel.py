"""The report's multi-label section: each label's tuned decision threshold and how often it was predicted."""

from __future__ import annotations

from vertune.evaluate.blocks import Block, Heading, Paragraph, Table
from vertune.evaluate.formatting import DASH, count, score
from vertune.evaluate.sections import ReportContext, for_tasks, register_section


@register_section("label_decisions", order=61, applies_to=for_tasks("multilabel"))
def label_decisions(context: ReportContext) -> list[Block]:
    test = context.metrics.test
    per_class = test.per_class if test is not None else None
    if test is None or not per_class or any(s.threshold is None for s in per_class.values()):
        return []
    rows = [
        [str(label), f"{s.threshold:.2f}", count(s.predicted) or DASH, count(s.support) or DASH, score(s.f1)]
        for label, s in per_class.items()
    ]
    return [
        Heading("Per-label decisions (test set)"),
        Paragraph(
            "A label is predicted when its sigmoid score reaches its threshold; each threshold was tuned on the "
            "validation split for that label's F1 (0.5 where validation had no positive), so validation scores "
            "are optimistic and the test scores are the estimate. Thresholds are kept in task.json and used by "
            "evaluate and predict. "
            f"Micro-F1 {score(test.value('micro_f1'))}, macro-F1 {score(test.value('macro_f1'))}, "
            f"exact-set accuracy {score(test.value('subset_accuracy'))}."
        ),
        Table(["Label", "Threshold", "Predicted", "True", "F1"], rows),
    ]
