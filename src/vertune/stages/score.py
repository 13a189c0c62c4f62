"""The scoring stage: the model as saved in the run (exactly what a user loads) on labelled examples."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vertune.models.predictor import Predictor
from vertune.run import RunDir, write_json_atomic
from vertune.stages.data import Features
from vertune.tasks.base import Examples, Task


@dataclass
class Scored:
    """The detailed scores per role, and the predictions they were computed from (one per input)."""

    scores: dict[str, dict[str, Any]]
    predictions: dict[str, list[Any]]


def score_saved_model(
    run: RunDir,
    examples: Mapping[str, Examples],
    labels: list[str],
    task: Task | None = None,
    features: Features | None = None,
    tune_on: str | None = None,
    precision: str = "auto",
    batch_size: int = 64,
    quiet: bool = True,
) -> Scored:
    """The detailed scores per role of `examples`, with the predictions. `task` defaults to the run's own (run.load_task());
    `features` reuse encoded inputs; with `tune_on`, the task first tunes its decision settings
    (multilabel thresholds) on that role and the run's task.json is rewritten, so the other roles' scores
    stay unbiased."""
    predictor = Predictor.from_run(run.path, precision=precision, batch_size=batch_size)
    task = task or predictor.task
    predictions = {
        role: predictor.predictions_of(features[role], len(split), quiet=quiet)
        if features is not None
        else predictor.predictions(split.inputs, quiet=quiet)
        for role, split in examples.items()
    }
    if tune_on is not None:
        task.tune(predictions[tune_on], examples[tune_on].targets, labels)
        write_json_atomic(run.task_state_path, task.state())
    scores = {
        role: task.detailed(predictions[role], split.targets, labels) for role, split in examples.items()
    }
    return Scored(scores, predictions)
