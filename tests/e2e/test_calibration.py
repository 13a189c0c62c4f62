"""Temperature scaling end to end: fitted on validation, stored in task.json, used by predict, reported."""

import json

import numpy as np
import pytest

from vertune.evaluate.calibration import softmax
from vertune.run import RunDir

pytestmark = pytest.mark.e2e


def test_temperature_is_fitted_on_validation_stored_and_used_by_predict(trained_run):
    run = RunDir(trained_run)
    state = json.loads(run.task_state_path.read_text())["calibration"]
    assert state["temperature"] > 0 and isinstance(state["use"], bool)
    assert state["use"] == (state["ece_after"] < state["ece_before"])
    test = run.load_metrics()["test"]
    assert 0.0 <= test["ece"] <= 1.0 and 0.0 <= test["ece_uncalibrated"] <= 1.0
    assert test["temperature"] == pytest.approx(state["temperature"] if state["use"] else 1.0)
    assert sum(b["rows"] for b in test["reliability"]["calibrated"]) == test["examples"]

    from vertune.models.predictor import Predictor

    predictor = Predictor.from_run(trained_run)
    texts = ["The pills gave me a headache", "Worked well, no side effects"]
    logits = np.asarray(predictor.predictions(texts))
    expected = softmax(logits, test["temperature"]).max(axis=-1)
    assert [p["score"] for p in predictor.predict(texts)] == pytest.approx(expected.tolist())

    report = run.report_md.read_text(encoding="utf-8")
    assert "## Calibration" in report and "Test ECE" in report
    assert (run.plots_dir / "reliability.png").is_file()
