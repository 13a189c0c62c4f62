"""The run report: report.md and a self-contained report.html, built once from the same blocks.

`build_report` turns metrics.json (and the plots already drawn) into a list of simple blocks; two small
renderers write those blocks as Markdown (plots linked by relative path) and as HTML (plots embedded as
data URIs, inline CSS, every piece of text escaped). Every key of the metrics is optional: a section
whose data is missing is left out, never a crash.
"""

from __future__ import annotations

import base64
import html
import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.evaluate.direction import lower_is_better
from vertune.evaluate.plots import (
    metric_name,
    plot_confusion_matrix,
    plot_loss_curve,
    plot_per_class_f1,
    real,
)
from vertune.evaluate.report_ner import error_analysis
from vertune.evaluate.report_vocab import vocabulary
from vertune.run import RunDir, write_text_atomic

DEFAULT_METRIC = "macro_f1"
DEFAULT_COLUMNS = ("accuracy", "macro_f1", "weighted_f1")
# Task-specific sections: modules with plots(run, metrics) -> {name: png}, blocks(metrics) -> [Block] and
# CAPTIONS; each returns nothing when the metrics lack its data.
TASK_SECTIONS = ("vertune.evaluate.report_regression", "vertune.evaluate.report_multilabel")
MAX_WARNINGS = 20
MAX_CLASS_COUNTS = 12
DASH = "—"


# --- blocks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str
    highlight: bool = False


@dataclass(frozen=True)
class Table:
    """Cells are already formatted text. `align` has one letter per column, "l" or "r"; by default the
    first column is left-aligned and the others (numbers) right-aligned."""

    header: list[str]
    rows: list[list[str]]
    align: str = ""

    def alignment(self) -> str:
        return self.align or "l" + "r" * (len(self.header) - 1)


@dataclass(frozen=True)
class Image:
    path: Path  # the PNG on disk (embedded in HTML)
    target: str  # its path relative to the report (linked from Markdown)
    caption: str


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Code:
    text: str
    language: str = ""


Block = Heading | Paragraph | Table | Image | Bullets | Code


# --- formatting -----------------------------------------------------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _score(value: Any) -> str:
    number = real(value)
    return DASH if number is None else f"{number:.4f}"


def _points(difference: float) -> str:
    """A difference of two scores in points (hundredths), signed."""
    points = difference * 100
    return "±0.0" if abs(points) < 0.05 else f"{points:+.1f}"


def _count(value: Any) -> str | None:
    number = real(value)
    return None if number is None else f"{number:,.0f}"


def _share(value: Any) -> str | None:
    number = real(value)
    return None if number is None else f"{number * 100:.1f}%"


def _seconds(value: Any) -> str | None:
    number = real(value)
    return None if number is None else f"{number:,.1f} s"


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


# --- content --------------------------------------------------------------------------------------


def _detail_split(metrics: Mapping[str, Any]) -> str | None:
    """The split whose per-class scores and confusion matrix the report shows: test, else validation."""
    for split in ("test", "validation"):
        scores = _mapping(metrics.get(split))
        if scores.get("per_class") or scores.get("confusion_matrix"):
            return split
    return None


def write_plots(run: RunDir, metrics: Mapping[str, Any], log: Sequence[Any]) -> dict[str, Path]:
    """Draw every plot the data allows into run.plots_dir; {name: png}. Removes a skipped plot's old file."""
    split = _detail_split(metrics)
    scores = _mapping(metrics.get(split)) if split else {}
    matrix = _mapping(scores.get("confusion_matrix"))
    metric = _selection_metric(metrics)
    best_step = _mapping(metrics.get("train")).get("best_step")
    drawn = {
        "loss_curve": plot_loss_curve(log, run.plots_dir / "loss_curve.png", best_step, metric),
        "confusion_matrix": plot_confusion_matrix(
            matrix.get("labels"),
            matrix.get("matrix"),
            run.plots_dir / "confusion_matrix.png",
            f"Confusion matrix ({split} set, rows normalised)",
        ),
        "per_class_f1": plot_per_class_f1(
            scores.get("per_class"),
            run.plots_dir / "per_class_f1.png",
            f"F1 by class, {split} set",
            scores.get("macro_f1"),
        ),
    }
    for name, png in drawn.items():
        if png is None:
            (run.plots_dir / f"{name}.png").unlink(missing_ok=True)
    drawn_plots = {name: png for name, png in drawn.items() if png is not None}
    for section in _task_sections():
        drawn_plots |= section.plots(run, metrics)
    return drawn_plots


def _task_sections() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in TASK_SECTIONS]


