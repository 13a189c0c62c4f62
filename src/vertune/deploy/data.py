"""The data a deploy stage needs from a run: the run keeps no data, but its recipe names the files and the
seed, so `prepare_splits` reproduces the exact splits (after checking the files against the sha256 that
lineage.json recorded); `--data FILE` replaces them with one labelled file."""

from __future__ import annotations

from pathlib import Path

from vertune.data.prepare import Splits, prepare_splits
from vertune.data.readers import read_table
from vertune.errors import DataError, Problem
from vertune.run import RunDir
from vertune.tasks.base import Examples


def run_splits(run: RunDir) -> Splits:
    """The run's train / validation / test splits, as training made them; a data file that changed since
    is a DataError naming it."""
    recipe = run.load_recipe()
    run.check_data_files()
    splits = prepare_splits(recipe, run.load_task())
    labels = run.load_labels()
    if splits.labels != labels and set(splits.labels) <= set(labels) and run.load_lineage().get("ancestors"):
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
    return splits


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
