import numpy as np
import pytest

from vertune.data.readers import Table
from vertune.recipe import DataConfig
from vertune.tasks import get_task
from vertune.tasks.base import Examples
from vertune.tasks.regression import parse_number, regression_metrics


def table(path, rows):
    return Table(
        path,
        ["text", "score"],
        {"text": [r[0] for r in rows], "score": [r[1] for r in rows]},
        list(range(2, len(rows) + 2)),
    )


@pytest.fixture
def task():
    return get_task("regression", DataConfig(train="x.csv", label_column="score"))


def test_parse_number():
    assert parse_number("7") == 7.0 and parse_number(" 3.5 ") == 3.5 and parse_number(2) == 2.0
    assert parse_number("ten") is None and parse_number("nan") is None and parse_number(True) is None


def test_non_numeric_labels_are_errors_with_file_and_line(task, tmp_path):
    data = DataConfig(train=tmp_path / "t.csv", label_column="score")
    report = task.validate(
        {"train": table(tmp_path / "t.csv", [("a", "1"), ("b", "ten"), ("c", "inf")])}, data, None, None
    )
    messages = [str(p) for p in report.errors]
    assert any("t.csv:3" in m and "'ten'" in m and "is not a number" in m for m in messages), messages
    assert any("t.csv:4" in m for m in messages)


def test_scaling_is_learnt_on_train_stored_and_undone(task):
    train = Examples(None, ["a", "b", "c"], [2.0, 4.0, 6.0], [2, 3, 4])
    task.fit_targets(train)
    scaled = task.target_values(train, ["value"])
    assert np.allclose(np.mean(scaled), 0.0) and np.allclose(np.std(scaled), 1.0)
    restored = get_task("regression")
    restored.load_state(task.state())
    outputs = [np.array([v]) for v in scaled]
    assert np.allclose(restored.values(outputs), [2.0, 4.0, 6.0])
    assert restored.decode(outputs, train.inputs, ["value"])[0] == {"value": pytest.approx(2.0)}
    assert restored.scores(outputs, train.targets, ["value"])["rmse"] == pytest.approx(0.0, abs=1e-9)


def test_metrics_in_original_units():
    metrics = regression_metrics(np.array([1.0, 2.0, 4.0]), np.array([1.0, 3.0, 3.0]))
    assert metrics["mae"] == pytest.approx(2 / 3) and metrics["rmse"] == pytest.approx(np.sqrt(2 / 3))
    assert -1 <= metrics["pearson"] <= 1 and -1 <= metrics["spearman"] <= 1
    assert (
        regression_metrics(np.array([1.0, 1.0]), np.array([1.0, 2.0]))["pearson"] == 0.0
    )  # constant: defined


def test_splits_stratify_by_value_band(task):
    keys = task.stratify_key(Examples(None, list("abcdefghij"), list(range(10)), []))
    assert len(set(keys)) == 5 and keys == sorted(keys)
