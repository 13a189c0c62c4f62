from pathlib import Path

import pytest
import yaml

from vertune.errors import RecipeError
from vertune.recipe import apply_override, load_recipe


def recipe_file(tmp_path: Path, content: dict, name: str = "reviews.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(content), encoding="utf-8")
    return path


MINIMAL = {"model": "minilm", "data": {"train": "data/train.csv"}}


def test_minimal_recipe_fills_every_default(tmp_path):
    recipe = load_recipe(recipe_file(tmp_path, MINIMAL))
    assert recipe.model.name == "minilm" and recipe.model.trust_remote_code is False
    assert recipe.task == "classification"
    assert recipe.method.name == "full" and recipe.method.l2sp == 0.0
    assert (
        recipe.training.metric_for_best is None and recipe.training.precision == "auto"
    )  # the task's metric
    assert recipe.data.validation is None and recipe.data.validation_size == 0.1
    # data paths are relative to the recipe file; the output to the working directory
    assert recipe.data.train == (tmp_path / "data/train.csv").resolve()
    assert recipe.output == Path("runs/reviews")


def test_unknown_key_is_rejected_with_a_suggestion(tmp_path):
    content = {**MINIMAL, "training": {"epoch": 5}}
    with pytest.raises(RecipeError) as error:
        load_recipe(recipe_file(tmp_path, content))
    message = str(error.value)
    assert "training.epoch: unknown key; did you mean 'epochs'?" in message
    assert "learning_rate" in message  # lists what is allowed


def test_unknown_nested_and_top_level_keys(tmp_path):
    content = {**MINIMAL, "methd": {}, "method": {"name": "freeze", "freeze": {"layer": 2}}}
    with pytest.raises(RecipeError) as error:
        load_recipe(recipe_file(tmp_path, content))
    message = str(error.value)
    assert "methd: unknown key; did you mean 'method'?" in message
    assert "method.freeze.layer: unknown key; did you mean 'layers'?" in message


def test_unknown_method_and_task_names(tmp_path):
    with pytest.raises(RecipeError, match="unknown method 'head_only'; did you mean 'head-only'"):
        load_recipe(recipe_file(tmp_path, {**MINIMAL, "method": {"name": "head_only"}}))
    with pytest.raises(RecipeError, match="unknown task 'clasification'; did you mean 'classification'"):
        load_recipe(recipe_file(tmp_path, {**MINIMAL, "task": "clasification"}))


def test_values_are_validated(tmp_path):
    with pytest.raises(RecipeError, match=r"training\.learning_rate"):
        load_recipe(recipe_file(tmp_path, {**MINIMAL, "training": {"learning_rate": -1}}))
    with pytest.raises(RecipeError, match=r"data\.train: required key is missing"):
        load_recipe(recipe_file(tmp_path, {"model": "minilm", "data": {}}))


def test_set_overrides_parse_yaml_values(tmp_path):
    overrides = [
        "training.epochs=5",
        "training.learning_rate=2e-5",
        "method.name=head-only",
        "model.name=other",
    ]
    recipe = load_recipe(recipe_file(tmp_path, MINIMAL), overrides)
    assert recipe.training.epochs == 5
    assert recipe.training.learning_rate == pytest.approx(2e-5)
    assert recipe.method.name == "head-only"
    assert recipe.model.name == "other"


def test_bad_override_and_bad_files(tmp_path):
    with pytest.raises(RecipeError, match=r"expected key\.path=value"):
        apply_override({}, "training.epochs")
    with pytest.raises(RecipeError, match="recipe file not found"):
        load_recipe(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("model: [unclosed", encoding="utf-8")
    with pytest.raises(RecipeError, match="not valid YAML"):
        load_recipe(broken)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(RecipeError, match="a recipe is a mapping"):
        load_recipe(listing)


def test_resolved_recipe_round_trips(tmp_path):
    recipe = load_recipe(recipe_file(tmp_path, MINIMAL), ["training.epochs=2"])
    again = load_recipe(recipe_file(tmp_path, yaml.safe_load(recipe.to_yaml()), "again.yaml"))
    assert again.training == recipe.training and again.data == recipe.data


def test_extend_vocab_with_an_adapter_saved_alone_is_refused(tmp_path):
    model = {"name": "minilm", "extend_vocab": "from_data"}
    for method in ({"name": "lora", "merge": False}, {"name": "prefix"}):
        with pytest.raises(RecipeError, match="without the new tokens' embedding rows"):
            load_recipe(recipe_file(tmp_path, {**MINIMAL, "model": model, "method": method}))
    assert load_recipe(recipe_file(tmp_path, {**MINIMAL, "model": model, "method": {"name": "lora"}}))
    generation = {"name": "smollm2", "pretrain": {"max_steps": 1}}
    assert load_recipe(recipe_file(tmp_path, {**MINIMAL, "task": "generation", "model": generation}))
