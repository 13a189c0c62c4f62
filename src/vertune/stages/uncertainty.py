"""The uncertainty stage: 95% bootstrap intervals of the test metrics and the paired comparison of the
fine-tuned model with each baseline on the same test rows (evaluate/intervals.py), for metrics.json's
`test.intervals` and `comparisons`.

Single-label tasks (classification, pair with pair_target: class) so far: their predictions reduce to one class
id per input. Regression, multilabel and NER runs get neither section yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vertune.tasks.base import Examples, Task


def uncertainty(
    task: Task,
    test: Examples,
    labels: Sequence[str],
    predictions: Sequence[Any],
    baseline_predictions: Mapping[str, Any],
) -> tuple[dict[str, list[float]], dict[str, dict[str, Any]]]:
    """(intervals of the test metrics, comparisons with each baseline); both empty for tasks not covered."""
    if not task.single_label or len(test) == 0:
        return {}, {}
    from vertune.evaluate.intervals import uncertainty as bootstrap

    def class_ids(rows: Any) -> list[int]:
        return [int(i) for i in np.asarray(rows).argmax(axis=-1)]

    return bootstrap(
        "labels",
        class_ids(predictions),
        [int(i) for i in task.target_ids(test.targets, labels)],
        {name: class_ids(rows) for name, rows in baseline_predictions.items()},
        metric=task.default_metric,
    )