def _selection_metric(metrics: Mapping[str, Any]) -> str:
    metric = _mapping(metrics.get("recipe")).get("metric")
    return metric.removeprefix("eval_") if isinstance(metric, str) and metric else DEFAULT_METRIC


def _baseline_scores(metrics: Mapping[str, Any], metric: str) -> dict[str, float]:
    scores = {
        name: real(_mapping(result).get(metric))
        for name, result in _mapping(metrics.get("baselines")).items()
    }
    return {name: score for name, score in scores.items() if score is not None}


def verdict(metrics: Mapping[str, Any]) -> str:
    """One line: does the fine-tuned model beat the best baseline on the test set, by how many points."""
    metric = _selection_metric(metrics)
    name = metric_name(metric)
    ours = real(_mapping(metrics.get("test")).get(metric))
    baselines = _baseline_scores(metrics, metric)
    if ours is None:
        return (
            f"No test {name} was recorded for the fine-tuned model: it cannot be judged against a baseline."
        )
    if not baselines:
        return f"Fine-tuned test {name} is {ours:.4f}; no baseline was run to compare it with."
    lower = lower_is_better(metric)
    best = (min if lower else max)(baselines, key=lambda baseline: baselines[baseline])
    difference = ours - baselines[best]
    points = f"{_gain(ours, baselines[best], metric)} (test {name} {ours:.4f} vs {baselines[best]:.4f})"
    if round((-difference if lower else difference) * 100, 1) > 0:
        return f"Fine-tuning beats the best baseline ({best}) by {points}."
    return (
        f"Fine-tuning does NOT beat the best baseline ({best}): {points}; consider shipping {best}, "
        "or adding training data or trying another method or model first."
    )


def _gain(ours: float, theirs: float, metric: str) -> str:
    """How much better the fine-tuned model is: points for scores in [0, 1], the metric's units for errors."""
    if lower_is_better(metric):
        return f"{theirs - ours:+.4f} {metric_name(metric)} (lower is better)"
    return f"{_points(ours - theirs)} {metric_name(metric)} points"


def _result_columns(metrics: Mapping[str, Any]) -> list[str]:
    columns = _mapping(metrics.get("recipe")).get("summary_metrics")
    if isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns):
        return columns
    return list(DEFAULT_COLUMNS)


def _results(metrics: Mapping[str, Any], metric: str) -> list[Block]:
    recipe = _mapping(metrics.get("recipe"))
    test = _mapping(metrics.get("test"))
    baselines = {name: _mapping(result) for name, result in _mapping(metrics.get("baselines")).items()}
    if not test and not baselines:
        return []
    ours = real(test.get(metric))
    columns = _result_columns(metrics)
    described = ", ".join(str(part) for part in (recipe.get("model"), recipe.get("method")) if part)
    rows = [["fine-tuned" + (f" ({described})" if described else ""), *_score_cells(test, columns), DASH]]
    lower = lower_is_better(metric)
    for name, result in baselines.items():
        theirs = real(result.get(metric))
        if ours is None or theirs is None:
            gain = DASH
        else:
            gain = f"{theirs - ours:+.4f}" if lower else _points(ours - theirs)
        rows.append([name, *_score_cells(result, columns), gain])
    name = metric_name(metric)
    unit = f"{name}, lower is better" if lower else f"{name} points"
    header = ["Model", *(_column_title(c, recipe.get("task")) for c in columns), f"Fine-tuned gain ({unit})"]
    blocks: list[Block] = [Heading("Results on the test set"), Table(header, rows)]
    notes = [note for baseline, result in baselines.items() if (note := _baseline_note(baseline, result))]
    if notes:
        blocks.append(Bullets(notes))
    examples = _count(test.get("examples"))
    if examples:
        blocks.append(Paragraph(f"The test set has {examples} examples."))
    validation = _mapping(metrics.get("validation"))
    if real(validation.get(metric)) is not None:
        size = _count(validation.get("examples"))
        second = next((c for c in columns if c != metric), None)
        details = (f"{metric_name(second)} {_score(validation.get(second))}" if second else "") + (
            f", {size} examples" if size else ""
        )
        text = f"Validation {name}: {_score(validation.get(metric))} ({details})."
        if ours is not None:
            text += (
                " The best checkpoint was picked on validation, so the test score is the unbiased estimate."
            )
        blocks.append(Paragraph(text))
    return blocks


def _baseline_note(name: str, result: Mapping[str, Any]) -> str | None:
    """The bullet "name: what it is (seconds it took)", or None when the baseline has no description."""
    description, seconds = _text(result.get("description")), _seconds(result.get("seconds"))
    if not description:
        return None
    return f"{name}: {description}" + (f" ({seconds})" if seconds else "")


