"""Fine-tuning strategies: one module per method, each implementing the Method protocol.

Adding a method is one new module plus one entry here. `l2sp` is not a name of its own: it is a penalty
(`method.l2sp: lambda`) that combines with any method.
"""

from __future__ import annotations

import importlib

from vertune.methods.base import Method, MethodStack

METHODS: dict[str, str] = {
    "full": "vertune.methods.full:FullFineTuning",
    "freeze": "vertune.methods.freeze:FreezeLowerLayers",
    "head-only": "vertune.methods.head_only:HeadOnly",
}
METHOD_NAMES = tuple(METHODS)


def build_method(config) -> Method:  # config: vertune.recipe.MethodConfig
    """The recipe's method, with the L2-SP penalty stacked on top when `l2sp` > 0."""
    module, _, attribute = METHODS[config.name].partition(":")
    method: Method = getattr(importlib.import_module(module), attribute).from_config(config)
    if config.l2sp > 0:
        from vertune.methods.l2sp import L2SPPenalty

        method = MethodStack([method, L2SPPenalty(config.l2sp)])
    return method


__all__ = ["METHODS", "METHOD_NAMES", "Method", "MethodStack", "build_method"]
