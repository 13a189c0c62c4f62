"""`vertune tune` end to end: 1 trial, then the same command with 2 resumes the study to 2 trials."""

import json

import pytest
import yaml

from helpers import TINY_TRAINING, vertune, write_recipe

pytestmark = pytest.mark.e2e


def test_tune_runs_resumes_and_writes_the_best_recipe(tmp_path):
    space = {
        "training.learning_rate": {"low": 1e-4, "high": 1e-3, "log": True},
        "method.lora.r": {"choices": [4, 8]},
    }
    recipe = write_recipe(
        tmp_path,
        training=TINY_TRAINING,
        method={"name": "lora"},
        tune={"space": space, "pruner": "none"},
    )
    first = vertune("tune", str(recipe), "--trials", "1", "--quiet")
    assert first.returncode == 0, first.stderr[-3000:]
    directory = tmp_path / "run-tune"
    trial_0 = json.loads((directory / "tune.json").read_text())["trials"][0]
    again = vertune("tune", str(recipe), "--trials", "2", "--quiet")
    assert again.returncode == 0, again.stderr[-3000:]
    result = json.loads((directory / "tune.json").read_text())
    assert [t["number"] for t in result["trials"]] == [0, 1]
    assert result["trials"][0] == trial_0  # resumed: the first trial kept, one more run
    assert (directory / "study.db").is_file()
    best = yaml.safe_load((directory / "best_recipe.yaml").read_text())
    assert best["method"]["lora"]["r"] == result["best"]["params"]["method.lora.r"]
    assert best["training"]["learning_rate"] == pytest.approx(
        result["best"]["params"]["training.learning_rate"]
    )


def test_tune_rejects_a_misspelt_search_key(tmp_path):
    recipe = write_recipe(tmp_path, tune={"space": {"training.lerning_rate": {"low": 1e-4, "high": 1e-3}}})
    result = vertune("tune", str(recipe), "--trials", "1")
    assert result.returncode == 2
    assert "tune.space.training.lerning_rate" in result.stderr and "Traceback" not in result.stderr
