"""The uncertainty stage: 95% bootstrap intervals of the test metrics and the paired comparison of the
fine-tuned model with each baseline on the same test rows (evaluate/intervals.py), for metrics.json's
`test.intervals` and `comparisons`.

Every built-in task: `rows_of` reduces a task's merged predictions to what the bootstrap resamples, one
entry per test row: a class id (classification, pair with classes), a number in the label's units
(regression, pair scores), a multi-hot row after the tuned thresholds (multilabel), or the IOB2 tags of a
whole sentence after constrained decoding (NER: sentences are resampled, not entities).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vertune.tasks.base import Examples, Task


def rows_of(task: Task, predictions: Any, labels: Sequence[str]) -> tuple[str, list[Any]] | None:
    """(kind, one entry per row) of merged predictions (the model's or a baseline's), or None for a task
    the bootstrap does not cover."""
    from vertune.tasks.multilabel import MultilabelTask
    from vertune.tasks.ner import NerTask
    from vertune.tasks.regression import RegressionTask

    if task.single_label:
        return "labels", [int(i) for i in np.asarray(predictions).argmax(axis=-1)]
    if isinstance(task, RegressionTask):
        return "numbers", [float(v) for v in task.values(predictions)]
    if isinstance(task, MultilabelTask):
        return "label_sets", task.decisions(predictions, labels)[1].tolist()
    if isinstance(task, NerTask):
        return "tags", [task.tags_of(p, labels) for p in predictions]
    return None


def gold_rows(task: Task, test: Examples, labels: Sequence[str]) -> list[Any]:
    """The gold targets in the form `rows_of` gives the predictions."""
    from vertune.tasks.multilabel import MultilabelTask

    if task.single_label:
        return [int(i) for i in task.target_ids(test.targets, labels)]
    if isinstance(task, MultilabelTask):
        return task.multi_hot(test.targets, labels).astype(bool).tolist()
    if test.targets and isinstance(test.targets[0], (int, float, str)):
        return [float(t) for t in test.targets]
    return list(test.targets)


def uncertainty(
    task: Task,
    test: Examples,
    labels: Sequence[str],
    predictions: Sequence[Any],
    baseline_predictions: Mapping[str, Any],
) -> tuple[dict[str, list[float]], dict[str, dict[str, Any]]]:
    """(intervals of the test metrics, comparisons with each baseline); both empty for tasks not covered."""
    model = rows_of(task, predictions, labels) if len(test) else None
    if model is None:
        return {}, {}
    from vertune.evaluate.intervals import uncertainty as bootstrap

    kind, model_rows = model
    baselines = {}
    for name, rows in baseline_predictions.items():
        found = rows_of(task, rows, labels)
        if found is not None:
            baselines[name] = found[1]
    return bootstrap(kind, model_rows, gold_rows(task, test, labels), baselines, metric=task.default_metric)
