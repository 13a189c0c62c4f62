"""The training stage: head + method + HF Trainer with early stopping, checkpoints and resume."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from transformers import EarlyStoppingCallback, TrainingArguments, set_seed
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from vertune.data.prepare import Splits
from vertune.evaluate.direction import lower_is_better
from vertune.events import Info, Subscriber, ignore
from vertune.hardware import peak_rss_mb, pick_device
from vertune.methods import build_method
from vertune.methods.base import LINEAR_PROBE, TrainingData, method_callbacks, reloads_best_checkpoint
from vertune.models.loading import dropout_overrides, load_options, loading
from vertune.models.resolve import resolve_model
from vertune.models.vocab import VocabExtension, resize_embeddings, train_new_rows
from vertune.recipe import Recipe, TrainingConfig
from vertune.run import RunDir
from vertune.train.callbacks import EpochEvents, JsonlLog, ProgressBar, TrainingClock
from vertune.train.head_init import warm_start_head
from vertune.train.imbalance import training_hooks
from vertune.train.trainer import VertuneTrainer


@dataclass
class FitResult:
    model: Any
    stats: dict[str, Any]
    is_main_process: bool
    trainer: Any = None  # the HF Trainer, whose callbacks (trackers) also receive the final metrics


class StartingPoint(Protocol):
    """Where a run starts other than the pre-trained model (`vertune continue`: the parent run, its head
    grown), with what it adds to the method (penalties) and to the Trainer's hooks (a distillation loss)."""

    def load_model(self, task: Any, labels: list[str]) -> Any: ...

    def stack(self, method: Any) -> Any: ...

    def hooks(self, hooks: dict[str, Any]) -> dict[str, Any]: ...


def count_parameters(model: Any) -> tuple[int, int]:
    # PEFT keeps a frozen `original_module` beside each trainable head copy: count the head once.
    named = [(n, p) for n, p in model.named_parameters() if ".original_module." not in n]
    return sum(p.numel() for _, p in named if p.requires_grad), sum(p.numel() for _, p in named)


def optimizer_steps(recipe: Recipe, train_rows: int) -> int:
    """Optimizer steps of the whole run (every process together), for methods with their own schedule."""
    t = recipe.training
    world = int(os.environ.get("WORLD_SIZE", "1"))
    per_epoch = math.ceil(train_rows / (t.batch_size * world) / t.gradient_accumulation_steps)
    return max(1, math.ceil(per_epoch * t.epochs))


def build_model(
    recipe: Recipe,
    task: Any,
    labels: list[str],
    train_rows: int = 0,
    vocab: VocabExtension | None = None,
    start: StartingPoint | None = None,
) -> tuple[Any, Any]:
    """The pre-trained backbone with the task head (embeddings grown by `vocab`), prepared by the method;
    with `start`, its model and penalties instead."""
    if start is not None:
        model = start.load_model(task, labels)
    else:
        path = resolve_model(recipe.model.name)
        options = {**load_options(recipe.model), **dropout_overrides(recipe.model, recipe.training.dropout)}
        model = loading(recipe.model.name, lambda: task.head(path, labels, **options))
    if vocab is not None:
        resize_embeddings(model, vocab)  # before the method freezes or wraps anything
    method = build_method(recipe.method, total_steps=optimizer_steps(recipe, train_rows))
    if start is not None:
        method = start.stack(method)
    return method.prepare(model), method


def training_arguments(
    recipe: Recipe, run: RunDir, precision: str, quiet: bool, load_best: bool = True
) -> TrainingArguments:
    t = recipe.training
    metric = t.metric_for_best or "loss"  # the data stage (stages.data.resolve_task) fills in the task's
    return TrainingArguments(
        output_dir=str(run.checkpoints_dir),
        num_train_epochs=t.epochs,
        # the data stage (resolve_learning_rate) fills in the default for the data's size; a recipe that did
        # not pass through it gets the method's size-blind default
        learning_rate=recipe.body_learning_rate,
        per_device_train_batch_size=t.batch_size,
        per_device_eval_batch_size=t.eval_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps,
        weight_decay=t.weight_decay,
        warmup_steps=t.warmup_ratio,  # a float below 1 is a ratio of the total steps in transformers 5
        seed=t.seed,
        data_seed=t.seed,
        bf16=precision == "bf16",
        use_cpu=pick_device().type == "cpu",
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=2,  # the best and the last, for --resume
        load_best_model_at_end=load_best,
        metric_for_best_model=metric,
        greater_is_better=not lower_is_better(metric),
        logging_strategy="steps",
        logging_steps=10,
        logging_first_step=True,
        train_sampling_strategy="group_by_length",
        dataloader_num_workers=0,
        # MLflow is logged by vertune.tracking after the run (one MLflow run with the final metrics too),
        # not by the Trainer's MLflowCallback, which ends its run before the test scores exist.
        report_to="none" if t.report_to == "mlflow" else t.report_to,
        disable_tqdm=quiet,
        **scale_out_arguments(recipe),
    )


def scale_out_arguments(recipe: Recipe) -> dict[str, Any]:
    """The recipe's DDP / FSDP / DeepSpeed settings, for TrainingArguments (only those that are set)."""
    t = recipe.training
    options = {"ddp_backend": t.ddp_backend, "fsdp": t.fsdp, "fsdp_config": t.fsdp_config}
    options["deepspeed"] = t.deepspeed
    return {key: value for key, value in options.items() if value is not None}


def training_data(recipe: Recipe, task: Any, splits: Splits, tokenizer: Any, quiet: bool) -> TrainingData:
    """The training rows as a method's `warm_start` reads them."""
    train = splits.train
    targets = task.target_ids(train.targets, splits.labels) if task.single_label else None
    texts = [task.text_of(item) for item in train.inputs]
    return TrainingData(texts, targets, tokenizer, recipe.training.max_length, recipe.training.seed, quiet)


