"""Installed versions in messages, and a method known broken on the installed versions failing at recipe
validation (one line naming the versions), before any model is loaded."""

import importlib.metadata

import pytest

from vertune import versions
from vertune.errors import RecipeError
from vertune.recipe import load_recipe
from vertune.versions import Incompatibility, broken_combination, installed_versions


def test_installed_versions_names_each_package():
    line = installed_versions("transformers", "no-such-package-xyz")
    assert f"transformers {importlib.metadata.version('transformers')}" in line
    assert "no-such-package-xyz not installed" in line


def test_known_broken_method_fails_at_recipe_validation(tmp_path, monkeypatch):
    installed = importlib.metadata.version("transformers")
    entry = Incompatibility("prefix", "transformers", f"=={installed}", "PEFT cannot find past_key_values")
    monkeypatch.setattr(versions, "KNOWN_BROKEN", [entry])
    assert broken_combination("prefix") == entry
    assert broken_combination("lora") is None
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("model: minilm\ndata: {train: train.csv}\nmethod: {name: prefix}\n", encoding="utf-8")
    with pytest.raises(RecipeError) as error:
        load_recipe(recipe)
    message = str(error.value)
    assert f"transformers {installed}" in message and "PEFT cannot find past_key_values" in message
    assert "\n" not in message.strip()


def test_a_version_outside_the_broken_range_passes(monkeypatch):
    entry = Incompatibility("prefix", "transformers", "<1", "ancient")
    monkeypatch.setattr(versions, "KNOWN_BROKEN", [entry])
    assert broken_combination("prefix") is None
