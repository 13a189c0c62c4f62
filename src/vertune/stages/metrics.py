"""The metrics stage: metrics.json for every kind of run (trained, evaluated, compressed) is built and
written here and nowhere else, then the report is written from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.recipe import Recipe
from vertune.run import RunDir, write_json_atomic
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
) -> dict[str, Any]:
    """The content of metrics.json; the sections a kind of run does not have are left out."""
    sections = {
        "recipe": recipe,
        "validation": validation,
        "test": test,
        "baselines": baselines,
        "train": train,
        "compression": compression,
        "data": data,
        "vocabulary": vocabulary or None,
    }
    return {name: section for name, section in sections.items() if section is not None}


def write_metrics(run: RunDir, metrics: dict[str, Any]) -> None:
    write_json_atomic(run.metrics_path, metrics)


def write_metrics_and_report(
    run: RunDir, metrics: dict[str, Any], log: list[dict[str, Any]] | None = None
) -> dict[str, Path]:
    """metrics.json, then the plots, report.md and report.html made from it (and the run's log)."""
    from vertune.evaluate.report import write_report

    write_metrics(run, metrics)
    return write_report(run, metrics, log or [])
