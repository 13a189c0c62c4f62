"""Tasks: the task registry, torch-free.

A task is one module implementing the Task protocol (`vertune.tasks.base`; `BaseTask` gives the optional
members their defaults) plus one `register_task(TaskSpec(...))` line below: its recipe name, where its
factory lives ("module:Class", called with the recipe's `data` options and imported only when a run builds
the task), and what the recipe, `tune`, `compare` and the report need to know before any model is loaded
(`TaskInfo`: the headline metric, every metric name, the summary metrics, the baselines).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vertune.errors import RecipeError

if TYPE_CHECKING:
    from vertune.recipe import DataConfig
    from vertune.tasks.base import Task


@dataclass(frozen=True)
class TaskInfo:
    """What is known of a task without building it."""

    #: the headline metric: reports compare the fine-tuned model and the baselines on it
    default_metric: str
    #: every scalar that `scores` returns (training.metric_for_best may name any of them, or "loss")
    metric_names: tuple[str, ...]
    #: the few scalars the CLI prints after training and evaluation
    summary_metrics: tuple[str, ...]
    #: the baselines (evaluate/baselines.py) that make sense for the task
    baselines: tuple[str, ...]
    #: the estimator the baselines fit on their features (for the report), e.g. "logistic regression"
    baseline_estimator_name: str = ""
    #: whether a left-out body learning rate follows the training rows (`methods.default_learning_rate`):
    #: measured to help classification from ~1,000 rows (pair and regression ran at small sizes only;
    #: multilabel follows as a sequence-level task, unmeasured); on 1,800 NER sentences the one rate scored
    #: higher (bench/defaults.py, RESULTS.md "Training defaults"); generation and embedding were not measured
    size_dependent_learning_rate: bool = False


@dataclass(frozen=True)
class TaskSpec:
    name: str
    #: "module:Class" (or a factory function) called with the recipe's `data` options (or None)
    implementation: str
    info: TaskInfo
    #: for a task whose metrics depend on its data options (pair: a class or a score), the info per recipe
    info_for_data: Callable[[DataConfig | None], TaskInfo] | None = None

    def info_for(self, data: DataConfig | None) -> TaskInfo:
        return self.info_for_data(data) if self.info_for_data is not None else self.info

    def build(self, data: DataConfig | None) -> Task:
        module, _, attribute = self.implementation.partition(":")
        task: Task = getattr(importlib.import_module(module), attribute)(data)
        return task


TASKS: dict[str, TaskSpec] = {}


def register_task(spec: TaskSpec) -> TaskSpec:
    if spec.name in TASKS:
        raise ValueError(f"task {spec.name!r} is registered twice")
    TASKS[spec.name] = spec
    return spec


CLASSIFICATION = TaskInfo(
    default_metric="macro_f1",
    metric_names=(
        "accuracy",
        *(f"{average}_{kind}" for average in ("macro", "weighted") for kind in ("precision", "recall", "f1")),
    ),
    summary_metrics=("accuracy", "macro_f1", "weighted_f1"),
    baselines=("tfidf_logreg", "linear_probe"),
    baseline_estimator_name="logistic regression",
    size_dependent_learning_rate=True,
)
REGRESSION = TaskInfo(
    default_metric="rmse",
    metric_names=("rmse", "mae", "r2", "pearson", "spearman"),
    summary_metrics=("rmse", "mae", "pearson", "spearman"),
    baselines=("tfidf_ridge", "linear_probe"),
    baseline_estimator_name="ridge regression",
    size_dependent_learning_rate=True,
)
MULTILABEL = TaskInfo(
    default_metric="micro_f1",
    metric_names=(
        "subset_accuracy",
        "samples_f1",
        *(
            f"{average}_{kind}"
            for average in ("micro", "macro", "weighted")
            for kind in ("precision", "recall", "f1")
        ),
    ),
    summary_metrics=("micro_f1", "macro_f1", "subset_accuracy"),
    baselines=("tfidf_logreg", "linear_probe"),
    baseline_estimator_name="one-vs-rest logistic regression",
    size_dependent_learning_rate=True,
)
NER = TaskInfo(
    default_metric="f1",
    metric_names=("f1", "precision", "recall", "macro_f1", "token_accuracy"),
    summary_metrics=("f1", "precision", "recall"),
    baselines=("most_frequent_tag",),
    baseline_estimator_name="most frequent tag per word",
)

GENERATION = TaskInfo(
    default_metric="rouge_l",
    metric_names=(
        "exact_match",
        "rouge_l",
        "token_f1",
        "chrf",
        "bleu",
        "perplexity",
        "token_accuracy",
        "accuracy",
        "macro_f1",
    ),
    summary_metrics=("exact_match", "rouge_l", "perplexity"),
    baselines=("zero_shot", "few_shot"),
    baseline_estimator_name="the base model, prompted",
)


#: single texts with classes: also the zero-shot baseline (cosine to each label's name / description)
TEXT_CLASSIFICATION = replace(CLASSIFICATION, baselines=(*CLASSIFICATION.baselines, "zero_shot_embedding"))
EMBEDDING = TaskInfo(
    default_metric="mrr_at_10",
    metric_names=("recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "ndcg_at_10"),
    summary_metrics=("recall_at_1", "recall_at_10", "mrr_at_10", "ndcg_at_10"),
    baselines=("bm25", "untuned_encoder"),
    baseline_estimator_name="ranking",
)


def _pair_info(data: DataConfig | None) -> TaskInfo:
    return REGRESSION if data is not None and data.pair_target == "score" else CLASSIFICATION


register_task(
    TaskSpec("classification", "vertune.tasks.classification:ClassificationTask", TEXT_CLASSIFICATION)
)
register_task(TaskSpec("regression", "vertune.tasks.regression:RegressionTask", REGRESSION))
register_task(TaskSpec("multilabel", "vertune.tasks.multilabel:MultilabelTask", MULTILABEL))
register_task(TaskSpec("pair", "vertune.tasks.pair:pair_task", CLASSIFICATION, _pair_info))
register_task(TaskSpec("ner", "vertune.tasks.ner:NerTask", NER))
register_task(TaskSpec("embedding", "vertune.tasks.embedding:EmbeddingTask", EMBEDDING))
register_task(TaskSpec("generation", "vertune.tasks.generation:GenerationTask", GENERATION))

TASK_NAMES = tuple(TASKS)


def task_spec(name: str) -> TaskSpec:
    """The registered task `name`; a one-line RecipeError naming the known tasks otherwise."""
    if name not in TASKS:
        raise RecipeError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}")
    return TASKS[name]


def task_info(name: str, data: DataConfig | None = None) -> TaskInfo:
    """The task's metrics and baselines as the recipe's `data` options set it up, without building it."""
    return task_spec(name).info_for(data)


def get_task(name: str, data: DataConfig | None = None) -> Task:
    """The task `name`, set up by the recipe's data options (columns, long texts, pair target, ...)."""
    return task_spec(name).build(data)


__all__ = [
    "TASKS",
    "TASK_NAMES",
    "TaskInfo",
    "TaskSpec",
    "get_task",
    "register_task",
    "task_info",
    "task_spec",
]
