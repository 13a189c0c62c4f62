"""The report's NER parts (task: ner): the entity F1 column title and the error analysis."""

from __future__ import annotations

from vertune.evaluate.blocks import Block, Bullets, Heading, Paragraph, Table
from vertune.evaluate.formatting import DASH
from vertune.evaluate.sections import ReportContext, for_tasks, register_metric_title, register_section

ERROR_KINDS = {
    "correct": "correct (same tokens, same type)",
    "type_confusion": "type confusion (same tokens, other type)",
    "boundary": "boundary error (overlaps a prediction of its type)",
    "type_and_boundary": "type and boundary (overlaps only other types)",
    "missed": "missed (no prediction overlaps it)",
    "spurious": "spurious (prediction overlapping no gold entity)",
}

register_metric_title("ner", "f1", "Entity F1")


@register_section("entity_errors", order=70, applies_to=for_tasks("ner"))
def error_analysis(context: ReportContext) -> list[Block]:
    test = context.metrics.test
    errors = test.errors if test is not None else None
    if test is None or errors is None:
        return []
    gold = sum(n for kind, n in errors.items() if kind in ERROR_KINDS and kind != "spurious")
    rows = []
    for key, description in ERROR_KINDS.items():
        count = errors.get(key)
        if count is None:
            continue
        share = DASH if key == "spurious" or not gold else f"{count / gold * 100:.1f}%"
        rows.append([description, f"{count:,.0f}", share])
    blocks: list[Block] = [
        Heading("Entity errors (test set)"),
        Paragraph(
            "Scores are entity-level (seqeval, strict IOB2): an entity counts only with exact boundaries and "
            "type. Every gold entity falls in exactly one of the first five rows; shares are of gold entities."
        ),
        Table(["Outcome", "Entities", "Share"], rows),
    ]
    if test.type_confusions:
        blocks.append(Paragraph("Most frequent type confusions (gold -> predicted):"))
        blocks.append(Bullets([f"{pair}: {n}" for pair, n in test.type_confusions.items()]))
    return blocks
