"""The NER parts of the report: entity-level score columns and the error analysis.

Both return nothing for a run of another task, so `report.py` calls them unconditionally.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vertune.evaluate.plots import real

ERROR_KINDS = {
    "correct": "correct (same tokens, same type)",
    "type_confusion": "type confusion (same tokens, other type)",
    "boundary": "boundary error (overlaps a prediction of its type)",
    "type_and_boundary": "type and boundary (overlaps only other types)",
    "missed": "missed (no prediction overlaps it)",
    "spurious": "spurious (prediction overlapping no gold entity)",
}


def _errors(metrics: Mapping[str, Any]) -> Mapping[str, Any] | None:
    test = metrics.get("test")
    errors = test.get("errors") if isinstance(test, Mapping) else None
    return errors if isinstance(errors, Mapping) else None


def error_analysis(metrics: Mapping[str, Any]) -> list[Any]:
    from vertune.evaluate.report import Bullets, Heading, Paragraph, Table

    errors = _errors(metrics)
    if errors is None:
        return []
    gold = sum((real(errors.get(k)) or 0) for k in ERROR_KINDS if k != "spurious")
    rows = []
    for key, description in ERROR_KINDS.items():
        count = real(errors.get(key))
        if count is None:
            continue
        share = "—" if key == "spurious" or not gold else f"{count / gold * 100:.1f}%"
        rows.append([description, f"{count:,.0f}", share])
    blocks: list[Any] = [
        Heading("Entity errors (test set)"),
        Paragraph(
            "Scores are entity-level (seqeval, strict IOB2): an entity counts only with exact boundaries and "
            "type. Every gold entity falls in exactly one of the first five rows; shares are of gold entities."
        ),
        Table(["Outcome", "Entities", "Share"], rows),
    ]
    test = metrics.get("test")
    confusions = test.get("type_confusions") if isinstance(test, Mapping) else None
    if isinstance(confusions, Mapping) and confusions:
        blocks.append(Paragraph("Most frequent type confusions (gold -> predicted):"))
        blocks.append(Bullets([f"{pair}: {n}" for pair, n in confusions.items()]))
    return blocks
