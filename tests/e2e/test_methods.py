"""Every method trains, saves, reloads and predicts through the CLI (classification; NER after the task
merge), via one `vertune compare` over all methods with 1 seed and 1 epoch on the fixture reviews."""

import json
from pathlib import Path

import pytest

from helpers import TINY_TRAINING, vertune, write_recipe
from vertune import api
from vertune.methods import METHOD_NAMES

pytestmark = pytest.mark.e2e
TINY = {**TINY_TRAINING, "learning_rate": None}


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("compare")
    # contrastive: 1 pair iteration (2 pairs per row) keeps its pair phase to a few steps
    recipe = write_recipe(directory, training=TINY, method={"merge": True, "contrastive": {"iterations": 1}})
    methods = ",".join([*METHOD_NAMES, "full+l2sp"])
    result = vertune("compare", str(recipe), "--methods", methods, "--seeds", "1", "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "recommendation:" in result.stdout
    return directory / "run-compare"


def test_every_method_trained_and_is_in_the_table(comparison):
    result = json.loads((comparison / "comparison.json").read_text())
    assert not result["failures"]
    assert {s["method"] for s in result["summary"]} == {*METHOD_NAMES, "full+l2sp"}
    shares = {s["method"]: s["trainable_share"] for s in result["summary"]}
    assert shares["full"] == pytest.approx(1.0)
    assert shares["lora"] < 0.02 and shares["bitfit"] < 0.02
    assert result["recommendation"]["method"] in shares
    assert "Rule:" in (comparison / "comparison.md").read_text()
    assert (comparison / "plots" / "metric_vs_params.png").is_file()


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_every_method_predicts_from_its_run(comparison, name):
    run = comparison / "runs" / f"{name}-seed7"
    predictions = api.predict(run, ["the drug gave me a rash", "no side effects"])
    assert [set(p) for p in predictions] == [{"label", "score", "scores"}] * 2
    saved = {p.name for p in (run / "model").iterdir()}
    if name in ("prefix", "prompt"):  # virtual tokens cannot be merged: an adapter over the base model
        assert {"adapter_config.json", "adapter_model.safetensors", "config.json"} <= saved
    else:
        assert "model.safetensors" in saved and "adapter_config.json" not in saved


@pytest.mark.parametrize("name", ["lora", "prefix", "adapter"])
def test_cli_predict_on_merged_adapter_and_bottleneck_runs(comparison, name):
    result = vertune("predict", str(comparison / "runs" / f"{name}-seed7"), "the drug gave me a rash")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip())["label"] in {"negative", "neutral", "positive"}


def test_a_merged_lora_model_loads_in_a_plain_pipeline(comparison):
    from transformers import pipeline

    model_dir = comparison / "runs" / "lora-seed7" / "model"
    classify = pipeline("text-classification", model=str(model_dir), truncation=True)
    assert classify("the drug gave me a rash")[0]["label"] in {"negative", "neutral", "positive"}


def test_merge_false_keeps_a_small_adapter_that_predicts(tmp_path):
    recipe = write_recipe(tmp_path, training=TINY, method={"name": "lora", "merge": False})
    result = vertune("train", str(recipe), "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    model_dir = tmp_path / "run" / "model"
    assert (model_dir / "adapter_config.json").is_file()
    assert (model_dir / "adapter_model.safetensors").stat().st_size < 5 * 2**20
    predicted = vertune("predict", str(tmp_path / "run"), "worked well")
    assert predicted.returncode == 0, predicted.stderr[-2000:]


def test_compare_resumes_without_retraining(comparison):
    before = {p: p.stat().st_mtime for p in comparison.glob("runs/*/metrics.json")}
    recipe = comparison.parent / "recipe.yaml"
    result = vertune("compare", str(recipe), "--methods", "full,lora", "--seeds", "1", "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    assert all(p.stat().st_mtime == t for p, t in before.items())


def test_compare_rejects_an_unknown_method(tmp_path):
    recipe = write_recipe(tmp_path)
    result = vertune("compare", str(recipe), "--methods", "full,lorra")
    assert result.returncode == 2
    assert "unknown method 'lorra'" in result.stderr and "Traceback" not in result.stderr
