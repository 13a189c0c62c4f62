"""PSI and the drift monitor, against hand-computed values."""

import logging
import math

from vertune.deploy.serve.drift import DriftMonitor, psi

TRAIN = {
    "classes": {"positive": 60, "negative": 30, "neutral": 10},
    "median_tokens": 40,
    "longer_than_max_length": 0.1,
}


def test_psi_is_zero_for_the_same_distribution_and_matches_the_formula():
    assert psi([60, 30, 10], [6, 3, 1]) == 0
    expected = (0.2 - 0.6) * math.log(0.2 / 0.6) + (0.8 - 0.4) * math.log(0.8 / 0.4)
    assert math.isclose(psi([60, 40], [20, 80]), expected)


def test_monitor_stays_quiet_below_min_samples_and_on_training_like_traffic(caplog):
    monitor = DriftMonitor("m", TRAIN, max_length=64, min_samples=10)
    assert monitor.observe(["positive"] * 5, [10] * 5) == {}
    with caplog.at_level(logging.WARNING, logger="vertune.serve"):
        values = monitor.observe(
            ["positive"] * 55 + ["negative"] * 30 + ["neutral"] * 10, [10] * 50 + [50] * 40 + [64] * 5
        )
    assert values["label"] < 0.01
    assert values["length"] < 0.1
    assert not caplog.records


def test_monitor_warns_once_when_the_label_mix_shifts(caplog):
    monitor = DriftMonitor("m", TRAIN, max_length=64, min_samples=10)
    with caplog.at_level(logging.WARNING, logger="vertune.serve"):
        first = monitor.observe(["neutral"] * 50, [64] * 50)
        monitor.observe(["neutral"] * 10, [64] * 10)
    assert first["label"] > 0.2 and first["length"] > 0.2
    messages = [r.getMessage() for r in caplog.records]
    assert sum("label distribution" in m for m in messages) == 1
    assert sum("length distribution" in m for m in messages) == 1


def test_monitor_without_reference_reports_nothing():
    monitor = DriftMonitor("m", {}, max_length=64, min_samples=1)
    assert monitor.observe(["a"], [3]) == {}


def test_a_window_forgets_old_traffic_so_drift_can_clear():
    monitor = DriftMonitor("m", TRAIN, max_length=64, min_samples=10, window=20)
    shifted = monitor.observe(["neutral"] * 20, [64] * 20)
    assert shifted["label"] > 0.2
    for _ in range(4):  # training-like traffic pushes the shifted batch out of the window
        values = monitor.observe(
            ["positive"] * 6 + ["negative"] * 3 + ["neutral"], [10] * 5 + [50] * 4 + [64]
        )
    assert monitor.seen == 20 and values["label"] < 0.05
    assert "neutral" in monitor.labels and monitor.labels["neutral"] == 2
