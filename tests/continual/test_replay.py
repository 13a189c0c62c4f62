"""Replay sampling: a stratified share of an ancestor's rows, at least one row, mixed into the new
training and validation rows."""

from __future__ import annotations

from collections import Counter

from vertune.continual.replay import concatenate, replay_splits, sample_rows
from vertune.data.prepare import Splits
from vertune.data.validate import DataReport
from vertune.recipe import ContinualConfig, DataConfig
from vertune.tasks import get_task
from vertune.tasks.base import Examples


def test_sample_is_stratified_seeded_and_concatenates():
    task = get_task("classification", DataConfig(train="x.csv"))
    rows = Examples(None, [f"t{i}" for i in range(100)], ["a"] * 80 + ["b"] * 20, list(range(2, 102)))
    sample = sample_rows(task, rows, 0.2, seed=1)
    assert Counter(sample.targets) == {"a": 16, "b": 4}
    assert sample.inputs == sample_rows(task, rows, 0.2, seed=1).inputs
    assert len(sample_rows(task, rows, 0.001, seed=1)) == 1 and len(sample_rows(task, rows, 1.0, 1)) == 100
    both = concatenate(rows.select([0, 1]), sample)
    assert len(both) == 22 and both.inputs[:2] == ["t0", "t1"] and len(both.lines) == 22


def _splits(prefix: str, train: list[str], validation: list[str], labels: list[str]) -> Splits:
    def rows(targets: list[str], role: str) -> Examples:
        return Examples(None, [f"{prefix}-{role}{i}" for i in range(len(targets))], targets, [])

    empty = Examples(None, [], [], [])
    return Splits(rows(train, "t"), rows(validation, "v"), empty, labels, DataReport())


def test_replay_mixes_each_ancestors_training_and_validation_rows_in():
    task = get_task("classification", DataConfig(train="x.csv"))
    new = _splits("new", ["c"] * 10, ["c"] * 4, ["c"])
    old = _splits("old", ["a"] * 40 + ["b"] * 10, ["a"] * 8 + ["b"] * 4, ["a", "b"])
    mixed = replay_splits(new, [old, None], task, ContinualConfig(replay=0.5), seed=3, labels=["a", "b", "c"])
    assert mixed.labels == ["a", "b", "c"] and mixed.test is new.test
    assert mixed.train.inputs[:10] == new.train.inputs and Counter(mixed.train.targets[10:]) == {
        "a": 20,
        "b": 5,
    }
    # the new validation rows first, then the same stratified share of the ancestor's validation rows
    assert mixed.validation.inputs[:4] == new.validation.inputs
    assert Counter(mixed.validation.targets[4:]) == {"a": 4, "b": 2}
    assert set(mixed.validation.inputs[4:]) <= set(old.validation.inputs)
    # without replay (the penalties alone) nothing of the ancestors is mixed in, validation included
    alone = replay_splits(new, [old], task, ContinualConfig(strategy="l2sp"), seed=3, labels=["a", "b", "c"])
    assert alone.train.inputs == new.train.inputs and alone.validation.inputs == new.validation.inputs
