"""BitFit (Ben Zaken et al., 2022): train only the backbone's bias terms, plus the head and the pooler.

Models without bias terms (Llama, Mistral, Qwen-style decoders such as SmolLM2, whose LM head is also tied
to the frozen embeddings) would train nothing or only a head: that is a recipe error, not a silent
head-only run or an optimizer crash.
"""

from __future__ import annotations

from torch import nn

from vertune.errors import RecipeError
from vertune.methods.base import BaseMethod, backbone, train_only_head, unwrap


class BitFit(BaseMethod):
    name = "bitfit"

    def prepare(self, model: nn.Module) -> nn.Module:
        train_only_head(model)
        biases = [
            parameter
            for name, parameter in backbone(model).named_parameters()
            if name == "bias" or name.endswith(".bias")
        ]
        if not biases:
            kind = type(unwrap(model)).__name__
            raise RecipeError(
                f"method bitfit: {kind} has no bias terms to train (Llama-style layers have none); "
                "use lora, ia3 or freeze"
            )
        for parameter in biases:
            parameter.requires_grad_(True)
        return model
