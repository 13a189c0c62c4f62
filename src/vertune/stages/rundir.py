"""Run-directory stages: open a run for training (new, resumed or replaced), open a run derived from a
parent (compress, continue), and write the files that describe a run before it trains."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from vertune.errors import RunDirError
from vertune.events import Subscriber, Warning
from vertune.recipe import Recipe
from vertune.run import RunDir, labels_file, write_json_atomic, write_text_atomic
from vertune.tasks.base import Task


def process_state() -> Any:
    """accelerate's view of the processes when launched with several (WORLD_SIZE > 1), else None."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    from accelerate import PartialState

    from vertune.hardware import pick_device

    return PartialState(cpu=pick_device().type == "cpu")  # as TrainingArguments(use_cpu=...) will


def empty_run(run: RunDir, overwrite: bool, hint: str) -> RunDir:
    """`run`, created and empty: an existing run there is replaced only with `overwrite`, and a directory
    that is not a run is never deleted. `hint` says how to go on when it already holds a run."""
    if run.path.exists() and any(run.path.iterdir()):
        if not overwrite:
            raise RunDirError(f"{run.path}: already holds a run; {hint}")
        if not run.recipe_path.exists() and not run.checkpoints_dir.exists():
            raise RunDirError(
                f"{run.path}: is not a vertune run directory; refusing to delete it with --overwrite"
            )
        shutil.rmtree(run.path)
    return run.create()


def open_run(recipe: Recipe, resume: bool, overwrite: bool, on_event: Subscriber) -> RunDir:
    """The recipe's output directory, ready to train into: with `resume`, the existing run (a warning for
    each recipe key that changed); else a new one (an old run replaced only with `overwrite`)."""
    assert recipe.output is not None
    run = RunDir(recipe.output)
    if resume:
        if run.latest_checkpoint() is None:
            raise RunDirError(f"{run.path}: no checkpoint to resume from; start the run without --resume")
        if run.recipe_path.exists():
            for change in recipe_changes(run.load_recipe(), recipe):
                on_event(Warning(f"resuming with a changed recipe: {change}"))
        return run
    return empty_run(
        run,
        overwrite,
        "pass --output DIR for a new one, --resume to continue it, or --overwrite to replace it",
    )


def write_run_files(run: RunDir, recipe: Recipe, task: Task, labels: list[str]) -> None:
    """What describes the run before it trains: recipe.yaml (defaults resolved), labels.json, task.json
    (the task's state so far), lineage.json (data hashes, versions, seed, machine)."""
    from vertune.train.lineage import build_lineage

    write_text_atomic(run.recipe_path, recipe.to_yaml())
    write_json_atomic(run.labels_path, labels_file(labels))
    write_json_atomic(run.task_state_path, task.state())
    write_json_atomic(run.lineage_path, build_lineage(recipe))


def open_derived_run(parent: RunDir, target: str | Path, overwrite: bool) -> RunDir:
    """A new run made from `parent`'s model (compress; later continue): empty, then given what belongs
    with the model (recipe, labels, task state) and a lineage.json that names the parent."""
    child = empty_run(RunDir(target), overwrite, "pass --output DIR for a new one or --overwrite")
    return child.inherit(parent)


def recipe_changes(before: Recipe, after: Recipe) -> list[str]:
    """Keys whose values differ between two recipes, as `key.path: old -> new`."""
    return _dict_changes(before.model_dump(mode="json"), after.model_dump(mode="json"))


def _dict_changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            changes += _dict_changes(a, b, f"{prefix}{key}.")
        elif a != b:
            changes.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return changes
