"""Class imbalance for single-label tasks: class weights, focal loss and a class-balanced sampler.

`training.class_weights`: `none`, `balanced` (n_rows / (n_classes * rows of the class), scikit-learn's rule)
or `{label: weight}` (unnamed labels weigh 1). `training.loss`: `cross_entropy` or `focal`
(Lin et al. 2017: cross-entropy scaled by (1 - p_true)^gamma, so easy rows count less; with class weights as
its alpha). Both are a weighted mean over the batch, as torch's weighted cross-entropy. `training.sampler:
balanced` draws training rows with replacement at probability 1 / rows of their class (every class equally
often per epoch). They apply to the model's logits (window logits pooled per text under `long_text: chunk`),
through the trainer's `task_loss` hook.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from vertune.errors import RecipeError

if TYPE_CHECKING:  # torch is imported when a loss is built, not when a recipe is checked
    import torch

TaskLoss = Callable[[Any, dict[str, Any]], "tuple[torch.Tensor, Any] | None"]


def is_active(training: Any) -> bool:
    return bool(
        training.class_weights != "none" or training.loss != "cross_entropy" or training.sampler != "uniform"
    )


def check_task(training: Any, task: Any) -> None:
    """The options need single-label classes (classification, pair with pair_target: class)."""
    if is_active(training) and not task.single_label:
        raise RecipeError(
            f"training.class_weights / loss / sampler apply to single-label classes (task classification, "
            f"or pair with pair_target: class), not task {task.name}; leave them at none / cross_entropy "
            "/ uniform"
        )


def class_weights(
    option: str | dict[str, float], targets: Sequence[str], labels: Sequence[str]
) -> list[float] | None:
    """One weight per label id, or None for `none`."""
    if option == "none":
        return None
    if option == "balanced":
        counts = Counter(targets)
        present = [label for label in labels if counts[label]]
        return [len(targets) / (len(present) * counts[label]) if counts[label] else 1.0 for label in labels]
    assert isinstance(option, dict)
    unknown = sorted(set(option) - set(labels))
    if unknown:
        raise RecipeError(
            f"training.class_weights: label {unknown[0]!r} is not in the training data (labels: "
            f"{', '.join(labels)})"
        )
    return [float(option.get(label, 1.0)) for label in labels]


def loss_function(
    weights: Sequence[float] | None, loss: str = "cross_entropy", gamma: float = 2.0
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    import torch

    def compute(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        logits = logits.float()
        weight = torch.tensor(weights, device=logits.device) if weights is not None else None
        if loss == "cross_entropy":
            return torch.nn.functional.cross_entropy(logits, labels, weight=weight)
        log_p = torch.log_softmax(logits, dim=-1).gather(1, labels[:, None]).squeeze(1)
        per_row = -((1 - log_p.exp()) ** gamma) * log_p
        row_weight = weight[labels] if weight is not None else torch.ones_like(per_row)
        return (per_row * row_weight).sum() / row_weight.sum()

    return compute


def wrap_task_loss(
    task_loss: TaskLoss | None, loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
) -> TaskLoss:
    """The trainer's loss hook with `loss` on the logits the task's own loss would see."""

    def compute(model: Any, inputs: dict[str, Any]) -> tuple[torch.Tensor, Any]:
        computed = task_loss(model, inputs) if task_loss is not None else None
        if computed is not None:  # windows: the outputs hold logits pooled per text
            outputs = computed[1]
        else:
            outputs = model(**{k: v for k, v in inputs.items() if k != "labels"})
        return loss(outputs.logits, inputs["labels"]), outputs

    return compute


def sampling_weights(targets: Sequence[str]) -> list[float]:
    """Per training row: 1 / rows of its class."""
    counts = Counter(targets)
    return [1.0 / counts[t] for t in targets]


def training_hooks(recipe: Any, task: Any, train: Any, labels: Sequence[str]) -> dict[str, Any]:
    """VertuneTrainer keyword arguments for the recipe's imbalance options (none when all are off)."""
    training = recipe.training
    hooks: dict[str, Any] = {}
    if not is_active(training):
        return hooks
    check_task(training, task)
    targets = [str(t) for t in train.targets]
    weights = class_weights(training.class_weights, targets, labels)
    if weights is not None or training.loss != "cross_entropy":
        hooks["task_loss"] = wrap_task_loss(
            task.compute_loss, loss_function(weights, training.loss, training.focal_gamma)
        )
    if training.sampler == "balanced":
        hooks["sample_weights"] = sampling_weights(targets)
    return hooks
