"""Retention arithmetic: the table, forgetting, the lineage's matrix and backward transfer."""

from __future__ import annotations

import numpy as np
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


def test_an_old_set_is_judged_on_its_own_classes():
    from sklearn.metrics import precision_recall_fscore_support

    from vertune.continual.retention import set_score
    from vertune.tasks import get_task

    # An old test set (classes 0 and 1 only) scored by a child that learnt class 2: one row went to class 2.
    labels, gold = ["a", "b", "new"], ["a", "a", "b", "b"]
    logits = np.eye(3)[[0, 0, 1, 2]]
    scores = get_task("classification").detailed(logits, gold, labels)
    assert scores["macro_f1"] == pytest.approx((1 + 2 / 3 + 0) / 3)  # sklearn's: "new" counts as an F1 of 0
    _, _, f1, _ = precision_recall_fscore_support([0, 0, 1, 1], [0, 0, 1, 2], labels=[0, 1], zero_division=0)
    assert set_score(scores, "macro_f1") == pytest.approx(f1.mean()) == pytest.approx((1 + 2 / 3) / 2)
    # the stray row still costs: "b" lost half its recall
    assert set_score(scores, "accuracy") == scores["accuracy"] == 0.75