def _score_cells(scores: Mapping[str, Any], columns: Sequence[str] = DEFAULT_COLUMNS) -> list[str]:
    return [_score(scores.get(key)) for key in columns]


def _column_title(metric: str, task: Any = None) -> str:
    """accuracy -> Accuracy, macro_f1 -> Macro-F1, rmse -> RMSE; a NER run's f1 -> Entity F1."""
    if task == "ner" and metric == "f1":
        return "Entity F1"
    if metric in ("rmse", "mae", "mse"):
        return metric.upper()
    name = metric_name(metric)
    return name[:1].upper() + name[1:]


def _parameters(train: Mapping[str, Any]) -> str | None:
    """Trainable of total parameters with the trainable share, or whichever half is known."""
    trainable, total = real(train.get("trainable_params")), real(train.get("total_params"))
    if trainable is None:
        return None if total is None else f"? of {total:,.0f}"
    if not total:
        return f"{trainable:,.0f} of ?"
    return f"{trainable:,.0f} of {total:,.0f} ({trainable / total * 100:.1f}%)"


def _training(metrics: Mapping[str, Any]) -> list[Block]:
    recipe, train = _mapping(metrics.get("recipe")), _mapping(metrics.get("train"))
    precision, device = _text(train.get("precision")), _text(train.get("device"))
    throughput = real(train.get("samples_per_second"))
    peak = real(train.get("peak_rss_mb"))
    epochs, best_step = real(train.get("epochs_run")), real(train.get("best_step"))
    items = [
        ("Model", _text(recipe.get("model"))),
        ("Method", _text(recipe.get("method"))),
        ("Precision / device", " on ".join(part for part in (precision, device) if part) or None),
        ("Trainable / total parameters", _parameters(train)),
        ("Epochs run", None if epochs is None else f"{epochs:g}"),
        ("Best step", None if best_step is None else f"{best_step:g}"),
        ("Wall time (loading, training, evaluation)", _seconds(train.get("seconds"))),
        ("Training time", _seconds(train.get("training_seconds"))),
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


def _data(metrics: Mapping[str, Any]) -> list[Block]:
    data = _mapping(metrics.get("data"))
    splits = {name: _mapping(value) for name, value in data.items() if name != "warnings" and _mapping(value)}
    order = {"train": 0, "validation": 1, "test": 2}
    rows = []
    for split in sorted(splits, key=lambda name: order.get(name, len(order))):
        stats = splits[split]
        classes = _mapping(stats.get("classes"))
        tokens = real(stats.get("median_tokens"))
        rows.append(
            [
                split,
                _count(stats.get("rows")) or DASH,
                str(len(classes)) if classes else DASH,
                _class_counts(classes) if classes else DASH,
                _share(stats.get("longer_than_max_length")) or DASH,
                DASH if tokens is None else f"{tokens:g}",
            ]
        )
    warnings = data.get("warnings")
    warnings = [str(w) for w in warnings] if isinstance(warnings, list) else []
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


def _class_cells(scores: Mapping[str, Any]) -> list[str]:
    return [
        *(_score(scores.get(key)) for key in ("precision", "recall", "f1")),
        _count(scores.get("support")) or DASH,
    ]


def _per_class(metrics: Mapping[str, Any]) -> list[Block]:
    split = _detail_split(metrics)
    per_class = _mapping(_mapping(metrics.get(split)).get("per_class")) if split else {}
    rows = [[str(label), *_class_cells(_mapping(scores))] for label, scores in per_class.items()]
    if not rows:
        return []
    return [
        Heading(f"Per class ({split} set)"),
        Table(["Class", "Precision", "Recall", "F1", "Support"], rows),
    ]


_CAPTIONS = {
    "loss_curve": "Training and validation loss by step",
    "confusion_matrix": "Confusion matrix, rows normalised to the true class",
    "per_class_f1": "F1 by class, weakest first",
}


def _plots(run: RunDir, plots: Mapping[str, Path]) -> list[Block]:
    captions = dict(_CAPTIONS)
    for section in _task_sections():
        captions |= section.CAPTIONS
    images: list[Block] = [
        Image(png, png.relative_to(run.path).as_posix(), captions.get(name, name))
        for name, png in plots.items()
    ]
    return [Heading("Plots"), *images] if images else []


def _usage(run: RunDir) -> list[Block]:
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


def report_title(run: RunDir) -> str:
    return f"vertune report: {run.path.resolve().name or run.path}"


def build_report(run: RunDir, metrics: Mapping[str, Any], plots: Mapping[str, Path]) -> list[Block]:
    """The whole report as blocks, in reading order."""
    recipe = _mapping(metrics.get("recipe"))
    metric = _selection_metric(metrics)
    facts = [f"{key}: {recipe[key]}" for key in ("model", "task", "method") if _text(recipe.get(key))]
    facts.append(f"checkpoint selected on validation {metric_name(metric)}")
    return [
        Heading(report_title(run), 1),
        Paragraph(" · ".join(facts)),
        Paragraph(verdict(metrics), highlight=True),
        *_results(metrics, metric),
        *_training(metrics),
        *_data(metrics),
        *vocabulary(metrics),
        *_per_class(metrics),
        *(block for section in _task_sections() for block in section.blocks(metrics)),
        *error_analysis(metrics),
        *_plots(run, plots),
        *_usage(run),
    ]


# --- renderers ------------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text safe in Markdown: no raw HTML or entities get through."""
    return html.escape(text, quote=False)


def _md_cell(text: str) -> str:
    return _md(text).replace("|", "\\|").replace("\n", " ")


def _md_block(block: Block) -> str:
    match block:
        case Heading(text, level):
            return f"{'#' * level} {_md(text)}"
        case Paragraph(text, highlight):
            return f"**{_md(text)}**" if highlight else _md(text)
        case Table(header, rows):
            rule = "|" + "".join(" ---: |" if side == "r" else " :--- |" for side in block.alignment())
            lines = ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in [header, *rows]]
            return "\n".join([lines[0], rule, *lines[1:]])
        case Image(_, target, caption):
            return f"![{_md(caption)}]({target})"
        case Bullets(items):
            return "\n".join(f"- {_md(item)}" for item in items)
        case Code(text, language):
            return f"```{language}\n{text}\n```"
    raise TypeError(f"unknown report block {block!r}")


