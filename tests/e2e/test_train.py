"""`vertune train / predict / evaluate` driven like a user, on real data with the real MiniLM."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from helpers import TEST_CSV, TINY_TRAINING, vertune, write_recipe
from vertune.run import RunDir
from vertune.train.lineage import sha256_file

pytestmark = pytest.mark.e2e


def test_run_directory_follows_the_contract(trained_run):
    run = RunDir(trained_run)
    for path in (
        run.recipe_path,
        run.labels_path,
        run.metrics_path,
        run.report_md,
        run.report_html,
        run.log_path,
        run.lineage_path,
        run.model_dir / "model.safetensors",
        run.plots_dir,
    ):
        assert path.exists(), path
    assert not list(run.model_dir.glob("*.bin")) and not list(run.model_dir.glob("*.pt"))  # safetensors only
    metrics = run.load_metrics()
    for section, key in [
        ("test", "accuracy"),
        ("test", "macro_f1"),
        ("validation", "macro_f1"),
        ("train", "samples_per_second"),
        ("train", "seconds"),
        ("train", "trainable_params"),
        ("train", "total_params"),
        ("train", "peak_rss_mb"),
        ("train", "epochs_run"),
        ("train", "best_step"),
    ]:
        assert isinstance(metrics[section][key], (int, float)), (section, key)
    for baseline in ("tfidf_logreg", "linear_probe"):
        assert 0.0 <= metrics["baselines"][baseline]["macro_f1"] <= 1.0
    assert metrics["test"]["examples"] == 36
    assert metrics["train"]["trainable_params"] == metrics["train"]["total_params"] > 20_000_000
    assert metrics["train"]["samples_per_second"] > 0
    assert json.loads(run.labels_path.read_text())["labels"] == ["negative", "neutral", "positive"]
    lineage = json.loads(run.lineage_path.read_text())
    assert lineage["data"]["test"]["sha256"] == sha256_file(TEST_CSV)
    assert lineage["seed"] == 7 and lineage["packages"]["torch"]
    checkpoints = list(run.checkpoints_dir.glob("checkpoint-*"))
    assert 1 <= len(checkpoints) <= 2  # pruned to the best and the last
    log = run.read_log()
    assert any("eval_macro_f1" in r for r in log) and any("loss" in r for r in log)
    assert "data:image/png;base64," in run.report_html.read_text()


def test_saved_model_loads_in_plain_transformers_and_agrees_with_vertune_predict(trained_run):
    from transformers import pipeline

    texts = [row["text"] for row in csv.DictReader(TEST_CSV.open(encoding="utf-8"))][:12]
    classifier = pipeline("text-classification", model=str(trained_run / "model"), truncation=True)
    expected = [p["label"] for p in classifier(texts)]
    result = vertune("predict", str(trained_run), *texts)
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["label"] for p in printed] == expected
    assert all(0 < p["score"] <= 1 for p in printed)


def test_predict_a_file(trained_run, tmp_path):
    output = tmp_path / "predictions.csv"
    result = vertune("predict", str(trained_run), "--file", str(TEST_CSV), "--output", str(output))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert len(rows) == 36
    assert set(rows[0]) == {"text", "label", "prediction", "score"}
    assert {r["prediction"] for r in rows} <= {"negative", "neutral", "positive"}


def test_evaluate_on_the_test_file_reproduces_the_training_report(trained_run, tmp_path):
    result = vertune(
        "evaluate", str(trained_run), "--data", str(TEST_CSV), "--output", str(tmp_path / "eval")
    )
    assert result.returncode == 0, result.stderr
    evaluated = json.loads((tmp_path / "eval" / "metrics.json").read_text())["test"]
    trained = RunDir(trained_run).load_metrics()["test"]
    assert evaluated["macro_f1"] == pytest.approx(trained["macro_f1"])
    assert evaluated["confusion_matrix"] == trained["confusion_matrix"]
    assert (tmp_path / "eval" / "report.html").is_file()


def test_seeded_runs_are_reproducible(trained_run, tmp_path):
    recipe = write_recipe(tmp_path, evaluation={"baselines": ["tfidf_logreg", "linear_probe"]})
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr
    again, first = RunDir(tmp_path / "run").load_metrics(), RunDir(trained_run).load_metrics()
    assert again["test"] == first["test"]
    assert again["validation"] == first["validation"]
    assert again["baselines"]["tfidf_logreg"]["macro_f1"] == first["baselines"]["tfidf_logreg"]["macro_f1"]


def test_resume_after_kill_9(tmp_path):
    training = {**TINY_TRAINING, "epochs": 3, "early_stopping_patience": 0}
    recipe = write_recipe(tmp_path, training=training)
    run = RunDir(tmp_path / "run")
    process = subprocess.Popen(
        [sys.executable, "-m", "vertune", "train", str(recipe), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    deadline = time.time() + 300
    while run.latest_checkpoint() is None and process.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert process.poll() is None, "training finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = run.latest_checkpoint()
    assert killed_at is not None
    assert not (run.model_dir / "config.json").exists()  # no half-finished model that loads

    result = vertune("train", str(recipe), "--resume", "--quiet")
    assert result.returncode == 0, result.stderr
    metrics = run.load_metrics()
    assert metrics["train"]["resumed_from"] == killed_at.name
    assert metrics["train"]["epochs_run"] == 3
    assert (run.model_dir / "model.safetensors").is_file()


def test_headline_metrics_have_intervals_and_each_baseline_a_paired_verdict(trained_run):
    run = RunDir(trained_run)
    metrics = run.load_metrics()
    for metric in ("accuracy", "macro_f1"):
        low, high = metrics["test"]["intervals"][metric]
        assert 0.0 <= low < high <= 1.0  # 36 test rows: a real spread
    assert set(metrics["comparisons"]) == {"tfidf_logreg", "linear_probe"}
    for name, comparison in metrics["comparisons"].items():
        assert comparison["metric"] == "macro_f1"
        difference = metrics["test"]["macro_f1"] - metrics["baselines"][name]["macro_f1"]
        assert comparison["difference"] == pytest.approx(difference, abs=1e-6)
        low, high = comparison["interval"]
        expected = "beats" if low > 0 else "loses" if high < 0 else "ties (difference within noise)"
        assert comparison["verdict"] == expected and 0.0 <= comparison["p_value"] <= 1.0
    report = run.report_md.read_text(encoding="utf-8")
    assert "How sure are these numbers" in report and "95% interval" in report
