"""What a model can read, known before any weights load: its number of absolute positions.

`training.max_length` above it would be accepted by the tokenizer and then crash the first forward pass
of a long text ("expanded size of the tensor (1008) must match the existing size (512)"), so it is
refused up front with the model's limit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vertune.errors import ModelNotFoundError, RecipeError
from vertune.models.loading import load_options, loading
from vertune.models.resolve import resolve_model
from vertune.recipe import ModelConfig

# Keys of config.json that hold the number of absolute positions, by architecture family.
POSITION_KEYS = ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length")
# Families whose position ids start after the padding index (RoBERTa's 514 positions read 512 tokens).
OFFSET_POSITION_FAMILIES = ("roberta", "xlm-roberta", "camembert", "longformer", "bart", "mbart")
# A tokenizer's model_max_length above this is transformers' "no limit" placeholder.
NO_LIMIT = 1_000_000


def model_config(model: ModelConfig) -> dict[str, Any]:
    """The model's config.json as a dict (a local directory is read directly; a hub id through
    transformers' AutoConfig). No weights are loaded."""
    path = resolve_model(model.name)
    file = Path(path) / "config.json"
    if file.is_file():
        loaded: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        return loaded
    from transformers import AutoConfig

    config = loading(model.name, lambda: AutoConfig.from_pretrained(path, **load_options(model)))
    as_dict: dict[str, Any] = config.to_dict()
    return as_dict


def position_limit(config: dict[str, Any]) -> int | None:
    """The longest input in tokens (special tokens included) the model's position embeddings cover, or
    None where the model has no absolute positions (relative / rotary attention, or unknown)."""
    if config.get("position_biased_input") is False or config.get("position_embedding_type") not in (
        None,
        "absolute",
    ):
        return None
    positions = next((config[key] for key in POSITION_KEYS if isinstance(config.get(key), int)), None)
    if positions is None:
        return None
    family = str(config.get("model_type", "")).lower()
    if family in OFFSET_POSITION_FAMILIES:
        positions -= int(config.get("pad_token_id") or 1) + 1
    return int(positions)


def check_max_length(max_length: int, config: dict[str, Any], model_name: str = "the model") -> None:
    """Refuse a `training.max_length` the model cannot read (RecipeError naming the model's limit)."""
    limit = position_limit(config)
    if limit is None or max_length <= limit:
        return
    raise RecipeError(
        f"training.max_length {max_length} is more than {model_name} can read ({limit} positions); "
        f"set training.max_length to {limit} or less, and for longer texts use data.long_text: chunk "
        "(overlapping windows)"
    )


def check_recipe_max_length(model: ModelConfig, max_length: int) -> None:
    """`check_max_length` for a recipe's model: reads its config.json only. A model that cannot be found is
    not this check's error (loading it says so; a finished run's stages do not need the base model)."""
    try:
        config = model_config(model)
    except ModelNotFoundError:
        return
    check_max_length(max_length, config, repr(model.name))
