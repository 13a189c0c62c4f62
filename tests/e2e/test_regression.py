"""`task: regression` through the CLI: train, predict, evaluate, predict --file, and a non-numeric label."""

import csv
import json

import pytest

from helpers import FIXTURES, vertune, write_recipe
from vertune.run import RunDir

pytestmark = pytest.mark.e2e

TRAIN, TEST = FIXTURES / "useful_train.csv", FIXTURES / "useful_test.csv"
TRAINING = {"epochs": 1, "max_length": 48, "batch_size": 16, "seed": 7}


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("regression")
    recipe = write_recipe(
        directory,
        task="regression",
        data={"train": str(TRAIN), "test": str(TEST), "label_column": "useful_log"},
        training=TRAINING,
        evaluation={"baselines": ["tfidf_ridge"]},
    )
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return directory / "run"


def test_run_keeps_the_scaling_and_reports_errors_in_label_units(regression_run):
    run = RunDir(regression_run)
    state = json.loads(run.task_state_path.read_text())
    assert state["target_std"] > 0 and 0 < state["target_mean"] < 6  # log(1 + useful count)
    metrics = run.load_metrics()
    assert metrics["recipe"]["metric"] == "rmse" and run.load_recipe().training.metric_for_best == "rmse"
    test = metrics["test"]
    for key in ("rmse", "mae", "r2", "pearson", "spearman"):
        assert isinstance(test[key], float)
    assert len(test["scatter"]["true"]) == test["examples"] == 30
    assert metrics["baselines"]["tfidf_ridge"]["rmse"] > 0
    assert (run.plots_dir / "predicted_vs_true.png").is_file()
    report = run.report_md.read_text()
    assert "Regression (test set)" in report and "predicted_vs_true.png" in report


def test_predict_and_evaluate_use_the_original_units(regression_run, tmp_path):
    result = vertune("predict", str(regression_run), "this medicine worked, no side effects")
    assert result.returncode == 0, result.stderr[-2000:]
    value = json.loads(result.stdout.strip().splitlines()[-1])["value"]
    assert 0 < value < 6
    out = tmp_path / "predictions.csv"
    result = vertune("predict", str(regression_run), "--file", str(TEST), "--output", str(out), "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 30 and all(0 < float(r["prediction"]) < 6 for r in rows)
    result = vertune("evaluate", str(regression_run), "--data", str(TEST), "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    evaluated = RunDir(regression_run / "evaluations" / "useful_test").load_metrics()["test"]
    trained = RunDir(regression_run).load_metrics()["test"]
    assert evaluated["rmse"] == pytest.approx(trained["rmse"], abs=1e-3)


def test_non_numeric_label_fails_before_training_with_file_and_line(tmp_path):
    train = tmp_path / "train.csv"
    train.write_text("text,score\ngood,8\nbad,two\nok,5\nfine,7\n", encoding="utf-8")
    recipe = write_recipe(tmp_path, task="regression", data={"train": str(train), "label_column": "score"})
    result = vertune("train", str(recipe))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "train.csv:3: label 'two' in column 'score' is not a number" in result.stderr, result.stderr


def test_a_compressed_run_keeps_the_scaling(regression_run, tmp_path):
    """compress copies task.json: the int8 run answers in label units and scores like its parent."""
    child = tmp_path / "int8"
    result = vertune(
        "compress", str(regression_run), "--quantize", "int8", "--runtime", "torch", "--measure-rows", "5",
        "--output", str(child), "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "collapsed" not in result.stdout
    assert RunDir(child).task_state_path.read_text() == RunDir(regression_run).task_state_path.read_text()
    compression = RunDir(child).load_metrics()["compression"]
    parent_rmse, child_rmse = (compression[side]["test"]["rmse"] for side in ("parent", "compressed"))
    assert child_rmse == pytest.approx(parent_rmse, rel=0.2) and compression["warnings"] == []
    text = "this medicine worked, no side effects"
    values = [
        json.loads(vertune("predict", str(run), text).stdout.strip().splitlines()[-1])["value"]
        for run in (regression_run, child)
    ]
    assert values[1] == pytest.approx(values[0], abs=0.3)


def test_error_metrics_have_intervals_and_the_baseline_a_paired_verdict(regression_run):
    metrics = RunDir(regression_run).load_metrics()
    for metric in ("rmse", "mae", "r2", "pearson"):
        low, high = metrics["test"]["intervals"][metric]
        assert low <= metrics["test"][metric] <= high
    comparison = metrics["comparisons"]["tfidf_ridge"]
    assert comparison["metric"] == "rmse" and comparison["test"] == "paired bootstrap"
    assert comparison["difference"] == pytest.approx(
        metrics["test"]["rmse"] - metrics["baselines"]["tfidf_ridge"]["rmse"], abs=1e-6
    )
