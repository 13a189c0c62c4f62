"""The Method protocol and the helpers that find a model's backbone, head and transformer layers.

The helpers see through a PEFT wrapper (`PeftModel`), so the head keeps its own learning rate and L2-SP
finds the backbone whichever method prepared the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:
    from transformers import TrainerCallback

    from vertune.recipe import MethodConfig


@dataclass
class TrainingData:
    """What a method that learns from the data before the Trainer runs (`warm_start`) is given."""

    texts: list[str]  # the training inputs as plain text (a pair joined by the tokenizer's separator)
    target_ids: np.ndarray | None  # class ids for single-label tasks, else None
    tokenizer: Any
    max_length: int
    seed: int
    quiet: bool = True


@dataclass(frozen=True)
class HeadProbe:
    """How a logistic regression fitted on the frozen inputs of the output layer starts the head."""

    strength: float  # the inverse regularisation C
    standardise: bool  # fit on standardised inputs (folded back into the layer's weights)


#: LP-FT's start (`training.head_init: linear_probe`): strongly regularised, so fine-tuning does not first
#: have to unlearn an over-confident head
LINEAR_PROBE = HeadProbe(strength=0.1, standardise=True)
#: SetFit's head: scikit-learn's default `LogisticRegression()` on the raw embeddings, fitted to convergence
SETFIT_PROBE = HeadProbe(strength=1.0, standardise=False)


class Method(Protocol):
    """What the trainer asks of a fine-tuning method. `BaseMethod` gives the optional members their
    defaults: `extra_loss` (None), `callbacks` (none) and `changes_shapes` (False)."""

    name: str
    #: True when the method resizes parameters while it trains (AdaLoRA prunes ranks): an earlier checkpoint
    #: no longer fits the model, so the run keeps its final weights instead of reloading the best ones
    changes_shapes: bool
    #: a probe the Trainer starts the head from whatever `training.head_init` says (None: the recipe decides)
    head_probe: HeadProbe | None

    def prepare(self, model: nn.Module) -> nn.Module:
        """Freeze or inject parameters; return the model to train."""

    def extra_loss(self, model: nn.Module) -> torch.Tensor | None:
        """A penalty added to the task loss during training, or None."""

    def callbacks(self) -> list[TrainerCallback]:
        """Trainer callbacks the method needs (AdaLoRA's rank allocation after each optimizer step)."""

    def warm_start(self, model: nn.Module, data: TrainingData) -> dict[str, Any]:
        """Train on the training rows before the Trainer does (contrastive: the sentence encoder on pairs);
        returns statistics for metrics.json's `train` section."""


class BaseMethod:
    """The Method protocol's optional members with their defaults, and the constructor the registry calls.

    `head_probe`: the Trainer starts from this probe's head whatever `training.head_init` says.

    A registered method class (see `vertune.methods.MethodSpec`) subclasses this and overrides `prepare`,
    plus `from_config` when it has options or a schedule.
    """

    name: str = "method"
    changes_shapes: bool = False
    head_probe: HeadProbe | None = None

    @classmethod
    def from_config(cls, config: MethodConfig, total_steps: int | None) -> BaseMethod:
        """The method as the recipe's `method` block sets it up; `total_steps` = optimizer steps (or None)."""
        return cls()

    def prepare(self, model: nn.Module) -> nn.Module:
        raise NotImplementedError

    def extra_loss(self, model: nn.Module) -> torch.Tensor | None:
        return None

    def callbacks(self) -> list[TrainerCallback]:
        return []

    def warm_start(self, model: nn.Module, data: TrainingData) -> dict[str, Any]:
        return {}


class MethodStack(BaseMethod):
    """Several methods applied in order (e.g. freeze + L2-SP); their extra losses add up."""

    def __init__(self, methods: list[Method]):
        self.methods = methods
        self.name = "+".join(m.name for m in methods)
        self.changes_shapes = any(m.changes_shapes for m in methods)
        self.head_probe = next((m.head_probe for m in methods if m.head_probe is not None), None)

    def prepare(self, model: nn.Module) -> nn.Module:
        for method in self.methods:
            model = method.prepare(model)
        return model

    def extra_loss(self, model: nn.Module) -> torch.Tensor | None:
        terms = [t for t in (m.extra_loss(model) for m in self.methods) if t is not None]
        return sum(terms[1:], terms[0]) if terms else None

    def callbacks(self) -> list[TrainerCallback]:
        return [c for m in self.methods for c in m.callbacks()]

    def warm_start(self, model: nn.Module, data: TrainingData) -> dict[str, Any]:
        return {key: value for m in self.methods for key, value in m.warm_start(model, data).items()}


def method_callbacks(method: Method) -> list[TrainerCallback]:
    """Trainer callbacks a method needs (AdaLoRA's rank allocation); most need none."""
    return list(method.callbacks())


def reloads_best_checkpoint(method: Method) -> bool:
    """False for a method whose parameter shapes change while it trains (AdaLoRA prunes ranks): an earlier
    checkpoint no longer fits the model, so the run keeps the final weights instead of the best ones."""
    return not method.changes_shapes


def hf_model(model: nn.Module) -> Any:
    """The transformers model under a PEFT wrapper, typed as what it is to us: a model with a `config` and
    the Hugging Face methods (`save_pretrained`, `get_input_embeddings`, ...)."""
    return unwrap(model)


def unwrap(model: nn.Module) -> nn.Module:
    """The transformers model under a PEFT wrapper (or the model itself)."""
    get_base = getattr(model, "get_base_model", None)
    return get_base() if callable(get_base) else model


def backbone(model: nn.Module) -> nn.Module:
    """The pre-trained encoder / decoder under the task head (`model.bert` for a BERT classifier)."""
    model = unwrap(model)
    base = getattr(model, "base_model", None)
    if base is None or base is model:
        raise TypeError(f"cannot tell the backbone from the head in {type(model).__name__}")
    return base


def pooler(model: nn.Module) -> nn.Module | None:
    """The backbone's pooler, if it has one with weights (it feeds nothing but the head)."""
    found = getattr(backbone(model), "pooler", None)
    return found if isinstance(found, nn.Module) and any(True for _ in found.parameters()) else None


def head_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The task head's parameters, plus the backbone's pooler."""
    inner = unwrap(model)
    inside = {id(p) for p in backbone(inner).parameters()}
    head = [p for p in inner.parameters() if id(p) not in inside]
    found = pooler(inner)
    return head + (list(found.parameters()) if found is not None else [])


def head_module_names(model: nn.Module) -> list[str]:
    """Names of the modules holding the head's and the pooler's weights, as PEFT's `modules_to_save`
    matches them (suffixes of module names). Leaf modules (`pooler.dense`, not `pooler`): PEFT's merge
    replaces each with its trained copy and needs it to be a layer with weights."""
    inner = unwrap(model)
    base = backbone(inner)
    roots = [(name, child) for name, child in inner.named_children() if child is not base]
    found = pooler(inner)
    if found is not None:
        roots.append(("pooler", found))
    return [
        f"{root}.{name}" if name else root
        for root, module in roots
        for name, leaf in module.named_modules()
        if any(True for _ in leaf.parameters(recurse=False))
    ]


def transformer_layers(model: nn.Module) -> nn.ModuleList:
    """The stack of transformer blocks, found by shape rather than by per-architecture names."""
    inner = unwrap(model)
    count = getattr(getattr(inner, "config", None), "num_hidden_layers", None)
    candidates = [m for m in backbone(inner).modules() if isinstance(m, nn.ModuleList) and len(m) > 0]
    for module in candidates:
        if count is None or len(module) == count:
            return module
    raise TypeError(f"cannot find the transformer layers of {type(inner).__name__}")


def input_embeddings(model: nn.Module) -> nn.Module:
    """The embedding block (word + position + ...) if the backbone has one, else the word embeddings."""
    embeddings: nn.Module | None = getattr(backbone(model), "embeddings", None)
    return embeddings or hf_model(model).get_input_embeddings()


def set_trainable(module: nn.Module, trainable: bool) -> None:
    for parameter in module.parameters():
        parameter.requires_grad_(trainable)


def train_only_head(model: nn.Module) -> None:
    """Freeze everything, then unfreeze the head and the pooler (the starting point of most methods)."""
    set_trainable(model, False)
    for parameter in head_parameters(model):
        parameter.requires_grad_(True)