def fit(
    recipe: Recipe,
    run: RunDir,
    task: Any,
    splits: Splits,
    features: dict[str, list[dict[str, Any]]],
    tokenizer: Any,
    precision: str,
    resume: bool = False,
    quiet: bool = False,
    callbacks: Sequence[Any] = (),
    vocab: VocabExtension | None = None,
    on_event: Subscriber = ignore,
    start: StartingPoint | None = None,
) -> FitResult:
    """Train; `callbacks` are extra TrainerCallbacks (vertune tune's pruning); each evaluation is an
    EpochMetrics event; `start` = a run to continue from (`vertune continue`)."""
    set_seed(recipe.training.seed)
    model, method = build_model(recipe, task, splits.labels, len(splits.train), vocab, start)
    keep_old_rows = train_new_rows(model, vocab)  # new tokens' rows train even under frozen embeddings
    trainable, total = count_parameters(model)
    trainable -= sum(callback.frozen_parameters for callback in keep_old_rows)
    datasets = {}
    for role in ("train", "validation"):
        rows = [dict(f) for f in features[role]]
        task.attach_targets(rows, getattr(splits, role), splits.labels)
        datasets[role] = task.training_rows(rows)
    checkpoint = run.latest_checkpoint() if resume else None
    head_stats: dict[str, Any] = {}
    warm_start = time.perf_counter()
    if checkpoint is None:  # a resumed model comes from disk
        head_stats = method.warm_start(model, training_data(recipe, task, splits, tokenizer, quiet))
    warm_seconds = time.perf_counter() - warm_start
    probe = method.head_probe or (LINEAR_PROBE if recipe.training.head_init == "linear_probe" else None)
    # A continued run keeps its parent's head (old classes' rows included): no probe over it.
    if probe is not None and checkpoint is None and start is None:
        head_stats |= warm_start_head(
            model,
            features["train"],
            task.target_ids(splits.train.targets, splits.labels),
            task.collator(tokenizer),
            precision=precision,
            device=pick_device(),
            batch_size=recipe.training.eval_batch_size,
            quiet=quiet,
            probe=probe,
        )
    hooks = {"task_loss": task.compute_loss, **training_hooks(recipe, task, splits.train, splits.labels)}
    if start is not None:
        hooks = start.hooks(hooks)
    clock = TrainingClock(len(datasets["train"]))
    callbacks = [
        JsonlLog(run),
        EpochEvents(on_event),
        clock,
        *keep_old_rows,
        *method_callbacks(method),
        *callbacks,
    ]
    if stops_early(recipe.training, len(splits.validation), on_event):
        callbacks.append(
            EarlyStoppingCallback(early_stopping_patience=recipe.training.early_stopping_patience)
        )
    trainer = VertuneTrainer(
        model=model,
        args=training_arguments(recipe, run, precision, quiet, load_best=reloads_best_checkpoint(method)),
        train_dataset=datasets["train"],
        eval_dataset=datasets["validation"],
        data_collator=task.collator(tokenizer),
        processing_class=tokenizer,
        compute_metrics=lambda p: task.trainer_scores(
            np.asarray(p.predictions), np.asarray(p.label_ids), splits.labels
        ),
        callbacks=callbacks,
        method=method,
        head_learning_rate=recipe.training.head_learning_rate,
        layer_lr_decay=recipe.training.layer_lr_decay,
        **hooks,
    )
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    if not quiet:
        trainer.add_callback(ProgressBar(recipe.training.metric_for_best or "loss"))
    began = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    state = trainer.state
    stats = {
        "seconds": round(time.perf_counter() - began, 2),
        **clock.summary(),
        # a method's own phase before the Trainer (contrastive pairs) is training time too
        "training_seconds": round(clock.seconds + warm_seconds, 2),
        "trainable_params": trainable,
        "total_params": total,
        "peak_rss_mb": peak_rss_mb(),
        "epochs_run": round(state.epoch or 0.0, 2),
        "best_step": state.best_global_step,
        "resumed_from": checkpoint.name if checkpoint else None,
        "head_init": recipe.training.head_init,
        **head_stats,
        "method": method.name,
        "precision": precision,
        "device": str(trainer.args.device),
    }
    return FitResult(trainer.model, stats, trainer.is_world_process_zero(), trainer)


def stops_early(training: TrainingConfig, validation_rows: int, on_event: Subscriber = ignore) -> bool:
    """Early stopping, unless the validation split is too small to stop on: at 12-30 rows one row moves the
    score by 3-8 points, and in bench/defaults.py patience 2 stopped 2 of 18 runs at a dip that 5 epochs
    climbed out of (12 and 2 test points lost; the other 16 pairs scored the same). Without it every
    epoch runs and the best on validation is still the checkpoint kept."""
    if training.early_stopping_patience == 0:
        return False
    if validation_rows < training.early_stopping_min_validation_rows:
        on_event(
            Info(
                f"early stopping off: {validation_rows} validation rows, fewer than "
                f"training.early_stopping_min_validation_rows ({training.early_stopping_min_validation_rows}); "
                "every epoch runs and the best on validation is kept"
            )
        )
        return False
    return True


def log_final_metrics(fitted: FitResult, metrics: dict[str, float]) -> None:
    """Hand the final test and baseline scores to the Trainer's callbacks (log.jsonl, the trackers of
    `training.report_to`, a caller's callbacks), as one more logged step."""
    if fitted.trainer is not None and metrics:
        fitted.trainer.log(dict(metrics))
