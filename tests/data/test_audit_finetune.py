"""`data audit --model`: a fine-tuned encoder per fold gives the out-of-sample probabilities."""

import csv

import pytest

from helpers import TINY_TRAINING, fails_cleanly, vertune, write_recipe

pytestmark = pytest.mark.e2e


def test_a_fine_tuned_model_per_fold_scores_every_row(tmp_path):
    recipe = write_recipe(tmp_path, training=TINY_TRAINING)
    output = tmp_path / "issues.csv"
    result = vertune(
        "data", "audit", str(recipe), "--model", "minilm", "--folds", "2", "--epochs", "1",
        "--output", str(output), "--similarity", "0",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "fold 1/2: fine-tuning minilm" in result.stderr and "fold 2/2" in result.stderr
    assert "2-fold fine-tuned minilm (1 epochs)" in result.stderr
    issues = list(csv.DictReader(output.open(encoding="utf-8")))
    assert all(0 <= float(i["label_quality"]) <= 1 for i in issues)
    assert [int(i["rank"]) for i in issues] == list(range(1, len(issues) + 1))
    fails_cleanly(
        vertune("data", "audit", str(recipe), "--model", "minilm", "--set", "task=multilabel"),
        "--model fine-tunes classification or pair runs",
    )
