"""The run report's sections and plots that every task shares: summary and verdict, results against the
baselines, training, data, per-class scores, the plots, and how to use the model."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vertune.evaluate.blocks import Block, Bullets, Code, Heading, Image, Paragraph, Table
from vertune.evaluate.direction import lower_is_better
from vertune.evaluate.formatting import DASH, count, metric_name, points, real, score, seconds, share, text
from vertune.evaluate.plots import plot_confusion_matrix, plot_loss_curve, plot_per_class_f1
from vertune.evaluate.sections import (
    ReportContext,
    metric_title,
    register_plot,
    register_section,
    registered_plots,
)
from vertune.metrics_schema import BaselineScores, RunMetrics, Scores, SplitStats, TrainStats
from vertune.run import RunDir

DEFAULT_METRIC = "macro_f1"
DEFAULT_COLUMNS = ("accuracy", "macro_f1", "weighted_f1")
MAX_WARNINGS = 20
MAX_CLASS_COUNTS = 12


def report_title(run: RunDir) -> str:
    return f"vertune report: {run.path.resolve().name or run.path}"


def selection_metric(metrics: RunMetrics) -> str:
    """The metric the checkpoint was selected on (and the verdict judges), without an eval_ prefix."""
    return metrics.recipe.metric.removeprefix("eval_") or DEFAULT_METRIC


def detail_split(metrics: RunMetrics) -> str | None:
    """The split whose per-class scores and confusion matrix the report shows: test, else validation."""
    for split in ("test", "validation"):
        scores = metrics.scores(split)
        if scores is not None and (scores.per_class or scores.confusion_matrix):
            return split
    return None


def _baseline_scores(metrics: RunMetrics, metric: str) -> dict[str, float]:
    found = {name: real(result.value(metric)) for name, result in (metrics.baselines or {}).items()}
    return {name: value for name, value in found.items() if value is not None}


def _recorded(scores: Scores | None) -> bool:
    """Whether a split's scores hold anything at all."""
    return scores is not None and bool(scores.model_fields_set or scores.model_extra)


def _test_value(metrics: RunMetrics, metric: str) -> float | None:
    return real(metrics.test.value(metric)) if metrics.test is not None else None


def verdict(metrics: RunMetrics) -> str:
    """One line: does the fine-tuned model beat the best baseline on the test set, by how many points. With
    a comparison of that baseline in metrics.json, its verdict (beats / ties / loses, with the interval)."""
    metric = selection_metric(metrics)
    name = metric_name(metric)
    ours = _test_value(metrics, metric)
    baselines = _baseline_scores(metrics, metric)
    if ours is None:
        return (
            f"No test {name} was recorded for the fine-tuned model: it cannot be judged against a baseline."
        )
    if not baselines:
        return f"Fine-tuned test {name} is {ours:.4f}; no baseline was run to compare it with."
    lower = lower_is_better(metric)
    best = (min if lower else max)(baselines, key=lambda baseline: baselines[baseline])
    comparison = (metrics.comparisons or {}).get(best)
    if comparison is not None and comparison.metric in (None, metric):
        from vertune.evaluate.report_intervals import comparison_sentence

        return comparison_sentence(best, comparison)
    difference = ours - baselines[best]
    gained = f"{_gain(ours, baselines[best], metric)} (test {name} {ours:.4f} vs {baselines[best]:.4f})"
    if round((-difference if lower else difference) * 100, 1) > 0:
        return f"Fine-tuning beats the best baseline ({best}) by {gained}."
    return (
        f"Fine-tuning does NOT beat the best baseline ({best}): {gained}; consider shipping {best}, "
        "or adding training data or trying another method or model first."
    )


def _gain(ours: float, theirs: float, metric: str) -> str:
    """How much better the fine-tuned model is: points for scores in [0, 1], the metric's units for errors."""
    if lower_is_better(metric):
        return f"{theirs - ours:+.4f} {metric_name(metric)} (lower is better)"
    return f"{points(ours - theirs)} {metric_name(metric)} points"


@register_section("summary", order=0)
def summary(context: ReportContext) -> list[Block]:
    recipe = context.metrics.recipe
    facts = [f"{key}: {value}" for key in ("model", "task", "method") if (value := text(recipe.get(key)))]
    selected = recipe.get("selection") or selection_metric(
        context.metrics
    )  # generation: loss, judged on metric
    facts.append(f"checkpoint selected on validation {metric_name(selected)}")
    return [
        Heading(report_title(context.run), 1),
        Paragraph(" · ".join(facts)),
        Paragraph(verdict(context.metrics), highlight=True),
    ]


def _columns(metrics: RunMetrics) -> list[str]:
    return list(metrics.recipe.summary_metrics) or list(DEFAULT_COLUMNS)


