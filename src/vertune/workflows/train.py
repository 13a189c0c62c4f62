"""The train workflow: recipe -> data -> run directory -> fit -> score the saved model -> baselines ->
metrics and report. Each step is a stage (vertune.stages) that `continue` and `compress` reuse."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vertune.events import FinalMetrics, Subscriber, ignore
from vertune.recipe import Recipe
from vertune.results import TrainResult
from vertune.run import RunDir
from vertune.stages.data import data_section, extend_vocabulary, prepare_data, resolve_task
from vertune.stages.rundir import open_run, process_state, write_run_files
from vertune.stages.timing import stage
from vertune.stages.tracking import check_tracker, final_scalars
from vertune.tracking import track_run


def run_train(
    recipe: Recipe,
    on_event: Subscriber,
    resume: bool = False,
    overwrite: bool = False,
    quiet: bool = False,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Validate data, fine-tune, score against baselines on the test split, write the run directory."""
    from vertune.models.loading import load_tokenizer

    if recipe.task == "generation":  # scored on generated text: its own workflow over the same stages
        from vertune.workflows.train_generation import run_train_generation

        return run_train_generation(recipe, on_event, resume, overwrite, quiet, callbacks)
    process = process_state()  # under accelerate launch / torchrun: rank 0 speaks for the run
    if process is not None and not process.is_main_process:
        on_event, quiet = ignore, True
    check_tracker(recipe)

    with stage("data", on_event):
        task = resolve_task(recipe)
        tokenizer = load_tokenizer(recipe.model)
        splits = prepare_data(recipe, task, tokenizer, on_event)
        vocab, vocabulary = extend_vocabulary(recipe, task, tokenizer, splits, on_event)

    with stage("open run", on_event):
        # Only rank 0 creates, replaces or writes the run directory; the others wait at a barrier.
        if process is None or process.is_main_process:
            run = open_run(recipe, resume, overwrite, on_event)
            write_run_files(run, recipe, task, splits.labels)
        else:
            assert recipe.output is not None
            run = RunDir(recipe.output)
        if process is not None:
            process.wait_for_everyone()

    # Imported only now: torch, the Trainer and PEFT take seconds to import, and a recipe, data or run
    # directory problem above should be reported at once.
    from vertune.hardware import resolve_precision
    from vertune.stages.fit import adapt_and_fit, save_model
    from vertune.stages.metrics import build_metrics, recipe_section, write_metrics_and_report
    from vertune.train.fit import log_final_metrics

    precision = resolve_precision(recipe.training.precision)
    features, fitted, pretrained = adapt_and_fit(
        recipe, run, task, splits, tokenizer, vocab, precision, on_event, resume, quiet, callbacks
    )
    if not fitted.is_main_process:
        return TrainResult(run, {})

    with stage("save", on_event):
        save_model(run, fitted, tokenizer, recipe)

    scores, baselines, comparisons = score_stages(
        run, recipe, task, splits, features, tokenizer, precision, on_event, quiet, vocab
    )

    with stage("metrics", on_event):
        metrics = build_metrics(
            recipe_section(recipe, task, method=fitted.stats["method"], output=str(run.path)),
            scores["test"],
            validation=scores["validation"],
            baselines=baselines,
            train=fitted.stats,
            data=data_section(task, splits),
            vocabulary=vocabulary,
            comparisons=comparisons,
            pretrain=pretrained,
        )
        log_final_metrics(fitted, final_scalars(scores["test"], baselines))
        content, report = write_metrics_and_report(run, metrics, run.read_log())
    with stage("track", on_event):
        track_run(run, "train", on_event)  # MLflow (tracking: block); a tracker failure is a warning
    on_event(FinalMetrics("fine-tuned", "test", scores["test"]))
    for name, baseline in baselines.items():
        on_event(FinalMetrics(name, "test", baseline))
    return TrainResult(run, content, report)


def score_stages(
    run: RunDir,
    recipe: Recipe,
    task: Any,
    splits: Any,
    features: Any,
    tokenizer: Any,
    precision: str,
    on_event: Subscriber,
    quiet: bool,
    vocab: Any = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The saved model scored on validation (tuning the task's decisions) and test, the baselines, and the
    test intervals and paired comparisons: (scores per split, baselines, comparisons). Shared with
    `continue`."""
    from vertune.stages.baselines import run_baselines
    from vertune.stages.score import score_saved_model
    from vertune.stages.uncertainty import uncertainty

    with stage("score", on_event):
        scored = score_saved_model(
            run,
            {"validation": splits.validation, "test": splits.test},
            splits.labels,
            task=task,
            features=features,
            tune_on="validation",  # decision settings from validation keep the test score unbiased
            precision=precision,
            batch_size=recipe.training.eval_batch_size,
            quiet=quiet,
        )
        scores = scored.scores

    with stage("baselines", on_event):
        baselines, baseline_predictions = run_baselines(
            recipe, task, splits, features, tokenizer, precision, on_event, quiet, vocab
        )

    with stage("uncertainty", on_event):
        intervals, comparisons = uncertainty(
            task, splits.test, splits.labels, scored.predictions["test"], baseline_predictions
        )
        if intervals:
            scores["test"]["intervals"] = intervals

    with stage("explanations", on_event):  # the most confident test errors, attributed (a few seconds)
        from vertune.stages.explain import explain_errors

        explained = explain_errors(
            run,
            task,
            splits.test,
            splits.labels,
            scored.predictions["test"],
            recipe.evaluation.explain_errors,
        )
        if explained:
            scores["test"]["explanations"] = explained
    return scores, baselines, comparisons
