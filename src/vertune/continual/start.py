"""The fit stage's starting point for `vertune continue`: the parent's weights with the head grown, the
anchored penalties of the recipe's `continual.strategy` stacked on the method, and LwF's distillation added
to the Trainer's loss hook (see train/fit.StartingPoint)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from vertune.continual.head import grow_head, load_parent_model
from vertune.continual.lwf import with_distillation
from vertune.continual.penalties import AnchorPenalty
from vertune.events import Info, Subscriber
from vertune.recipe import ContinualConfig
from vertune.run import RunDir


@dataclass
class ContinualStart:
    parent: RunDir
    parent_labels: list[str]
    config: ContinualConfig
    on_event: Subscriber
    #: EWC's Fisher of the parent (by plain parameter name), None without ewc
    fisher: dict[str, torch.Tensor] | None = None
    grown: dict[str, int] = field(default_factory=dict)
    teacher: nn.Module | None = None
    penalties: list[AnchorPenalty] = field(default_factory=list)

    def load_model(self, task: Any, labels: list[str]) -> nn.Module:
        model = load_parent_model(task, self.parent.model_dir)
        if self.config.uses("lwf"):
            self.teacher = load_parent_model(task, self.parent.model_dir).eval().requires_grad_(False)
        self.grown = grow_head(model, self.parent_labels, labels)
        added = len(labels) - len(self.parent_labels)
        if added:
            self.on_event(
                Info(f"head grown from {len(self.parent_labels)} to {len(labels)} labels: {labels[-added:]}")
            )
        return model

    def stack(self, method: Any) -> Any:
        from vertune.methods.base import MethodStack

        if self.config.uses("l2sp") and self.config.l2sp > 0:
            self.penalties.append(AnchorPenalty("l2sp@parent", self.config.l2sp, self.grown))
        if self.config.uses("ewc") and self.config.ewc > 0 and self.fisher is not None:
            self.penalties.append(AnchorPenalty("ewc", self.config.ewc, self.grown, self.fisher))
        return MethodStack([method, *self.penalties]) if self.penalties else method

    def hooks(self, hooks: dict[str, Any]) -> dict[str, Any]:
        if self.teacher is None or self.config.lwf == 0:
            return hooks
        task_loss: Callable[..., Any] | None = hooks.get("task_loss")
        lwf = with_distillation(
            task_loss, self.teacher, len(self.parent_labels), self.config.lwf, self.config.lwf_temperature
        )
        return {**hooks, "task_loss": lwf}

    def summary(self) -> dict[str, Any]:
        return {penalty.name: penalty.anchored for penalty in self.penalties}
