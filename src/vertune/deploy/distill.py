"""Knowledge distillation: a student trained on the teacher's soft outputs plus the gold labels.

The student is the teacher with fewer layers (evenly spaced layers kept, their weights copied), so it starts
close to the teacher. Training uses the Hugging Face `Trainer` directly (not vertune's `fit`: no
baselines, checkpoints or early stopping are wanted here) with the loss
`alpha * task loss(gold) + (1 - alpha) * soft loss(teacher)`. The soft loss follows the model's problem
type: KL divergence of temperature-softened distributions (classification, token classification, masked
by the padding / ignored labels), binary cross-entropy to the teacher's sigmoid (multi-label), mean squared
error to the teacher's output (regression). The same trainer is pruning's recovery fine-tune.
"""

from __future__ import annotations

import copy
import tempfile
import time
from typing import Any

import torch
import torch.nn.functional as F
from transformers import PrinterCallback, Trainer, TrainingArguments

from vertune.deploy.prune import encoder_layers
from vertune.errors import VertuneError
from vertune.hardware import pick_device
from vertune.recipe import Recipe
from vertune.tasks.base import Examples, Task


def student_from_teacher(teacher: Any, layers: int) -> Any:
    """A copy of the teacher that keeps `layers` evenly spaced transformer layers (first and last kept)."""
    total = len(encoder_layers(teacher))
    if not 1 <= layers < total:
        raise VertuneError(
            f"--student-layers {layers}: the teacher has {total} layers; give 1 to {total - 1}"
        )
    student = copy.deepcopy(teacher)
    kept = sorted({round(i * (total - 1) / max(1, layers - 1)) for i in range(layers)}) if layers > 1 else [0]
    student.base_model.encoder.layer = torch.nn.ModuleList(encoder_layers(student)[i] for i in kept)
    student.config.num_hidden_layers = layers
    return student


def soft_loss(
    student: torch.Tensor,
    teacher: torch.Tensor,
    problem_type: str | None,
    mask: torch.Tensor | None,
    temperature: float,
) -> torch.Tensor:
    if problem_type == "regression":
        return F.mse_loss(student.float(), teacher.float())
    if problem_type == "multi_label_classification":
        return F.binary_cross_entropy_with_logits(student.float(), torch.sigmoid(teacher.float()))
    log_p = F.log_softmax(student.float() / temperature, dim=-1)
    q = F.softmax(teacher.float() / temperature, dim=-1)
    per_row = (q * (q.clamp_min(1e-9).log() - log_p)).sum(-1) * temperature**2
    if mask is not None and per_row.dim() == mask.dim():
        return (per_row * mask).sum() / mask.sum().clamp_min(1)
    return per_row.mean()


class DistillationTrainer(Trainer):
    def __init__(self, *args: Any, teacher: torch.nn.Module, alpha: float, temperature: float, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.teacher = teacher.eval()
        self.alpha, self.temperature = alpha, temperature

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        outputs = model(**inputs)
        with torch.no_grad():
            teacher = self.teacher(**{k: v for k, v in inputs.items() if k != "labels"}).logits
        labels = inputs.get("labels")
        mask = None
        if outputs.logits.dim() == 3:  # token logits: only real, labelled tokens
            mask = (labels != -100).float() if labels is not None else inputs["attention_mask"].float()
        soft = soft_loss(outputs.logits, teacher, model.config.problem_type, mask, self.temperature)
        loss = soft if outputs.loss is None else self.alpha * outputs.loss + (1 - self.alpha) * soft
        return (loss, outputs) if return_outputs else loss


def train_student(
    student: Any,
    teacher: Any,
    task: Task,
    tokenizer: Any,
    train: Examples,
    labels: list[str],
    recipe: Recipe,
    epochs: float,
    precision: str,
    alpha: float = 0.5,
    temperature: float = 2.0,
    quiet: bool = False,
) -> dict[str, Any]:
    """Fine-tune `student` in place on the training split against `teacher`; returns timing stats."""
    features = task.encode(train.inputs, tokenizer, recipe.training.max_length)
    task.attach_targets(features, train, labels)
    features = [{k: v for k, v in f.items() if k != "example"} for f in features]
    t = recipe.training
    device = pick_device()
    with tempfile.TemporaryDirectory(prefix="vertune-distill-") as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            num_train_epochs=epochs,
            learning_rate=recipe.body_learning_rate,
            per_device_train_batch_size=t.batch_size,
            weight_decay=t.weight_decay,
            warmup_steps=t.warmup_ratio,
            seed=t.seed,
            data_seed=t.seed,
            bf16=precision == "bf16",
            use_cpu=device.type == "cpu",
            eval_strategy="no",
            save_strategy="no",
            logging_strategy="no",
            train_sampling_strategy="group_by_length",
            dataloader_num_workers=0,
            report_to="none",
            disable_tqdm=quiet,
        )
        trainer = DistillationTrainer(
            model=student,
            args=args,
            train_dataset=features,
            data_collator=task.collator(tokenizer),
            processing_class=tokenizer,
            teacher=teacher.to(device),
            alpha=alpha,
            temperature=temperature,
        )
        trainer.remove_callback(PrinterCallback)  # it prints the final loss dict even with --quiet
        start = time.perf_counter()
        trainer.train()
    return {
        "trainer": "transformers.Trainer (DistillationTrainer)",
        "epochs": epochs,
        "steps": trainer.state.global_step,
        "seconds": round(time.perf_counter() - start, 1),
        "alpha": alpha,
        "temperature": temperature,
        "rows": len(features),
    }
