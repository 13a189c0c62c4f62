"""Retention arithmetic: the table, forgetting, the lineage's matrix and backward transfer."""

from __future__ import annotations

import pytest

from vertune.continual.retention import backward_transfer, drop, forgetting, matrix_rows, retention_table


def test_table_and_forgetting_in_both_directions():
    table = retention_table({"a": 0.9, "b": 0.7, "new": None}, {"a": 0.85, "b": 0.75, "new": 0.6})
    assert table["a"]["delta"] == pytest.approx(-0.05) and table["new"] == {
        "parent": None,
        "child": 0.6,
        "delta": None,
    }
    assert forgetting("macro_f1", table, "new") == pytest.approx(0.05)
    assert drop("rmse", 1.0, 1.2) == pytest.approx(0.2) and drop("accuracy", 0.5, None) is None
    assert forgetting("macro_f1", {"new": table["new"]}, "new") is None


def test_matrix_rows_replace_the_parents_old_row_and_backward_transfer():
    earlier = [
        {"model": "g", "test_set": "t1", "scores": {"t1": 0.9}},
        {"model": "p-then", "test_set": "t2", "scores": {"t1": 0.8, "t2": 0.7}},
    ]
    rows = matrix_rows(
        earlier,
        ("p", "t2", {"t1": 0.8, "t2": 0.7, "t3": None}),
        ("c", "t3", {"t1": 0.85, "t2": 0.6, "t3": 0.9}),
    )
    assert [r["model"] for r in rows] == ["g", "p", "c"]
    # (0.85 - 0.9) and (0.6 - 0.7): both earlier models' own test sets
    assert backward_transfer("macro_f1", rows) == pytest.approx(-0.075)
    assert backward_transfer("macro_f1", rows[:1]) is None
