"""Fine-tuning strategies: one module per method, each implementing the Method protocol.

Adding a method is one new module plus one entry here. `l2sp` is not a name of its own: it is a penalty
(`method.l2sp: lambda`) that combines with any method.
"""

from __future__ import annotations

import importlib
import inspect

from vertune.methods.base import Method, MethodStack

METHODS: dict[str, str] = {
    "full": "vertune.methods.full:FullFineTuning",
    "freeze": "vertune.methods.freeze:FreezeLowerLayers",
    "head-only": "vertune.methods.head_only:HeadOnly",
    "bitfit": "vertune.methods.bitfit:BitFit",
    "lora": "vertune.methods.peft_methods:LoRA",
    "adalora": "vertune.methods.peft_methods:AdaLoRA",
    "ia3": "vertune.methods.peft_methods:IA3",
    "prefix": "vertune.methods.peft_methods:PrefixTuning",
    "prompt": "vertune.methods.peft_methods:PromptTuning",
    "adapter": "vertune.methods.adapter:BottleneckAdapter",
}
METHOD_NAMES = tuple(METHODS)

# The body's learning rate when the recipe leaves training.learning_rate out. Methods that train few,
# new or near-zero-initialised weights need a higher rate than full fine-tuning (LoRA ~1e-3, prompt
# vectors ~1e-2); the head keeps training.head_learning_rate whatever the method.
DEFAULT_LEARNING_RATES: dict[str, float] = {
    "full": 1e-4,
    "freeze": 1e-4,
    "head-only": 1e-4,
    "bitfit": 1e-3,
    "lora": 1e-3,
    "adalora": 1e-3,
    "ia3": 3e-3,
    "prefix": 1e-2,
    "prompt": 1e-2,
    "adapter": 1e-3,
}


def default_learning_rate(name: str) -> float:
    return DEFAULT_LEARNING_RATES.get(name, 1e-4)


def build_method(config, total_steps: int | None = None) -> Method:  # config: vertune.recipe.MethodConfig
    """The recipe's method, with the L2-SP penalty stacked on top when `l2sp` > 0.

    `total_steps` (optimizer steps of the run) is for methods with a schedule of their own (AdaLoRA).
    """
    module, _, attribute = METHODS[config.name].partition(":")
    cls = getattr(importlib.import_module(module), attribute)
    accepts_steps = "total_steps" in inspect.signature(cls.from_config).parameters
    method: Method = cls.from_config(config, total_steps) if accepts_steps else cls.from_config(config)
    if config.l2sp > 0:
        from vertune.methods.l2sp import L2SPPenalty

        method = MethodStack([method, L2SPPenalty(config.l2sp)])
    return method


__all__ = ["METHODS", "METHOD_NAMES", "Method", "MethodStack", "build_method", "default_learning_rate"]
