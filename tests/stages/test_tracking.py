"""stages/tracking.py: `training.report_to` checked before anything runs; final scores as scalars."""

import importlib.util

import pytest

from vertune.errors import RecipeError
from vertune.recipe import recipe_from_dict
from vertune.stages.tracking import check_tracker, final_scalars


def _recipe(report_to):
    raw = {"model": "minilm", "data": {"train": "x.csv"}, "training": {"report_to": report_to}}
    return recipe_from_dict(raw, "r.yaml")


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is not None, reason="tensorboard is installed")
def test_a_tracker_that_is_not_installed_is_refused_with_the_fix():
    with pytest.raises(
        RecipeError, match=r"training.report_to: tensorboard is not installed; pip install tensorboard"
    ):
        check_tracker(_recipe("tensorboard"))


def test_none_needs_nothing_and_an_unknown_tracker_is_a_recipe_error():
    check_tracker(_recipe("none"))
    with pytest.raises(RecipeError, match="report_to"):
        _recipe("wandb")


def test_final_scalars_keep_the_numbers_only():
    test = {"macro_f1": 0.5, "examples": 30, "per_class": {"a": {"f1": 1.0}}}
    baselines = {"tfidf_logreg": {"macro_f1": 0.4, "description": "TF-IDF"}}
    assert final_scalars(test, baselines) == {
        "test/macro_f1": 0.5,
        "test/examples": 30.0,
        "baseline/tfidf_logreg/macro_f1": 0.4,
    }
