"""The HF Trainer, extended by the method's extra loss term (L2-SP, ...)."""

from __future__ import annotations

from typing import Any

from transformers import Trainer


class VertuneTrainer(Trainer):
    def __init__(self, *args: Any, method: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.method = method

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss, outputs = super().compute_loss(
            model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch
        )
        if model.training:  # evaluation reports the task loss alone
            penalty = self.method.extra_loss(self.accelerator.unwrap_model(model))
            if penalty is not None:
                loss = loss + penalty.to(loss.dtype)
        return (loss, outputs) if return_outputs else loss
