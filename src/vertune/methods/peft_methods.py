"""The parameter-efficient methods PEFT provides: LoRA (with DoRA / rsLoRA), AdaLoRA, IA3, prefix and
prompt tuning.

Each builds a PEFT config from the recipe and wraps the model with `get_peft_model`. PEFT's task type
comes from the model class (`...ForSequenceClassification` -> SEQ_CLS, `...ForTokenClassification` ->
TOKEN_CLS), and the head and the pooler stay fully trainable (`modules_to_save`), found by
`head_module_names` rather than by per-architecture names.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from torch import nn
from transformers import TrainerCallback

from vertune.errors import RecipeError
from vertune.methods.base import BaseMethod, head_module_names, hf_model, unwrap
from vertune.methods.options import AdaLoraOptions, IA3Options, LoraOptions, PrefixOptions, PromptOptions
from vertune.strict import StrictModel

if TYPE_CHECKING:
    from vertune.recipe import MethodConfig

# Model class name suffix -> PEFT task type.
TASK_TYPES = {
    "ForSequenceClassification": "SEQ_CLS",
    "ForTokenClassification": "TOKEN_CLS",
    "ForQuestionAnswering": "QUESTION_ANS",
    "ForCausalLM": "CAUSAL_LM",
}


def peft_task_type(model: nn.Module) -> str | None:
    name = type(unwrap(model)).__name__
    return next((t for suffix, t in TASK_TYPES.items() if name.endswith(suffix)), None)


def default_lora_targets(model: nn.Module) -> list[str] | str:
    """PEFT's per-architecture LoRA targets (query / value for BERT), else every linear layer; a causal LM
    (instruction tuning) gets every linear projection of its blocks (PEFT's "all-linear" leaves the LM head
    out), which the QLoRA paper found necessary to match full fine-tuning."""
    if peft_task_type(model) == "CAUSAL_LM":
        return "all-linear"
    from peft.utils import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as TARGETS

    model_type = getattr(hf_model(model).config, "model_type", None)
    return list(TARGETS[model_type]) if model_type in TARGETS else "all-linear"


class PeftMethod(BaseMethod):
    """Base of the PEFT-backed methods: subclasses only build the PEFT config."""

    name = "peft"
    #: prefix / prompt tuning add virtual tokens, which cannot be folded into the weights
    mergeable = True
    #: the recipe's `method.<name>` block
    options_model: type[StrictModel]

    def __init__(self, options: Any, total_steps: int | None = None):
        self.options = options
        self.total_steps = total_steps

    @classmethod
    def from_config(cls, config: MethodConfig, total_steps: int | None) -> PeftMethod:
        return cls(config.options(cls.options_model), total_steps)

    def peft_config(self, model: nn.Module, common: dict[str, Any]) -> Any:
        raise NotImplementedError

    def prepare(self, model: nn.Module) -> nn.Module:
        from peft import get_peft_model

        task_type = peft_task_type(model)
        # a causal LM's head is pre-trained (and often tied to the embeddings): nothing new to save whole
        common = {
            "task_type": task_type,
            "modules_to_save": None if task_type == "CAUSAL_LM" else head_module_names(model),
        }
        return get_peft_model(model, self.peft_config(model, common))


class LoRA(PeftMethod):
    name = "lora"
    options_model = LoraOptions

    def peft_config(self, model: nn.Module, common: dict[str, Any]) -> Any:
        from peft import LoraConfig

        o = self.options
        return LoraConfig(
            r=o.r,
            lora_alpha=o.alpha,
            lora_dropout=o.dropout,
            target_modules=o.target_modules or default_lora_targets(model),
            use_dora=o.dora,
            use_rslora=o.rslora,
            **common,
        )


class AdaLoRA(PeftMethod):
    name = "adalora"
    options_model = AdaLoraOptions
    #: its rank allocation resizes the LoRA matrices, so earlier checkpoints cannot be loaded back
    changes_shapes = True

    def peft_config(self, model: nn.Module, common: dict[str, Any]) -> Any:
        from peft import AdaLoraConfig

        o = self.options
        steps = max(self.total_steps or 0, 10)
        # Budget schedule: keep the initial rank for the first 10% of steps, prune ranks until 80%,
        # then fine-tune the final allocation (the paper's shape, scaled to the run's length).
        return AdaLoraConfig(
            init_r=o.init_r,
            target_r=o.target_r,
            lora_alpha=o.alpha,
            lora_dropout=o.dropout,
            target_modules=o.target_modules or default_lora_targets(model),
            total_step=steps,
            tinit=int(0.1 * steps),
            tfinal=int(0.2 * steps),
            deltaT=1,
            **common,
        )

    def callbacks(self) -> list[TrainerCallback]:
        return [AdaLoraAllocation()]


class AdaLoraAllocation(TrainerCallback):
    """AdaLoRA re-allocates ranks after each optimizer step, while the gradients are still there."""

    def on_optimizer_step(self, args, state, control, model=None, **kwargs):
        if model is not None and hasattr(model, "base_model"):
            model.base_model.update_and_allocate(state.global_step)


class IA3(PeftMethod):
    name = "ia3"
    options_model = IA3Options

    def peft_config(self, model: nn.Module, common: dict[str, Any]) -> Any:
        from peft import IA3Config

        o = self.options
        return IA3Config(target_modules=o.target_modules, feedforward_modules=o.feedforward_modules, **common)


def accept_past_key_values(model: nn.Module) -> nn.Module:
    """Let PEFT's prefix tuning reach a backbone whose forward names its cache `cache`.

    PEFT (0.21.2, the newest release on 2026-12-02) looks for a `past_key_values` parameter in the
    backbone's forward signature and refuses prefix tuning without it; transformers 5.24 renamed BERT's
    parameter to `cache` (`past_key_values` survives only as a deprecated keyword alias, which a signature
    does not show). When the backbone takes `cache` but not `past_key_values`, this gives that one module
    instance a forward that takes `past_key_values` and hands it on as `cache`. Where the backbone still
    takes `past_key_values` (transformers < 5.24) nothing changes. Returns the model it was given.
    """
    backbone = getattr(unwrap(model), "base_model", None)
    if not isinstance(backbone, nn.Module):
        return model
    parameters = inspect.signature(backbone.forward).parameters
    if "past_key_values" in parameters:
        return model
    if "cache" not in parameters:
        from vertune.versions import installed_versions

        raise RecipeError(
            f"method.name: prefix needs a backbone that takes past key values; {type(backbone).__name__} "
            f"takes neither past_key_values nor cache ({installed_versions('transformers', 'peft')})"
        )
    original = backbone.forward

    def forward(*args: Any, past_key_values: Any = None, **kwargs: Any) -> Any:
        if past_key_values is not None:
            kwargs["cache"] = past_key_values
        return original(*args, **kwargs)

    # PEFT reads the signature: the original's, with past_key_values added before **kwargs.
    listed = [p for p in parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    extra = inspect.Parameter("past_key_values", inspect.Parameter.KEYWORD_ONLY, default=None)
    rest = [p for p in parameters.values() if p.kind is inspect.Parameter.VAR_KEYWORD]
    forward.__signature__ = inspect.Signature([*listed, extra, *rest])  # type: ignore[attr-defined]
    backbone.forward = forward
    return model


class PrefixTuning(PeftMethod):
    name = "prefix"
    options_model = PrefixOptions
    mergeable = False

    def prepare(self, model: nn.Module) -> nn.Module:
        return super().prepare(accept_past_key_values(model))

    def peft_config(self, model: nn.Module, common: dict[str, Any]) -> Any:
        from peft import PrefixTuningConfig

        o = self.options
        return PrefixTuningConfig(
            num_virtual_tokens=o.virtual_tokens, prefix_projection=o.projection, **common
        )


class PromptTuning(PeftMethod):
    name = "prompt"
    options_model = PromptOptions
    mergeable = False

    def peft_config(self, model: nn.Module, common: dict[str, Any]) -> Any:
        from peft import PromptTuningConfig

        if common["task_type"] == "TOKEN_CLS":
            raise RecipeError(
                "method.name: prompt tuning prepends virtual tokens, which shifts per-token outputs; "
                "for token tasks use prefix (method.name: prefix), which adds them to attention only"
            )
        return PromptTuningConfig(num_virtual_tokens=self.options.virtual_tokens, **common)
