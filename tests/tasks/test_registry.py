"""The task registry: metadata without building a task, the same metadata on the built task."""

from pathlib import Path

import pytest

from vertune.recipe import DataConfig
from vertune.tasks import CLASSIFICATION, REGRESSION, TASKS, TaskSpec, get_task, register_task, task_info


def test_pair_metadata_follows_the_pair_target():
    assert task_info("pair") == CLASSIFICATION
    assert task_info("pair", DataConfig(train=Path("x.csv"), pair_target="score")) == REGRESSION


@pytest.mark.parametrize("name", list(TASKS))
def test_a_built_task_reports_its_registered_metadata(name):
    task = get_task(name)
    assert task.info == task_info(name) and task.name == name
    assert task.default_metric in task.metric_names and set(task.summary_metrics) <= set(task.metric_names)


def test_registering_a_name_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        register_task(TaskSpec("ner", "vertune.tasks.ner:NerTask", CLASSIFICATION))
