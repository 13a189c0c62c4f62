"""The HF Trainer, extended by the method's extra loss term (L2-SP, ...) and the task's own loss if any."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.utils.data import WeightedRandomSampler
from transformers import Trainer

from vertune.train.param_groups import rate_groups


class VertuneTrainer(Trainer):
    def __init__(
        self,
        *args: Any,
        method: Any,
        head_learning_rate: float | None = None,
        layer_lr_decay: float = 1.0,
        task_loss: Callable[[Any, dict[str, Any]], tuple[Any, Any] | None] | None = None,
        sample_weights: Sequence[float] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        # The heads vertune trains (sequence / token classification) return a per-batch mean loss and
        # ignore `num_items_in_batch`; left on, the Trainer would still multiply that mean by the number of
        # processes under DDP (doubling the gradient with 2 processes) and skip the division by the
        # gradient-accumulation steps.
        self.model_accepts_loss_kwargs = False
        self.method = method
        self.head_learning_rate = head_learning_rate
        self.layer_lr_decay = layer_lr_decay
        self.task_loss = task_loss  # the task's own loss (window logits pooled per text); None: the model's
        self.sample_weights = sample_weights  # training.sampler: balanced (one weight per training row)

    def create_optimizer(self, model=None):
        """HF's optimizer, rebuilt with the head's parameters at their own learning rate if set and the
        body's layers at decaying rates if `layer_lr_decay` < 1."""
        if self.optimizer is not None or (self.head_learning_rate is None and self.layer_lr_decay == 1.0):
            return super().create_optimizer(model)
        model = self.model if model is None else model
        optimizer = super().create_optimizer(model)
        groups = rate_groups(model, optimizer.param_groups, self.head_learning_rate, self.layer_lr_decay)
        # No step has been taken yet, so a fresh optimizer of the same class and settings loses nothing.
        optimizer_cls, optimizer_kwargs = self.get_optimizer_cls_and_kwargs(self.args, model)
        self.optimizer = optimizer_cls(groups, **optimizer_kwargs)
        return self.optimizer

    def _get_train_sampler(self, train_dataset=None):
        if self.sample_weights is None:
            return super()._get_train_sampler(train_dataset)
        generator = torch.Generator().manual_seed(self.args.seed)
        weights = torch.tensor(self.sample_weights, dtype=torch.double)
        return WeightedRandomSampler(weights, len(weights), replacement=True, generator=generator)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        computed = self.task_loss(model, inputs) if self.task_loss is not None else None
        loss, outputs = computed or super().compute_loss(
            model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch
        )
        if model.training:  # evaluation reports the task loss alone
            penalty = self.method.extra_loss(self.accelerator.unwrap_model(model))
            if penalty is not None:
                loss = loss + penalty.to(loss.dtype)
        return (loss, outputs) if return_outputs else loss