def _score_cells(scores: Scores | None, columns: Sequence[str]) -> list[str]:
    return [score(scores.value(key) if scores is not None else None) for key in columns]


def _column_title(metric: str, task: str) -> str:
    """accuracy -> Accuracy, macro_f1 -> Macro-F1, rmse -> RMSE; a task may register its own title."""
    if title := metric_title(task, metric):
        return title
    if metric in ("rmse", "mae", "mse"):
        return metric.upper()
    name = metric_name(metric)
    return name[:1].upper() + name[1:]


def _baseline_note(name: str, result: BaselineScores) -> str | None:
    """The bullet "name: what it is (seconds it took)", or None when the baseline has no description."""
    description, took = text(result.description), seconds(result.seconds)
    if not description:
        return None
    return f"{name}: {description}" + (f" ({took})" if took else "")


@register_section("results", order=10)
def results(context: ReportContext) -> list[Block]:
    metrics = context.metrics
    recipe, test, baselines = metrics.recipe, metrics.test, metrics.baselines or {}
    if not _recorded(test) and not baselines:
        return []
    metric = selection_metric(metrics)
    ours = _test_value(metrics, metric)
    columns = _columns(metrics)
    described = ", ".join(part for part in (recipe.model, recipe.method) if part)
    rows = [["fine-tuned" + (f" ({described})" if described else ""), *_score_cells(test, columns), DASH]]
    lower = lower_is_better(metric)
    for name, result in baselines.items():
        theirs = real(result.value(metric))
        if ours is None or theirs is None:
            gain = DASH
        else:
            gain = f"{theirs - ours:+.4f}" if lower else points(ours - theirs)
        rows.append([name, *_score_cells(result, columns), gain])
    name = metric_name(metric)
    unit = f"{name}, lower is better" if lower else f"{name} points"
    header = ["Model", *(_column_title(c, recipe.task) for c in columns), f"Fine-tuned gain ({unit})"]
    blocks: list[Block] = [Heading("Results on the test set"), Table(header, rows)]
    notes = [note for baseline, result in baselines.items() if (note := _baseline_note(baseline, result))]
    if notes:
        blocks.append(Bullets(notes))
    examples = count(test.examples) if test is not None else None
    if examples:
        blocks.append(Paragraph(f"The test set has {examples} examples."))
    validation = metrics.validation
    if validation is not None and real(validation.value(metric)) is not None:
        size = count(validation.examples)
        second = next((c for c in columns if c != metric), None)
        details = (f"{metric_name(second)} {score(validation.value(second))}" if second else "") + (
            f", {size} examples" if size else ""
        )
        paragraph = f"Validation {name}: {score(validation.value(metric))} ({details})."
        if ours is not None:
            paragraph += (
                " The best checkpoint was picked on validation, so the test score is the unbiased estimate."
            )
        blocks.append(Paragraph(paragraph))
    return blocks


def _parameters(trainable: Any, total: Any) -> str | None:
    """Trainable of total parameters with the trainable share, or whichever half is known."""
    trainable, total = real(trainable), real(total)
    if trainable is None:
        return None if total is None else f"? of {total:,.0f}"
    if not total:
        return f"{trainable:,.0f} of ?"
    return f"{trainable:,.0f} of {total:,.0f} ({trainable / total * 100:.1f}%)"


@register_section("training", order=20)
def training(context: ReportContext) -> list[Block]:
    recipe, train = context.metrics.recipe, context.metrics.train or TrainStats()
    throughput, peak = real(train.samples_per_second), real(train.peak_rss_mb)
    epochs, best_step = real(train.epochs_run), real(train.best_step)
    items = [
        ("Model", text(recipe.model)),
        ("Method", text(recipe.method)),
        ("Precision / device", " on ".join(part for part in (train.precision, train.device) if part) or None),
        ("Trainable / total parameters", _parameters(train.trainable_params, train.total_params)),
        ("Epochs run", None if epochs is None else f"{epochs:g}"),
        ("Best step", None if best_step is None else f"{best_step:g}"),
        ("Wall time (loading, training, evaluation)", seconds(train.seconds)),
        ("Training time", seconds(train.training_seconds)),
        ("Throughput", None if throughput is None else f"{throughput:,.1f} samples/s"),
        ("Peak memory (RSS)", None if peak is None else f"{peak:,.0f} MB"),
    ]
    rows = [[item, value] for item, value in items if value]
    return [Heading("Training"), Table(["Item", "Value"], rows, align="ll")] if rows else []


