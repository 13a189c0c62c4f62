"""The temperature-scaling state of single-label tasks, on synthetic overconfident logits."""

import numpy as np

from vertune.tasks.classification import ClassificationTask


def overconfident(rows: int, seed: int) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(rows, 3)) * 1.5
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    gold = [["a", "b", "c"][rng.choice(3, p=p)] for p in probabilities]
    return logits * 4.0, gold


def test_tune_fits_a_temperature_that_lowers_ece_and_survives_task_json() -> None:
    labels = ["a", "b", "c"]
    logits, gold = overconfident(2000, seed=1)
    task = ClassificationTask()
    before = task.detailed(logits, gold, labels)
    assert before["ece"] == before["ece_uncalibrated"] and before["temperature"] == 1.0
    task.tune(logits, gold, labels)
    state = task.state()["calibration"]
    assert state["use"] and state["temperature"] > 2.0  # undoes the x4 overconfidence
    test_logits, test_gold = overconfident(2000, seed=2)
    after = task.detailed(test_logits, test_gold, labels)
    assert after["ece"] < after["ece_uncalibrated"] / 2
    assert after["accuracy"] == task.detailed(test_logits, test_gold, labels)["accuracy"]

    restored = ClassificationTask()
    restored.load_state(task.state())
    decoded = restored.decode(test_logits[:3], ["x"] * 3, labels)
    plain = ClassificationTask().decode(test_logits[:3], ["x"] * 3, labels)
    assert [d["label"] for d in decoded] == [d["label"] for d in plain]  # ranking unchanged
    assert all(d["score"] < p["score"] for d, p in zip(decoded, plain, strict=True))  # less confident


def test_an_old_task_json_without_calibration_reads_as_temperature_one() -> None:
    task = ClassificationTask()
    task.load_state({})
    assert task.temperature == 1.0 and task.state() == {}
