"""Replay: a share of each ancestor's training and validation rows, stratified by the task's key (class,
rarest label, rows with / without entities), mixed into the new training and validation rows. Torch-free."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from sklearn.model_selection import train_test_split

from vertune.data.prepare import Splits
from vertune.recipe import ContinualConfig
from vertune.tasks.base import Examples, Task


def sample_rows(task: Task, examples: Examples, share: float, seed: int) -> Examples:
    """`share` of the rows (at least one), stratified when every stratum has two rows or more."""
    n = len(examples)
    take = min(n, max(1, math.ceil(share * n)))
    if take >= n:
        return examples
    strata = task.stratify_key(examples)
    stratify = strata if min(Counter(strata).values()) >= 2 and take >= len(set(strata)) else None
    _, chosen = train_test_split(list(range(n)), test_size=take, random_state=seed, stratify=stratify)
    return examples.select(sorted(chosen))


def concatenate(first: Examples, *more: Examples) -> Examples:
    """The rows of every part, in order; `source` is the first part's (the new data's)."""
    parts = [first, *more]
    return Examples(
        first.source,
        [x for part in parts for x in part.inputs],
        [y for part in parts for y in part.targets],
        [line for part in parts for line in part.lines] if all(p.lines for p in parts) else [],
    )


def replay_splits(
    splits: Splits,
    earlier: Sequence[Splits | None],
    task: Task,
    config: ContinualConfig,
    seed: int,
    labels: list[str],
) -> Splits:
    """The new splits with replay's share of every ancestor's rows mixed in (`earlier`: their splits, None
    where unreadable): its training rows into train, its validation rows (its validation file, or the part it
    split off its training file, as it had them) into validation, both stratified, so early stopping and the
    kept checkpoint are chosen on the old classes as well as the new ones. Without replay (the penalties'
    setting: no old data kept) only the labels change (the grown ones)."""
    kept = [s for s in earlier if s is not None] if config.uses("replay") else []
    return Splits(
        concatenate(splits.train, *(sample_rows(task, s.train, config.replay, seed) for s in kept)),
        concatenate(splits.validation, *(sample_rows(task, s.validation, config.replay, seed) for s in kept)),
        splits.test,
        labels,
        splits.report,
    )
