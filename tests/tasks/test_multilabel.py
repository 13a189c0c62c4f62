import json

import numpy as np
import pytest

from vertune.data.readers import Table
from vertune.recipe import DataConfig
from vertune.tasks import get_task
from vertune.tasks.multilabel import parse_labels

LABELS = ["Acne", "negative", "positive"]


def table(path, labels):
    n = len(labels)
    return Table(
        path,
        ["text", "labels"],
        {"text": [f"text {i}" for i in range(n)], "labels": labels},
        list(range(2, n + 2)),
    )


@pytest.fixture
def task():
    return get_task("multilabel", DataConfig(train="x.csv", label_column="labels"))


def test_labels_from_lists_json_text_and_delimited_strings():
    assert parse_labels(["a", " b", "a"], "|") == ["a", "b"]
    assert parse_labels('["a", "b"]', "|") == ["a", "b"]
    assert parse_labels("a| b |", "|") == ["a", "b"]
    assert parse_labels("a;b", ";") == ["a", "b"]
    assert parse_labels("[]", "|") == [] and parse_labels(" | ", "|") == []


def test_empty_label_list_and_unknown_labels_are_errors_with_lines(task, tmp_path):
    data = DataConfig(train=tmp_path / "t.csv", label_column="labels")
    splits = {
        "train": table(tmp_path / "train.csv", ["positive|Acne", "[]", "negative"]),
        "test": table(tmp_path / "test.csv", ["positive|Insomnia"]),
    }
    messages = [str(p) for p in task.validate(splits, data, None, None).errors]
    assert any("train.csv:3" in m and "empty label list" in m for m in messages), messages
    assert any("test.csv:2" in m and "'Insomnia'" in m for m in messages), messages


def test_thresholds_are_tuned_per_label_and_survive_the_run_state(task):
    targets = [["positive"], ["positive", "Acne"], ["negative"], ["negative", "Acne"]] * 3
    # Acne scores 0.3-0.4 when present: a 0.5 threshold misses it, a tuned one does not.
    probabilities = np.array([[0.1, 0.1, 0.9], [0.35, 0.1, 0.9], [0.1, 0.9, 0.1], [0.3, 0.9, 0.1]] * 3)
    logits = np.log(probabilities / (1 - probabilities))
    assert task.scores(logits, targets, LABELS)["macro_f1"] < 1.0
    few = get_task("multilabel")
    few.tune(logits[:4], targets[:4], LABELS)  # two Acne positives: too few to move its threshold
    assert few.thresholds["Acne"] == 0.5
    task.tune(logits, targets, LABELS)
    assert 0.1 < task.thresholds["Acne"] <= 0.3 and task.thresholds["positive"] == 0.5
    restored = get_task("multilabel")
    restored.load_state(json.loads(json.dumps(task.state())))
    assert restored.scores(logits, targets, LABELS)["macro_f1"] == 1.0
    decoded = restored.decode(logits, ["a"] * 4, LABELS)
    assert decoded[1]["labels"] == ["Acne", "positive"]
    detailed = restored.detailed(logits, targets, LABELS)
    assert detailed["per_class"]["Acne"]["threshold"] == task.thresholds["Acne"]
    assert detailed["subset_accuracy"] == 1.0


def test_targets_are_multi_hot(task):
    from vertune.tasks.base import Examples

    values = task.target_values(Examples(None, ["a", "b"], [["positive", "Acne"], ["negative"]]), LABELS)
    assert values == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
