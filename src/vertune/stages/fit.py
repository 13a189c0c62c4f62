"""The fit stage: train the model (train/fit.py) and save it, with the tokenizer, into the run's model/."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vertune.data.prepare import Splits
from vertune.events import Info, Subscriber
from vertune.recipe import Recipe
from vertune.run import RunDir
from vertune.stages.data import Features
from vertune.tasks.base import Task
from vertune.train.fit import FitResult, fit


def fit_model(
    recipe: Recipe,
    run: RunDir,
    task: Task,
    splits: Splits,
    features: Features,
    tokenizer: Any,
    precision: str,
    on_event: Subscriber,
    resume: bool = False,
    quiet: bool = False,
    callbacks: Sequence[Any] = (),
    vocab: Any = None,
    start: Any = None,
) -> FitResult:
    """Fine-tune on the train split (validation for early stopping); EpochMetrics events per evaluation."""
    on_event(
        Info(f"training: {recipe.model.name}, method {recipe.method.name}, {precision}, output {run.path}")
    )
    return fit(
        recipe,
        run,
        task,
        splits,
        features,
        tokenizer,
        precision,
        resume=resume,
        quiet=quiet,
        callbacks=callbacks,
        vocab=vocab,
        on_event=on_event,
        start=start,
    )


def adapt_and_fit(
    recipe: Recipe,
    run: RunDir,
    task: Task,
    splits: Splits,
    tokenizer: Any,
    vocab: Any,
    precision: str,
    on_event: Subscriber,
    resume: bool = False,
    quiet: bool = False,
    callbacks: Sequence[Any] = (),
    texts: tuple[list[str], list[str]] | None = None,
) -> tuple[Features, FitResult, dict[str, Any] | None]:
    """The `pretrain` stage when `model.pretrain` asks for task-adaptive pre-training (cached; `texts` as
    `task_adaptation` reads them), then the `fit` stage from its result: the encoded features, the fit and
    metrics.json's `pretrain` (None without)."""
    from vertune.stages.data import encode_splits
    from vertune.stages.timing import stage

    fit_recipe, pretrained = recipe, None
    if recipe.model.pretrain is not None:
        from vertune.pretrain.inline import task_adaptation

        with stage("pretrain", on_event):
            fit_recipe, pretrained = task_adaptation(
                recipe, task, splits, tokenizer, vocab, run, precision, on_event, quiet, texts=texts
            )
    with stage("fit", on_event):
        features = encode_splits(task, splits, tokenizer, recipe.training.max_length)
        fitted = fit_model(
            fit_recipe,
            run,
            task,
            splits,
            features,
            tokenizer,
            precision,
            on_event,
            resume,
            quiet,
            callbacks,
            vocab,
        )
    return features, fitted, pretrained


def save_model(run: RunDir, fitted: FitResult, tokenizer: Any, recipe: Recipe) -> None:
    """The trained model (merged or as an adapter, as the method says) and its tokenizer, into model/."""
    from vertune.methods.saving import save_trained

    tokenizer.model_max_length = recipe.training.max_length  # pipeline(..., truncation=True) cuts there

    def save(directory: Path) -> None:
        save_trained(fitted.model, directory, merge=recipe.method.merge)
        tokenizer.save_pretrained(directory)

    run.save_model(save)
