"""Seeded, stratified splits, so the same recipe and seed always give the same train / validation / test."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from vertune.data.readers import Table
from vertune.errors import DataError, Problem


def split_indices(
    strata: list[str],
    share: float,
    seed: int,
    source: Path | None,
    role: str,
    groups: Sequence[str] | None = None,
) -> tuple[list[int], list[int]]:
    """Split `share` of rows off (stratified by `strata` when every stratum has 2+ rows): (rest, split).
    With `groups` (`data.group_column`), every group stays on one side."""
    if groups is not None:
        return grouped_split_indices(strata, groups, share, seed, source, role)
    n_rows, n_classes = len(strata), len(set(strata))
    n_split = max(math.ceil(share * n_rows), n_classes)
    if n_rows - n_split < n_classes:
        raise DataError(
            [
                Problem(
                    str(source),
                    None,
                    f"too few rows ({n_rows}) to split a {role} set off with every one of {n_classes} classes",
                    f"add rows, or give a {role} file in data.{role}",
                )
            ]
        )
    from sklearn.model_selection import train_test_split  # lazy: `predict` imports this package, not sklearn

    stratify = strata if min(Counter(strata).values()) >= 2 else None
    rest, split = train_test_split(
        list(range(n_rows)), test_size=n_split, random_state=seed, shuffle=True, stratify=stratify
    )
    return sorted(rest), sorted(split)


def grouped_split_indices(
    strata: list[str], groups: Sequence[str], share: float, seed: int, source: Path | None, role: str
) -> tuple[list[int], list[int]]:
    """About `share` of the rows split off by whole groups (the same customer, patient or document never on
    both sides), stratified by `strata` as far as the groups allow: one fold of a StratifiedGroupKFold."""
    from sklearn.model_selection import StratifiedGroupKFold

    n_groups = len(set(groups))
    folds = min(max(2, round(1 / share)), n_groups)
    if n_groups < 2:
        raise DataError(
            [
                Problem(
                    str(source),
                    None,
                    f"data.group_column has {n_groups} group; a {role} set needs rows of another group",
                    f"check the column, or give a {role} file in data.{role}",
                )
            ]
        )
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    rest, split = next(splitter.split(list(range(len(strata))), strata, list(groups)))
    return sorted(int(i) for i in rest), sorted(int(i) for i in split)


def group_lookup(table: Table, column: str | None) -> dict[int, str] | None:
    """Line -> group value of a file's rows (`data.group_column`); None when no group column is set."""
    if column is None:
        return None
    if column not in table.columns:
        raise DataError(
            [
                Problem(
                    str(table.path),
                    None,
                    f"group column {column!r} not found (columns: {', '.join(table.columns)})",
                    "set data.group_column to one of the file's columns, or null",
                )
            ]
        )
    return {line: str(value) for line, value in zip(table.lines, table.column(column), strict=True)}


def groups_of(lookup: dict[int, str] | None, lines: Sequence[int]) -> list[str] | None:
    return None if lookup is None else [lookup[line] for line in lines]
