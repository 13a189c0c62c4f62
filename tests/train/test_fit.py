"""train/fit.py: `training.report_to` reaches the Trainer's arguments (default: no tracker)."""

from vertune.recipe import recipe_from_dict
from vertune.run import RunDir
from vertune.train.fit import training_arguments


def _arguments(tmp_path, **training):
    recipe = recipe_from_dict({"model": "minilm", "data": {"train": "x.csv"}, "training": training})
    return training_arguments(recipe, RunDir(tmp_path), "fp32", quiet=True)


def test_report_to_passes_through(tmp_path):
    assert _arguments(tmp_path).report_to in ([], "none", ["none"])
    assert _arguments(tmp_path, report_to="tensorboard").report_to == ["tensorboard"]


def test_report_to_mlflow_is_left_to_vertune_tracking(tmp_path):
    # vertune.tracking logs the whole run to MLflow, final metrics included; the Trainer's own MLflow
    # callback would end its run before the test scores exist.
    assert _arguments(tmp_path, report_to="mlflow").report_to in ([], "none", ["none"])
