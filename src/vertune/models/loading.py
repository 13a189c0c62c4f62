"""Load tokenizers and models from a resolved reference, turning loader failures into clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
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


def load_saved_model(model_dir: str | Path, auto_class: Any) -> Any:
    """Load a run's `model/` directory with `auto_class` (e.g. AutoModelForSequenceClassification).

    It is a plain transformers model (full, freeze, bitfit, merged adapters), a PEFT adapter directory
    over a base model (`method.merge: false`, prefix / prompt tuning), or a model with bottleneck
    adapters; see vertune.methods.saving.
    """
    from transformers import AutoConfig

    from vertune.methods.adapter import inject_adapters, read_adapter_config

    model_dir = Path(model_dir)
    if (model_dir / "adapter_config.json").is_file():
        from peft import PeftConfig, PeftModel

        adapter = PeftConfig.from_pretrained(str(model_dir))
        base = adapter.base_model_name_or_path
        config = AutoConfig.from_pretrained(str(model_dir))
        model = loading(base, lambda: auto_class.from_pretrained(resolve_model(base), config=config))
        if adapter.peft_type == "PREFIX_TUNING":
            from vertune.methods.peft_methods import accept_past_key_values

            accept_past_key_values(model)
        return PeftModel.from_pretrained(model, str(model_dir))
    settings = read_adapter_config(model_dir)
    if settings is not None:
        from safetensors.torch import load_file

        model = auto_class.from_config(AutoConfig.from_pretrained(str(model_dir)))
        inject_adapters(model, settings["kind"], settings["reduction"])
        state = {}
        for shard in sorted(model_dir.glob("*.safetensors")):
            state.update(load_file(str(shard)))
        model.load_state_dict(state, strict=True)
        return model
    return auto_class.from_pretrained(str(model_dir))
