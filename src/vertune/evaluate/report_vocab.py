"""The report's vocabulary-extension section (model.extend_vocab): tokens added, [UNK] share before and after."""

from __future__ import annotations

from vertune.evaluate.blocks import Block, Heading, Paragraph, Table
from vertune.evaluate.sections import ReportContext, register_section
from vertune.metrics_schema import RunMetrics


def _extended(metrics: RunMetrics) -> bool:
    return metrics.vocabulary is not None


@register_section("vocabulary", order=40, applies_to=_extended)
def vocabulary(context: ReportContext) -> list[Block]:
    vocab = context.metrics.vocabulary
    if vocab is None:
        return []
    before, after = vocab.unknown_before, vocab.unknown_after
    rows = [
        [
            role,
            f"{before[role].share * 100:.1f}%",
            f"{(after[role].share if role in after else 0) * 100:.1f}%",
        ]
        for role in before
    ]
    shown = ", ".join(vocab.examples[:12])
    return [
        Heading("Vocabulary extension"),
        Paragraph(
            f"{vocab.added_tokens:,} tokens added ({vocab.initialised_from_pieces:,} initialised "
            f"from their old pieces, {vocab.initialised_from_mean:,} from the mean embedding)"
            + (f", e.g. {shown}." if shown else ".")
        ),
        Table(["Split", "[UNK] share before", "[UNK] share after"], rows),
    ]
