"""Learning without Forgetting (Li & Hoiem, 2016): while the child learns the new data, its outputs for the
parent's labels are pulled toward the parent's own outputs on the same inputs (KL divergence of the
temperature-softened distributions, times T^2). The parent runs frozen beside the child, batch by batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

#: the keys a transformers encoder reads; the rest of a batch (labels, window bookkeeping) is ours
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
IGNORED = -100

TaskLoss = Callable[[Any, dict[str, Any]], "tuple[Any, Any] | None"]


def distillation(student: torch.Tensor, teacher: torch.Tensor, temperature: float, mask: Any) -> torch.Tensor:
    """KL(teacher || student) over the last axis at `temperature`, times T^2, averaged over `mask`'s rows."""
    log_student = F.log_softmax(student.float() / temperature, dim=-1)
    target = F.softmax(teacher.float() / temperature, dim=-1)
    per_row = F.kl_div(log_student, target, reduction="none").sum(-1) * temperature**2
    if mask is not None:
        per_row = per_row[mask]
    return per_row.mean() if per_row.numel() else student.sum() * 0.0


def with_distillation(
    task_loss: TaskLoss | None, teacher: nn.Module, old_labels: int, weight: float, temperature: float
) -> TaskLoss:
    """The Trainer's `task_loss` hook with the distillation term added while training."""

    def loss(model: Any, inputs: dict[str, Any]) -> tuple[Any, Any]:
        computed = task_loss(model, inputs) if task_loss is not None else None
        if computed is None:
            outputs = model(**inputs)
            value = outputs.loss
        else:
            value, outputs = computed
        logits = getattr(outputs, "logits", None)
        if not model.training or weight == 0 or logits is None:
            return value, outputs
        device = logits.device
        if next(teacher.parameters()).device != device:
            teacher.to(device)
        with torch.no_grad():
            teacher_logits = teacher(**{k: inputs[k] for k in MODEL_INPUTS if k in inputs}).logits
        if teacher_logits.shape[:-1] != logits.shape[:-1]:  # windows pooled per text: no row-wise match
            return value, outputs
        labels = inputs.get("labels")
        mask = labels != IGNORED if labels is not None and labels.dim() == logits.dim() - 1 else None
        if mask is not None and mask.shape != logits.shape[:-1]:
            mask = None
        kd = distillation(logits[..., :old_labels], teacher_logits[..., :old_labels], temperature, mask)
        return value + weight * kd.to(value.dtype), outputs

    return loss
