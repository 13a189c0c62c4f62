"""`vertune tune`'s default search space, torch-free: the common training knobs, the method's own (from its
registration, `vertune.methods.MethodSpec.search_space`), and how a trial samples one dimension."""

from __future__ import annotations

from typing import Any

from vertune.methods import method_search_space
from vertune.recipe import Recipe, SearchParam

COMMON_SPACE: dict[str, dict[str, Any]] = {
    "training.epochs": {"choices": [2, 3, 5]},
    "training.batch_size": {"choices": [8, 16, 32]},
    "training.weight_decay": {"low": 0.0, "high": 0.1},
    "training.warmup_ratio": {"low": 0.0, "high": 0.2},
}


def default_space(recipe: Recipe) -> dict[str, SearchParam]:
    """Learning rate a decade either side of the method's default, the common knobs, the method's own,
    and the L2-SP strength when the recipe uses L2-SP."""
    lr = recipe.body_learning_rate
    space: dict[str, Any] = {
        "training.learning_rate": {"low": lr / 10, "high": lr * 10, "log": True},
        **COMMON_SPACE,
    }
    space |= method_search_space(recipe.method.name)
    if recipe.method.l2sp > 0:
        space["method.l2sp"] = {"low": 1e-4, "high": 1.0, "log": True}
    return {key: SearchParam(**value) for key, value in space.items()}


def suggest(trial: Any, key: str, param: SearchParam) -> Any:
    """One value of `param` from an Optuna trial."""
    if param.choices is not None:
        return trial.suggest_categorical(key, param.choices)
    assert param.low is not None and param.high is not None
    if param.step is not None and all(float(v).is_integer() for v in (param.low, param.high, param.step)):
        return trial.suggest_int(key, int(param.low), int(param.high), step=int(param.step), log=param.log)
    return trial.suggest_float(
        key, param.low, param.high, log=param.log, step=None if param.log else param.step
    )
