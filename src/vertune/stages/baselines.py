"""The baselines stage: the recipe's baselines that apply to the task, on the run's splits and features."""

from __future__ import annotations

from typing import Any

from vertune.data.prepare import Splits
from vertune.events import Info, Subscriber, Warning
from vertune.recipe import Recipe
from vertune.stages.data import Features
from vertune.tasks.base import Task


def run_baselines(
    recipe: Recipe,
    task: Task,
    splits: Splits,
    features: Features,
    tokenizer: Any,
    precision: str,
    on_event: Subscriber,
    quiet: bool = True,
    vocab: Any = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Each requested baseline's test scores, and its test predictions (for the paired comparison); a
    requested one that does not apply is a warning."""
    from vertune.evaluate.baselines import run_baselines as run_each

    requested = recipe.evaluation.baselines or []
    names: list[str] = [name for name in requested if name in task.baselines]
    for name in sorted(set(requested) - set(names)):
        on_event(Warning(f"baseline {name} does not apply to task {task.name}; skipped"))
    on_event(Info("baselines: " + (", ".join(names) or "none")))
    return run_each(names, recipe, task, splits, features, task.collator(tokenizer), precision, quiet, vocab)
