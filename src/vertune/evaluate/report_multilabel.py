"""The report's multi-label section: each label's tuned decision threshold and how often it was predicted."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vertune.run import RunDir


def plots(run: RunDir, metrics: Mapping[str, Any]) -> dict[str, Path]:
    return {}  # the shared per-class F1 plot covers the labels


CAPTIONS: dict[str, str] = {}


def blocks(metrics: Mapping[str, Any]) -> list[Any]:
    from vertune.evaluate.report import Heading, Paragraph, Table, _count, _score

    test = metrics.get("test")
    per_class = test.get("per_class") if isinstance(test, Mapping) else None
    if not isinstance(per_class, Mapping) or not all(
        isinstance(s, Mapping) and "threshold" in s for s in per_class.values()
    ):
        return []
    rows = [
        [
            str(label),
            f"{scores['threshold']:.2f}",
            _count(scores.get("predicted")) or "—",
            _count(scores.get("support")) or "—",
            _score(scores.get("f1")),
        ]
        for label, scores in per_class.items()
    ]
    return [
        Heading("Per-label decisions (test set)"),
        Paragraph(
            "A label is predicted when its sigmoid score reaches its threshold; each threshold was tuned on the "
            "validation split for that label's F1 (0.5 where validation had no positive), so validation scores "
            "are optimistic and the test scores are the estimate. Thresholds are kept in task.json and used by "
            "evaluate and predict. "
            f"Micro-F1 {_score(test.get('micro_f1'))}, macro-F1 {_score(test.get('macro_f1'))}, "
            f"exact-set accuracy {_score(test.get('subset_accuracy'))}."
        ),
        Table(["Label", "Threshold", "Predicted", "True", "F1"], rows),
    ]
