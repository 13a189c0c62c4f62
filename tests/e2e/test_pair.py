"""`task: pair` through the CLI: a headline / article classifier, predict --text-pair, a missing pair column."""

import csv
import json

import pytest

from helpers import FIXTURES, vertune, write_recipe
from vertune.run import RunDir

pytestmark = pytest.mark.e2e

TRAIN, TEST = FIXTURES / "headlines_train.csv", FIXTURES / "headlines_test.csv"


@pytest.fixture(scope="module")
def pair_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pair")
    recipe = write_recipe(
        directory,
        task="pair",
        data={"train": str(TRAIN), "test": str(TEST)},
        training={"epochs": 1, "max_length": 64, "batch_size": 16, "seed": 7},
    )
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    return directory / "run"


def test_pair_run_trains_and_predicts_pairs(pair_run, tmp_path):
    metrics = RunDir(pair_run).load_metrics()
    assert RunDir(pair_run).load_labels() == ["match", "mismatch"]
    assert metrics["test"]["examples"] == 24 and 0 <= metrics["test"]["macro_f1"] <= 1
    result = vertune(
        "predict",
        str(pair_run),
        "Rooney scores twice",
        "--text-pair",
        "The England striker scored two goals.",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["text_pair"] == "The England striker scored two goals." and line["label"] in (
        "match",
        "mismatch",
    )
    out = tmp_path / "out.csv"
    result = vertune("predict", str(pair_run), "--file", str(TEST), "--output", str(out), "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 24


def test_predict_without_the_second_text_is_refused(pair_run):
    result = vertune("predict", str(pair_run), "Rooney scores twice")
    assert result.returncode == 2 and "give one --text-pair per text" in result.stderr


def test_missing_pair_column_fails_before_training(tmp_path):
    recipe = write_recipe(tmp_path, task="pair", data={"train": str(TRAIN), "text_pair_column": "body"})
    result = vertune("train", str(recipe))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "column 'body' not found" in result.stderr and "data.text_pair_column" in result.stderr


def test_explain_a_pair_attributes_tokens_of_both_texts(pair_run):
    first, second = "Rooney scores twice", "Manchester United won the match at home"
    result = vertune("explain", str(pair_run), first, "--text-pair", second, "--steps", "4")
    assert result.returncode == 0, result.stderr[-2000:]
    tokens = json.loads(result.stdout)["tokens"]
    assert {t["segment"] for t in tokens} == {0, 1}
    assert all((first, second)[t["segment"]][t["start"] : t["end"]] == t["text"] for t in tokens)
    refused = vertune("explain", str(pair_run), first)
    assert refused.returncode == 2 and "give one --text-pair per text" in refused.stderr
