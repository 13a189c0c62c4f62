"""Tasks: one module per task, each implementing the Task protocol in `vertune.tasks.base`.

Adding a task is one new module plus one entry here. Entries are import paths, so validating a recipe
does not import torch.
"""

from __future__ import annotations

import importlib

from vertune.tasks.base import Task

TASKS: dict[str, str] = {
    "classification": "vertune.tasks.classification:ClassificationTask",
    "ner": "vertune.tasks.ner:NerTask",
}
TASK_NAMES = tuple(TASKS)


def get_task(name: str) -> Task:
    module, _, attribute = TASKS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)()


__all__ = ["TASKS", "TASK_NAMES", "Task", "get_task"]
