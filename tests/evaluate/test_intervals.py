"""Bootstrap intervals and the verdict against a baseline, on synthetic predictions (fast)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn.metrics import f1_score

from vertune.evaluate import intervals
from vertune.evaluate.intervals import BEATS, LOSES, TIES


def noisy(gold: np.ndarray, error_rate: float, classes: int, seed: int) -> np.ndarray:
    """Predictions that are wrong on about `error_rate` of the rows."""
    rng = np.random.default_rng(seed)
    wrong = rng.random(len(gold)) < error_rate
    return np.where(wrong, (gold + rng.integers(1, classes, len(gold))) % classes, gold)


@pytest.fixture
def gold() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 3, 400)


def test_macro_f1_matches_sklearn_on_every_resample(gold: np.ndarray) -> None:
    predicted = noisy(gold, 0.3, 3, seed=2)
    indices = intervals.resample_indices(len(gold), resamples=20, seed=3)
    ours = intervals.macro_f1(predicted, gold)(indices)
    theirs = [f1_score(gold[row], predicted[row], average="macro") for row in indices]
    np.testing.assert_allclose(ours, theirs)
    assert intervals.point(intervals.macro_f1(predicted, gold), len(gold)) == pytest.approx(
        f1_score(gold, predicted, average="macro")
    )


def test_intervals_hold_the_point_estimate_and_shrink_with_more_rows(gold: np.ndarray) -> None:
    predicted = noisy(gold, 0.2, 3, seed=2)
    small = intervals.metric_intervals(intervals.classification_statistics(predicted[:100], gold[:100]), 100)
    large = intervals.metric_intervals(intervals.classification_statistics(predicted, gold), len(gold))
    accuracy = float(np.mean(predicted == gold))
    assert large["accuracy"][0] < accuracy < large["accuracy"][1]
    assert large["macro_f1"][1] - large["macro_f1"][0] < small["macro_f1"][1] - small["macro_f1"][0]
    # seeded: the same numbers every time
    assert large == intervals.metric_intervals(
        intervals.classification_statistics(predicted, gold), len(gold)
    )


def test_verdicts(gold: np.ndarray) -> None:
    good, bad = noisy(gold, 0.1, 3, seed=2), noisy(gold, 0.4, 3, seed=4)
    close = noisy(gold, 0.11, 3, seed=5)
    found, versus = intervals.uncertainty(
        "labels", good, gold, {"weak": bad, "close": close, "good": good}, "macro_f1"
    )
    assert set(found) == {"accuracy", "macro_f1"}
    assert versus["weak"]["verdict"] == BEATS and versus["weak"]["p_value"] < 0.01
    assert versus["weak"]["interval"][0] > 0 < versus["weak"]["difference"]
    assert versus["close"]["verdict"] == TIES and versus["close"]["p_value"] > 0.05
    assert versus["good"] == {
        "metric": "macro_f1",
        "difference": 0.0,
        "interval": [0.0, 0.0],
        "p_value": 1.0,
        "verdict": TIES,
        "test": "paired bootstrap",
    }
    losing = intervals.uncertainty("labels", bad, gold, {"strong": good}, metric="accuracy")[1]["strong"]
    assert losing["verdict"] == LOSES and losing["test"] == "mcnemar" and losing["p_value"] < 0.01


def test_lower_is_better_flips_the_verdict() -> None:
    rng = np.random.default_rng(0)
    true = rng.normal(size=300)
    close, far = true + rng.normal(scale=0.1, size=300), true + rng.normal(scale=1.0, size=300)
    found, versus = intervals.uncertainty("numbers", close, true, {"far": far}, "rmse")
    assert found["rmse"][0] < found["rmse"][1] and set(found) == {"rmse", "mae", "r2", "pearson"}
    result = versus["far"]
    assert result["difference"] < 0 and result["verdict"] == BEATS


def test_ner_resamples_whole_sentences() -> None:
    gold = [["B-PER", "I-PER", "O"], ["B-LOC", "O"], ["O", "B-ORG"]] * 20
    predicted = [["B-PER", "I-PER", "O"], ["B-LOC", "O"], ["O", "O"]] * 20
    counts = intervals.entity_counts(gold, predicted)
    assert counts[:3].tolist() == [[1, 1, 1], [1, 1, 1], [0, 0, 1]]
    statistic = intervals.ner_statistics(predicted, gold)["f1"]
    assert intervals.point(statistic, len(gold)) == pytest.approx(0.8)  # P = 1, R = 2/3
    low, high = intervals.metric_intervals({"f1": statistic}, len(gold))["f1"]
    assert low < 0.8 < high


def test_a_thousand_resamples_of_five_thousand_rows_are_fast() -> None:
    gold = np.random.default_rng(0).integers(0, 10, 5000)
    predicted = noisy(gold, 0.3, 10, seed=1)
    start = time.perf_counter()
    intervals.metric_intervals(intervals.classification_statistics(predicted, gold), len(gold))
    assert time.perf_counter() - start < 3  # about 0.3 s on one idle core
