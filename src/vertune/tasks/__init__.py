"""Tasks: one module per task, each implementing the Task protocol in `vertune.tasks.base`.

Adding a task is one new module plus one entry here. Entries are import paths, so validating a recipe
does not import torch.
"""

from __future__ import annotations

import importlib

from vertune.recipe import DataConfig
from vertune.tasks.base import Task

TASKS: dict[str, str] = {
    "classification": "vertune.tasks.classification:ClassificationTask",
    "regression": "vertune.tasks.regression:RegressionTask",
    "multilabel": "vertune.tasks.multilabel:MultilabelTask",
    "pair": "vertune.tasks.pair:pair_task",
    "ner": "vertune.tasks.ner:NerTask",
}
TASK_NAMES = tuple(TASKS)


def get_task(name: str, data: DataConfig | None = None) -> Task:
    """The task `name`, set up by the recipe's data options (columns, long texts, pair target, ...)."""
    module, _, attribute = TASKS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)(data)


__all__ = ["TASKS", "TASK_NAMES", "Task", "get_task"]
