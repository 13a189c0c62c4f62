from collections import Counter
from pathlib import Path

import pytest

from vertune.data.split import split_indices
from vertune.errors import DataError

LABELS = ["a"] * 50 + ["b"] * 30 + ["c"] * 20


def test_split_is_seeded_stratified_and_complete():
    rest, held = split_indices(LABELS, 0.2, seed=3, source=Path("t.csv"), role="test")
    assert split_indices(LABELS, 0.2, seed=3, source=Path("t.csv"), role="test") == (rest, held)
    assert sorted(rest + held) == list(range(100))
    assert Counter(LABELS[i] for i in held) == {"a": 10, "b": 6, "c": 4}
    assert split_indices(LABELS, 0.2, seed=4, source=Path("t.csv"), role="test") != (rest, held)


def test_split_keeps_every_class_and_refuses_when_too_small():
    _, held = split_indices(["a", "a", "b", "b", "c", "c", "c"], 0.1, 0, Path("t.csv"), "validation")
    assert len(held) == 3  # at least one row per class
    with pytest.raises(DataError, match="too few rows"):
        split_indices(["a", "b", "c"], 0.5, 0, Path("t.csv"), "validation")
