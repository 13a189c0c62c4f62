"""The metrics stage: metrics.json for every kind of run (trained, evaluated, compressed) is built and
written here and nowhere else, through the versioned schema (vertune.metrics_schema), then the report is
written from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune import metrics_schema
from vertune.metrics_schema import RunMetrics, parse_metrics
from vertune.recipe import Recipe
from vertune.run import RunDir
from vertune.tasks.base import Task


def recipe_section(recipe: Recipe, task: Task, **extra: Any) -> dict[str, Any]:
    """metrics.json's `recipe`: model, task, the task's headline and summary metrics, and `extra`
    (output, method, parent, data, ...)."""
    return {
        "model": recipe.model.name,
        "task": recipe.task,
        "metric": task.default_metric,
        "summary_metrics": list(task.summary_metrics),
        **extra,
    }


def build_metrics(
    recipe: dict[str, Any],
    test: dict[str, Any],
    *,
    validation: dict[str, Any] | None = None,
    baselines: dict[str, Any] | None = None,
    train: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    vocabulary: dict[str, Any] | None = None,
    compression: dict[str, Any] | None = None,
    comparisons: dict[str, Any] | None = None,
    retention: dict[str, Any] | None = None,
    continual: dict[str, Any] | None = None,
    pretrain: dict[str, Any] | None = None,
) -> RunMetrics:
    """metrics.json's content, validated against the schema; the sections a kind of run does not have
    are left out."""
    sections = {
        "recipe": recipe,
        "validation": validation,
        "test": test,
        "baselines": baselines,
        "train": train,
        "compression": compression,
        "data": data,
        "vocabulary": vocabulary or None,
        "comparisons": comparisons or None,
        "retention": retention,
        "continual": continual,
        "pretrain": pretrain or None,
    }
    return parse_metrics({name: s for name, s in sections.items() if s is not None}, "metrics.json")


def write_metrics(run: RunDir, metrics: RunMetrics) -> dict[str, Any]:
    """Write the run's metrics.json; its JSON content, as the verbs return it."""
    metrics_schema.write_metrics(run.metrics_path, metrics)
    return metrics.to_json()


def write_metrics_and_report(
    run: RunDir, metrics: RunMetrics, log: list[dict[str, Any]] | None = None
) -> tuple[dict[str, Any], dict[str, Path]]:
    """metrics.json, then the plots, report.md and report.html made from it (and the run's log)."""
    from vertune.evaluate.report import write_report

    content = write_metrics(run, metrics)
    return content, write_report(run, content, log or [])
