"""Entity-level scores (seqeval, strict IOB2) and the error analysis the NER report shows.

Every gold entity that is not predicted exactly is one error of one kind, and every prediction that overlaps
no gold entity is spurious:
- type confusion: the same tokens, another type;
- boundary error: overlaps a prediction of its own type with other boundaries;
- type and boundary: overlaps only predictions of other types and boundaries;
- missed: overlaps no prediction at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from vertune.tasks import tagging


def entity_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict[str, float]:
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    gold, predicted = [list(g) for g in gold], [list(p) for p in predicted]
    strict = {"mode": "strict", "scheme": IOB2, "zero_division": 0}
    tokens = sum(len(g) for g in gold)
    same = sum(a == b for g, p in zip(gold, predicted, strict=True) for a, b in zip(g, p, strict=True))
    return {
        "f1": float(f1_score(gold, predicted, **strict)),
        "precision": float(precision_score(gold, predicted, **strict)),
        "recall": float(recall_score(gold, predicted, **strict)),
        "macro_f1": float(f1_score(gold, predicted, average="macro", **strict)),
        "token_accuracy": same / tokens if tokens else 0.0,
    }


def per_type(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]
) -> dict[str, dict[str, float]]:
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    report = classification_report(
        [list(g) for g in gold],
        [list(p) for p in predicted],
        mode="strict",
        scheme=IOB2,
        output_dict=True,
        zero_division=0,
    )
    return {
        kind: {
            "precision": float(row["precision"]),
            "recall": float(row["recall"]),
            "f1": float(row["f1-score"]),
            "support": int(row["support"]),
        }
        for kind, row in sorted(report.items())
        if not kind.endswith(" avg")
    }


def error_analysis(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], types: Sequence[str]
) -> dict[str, Any]:
    """Counts of each error kind, the most frequent type confusions, and an entity confusion matrix
    (rows gold type, columns predicted type, matched on exact boundaries; "O" = no entity there)."""
    counts = Counter(
        {
            kind: 0
            for kind in ("correct", "type_confusion", "boundary", "type_and_boundary", "missed", "spurious")
        }
    )
    confusions: Counter[str] = Counter()
    names = [*types, "O"]
    index = {name: i for i, name in enumerate(names)}
    matrix = [[0] * len(names) for _ in names]
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        g_spans = tagging.read_spans(gold_tags, tagging.INTERNAL)[0]
        p_spans = tagging.read_spans(predicted_tags, tagging.INTERNAL)[0]
        p_at = {(s.start, s.end): s for s in p_spans}
        g_at = {(s.start, s.end): s for s in g_spans}
        for g in g_spans:
            same_place = p_at.get((g.start, g.end))
            column = same_place.label if same_place else "O"
            matrix[index.get(g.label, index["O"])][index.get(column, index["O"])] += 1
            if same_place is not None:
                if same_place.label == g.label:
                    counts["correct"] += 1
                else:
                    counts["type_confusion"] += 1
                    confusions[f"{g.label} -> {same_place.label}"] += 1
                continue
            overlapping = [p for p in p_spans if p.start < g.end and g.start < p.end]
            if any(p.label == g.label for p in overlapping):
                counts["boundary"] += 1
            elif overlapping:
                counts["type_and_boundary"] += 1
            else:
                counts["missed"] += 1
        for p in p_spans:
            if (p.start, p.end) not in g_at:
                matrix[index["O"]][index.get(p.label, index["O"])] += 1
                if not any(g.start < p.end and p.start < g.end for g in g_spans):
                    counts["spurious"] += 1
    return {
        "errors": dict(counts),
        "type_confusions": dict(confusions.most_common(10)),
        "confusion_matrix": {"labels": names, "matrix": matrix},
    }