def to_markdown(blocks: Sequence[Block]) -> str:
    return "\n\n".join(_md_block(block) for block in blocks) + "\n"


def _html_row(tag: str, cells: Sequence[str], align: str) -> str:
    items = (
        f'<{tag} class="{side}">{html.escape(cell)}</{tag}>' for side, cell in zip(align, cells, strict=True)
    )
    return f"<tr>{''.join(items)}</tr>"


def _html_block(block: Block) -> str:
    e = html.escape
    match block:
        case Heading(text, level):
            return f"<h{level}>{e(text)}</h{level}>"
        case Paragraph(text, highlight):
            return (
                f'<p class="highlight"><strong>{e(text)}</strong></p>' if highlight else f"<p>{e(text)}</p>"
            )
        case Table(header, rows):
            head = _html_row("th", header, block.alignment())
            body = "".join(_html_row("td", row, block.alignment()) for row in rows)
            return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"
        case Image(path, _, caption):
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            return (
                f'<figure><img src="data:image/png;base64,{data}" alt="{e(caption)}">'
                f"<figcaption>{e(caption)}</figcaption></figure>"
            )
        case Bullets(items):
            return "<ul>" + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul>"
        case Code(text, _):
            return f"<pre><code>{e(text)}</code></pre>"
    raise TypeError(f"unknown report block {block!r}")


_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 0; }
main { max-width: 980px; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #eaeef2; padding-bottom: .2rem; }
.highlight { background: #f6f8fa; border-left: 4px solid #0969da; padding: .6rem .9rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; vertical-align: top; }
th { background: #f6f8fa; }
.l { text-align: left; }
.r { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
figcaption { color: #57606a; font-size: 13px; }
pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; border-radius: 6px; }
li { overflow-wrap: anywhere; }
"""


def to_html(blocks: Sequence[Block], title: str) -> str:
    """A standalone HTML page: inline CSS, images as data URIs, no external resources."""
    body = "\n".join(_html_block(block) for block in blocks)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


# --- entry point ----------------------------------------------------------------------------------


def write_report(run: RunDir, metrics: dict[str, Any], log: list[dict[str, Any]]) -> dict[str, Path]:
    """Write the plots, report.md and report.html of `run`; {"markdown", "html", plot name: png}."""
    metrics = _mapping(metrics)
    log = list(log) if isinstance(log, Sequence) else []
    plots = write_plots(run, metrics, log)
    blocks = build_report(run, metrics, plots)
    write_text_atomic(run.report_md, to_markdown(blocks))
    write_text_atomic(run.report_html, to_html(blocks, report_title(run)))
    return {"markdown": run.report_md, "html": run.report_html, **plots}
