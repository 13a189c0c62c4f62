"""The data stage fills in the body's learning rate from the training rows, once, and only where left out."""

from pathlib import Path

import pytest

from vertune.methods import LARGE_DATA_ROWS
from vertune.recipe import load_recipe
from vertune.stages.data import resolve_learning_rate

RECIPE = Path(__file__).resolve().parents[2] / "examples" / "drug_reviews" / "recipe.yaml"


def test_a_left_out_rate_becomes_the_methods_default_for_the_data_size():
    small, large = load_recipe(RECIPE), load_recipe(RECIPE)
    resolve_learning_rate(small, LARGE_DATA_ROWS - 1)
    resolve_learning_rate(large, LARGE_DATA_ROWS)
    assert (small.training.learning_rate, large.training.learning_rate) == (1e-4, 5e-5)
    assert "learning_rate: 5.0e-05" in large.to_yaml()  # the run's recipe.yaml shows the rate used


def test_a_given_rate_and_other_methods_are_left_as_they_are():
    given = load_recipe(RECIPE, ["training.learning_rate=2e-5"])
    lora = load_recipe(RECIPE, ["method.name=lora"])
    resolve_learning_rate(given, 10 * LARGE_DATA_ROWS)
    resolve_learning_rate(lora, 10 * LARGE_DATA_ROWS)
    assert (given.training.learning_rate, lora.training.learning_rate) == (2e-5, 1e-3)


@pytest.mark.parametrize("task", ["ner", "generation"])
def test_tasks_without_the_size_rule_keep_the_methods_one_default(task):
    recipe = load_recipe(RECIPE, [f"task={task}"])
    resolve_learning_rate(recipe, 10 * LARGE_DATA_ROWS)
    assert recipe.training.learning_rate == 1e-4


@pytest.mark.parametrize("task", ["pair", "regression", "multilabel"])
def test_sequence_tasks_follow_the_size_rule(task):
    recipe = load_recipe(RECIPE, [f"task={task}"])
    resolve_learning_rate(recipe, LARGE_DATA_ROWS)
    assert recipe.training.learning_rate == 5e-5
