"""Seeded, stratified splits, so the same recipe and seed always give the same train / validation / test."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from sklearn.model_selection import train_test_split

from vertune.errors import DataError, Problem


def split_indices(
    strata: list[str], share: float, seed: int, source: Path | None, role: str
) -> tuple[list[int], list[int]]:
    """Split `share` of rows off (stratified by `strata` when every stratum has 2+ rows): (rest, split)."""
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
    stratify = strata if min(Counter(strata).values()) >= 2 else None
    rest, split = train_test_split(
        list(range(n_rows)), test_size=n_split, random_state=seed, shuffle=True, stratify=stratify
    )
    return sorted(rest), sorted(split)
