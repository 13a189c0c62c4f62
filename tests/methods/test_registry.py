"""The method registry: every registration resolves, its options and search space fit the recipe."""

from pathlib import Path

import pytest

from vertune.methods import (
    LARGE_DATA_ROWS,
    METHODS,
    MethodSpec,
    default_learning_rate,
    method_search_space,
    register_method,
)
from vertune.methods.options import FreezeOptions, LoraOptions
from vertune.recipe import MethodConfig, load_recipe

RECIPE = Path(__file__).resolve().parents[2] / "examples" / "drug_reviews" / "recipe.yaml"


@pytest.mark.parametrize("name", list(METHODS))
def test_registration_resolves_to_a_class_with_from_config(name):
    assert callable(METHODS[name].factory())


@pytest.mark.parametrize("name", [name for name, spec in METHODS.items() if spec.search_space])
def test_search_space_names_recipe_keys(name):
    samples = [
        f"{key}={p['choices'][0] if 'choices' in p else p['low']}"
        for key, p in method_search_space(name).items()
    ]
    recipe = load_recipe(RECIPE, [f"method.name={name}", *samples])
    assert recipe.training.learning_rate is None  # the data stage fills it in, by the data's size
    assert recipe.body_learning_rate == METHODS[name].default_learning_rate


def test_full_fine_tuning_lowers_its_default_rate_from_large_data_alone():
    assert default_learning_rate("full") == default_learning_rate("full", LARGE_DATA_ROWS - 1) == 1e-4
    assert default_learning_rate("full", LARGE_DATA_ROWS) == 5e-5
    assert default_learning_rate("lora", 50 * LARGE_DATA_ROWS) == METHODS["lora"].default_learning_rate


def test_options_are_typed_blocks_of_the_method_config():
    config = MethodConfig(name="lora", lora={"r": 4})
    assert config.options(LoraOptions).r == 4
    assert config.options(FreezeOptions) == FreezeOptions()


def test_registering_refuses_duplicates_and_option_names_that_are_not_keys():
    with pytest.raises(ValueError, match="twice"):
        register_method(MethodSpec("lora", "vertune.methods.peft_methods:LoRA"))
    with pytest.raises(ValueError, match="identifier"):
        register_method(MethodSpec("my-lora", "vertune.methods.peft_methods:LoRA", LoraOptions))
    assert "my-lora" not in METHODS
