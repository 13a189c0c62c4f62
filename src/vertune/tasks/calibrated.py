"""Temperature scaling for single-label tasks (classification, pair with classes): the run state, the
calibrated probabilities predict / serve return, and the calibration scores of the test split.

`tune` (after training, on validation logits) fits one temperature T (evaluate/calibration.calibrate) and
keeps it only when it lowers validation ECE; task.json then holds
`{"calibration": {"temperature", "use", "ece_before", "ece_after"}}`. `probabilities(logits)` divides by T
when it is used: the ranking (hence accuracy and F1) never changes, only the confidence. A run written
before calibration existed has no entry and reads as T = 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vertune.evaluate import calibration


class TemperatureScaled:
    """Mixin: the calibration state of a single-label task and what it changes."""

    calibration_state: dict[str, Any] | None = None

    @property
    def temperature(self) -> float:
        """The temperature predictions are divided by (1.0 when none was fitted or it did not help)."""
        state = self.calibration_state
        return float(state["temperature"]) if state and state.get("use") else 1.0

    def probabilities(self, logits: Any) -> np.ndarray:
        """Calibrated class probabilities of merged logits (one row per input)."""
        return calibration.softmax(np.asarray(logits, dtype=np.float64), self.temperature)

    def fit_calibration(self, logits: Any, target_ids: Sequence[int] | np.ndarray) -> None:
        """Fit T on validation logits; used only if it lowers validation ECE."""
        if len(target_ids) == 0:
            return
        fitted = calibration.calibrate(logits, target_ids)
        self.calibration_state = {key: float(v) if key != "use" else bool(v) for key, v in fitted.items()}

    def calibration_scores(self, logits: Any, target_ids: Sequence[int] | np.ndarray) -> dict[str, Any]:
        """`ece` (the probabilities predict returns), `ece_uncalibrated` (T = 1), and the reliability bins of
        both (the report's diagram); nothing for an empty split."""
        if len(target_ids) == 0:
            return {}
        raw = calibration.softmax(np.asarray(logits, dtype=np.float64))
        served = self.probabilities(logits)
        return {
            "ece": calibration.expected_calibration_error(served, target_ids),
            "ece_uncalibrated": calibration.expected_calibration_error(raw, target_ids),
            "reliability": {
                "uncalibrated": calibration.reliability(raw, target_ids),
                "calibrated": calibration.reliability(served, target_ids),
            },
            "temperature": self.temperature,
        }

    def calibration_state_json(self) -> dict[str, Any]:
        return {"calibration": dict(self.calibration_state)} if self.calibration_state else {}

    def load_calibration_state(self, state: dict[str, Any]) -> None:
        found = state.get("calibration")
        self.calibration_state = dict(found) if isinstance(found, dict) else None
