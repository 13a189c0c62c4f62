"""The data a deploy stage needs from a run: the run keeps no data, but its recipe names the files and the
seed, so `prepare_splits` reproduces the exact splits (after checking the files against the sha256 that
lineage.json recorded), with the rows a continued run replayed from its ancestors; `--data FILE` replaces
them with one labelled file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.data.prepare import Splits, prepare_splits
from vertune.data.readers import read_table
from vertune.errors import DataError, Problem
from vertune.recipe import Recipe
from vertune.run import RunDir
from vertune.tasks.base import Examples, Task


def run_splits(run: RunDir) -> Splits:
    """The run's train / validation / test splits, as training made them (a continued run's with the rows it
    replayed: a student distilled from it on its new rows alone would forget the old classes); a data file
    that changed since is a DataError naming it."""
    recipe = run.load_recipe()
    run.check_data_files()
    task, lineage = run.load_task(), run.load_lineage()
    splits = prepare_splits(recipe, task)
    labels = run.load_labels()
    if splits.labels != labels and set(splits.labels) <= set(labels) and lineage.get("ancestors"):
        splits.labels = labels  # a continued run: its head holds its ancestors' labels beside its own data's
    if splits.labels != labels:
        raise DataError(
            [
                Problem(
                    str(recipe.data.train),
                    None,
                    "the training file's labels differ from the run's labels.json (was the file changed?)",
                    "restore the file the run was trained on, or pass --data with a labelled file",
                )
            ]
        )
    return with_replayed_rows(run, recipe, task, lineage, splits)


def with_replayed_rows(
    run: RunDir, recipe: Recipe, task: Task, lineage: dict[str, Any], splits: Splits
) -> Splits:
    """A continued run's splits with replay's share of every ancestor's rows, rebuilt as `vertune continue`
    drew them (the same ancestors, files checked against their sha256, seed and share); other runs as they
    are."""
    if not lineage.get("continual", {}).get("replayed_rows") or not lineage.get("parent_run"):
        return splits
    from vertune.continual.lineage import ancestor_splits, ancestors
    from vertune.continual.replay import replay_splits

    earlier = [ancestor_splits(a) for a in ancestors(RunDir(lineage["parent_run"]))]
    rebuilt = replay_splits(splits, earlier, task, recipe.continual, recipe.training.seed, splits.labels)
    expected = len(splits.train) + int(lineage["continual"]["replayed_rows"])
    if len(rebuilt.train) != expected:
        raise DataError(
            [
                Problem(
                    str(run.lineage_path),
                    None,
                    f"the ancestors' data gives {len(rebuilt.train) - len(splits.train)} replayed rows, "
                    f"the run trained on {lineage['continual']['replayed_rows']} (was an ancestor run changed?)",
                    "restore the ancestor runs, or pass --data with a labelled file",
                )
            ]
        )
    return rebuilt


def labelled_file(run: RunDir, path: str | Path) -> Examples:
    """A labelled file in the run's columns, validated against the run's labels."""
    recipe = run.load_recipe()
    task = run.load_task()
    table = read_table(path)
    report = task.validate({"test": table}, recipe.data, None, None, labels=run.load_labels())
    report.raise_errors()
    return task.examples(table, recipe.data)


def examples_for(run: RunDir, role: str, data: str | Path | None) -> Examples:
    """One split of the run (`train` / `test`), or the given labelled file instead."""
    return labelled_file(run, data) if data is not None else getattr(run_splits(run), role)
