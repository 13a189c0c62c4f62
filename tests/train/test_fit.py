"""train/fit.py: `training.report_to` reaches the Trainer's arguments (default: no tracker); early stopping
needs a validation split large enough to stop on."""

from vertune.recipe import TrainingConfig, recipe_from_dict
from vertune.run import RunDir
from vertune.train.fit import stops_early, training_arguments


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


def test_early_stopping_waits_for_a_validation_split_large_enough_to_stop_on():
    training = TrainingConfig()
    events = []
    assert stops_early(training, training.early_stopping_min_validation_rows)
    assert not stops_early(training, training.early_stopping_min_validation_rows - 1, events.append)
    assert "early stopping off: 99 validation rows" in events[0].message
    assert not stops_early(TrainingConfig(early_stopping_patience=0), 10_000, events.append)
    assert len(events) == 1  # turned off by the recipe: nothing to say
