"""The report's vocabulary-extension section: tokens added, and the [UNK] share before and after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def vocabulary(metrics: Mapping[str, Any]) -> list[Any]:
    from vertune.evaluate.report import Heading, Paragraph, Table

    vocab = metrics.get("vocabulary")
    if not isinstance(vocab, Mapping) or "added_tokens" not in vocab:
        return []
    before, after = vocab.get("unknown_before") or {}, vocab.get("unknown_after") or {}
    rows = [
        [role, f"{before[role]['share'] * 100:.1f}%", f"{after.get(role, {}).get('share', 0) * 100:.1f}%"]
        for role in before
    ]
    shown = ", ".join(str(t) for t in vocab.get("examples", [])[:12])
    return [
        Heading("Vocabulary extension"),
        Paragraph(
            f"{vocab['added_tokens']:,} tokens added ({vocab.get('initialised_from_pieces', 0):,} initialised "
            f"from their old pieces, {vocab.get('initialised_from_mean', 0):,} from the mean embedding)"
            + (f", e.g. {shown}." if shown else ".")
        ),
        Table(["Split", "[UNK] share before", "[UNK] share after"], rows),
    ]
