"""The data stage of a run: read every file, validate, and split into train / validation / test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vertune.data.augment import augment_train
from vertune.data.pii import redact_splits
from vertune.data.readers import Table, read_table
from vertune.data.split import group_lookup, groups_of, split_indices
from vertune.data.validate import DataReport
from vertune.errors import DataError
from vertune.models.limits import check_recipe_max_length
from vertune.recipe import Recipe
from vertune.tasks.base import Examples, Task


@dataclass
class Splits:
    train: Examples
    validation: Examples
    test: Examples
    labels: list[str]
    report: DataReport

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


def read_files(files: dict[str, Path | str | None]) -> dict[str, Table]:
    """Read each role's file (None = not given), reporting the problems of all of them at once."""
    tables: dict[str, Table] = {}
    problems = []
    for role, path in files.items():
        if path is None:
            continue
        try:
            tables[role] = read_table(path)
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    return tables


def prepare_splits(
    recipe: Recipe,
    task: Task,
    count_tokens: Callable[[list[str]], list[int]] | None = None,
    on_warnings: Callable[[DataReport], None] | None = None,
) -> Splits:
    """Validate the files (warnings go to `on_warnings`, errors raise) and split what is not given.
    First of all, a `training.max_length` longer than the model's positions is refused."""
    check_recipe_max_length(recipe.model, recipe.training.max_length)
    tables = read_files({role: getattr(recipe.data, role) for role in ("train", "validation", "test")})
    report = task.validate(tables, recipe.data, count_tokens, recipe.training.max_length)
    if on_warnings is not None:
        on_warnings(report)
    report.raise_errors()
    examples = {role: task.examples(table, recipe.data) for role, table in tables.items()}
    redacted = redact_splits(examples.values(), recipe.task, recipe.data)
    if redacted:
        report.stats.setdefault("train", {})["redacted"] = dict(redacted)
    train = examples["train"]
    labels = task.labels(train)  # before splitting, so a rare class split away from train keeps its id
    seed = recipe.data.split_seed if recipe.data.split_seed is not None else recipe.training.seed
    test = examples.get("test")
    groups = group_lookup(tables["train"], recipe.data.group_column)
    if test is None:
        rest, held = split_indices(
            task.stratify_key(train),
            recipe.data.test_size,
            seed,
            train.source,
            "test",
            groups=groups_of(groups, train.lines),
        )
        train, test = train.select(rest), train.select(held)
    validation = examples.get("validation")
    if validation is None:
        rest, held = split_indices(
            task.stratify_key(train),
            recipe.data.validation_size,
            seed,
            train.source,
            "validation",
            groups=groups_of(groups, train.lines),
        )
        train, validation = train.select(rest), train.select(held)
    train = augment_train(train, recipe.data.augment, recipe.task, seed)  # training rows only
    return Splits(train, validation, test, labels, report)
