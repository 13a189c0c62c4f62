"""`task: multilabel` through the CLI: tuned thresholds in the run, predict, evaluate, an empty label list."""

import json

import pytest

from helpers import FIXTURES, vertune, write_recipe
from vertune.run import RunDir

pytestmark = pytest.mark.e2e

TRAIN, TEST = FIXTURES / "conditions_train.csv", FIXTURES / "conditions_test.csv"


@pytest.fixture(scope="module")
def multilabel_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("multilabel")
    recipe = write_recipe(
        directory,
        task="multilabel",
        data={"train": str(TRAIN), "test": str(TEST), "label_column": "labels"},
        training={"epochs": 1, "max_length": 48, "batch_size": 16, "seed": 7},
        evaluation={"baselines": ["tfidf_logreg"]},
    )
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return directory / "run"


def test_thresholds_are_stored_and_the_report_lists_each_label(multilabel_run):
    run = RunDir(multilabel_run)
    labels = run.load_labels()
    assert {"positive", "negative", "Birth Control"} <= set(labels)
    thresholds = json.loads(run.task_state_path.read_text())["thresholds"]
    assert set(thresholds) == set(labels) and all(0 < t < 1 for t in thresholds.values())
    metrics = run.load_metrics()
    assert metrics["recipe"]["metric"] == "micro_f1"
    for key in ("micro_f1", "macro_f1", "subset_accuracy"):
        assert 0 <= metrics["test"][key] <= 1
    assert metrics["test"]["per_class"]["positive"]["threshold"] == thresholds["positive"]
    assert 0 <= metrics["baselines"]["tfidf_logreg"]["micro_f1"] <= 1
    assert "Per-label decisions (test set)" in run.report_md.read_text()


def test_predict_and_evaluate_apply_the_stored_thresholds(multilabel_run):
    result = vertune("predict", str(multilabel_run), "the pill made my acne worse and I gained weight")
    assert result.returncode == 0, result.stderr[-2000:]
    labels = json.loads(result.stdout.strip().splitlines()[-1])["labels"]
    assert isinstance(labels, list)
    result = vertune("evaluate", str(multilabel_run), "--data", str(TEST), "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    evaluated = RunDir(multilabel_run / "evaluations" / "conditions_test").load_metrics()["test"]
    assert evaluated["micro_f1"] == pytest.approx(RunDir(multilabel_run).load_metrics()["test"]["micro_f1"])


def test_empty_label_list_fails_with_file_and_line(tmp_path):
    train = tmp_path / "train.jsonl"
    rows = [
        {"text": "good", "labels": ["a"]},
        {"text": "bad", "labels": []},
        {"text": "ok", "labels": ["a", "b"]},
    ]
    train.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    recipe = write_recipe(tmp_path, task="multilabel", data={"train": str(train), "label_column": "labels"})
    result = vertune("train", str(recipe))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "train.jsonl:2: empty label list in column 'labels'" in result.stderr, result.stderr


def test_a_compressed_run_keeps_the_tuned_thresholds(multilabel_run, tmp_path):
    child = tmp_path / "int8"
    result = vertune(
        "compress", str(multilabel_run), "--quantize", "int8", "--runtime", "torch", "--measure-rows", "5",
        "--output", str(child), "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    thresholds = json.loads(RunDir(multilabel_run).task_state_path.read_text())["thresholds"]
    assert json.loads(RunDir(child).task_state_path.read_text())["thresholds"] == thresholds
    compression = RunDir(child).load_metrics()["compression"]
    parent, compressed = (compression[side]["test"]["micro_f1"] for side in ("parent", "compressed"))
    assert compressed == pytest.approx(parent, abs=0.1) and compression["warnings"] == []


def test_f1_has_intervals_and_the_baseline_a_paired_verdict(multilabel_run):
    metrics = RunDir(multilabel_run).load_metrics()
    for metric in ("micro_f1", "macro_f1", "subset_accuracy"):
        low, high = metrics["test"]["intervals"][metric]
        assert 0.0 <= low <= metrics["test"][metric] <= high <= 1.0
    comparison = metrics["comparisons"]["tfidf_logreg"]
    assert comparison["metric"] == "micro_f1"
    assert comparison["difference"] == pytest.approx(
        metrics["test"]["micro_f1"] - metrics["baselines"]["tfidf_logreg"]["micro_f1"], abs=1e-6
    )
