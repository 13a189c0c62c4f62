"""ECE, reliability bins and temperature scaling on synthetic logits with a known miscalibration."""

from __future__ import annotations

import numpy as np
import pytest

from vertune.evaluate import calibration


def overconfident(rows: int, seed: int, scale: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose softmax is calibrated, multiplied by `scale` (an overconfident model)."""
    rng = np.random.default_rng(seed)
    true_logits = rng.normal(size=(rows, 3)) * 1.5
    probabilities = calibration.softmax(true_logits)
    gold = np.array([rng.choice(3, p=p) for p in probabilities])
    return true_logits * scale, gold


def test_perfect_and_known_ece() -> None:
    assert calibration.expected_calibration_error([[1.0, 0.0], [0.0, 1.0]], [0, 1]) == 0.0
    # both rows at confidence 0.8, one right: |0.5 - 0.8| = 0.3
    assert calibration.expected_calibration_error([[0.8, 0.2], [0.8, 0.2]], [0, 1]) == pytest.approx(0.3)
    table = calibration.reliability([[0.8, 0.2], [0.8, 0.2]], [0, 1])
    assert len(table) == 1 and table[0]["rows"] == 2 and table[0]["accuracy"] == 0.5


def test_temperature_undoes_overconfidence() -> None:
    logits, gold = overconfident(3000, seed=0)
    temperature = calibration.fit_temperature(logits, gold)
    assert temperature == pytest.approx(4.0, rel=0.15)
    result = calibration.calibrate(logits, gold)
    assert result["use"] and result["ece_after"] < result["ece_before"] / 2
    # the ranking (hence accuracy) is unchanged
    assert (calibration.softmax(logits, temperature).argmax(-1) == logits.argmax(-1)).all()


def test_calibrated_logits_keep_temperature_near_one() -> None:
    logits, gold = overconfident(3000, seed=1, scale=1.0)
    assert calibration.fit_temperature(logits, gold) == pytest.approx(1.0, rel=0.15)
