"""The train workflow of `task: generation`: the same data, run-directory, fit and save stages as every
task (workflows/train.py), the vocabulary extension and task-adaptive pre-training (causal LM on the
conversations) included, then generation-specific scoring: the saved model and the base model (zero- and
few-shot) answer the test prompts, scored by the recipe's metrics (stages/generation.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vertune.errors import RecipeError
from vertune.events import FinalMetrics, Subscriber
from vertune.recipe import Recipe
from vertune.results import TrainResult
from vertune.stages.data import (
    data_section,
    extend_vocabulary_for,
    prepare_data,
    resolve_task,
)
from vertune.stages.rundir import open_run, write_run_files
from vertune.stages.timing import stage
from vertune.stages.tracking import check_tracker, final_scalars
from vertune.tasks.base import Examples

#: what the Trainer measures on validation: the checkpoint kept is picked by one of these
SELECTION_METRICS = ("loss", "token_accuracy")


def run_train_generation(
    recipe: Recipe,
    on_event: Subscriber,
    resume: bool = False,
    overwrite: bool = False,
    quiet: bool = False,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Validate conversations, fine-tune the causal LM, score generations against the base model."""
    from vertune.models.loading import load_tokenizer

    check_tracker(recipe)
    if recipe.training.metric_for_best is None:
        recipe.training.metric_for_best = "loss"
    if recipe.training.metric_for_best not in SELECTION_METRICS:
        raise RecipeError(
            f"training.metric_for_best: task generation picks its checkpoint by {' or '.join(SELECTION_METRICS)}"
            " (generation metrics are computed on the test split after training)"
        )
    with stage("data", on_event):
        task = resolve_task(recipe)
        tokenizer = load_tokenizer(recipe.model)
        splits = prepare_data(recipe, task, tokenizer, on_event)
        texts = {role: conversation_texts(getattr(splits, role)) for role in splits.sizes()}
        vocab, vocabulary = extend_vocabulary_for(recipe.model, tokenizer, texts, on_event)

    with stage("open run", on_event):
        run = open_run(recipe, resume, overwrite, on_event)
        write_run_files(run, recipe, task, splits.labels)

    from vertune.hardware import resolve_precision
    from vertune.stages.fit import adapt_and_fit, save_model
    from vertune.stages.generation import (
        run_generation_baselines,
        score_engine,
        training_tokens,
        write_samples,
    )
    from vertune.stages.metrics import build_metrics, recipe_section, write_metrics_and_report
    from vertune.train.fit import log_final_metrics

    precision = resolve_precision(recipe.training.precision)
    # task-adaptive pre-training, if asked, is a causal LM on the whole conversations
    features, fitted, pretrained = adapt_and_fit(
        recipe,
        run,
        task,
        splits,
        tokenizer,
        vocab,
        precision,
        on_event,
        resume,
        quiet,
        callbacks,
        texts=(texts["train"], texts.get("validation", [])),
    )
    rows = [dict(f) for f in features["train"]]
    task.attach_targets(rows, splits.train, splits.labels)
    seconds = fitted.stats.get("training_seconds") or fitted.stats.get("seconds") or 0
    epochs = fitted.stats.get("epochs_run") or recipe.training.epochs
    if seconds:
        fitted.stats["tokens_per_second"] = round(training_tokens(rows) * epochs / seconds, 1)

    with stage("save", on_event):
        save_model(run, fitted, tokenizer, recipe)

    with stage("score", on_event):
        from vertune.generation.engine import Engine

        fitted.model = None  # the saved model is scored, as a user loads it
        engine = Engine.from_run(run.path)
        scored = score_engine(
            engine, splits.test.inputs, splits.test, splits.labels, recipe, on_event, "fine-tuned model"
        )
        fitted.stats["generation_tokens_per_second"] = scored.scores.pop("generation_tokens_per_second")
        fitted.stats["generated_tokens"] = scored.scores.pop("generated_tokens")
        del engine

    with stage("baselines", on_event):
        generated = run_generation_baselines(recipe, splits.train, splits.test, splits.labels, on_event)
        baselines = {name: result.scores for name, result in generated.items()}
        for scores in baselines.values():
            scores.pop("generated_tokens", None)
        write_samples(run, splits.test, scored.answers, generated)

    with stage("metrics", on_event):
        validation_loss = _last_validation_loss(run.read_log())
        validation: dict[str, Any] = {"examples": len(splits.validation)}
        if validation_loss is not None:
            import math

            validation["perplexity"] = round(math.exp(validation_loss), 4)
        metrics = build_metrics(
            recipe_section(
                recipe,
                task,
                method=fitted.stats["method"],
                output=str(run.path),
                metric=recipe.evaluation.metrics[0],
                selection=recipe.training.metric_for_best,
            ),
            scored.scores,
            validation=validation,
            baselines=baselines,
            train=fitted.stats,
            data=data_section(task, splits),
            vocabulary=vocabulary,
            pretrain=pretrained,
        )
        log_final_metrics(fitted, final_scalars(scored.scores, baselines))
        content, report = write_metrics_and_report(run, metrics, run.read_log())
    on_event(FinalMetrics("fine-tuned", "test", scored.scores))
    for name, baseline in baselines.items():
        on_event(FinalMetrics(name, "test", baseline))
    return TrainResult(run, content, report)


def conversation_texts(examples: Examples) -> list[str]:
    """Each conversation's text, the answer included (what the vocabulary extension and task-adaptive
    pre-training read: new words in the answers matter as much as in the prompts)."""
    from vertune.generation.data import prompt_text

    return [prompt_text(list(p)) + "\n" + a for p, a in zip(examples.inputs, examples.targets, strict=True)]


def _last_validation_loss(log: list[dict[str, Any]]) -> float | None:
    losses = [r["eval_loss"] for r in log if isinstance(r.get("eval_loss"), (int, float))]
    return float(losses[-1]) if losses else None
