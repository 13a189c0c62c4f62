"""A max_length beyond the model's positions is refused before training, naming the limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import write_recipe
from vertune.data.prepare import prepare_splits
from vertune.errors import RecipeError
from vertune.models.limits import check_max_length, check_recipe_max_length, model_config, position_limit
from vertune.recipe import ModelConfig, load_recipe
from vertune.tasks import get_task


def test_minilm_reads_512_positions_from_its_config() -> None:
    config = model_config(ModelConfig(name="minilm"))
    assert position_limit(config) == 512
    check_recipe_max_length(ModelConfig(name="minilm"), 512)
    with pytest.raises(
        RecipeError, match=r"max_length 1000 .*'minilm' can read \(512 positions\).*long_text: chunk"
    ):
        check_recipe_max_length(ModelConfig(name="minilm"), 1000)


@pytest.mark.parametrize(
    ("config", "limit"),
    [
        ({"model_type": "roberta", "max_position_embeddings": 514, "pad_token_id": 1}, 512),
        ({"model_type": "gpt2", "n_positions": 1024}, 1024),
        ({"model_type": "deberta-v2", "max_position_embeddings": 512, "position_biased_input": False}, None),
        (
            {"model_type": "bert", "max_position_embeddings": 512, "position_embedding_type": "relative_key"},
            None,
        ),
        ({"model_type": "t5"}, None),
    ],
)
def test_position_limit_by_family(config: dict[str, object], limit: int | None) -> None:
    assert position_limit(config) == limit
    check_max_length(100_000 if limit is None else limit, config)


def test_the_data_stage_refuses_it_before_reading_data(tmp_path: Path) -> None:
    recipe = load_recipe(write_recipe(tmp_path, training={"max_length": 1000}))
    with pytest.raises(RecipeError, match="512 positions"):
        prepare_splits(recipe, get_task(recipe.task, recipe.data))


def test_a_model_that_cannot_be_found_is_left_to_the_loader() -> None:
    check_recipe_max_length(ModelConfig(name="no-such-org/no-such-model-xyz"), 100_000)
