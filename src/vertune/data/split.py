"""Seeded, stratified splits, so the same recipe and seed always give the same train / validation / test."""

from __future__ import annotations

import math
from collections import Counter

from sklearn.model_selection import train_test_split

from vertune.data.readers import Table
from vertune.errors import DataError, Problem


def split_off(table: Table, labels: list[str], share: float, seed: int, role: str) -> tuple[Table, Table]:
    """Split `share` of the rows off `table` (stratified by `labels`): returns (rest, split)."""
    n_classes = len(set(labels))
    n_split = max(math.ceil(share * len(table)), n_classes)
    if len(table) - n_split < n_classes:
        raise DataError(
            [
                Problem(
                    str(table.path),
                    None,
                    f"too few rows ({len(table)}) to split a {role} set off with every one of {n_classes} classes",
                    f"add rows, or give a {role} file in data.{role}",
                )
            ]
        )
    stratify = labels if min(Counter(labels).values()) >= 2 else None
    rest, split = train_test_split(
        list(range(len(table))), test_size=n_split, random_state=seed, shuffle=True, stratify=stratify
    )
    return table.select(sorted(rest)), table.select(sorted(split))
