"""Fine-tuning strategies: the method registry, torch-free.

A method is one module with a class implementing the Method protocol (`vertune.methods.base`), plus one
`register_method(MethodSpec(...))` line below: its recipe name, where the class lives ("module:Class",
imported only when a run builds the method), its options model (the recipe's `method.<name>` block, in
`options.py`), its default learning rate and its `vertune tune` search space. The recipe validates method
options and `tune` reads the space without importing torch. `l2sp` is not a name of its own: it is a penalty
(`method.l2sp: lambda`) that stacks on any method.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vertune.methods.options import (
    AdaLoraOptions,
    AdapterOptions,
    ContrastiveOptions,
    FreezeOptions,
    IA3Options,
    LoraOptions,
    PrefixOptions,
    PromptOptions,
)
from vertune.strict import StrictModel

if TYPE_CHECKING:
    from vertune.methods.base import Method
    from vertune.recipe import MethodConfig

#: builds a method from the recipe's `method` block; `total_steps` = optimizer steps of the run (AdaLoRA's
#: schedule; None when unknown)
MethodFactory = Callable[["MethodConfig", "int | None"], "Method"]


@dataclass(frozen=True)
class MethodSpec:
    """Everything the recipe, `tune` and the trainer need to know of a method, without importing it."""

    name: str
    #: "module:Class"; the class has `from_config(config, total_steps)` (see `methods.base.BaseMethod`)
    implementation: str
    #: the recipe's `method.<name>` block; None = the method has no options
    options: type[StrictModel] | None = None
    #: the body's learning rate when the recipe leaves training.learning_rate out. Methods that train few,
    #: new or near-zero-initialised weights need a higher rate than full fine-tuning
    default_learning_rate: float = 1e-4
    #: the body's default from LARGE_DATA_ROWS training rows on; None = default_learning_rate at every size
    large_data_learning_rate: float | None = None
    #: `vertune tune`'s default space over the options: option -> {low, high[, log, step]} or {choices}
    search_space: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def factory(self) -> MethodFactory:
        """The implementation's `from_config` (imports the implementation, and so torch)."""
        module, _, attribute = self.implementation.partition(":")
        factory: MethodFactory = getattr(importlib.import_module(module), attribute).from_config
        return factory


METHODS: dict[str, MethodSpec] = {}


def register_method(spec: MethodSpec) -> MethodSpec:
    if spec.name in METHODS:
        raise ValueError(f"method {spec.name!r} is registered twice")
    if spec.options is not None and not spec.name.isidentifier():
        raise ValueError(f"method {spec.name!r} has options, so its name must be a Python identifier")
    METHODS[spec.name] = spec
    return spec


# Full fine-tuning's body rate falls with the data, for the tasks that opt in (TaskInfo.
# size_dependent_learning_rate: the sequence-level ones): 1e-4 moves a model in the few dozen optimizer steps
# of a few hundred rows, where 5e-5 learns less; at 1,339-1,800 rows 5e-5 scored ~1 point higher at the
# default budget and never collapsed, where 1e-4 once fell to one class at 2 epochs (bench/defaults.py,
# RESULTS.md "Training defaults"). The measured sizes were 107-300 and 1,339-1,800 training rows: where
# between them the better rate changes was not measured, and 1,000 is a round number in that gap.
register_method(MethodSpec("full", "vertune.methods.full:FullFineTuning", large_data_learning_rate=5e-5))
register_method(
    MethodSpec(
        "freeze",
        "vertune.methods.freeze:FreezeLowerLayers",
        FreezeOptions,
        search_space={"ratio": {"low": 0.0, "high": 0.9}},
    )
)
register_method(MethodSpec("head-only", "vertune.methods.head_only:HeadOnly"))
register_method(MethodSpec("bitfit", "vertune.methods.bitfit:BitFit", default_learning_rate=1e-3))
register_method(
    MethodSpec(
        "lora",
        "vertune.methods.peft_methods:LoRA",
        LoraOptions,
        default_learning_rate=1e-3,
        search_space={
            "r": {"choices": [4, 8, 16]},
            "alpha": {"choices": [8, 16, 32]},
            "dropout": {"low": 0.0, "high": 0.2},
        },
    )
)
register_method(
    MethodSpec(
        "adalora",
        "vertune.methods.peft_methods:AdaLoRA",
        AdaLoraOptions,
        default_learning_rate=1e-3,
        search_space={"init_r": {"choices": [8, 12, 16]}},
    )
)
register_method(MethodSpec("ia3", "vertune.methods.peft_methods:IA3", IA3Options, default_learning_rate=3e-3))
register_method(
    MethodSpec(
        "prefix",
        "vertune.methods.peft_methods:PrefixTuning",
        PrefixOptions,
        default_learning_rate=1e-2,
        search_space={"virtual_tokens": {"choices": [10, 20, 30]}},
    )
)
register_method(
    MethodSpec(
        "prompt",
        "vertune.methods.peft_methods:PromptTuning",
        PromptOptions,
        default_learning_rate=1e-2,
        search_space={"virtual_tokens": {"choices": [10, 20, 30]}},
    )
)
register_method(
    MethodSpec(
        "adapter",
        "vertune.methods.adapter:BottleneckAdapter",
        AdapterOptions,
        default_learning_rate=1e-3,
        search_space={"reduction": {"choices": [8, 16, 32]}},
    )
)
register_method(
    MethodSpec(
        "contrastive",
        "vertune.methods.contrastive:Contrastive",
        ContrastiveOptions,
        default_learning_rate=1e-3,
        search_space={
            "iterations": {"choices": [5, 10, 20]},
            "body_learning_rate": {"low": 1e-5, "high": 1e-4, "log": True},
        },
    )
)

METHOD_NAMES = tuple(METHODS)


def method_spec(name: str) -> MethodSpec:
    return METHODS[name]


#: training rows from which a method's `large_data_learning_rate` replaces its default
LARGE_DATA_ROWS = 1000


def default_learning_rate(name: str, train_rows: int | None = None) -> float:
    """The body's rate when the recipe leaves training.learning_rate out; `train_rows` None = size unknown."""
    spec = METHODS.get(name)
    if spec is None:
        return 1e-4
    if train_rows is not None and train_rows >= LARGE_DATA_ROWS and spec.large_data_learning_rate is not None:
        return spec.large_data_learning_rate
    return spec.default_learning_rate


def method_search_space(name: str) -> dict[str, Mapping[str, Any]]:
    """The method's own `tune` space, as recipe keys (`method.lora.r`)."""
    spec = METHODS.get(name)
    if spec is None:
        return {}
    return {f"method.{name}.{option}": dict(param) for option, param in spec.search_space.items()}


def build_method(config: MethodConfig, total_steps: int | None = None) -> Method:
    """The recipe's method, with the L2-SP penalty stacked on top when `l2sp` > 0.

    `total_steps` (optimizer steps of the run) is for methods with a schedule of their own (AdaLoRA).
    """
    method = METHODS[config.name].factory()(config, total_steps)
    if config.l2sp > 0:
        from vertune.methods.base import MethodStack
        from vertune.methods.l2sp import L2SPPenalty

        method = MethodStack([method, L2SPPenalty(config.l2sp)])
    return method


__all__ = [
    "METHODS",
    "METHOD_NAMES",
    "MethodSpec",
    "build_method",
    "default_learning_rate",
    "method_search_space",
    "method_spec",
    "register_method",
]
