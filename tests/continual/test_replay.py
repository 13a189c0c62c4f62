"""Replay sampling: a stratified share of an ancestor's rows, at least one row."""

from __future__ import annotations

from collections import Counter

from vertune.continual.replay import concatenate, sample_rows
from vertune.recipe import DataConfig
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
