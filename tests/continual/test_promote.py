"""The promotion gate's rows and the alias registry (torch-free)."""

from __future__ import annotations

import json

import pytest

from vertune.continual.promote import alias_path, gate, read_alias, record_promotion
from vertune.errors import RunDirError, VertuneError
from vertune.run import RunDir


def metrics(old_child: float, new_parent: float | None, new_child: float) -> dict:
    return {
        "recipe": {"task": "classification", "metric": "macro_f1"},
        "retention": {
            "old.csv": {"parent": 0.8, "child": old_child, "delta": old_child - 0.8},
            "new.csv": {"parent": new_parent, "child": new_child, "delta": None},
        },
        "continual": {"new_test_set": "new.csv"},
    }


def test_gate_rows_say_why():
    rows = gate(metrics(0.75, 0.5, 0.6), max_drop=1.0, min_gain=0.0)
    old, new = rows
    assert not old.passed and old.change_points == pytest.approx(-5.0) and old.role == "earlier"
    assert (
        old.line("macro_f1")
        == "FAIL: earlier test set old.csv: macro_f1 0.8000 -> 0.7500 (-5.00 points; drop <= 1)"
    )
    assert new.passed and new.change_points == pytest.approx(10.0)
    assert all(r.passed for r in gate(metrics(0.795, None, 0.6), 1.0, 0.0))  # 0.5 points, parent n/a
    assert not gate(metrics(0.8, 0.7, 0.6), 1.0, 0.0)[1].passed  # worse than the parent on the new set
    assert gate({"recipe": {"metric": "f1"}}, 1.0, 0.0) == []  # a first run has nothing to lose


def test_promotion_moves_the_alias_and_keeps_history(tmp_path):
    registry = tmp_path / "runs"
    with pytest.raises(RunDirError, match="no run is promoted"):
        read_alias(registry, "production")
    with pytest.raises(VertuneError):
        alias_path(registry, "../x")
    runs = [RunDir(tmp_path / name).create() for name in ("a", "b")]
    for run in runs:
        record_promotion(run, "production", registry, "macro_f1", 1.0, 0.0, [])
    alias = read_alias(registry, "production")
    assert alias["version"] == 2 and alias["run"] == str(runs[1].path.resolve())
    assert [h["version"] for h in alias["history"]] == [1, 2] and alias["replaces"] == str(
        runs[0].path.resolve()
    )
    record = json.loads((runs[1].path / "promotion.json").read_text())["promotions"][0]
    assert record["gate"] == {"metric": "macro_f1", "max_drop": 1.0, "min_gain": 0.0, "rows": []}
