"""How a trained model is written to a run's `model/` directory, whichever method trained it.

- PEFT methods that can merge (LoRA, DoRA, AdaLoRA, IA3) are folded into the weights by default: `model/`
  is a plain transformers model. With `method.merge: false`, or for prefix / prompt tuning (virtual
  tokens cannot be merged), `model/` is a PEFT adapter directory (adapter_config.json names the base model)
  plus the trained model's config.json (labels, head size).
- Bottleneck adapters save the whole model plus their settings (see methods/adapter.py).
- Everything else is a plain transformers model.
`vertune.models.loading.load_saved_model` reads all three.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.methods.adapter import adapter_settings, write_adapter_config
from vertune.methods.base import hf_model


def is_peft_model(model: Any) -> bool:
    return hasattr(model, "peft_config") and callable(getattr(model, "get_base_model", None))


def can_merge(model: Any) -> bool:
    return is_peft_model(model) and not any(c.is_prompt_learning for c in model.peft_config.values())


def save_trained(model: Any, directory: Path, merge: bool = True) -> str:
    """Write `model` to `directory`; returns the format: "merged", "adapter", "bottleneck" or "plain".

    Merging changes `model` in place: save last.
    """
    if is_peft_model(model):
        if merge and can_merge(model):
            model.merge_and_unload().save_pretrained(directory)
            return "merged"
        model.save_pretrained(directory)
        hf_model(model).config.save_pretrained(directory)  # labels and head size, to rebuild the base model
        return "adapter"
    model.save_pretrained(directory)
    settings = adapter_settings(model)
    if settings:
        write_adapter_config(directory, settings)
        return "bottleneck"
    return "plain"
