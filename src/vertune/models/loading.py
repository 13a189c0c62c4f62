"""Load tokenizers and models from a resolved reference, turning loader failures into clear errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from vertune.errors import ModelNotFoundError
from vertune.models.resolve import resolve_model
from vertune.recipe import ModelConfig

T = TypeVar("T")


def load_options(model: ModelConfig) -> dict[str, Any]:
    """Keyword arguments every from_pretrained call of this model gets."""
    options: dict[str, Any] = {"trust_remote_code": model.trust_remote_code}
    if model.revision:
        options["revision"] = model.revision
    return options


def loading(reference: str, load: Callable[[], T]) -> T:
    """Run a from_pretrained call; a missing or unreachable model becomes a one-line ModelNotFoundError."""
    try:
        return load()
    except OSError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelNotFoundError(
            f"cannot load model {reference!r}: {first} "
            "(use a builtin alias like 'minilm', a local directory, or a hub id reachable from here)"
        ) from None


def load_tokenizer(model: ModelConfig) -> Any:
    from transformers import AutoTokenizer

    path = resolve_model(model.name)
    return loading(model.name, lambda: AutoTokenizer.from_pretrained(path, **load_options(model)))


def dropout_overrides(model: ModelConfig, dropout: float | None) -> dict[str, float]:
    """Config overrides that set every dropout probability of the architecture (names differ by model)."""
    if dropout is None:
        return {}
    from transformers import AutoConfig

    path = resolve_model(model.name)
    config = loading(model.name, lambda: AutoConfig.from_pretrained(path, **load_options(model)))
    return {
        key: dropout
        for key, value in config.to_dict().items()
        if "dropout" in key and isinstance(value, float) and not key.startswith("layerdrop")
    }
