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


def test_grouped_split_keeps_every_group_on_one_side():
    groups = [f"patient{i // 4}" for i in range(100)]  # 25 patients, 4 rows each
    rest, held = split_indices(LABELS, 0.2, seed=3, source=Path("t.csv"), role="test", groups=groups)
    assert sorted(rest + held) == list(range(100))
    assert not {groups[i] for i in rest} & {groups[i] for i in held}
    assert 10 <= len(held) <= 30
    with pytest.raises(DataError, match=r"data.group_column has 1 group"):
        split_indices(LABELS, 0.2, 3, Path("t.csv"), "test", groups=["one"] * 100)


def test_group_column_must_exist(tmp_path):
    from vertune.data.readers import read_table
    from vertune.data.split import group_lookup

    path = tmp_path / "t.csv"
    path.write_text("text,label,patient\na,x,p1\nb,y,p2\n", encoding="utf-8")
    table = read_table(path)
    assert group_lookup(table, "patient") == {2: "p1", 3: "p2"}
    assert group_lookup(table, None) is None
    with pytest.raises(DataError, match="group column 'customer' not found"):
        group_lookup(table, "customer")