def _class_counts(classes: Mapping[str, Any]) -> str:
    counts = sorted(((str(label), real(n) or 0.0) for label, n in classes.items()), key=lambda pair: -pair[1])
    shown = ", ".join(f"{label}: {n:,.0f}" for label, n in counts[:MAX_CLASS_COUNTS])
    hidden = len(counts) - MAX_CLASS_COUNTS
    return shown + (f", … {hidden} more" if hidden > 0 else "")


def _split_row(split: str, stats: SplitStats) -> list[str]:
    classes = stats.classes or {}
    tokens = real(stats.median_tokens)
    return [
        split,
        count(stats.rows) or DASH,
        str(len(classes)) if classes else DASH,
        _class_counts(classes) if classes else DASH,
        share(stats.longer_than_max_length) or DASH,
        DASH if tokens is None else f"{tokens:g}",
    ]


@register_section("data", order=30)
def data(context: ReportContext) -> list[Block]:
    stats = context.metrics.data
    if stats is None:
        return []
    order = {"train": 0, "validation": 1, "test": 2}
    splits = {
        name: split for name, split in stats.splits().items() if split.model_fields_set or split.model_extra
    }
    rows = [
        _split_row(split, splits[split]) for split in sorted(splits, key=lambda s: order.get(s, len(order)))
    ]
    warnings = stats.warnings
    if not rows and not warnings:
        return []
    blocks: list[Block] = [Heading("Data")]
    if rows:
        header = ["Split", "Rows", "Classes", "Class counts", "Longer than max_length", "Median tokens"]
        blocks.append(Table(header, rows, align="lrrlrr"))
    if warnings:
        blocks.append(Paragraph(f"{len(warnings)} data warning{'s' if len(warnings) != 1 else ''}:"))
        more = len(warnings) - MAX_WARNINGS
        blocks.append(Bullets(warnings[:MAX_WARNINGS] + ([f"… and {more} more"] if more > 0 else [])))
    return blocks


@register_section("per_class", order=50)
def per_class(context: ReportContext) -> list[Block]:
    split = detail_split(context.metrics)
    scores = context.metrics.scores(split) if split else None
    classes = (scores.per_class if scores is not None else None) or {}
    rows = [
        [str(label), score(s.precision), score(s.recall), score(s.f1), count(s.support) or DASH]
        for label, s in classes.items()
    ]
    if not rows:
        return []
    return [
        Heading(f"Per class ({split} set)"),
        Table(["Class", "Precision", "Recall", "F1", "Support"], rows),
    ]


@register_section("plots", order=90)
def plots(context: ReportContext) -> list[Block]:
    captions = {plot.name: plot.caption for plot in registered_plots()}
    images: list[Block] = [
        Image(png, png.relative_to(context.run.path).as_posix(), captions.get(name, name))
        for name, png in context.plots.items()
    ]
    return [Heading("Plots"), *images] if images else []


@register_section("usage", order=100)
def usage(context: ReportContext) -> list[Block]:
    run = context.run
    model = (run.path / "model").as_posix()
    return [
        Heading("Use the model"),
        Paragraph("The model directory is a standard Hugging Face checkpoint:"),
        Code(
            "from transformers import pipeline\n\n"
            f'clf = pipeline("text-classification", model={json.dumps(model)}, truncation=True)\n'
            'print(clf("your text here"))',
            "python",
        ),
        Paragraph("Or from the command line:"),
        Code(f'vertune predict {shlex.quote(run.path.as_posix())} "your text here"', "shell"),
    ]


# --- plots ----------------------------------------------------------------------------------------


@register_plot("loss_curve", caption="Training and validation loss by step", order=10)
def loss_curve(metrics: RunMetrics, log: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    best_step = metrics.train.best_step if metrics.train is not None else None
    return plot_loss_curve(log, path, best_step, selection_metric(metrics))


@register_plot("confusion_matrix", caption="Confusion matrix, rows normalised to the true class", order=20)
def confusion_matrix(metrics: RunMetrics, log: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    split = detail_split(metrics)
    scores = metrics.scores(split) if split else None
    if scores is None or scores.confusion_matrix is None:
        return None
    matrix = scores.confusion_matrix
    return plot_confusion_matrix(
        matrix.labels, matrix.matrix, path, f"Confusion matrix ({split} set, rows normalised)"
    )


@register_plot("per_class_f1", caption="F1 by class, weakest first", order=30)
def per_class_f1(metrics: RunMetrics, log: Sequence[Mapping[str, Any]], path: Path) -> Path | None:
    split = detail_split(metrics)
    scores = metrics.scores(split) if split else None
    if scores is None or not scores.per_class:
        return None
    classes = {label: s.model_dump(exclude_none=True) for label, s in scores.per_class.items()}
    return plot_per_class_f1(classes, path, f"F1 by class, {split} set", scores.value("macro_f1"))
