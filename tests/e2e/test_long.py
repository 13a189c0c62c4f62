"""Long documents (`data.long_text: chunk`): BBC articles read as pooled windows in training and prediction."""

import csv
import json
from pathlib import Path

import pytest

from helpers import FIXTURES, vertune, write_recipe
from vertune.run import RunDir

pytestmark = pytest.mark.e2e

TRAIN, TEST = FIXTURES / "bbc_train.csv", FIXTURES / "bbc_test.csv"


def shortened(source: Path, target: Path, words: int = 100) -> Path:
    """The articles cut to their first `words` words: still several 64-token windows each, fewer to train."""
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["text"] = " ".join(row["text"].split()[:words])
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def test_chunked_classification_trains_predicts_and_evaluates_per_article(tmp_path):
    train, test = shortened(TRAIN, tmp_path / "train.csv"), shortened(TEST, tmp_path / "test.csv")
    recipe = write_recipe(
        tmp_path,
        data={"train": str(train), "test": str(test), "long_text": "chunk", "window_pooling": "max"},
        training={"epochs": 1, "max_length": 64, "batch_size": 8, "seed": 7},
    )
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    run = RunDir(tmp_path / "run")
    metrics = run.load_metrics()
    assert metrics["test"]["examples"] == 15  # one prediction per article, not per window
    assert metrics["data"]["train"]["longer_than_max_length"] == 1.0
    evaluation = [json.loads(line) for line in run.log_path.read_text().splitlines() if "eval_loss" in line]
    assert evaluation  # the Trainer evaluated pooled articles
    article = TEST.read_text(encoding="utf-8").split('"')[1]
    result = vertune("predict", str(run.path), article)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["label"] in run.load_labels()
    result = vertune("evaluate", str(run.path), "--data", str(test), "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    evaluated = RunDir(run.path / "evaluations" / "test").load_metrics()["test"]
    assert evaluated["macro_f1"] == pytest.approx(metrics["test"]["macro_f1"])


def test_chunked_regression_is_refused_for_pairs_at_the_recipe(tmp_path):
    recipe = write_recipe(tmp_path, task="pair", data={"train": str(TRAIN), "long_text": "chunk"})
    result = vertune("train", str(recipe))
    assert result.returncode == 2 and "long_text: chunk is not supported for text pairs" in result.stderr
