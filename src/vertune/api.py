"""The Python API behind every CLI verb: check_data(), train(), evaluate(), predict(), predict_file().

Each function takes plain arguments, returns plain results, and raises VertuneError for bad input.
Messages for a person go to `notify` (the CLI prints them; the default logs them).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.data.readers import read_table
from vertune.data.validate import DataReport, validate_classification
from vertune.errors import DataError, ModelNotFoundError, RunDirError, VertuneError
from vertune.recipe import Recipe, load_recipe
from vertune.run import RunDir, write_json_atomic, write_text_atomic

log = logging.getLogger("vertune")
Notify = Callable[[str], None]


def _log(message: str) -> None:
    log.info(message)


@dataclass
class TrainResult:
    run: RunDir
    metrics: dict[str, Any]
    report: dict[str, Path]


def token_counter(tokenizer: Any) -> Callable[[list[str]], list[int]]:
    """Counts tokens (special tokens included) the way the model will see them, without truncation."""

    def count(texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in tokenizer(texts, truncation=False, verbose=False)["input_ids"]]

    return count


def check_data(
    train: str | Path,
    text_column: str = "text",
    label_column: str = "label",
    validation: str | Path | None = None,
    test: str | Path | None = None,
    model: str | None = "minilm",
    max_length: int = 128,
    notify: Notify = _log,
) -> DataReport:
    """Validate data files for classification without training (`vertune data check`)."""
    from vertune.data.prepare import read_files

    try:
        tables = read_files({"train": train, "validation": validation, "test": test})
    except DataError as exc:
        return DataReport(exc.problems)
    count_tokens = None
    if model:
        try:
            from vertune.models.loading import load_tokenizer
            from vertune.recipe import ModelConfig

            count_tokens = token_counter(load_tokenizer(ModelConfig(name=model)))
        except ModelNotFoundError as exc:
            notify(f"skipping the length check: {exc}")
    report = validate_classification(tables, text_column, label_column, count_tokens, max_length)
    _notify_report(report, notify)
    return report


def _open_run(recipe: Recipe, resume: bool, overwrite: bool) -> RunDir:
    assert recipe.output is not None
    run = RunDir(recipe.output)
    if resume:
        if run.latest_checkpoint() is None:
            raise RunDirError(f"{run.path}: no checkpoint to resume from; start the run without --resume")
        return run
    if run.path.exists() and any(run.path.iterdir()):
        if not overwrite:
            raise RunDirError(
                f"{run.path}: already holds a run; pass --output DIR for a new one, --resume to continue it, "
                "or --overwrite to replace it"
            )
        if not run.recipe_path.exists() and not run.checkpoints_dir.exists():
            raise RunDirError(
                f"{run.path}: is not a vertune run directory; refusing to delete it with --overwrite"
            )
        shutil.rmtree(run.path)
    return run.create()


def train(
    recipe: Recipe | str | Path,
    overrides: Sequence[str] = (),
    output: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    quiet: bool = False,
    notify: Notify = _log,
) -> TrainResult:
    """Validate data, fine-tune, evaluate against baselines on the test split, write the run directory."""
    from vertune.data.prepare import prepare_splits
    from vertune.evaluate.baselines import run_baselines
    from vertune.hardware import resolve_precision
    from vertune.models.loading import load_tokenizer
    from vertune.models.predictor import Predictor
    from vertune.tasks import get_task
    from vertune.train.fit import fit
    from vertune.train.lineage import build_lineage

    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe, list(overrides))
    if output is not None:
        recipe.output = Path(output)
    task = get_task(recipe.task)
    _check_metric(recipe.training.metric_for_best, task)
    tokenizer = load_tokenizer(recipe.model)
    splits = prepare_splits(recipe, task, token_counter(tokenizer), lambda r: _notify_report(r, notify))
    notify(
        "data: "
        + ", ".join(f"{role} {n} rows" for role, n in splits.sizes().items())
        + f"; {len(splits.labels)} classes"
    )
    run = _open_run(recipe, resume, overwrite)
    if resume and run.recipe_path.exists():
        for change in _recipe_changes(run.load_recipe(), recipe):
            notify(f"warning: resuming with a changed recipe: {change}")
    write_text_atomic(run.recipe_path, recipe.to_yaml())
    write_json_atomic(run.labels_path, _labels_file(splits.labels))
    write_json_atomic(run.lineage_path, build_lineage(recipe))

    max_length = recipe.training.max_length
    features = {
        role: task.encode(getattr(splits, role).inputs, tokenizer, max_length)
        for role in ("train", "validation", "test")
    }
    precision = resolve_precision(recipe.training.precision)
    notify(f"training: {recipe.model.name}, method {recipe.method.name}, {precision}, output {run.path}")
    fitted = fit(recipe, run, task, splits, features, tokenizer, precision, resume=resume, quiet=quiet)
    if not fitted.is_main_process:  # under accelerate / torchrun, rank 0 writes the run
        return TrainResult(run, {}, {})

    tokenizer.model_max_length = max_length  # so pipeline(..., truncation=True) cuts where training did

    def save(directory: Path) -> None:
        fitted.model.save_pretrained(directory)
        tokenizer.save_pretrained(directory)

    run.save_model(save)
    # Score the model as saved, so the numbers describe exactly what a user loads.
    predictor = Predictor.from_run(run.path, precision=precision, batch_size=recipe.training.eval_batch_size)
    scores = {
        role: task.detailed(
            predictor.predictions_of(features[role], len(getattr(splits, role)), quiet=quiet),
            getattr(splits, role).targets,
            splits.labels,
        )
        for role in ("validation", "test")
    }
    baseline_names = [name for name in recipe.evaluation.baselines if name in task.baselines]
    for name in sorted(set(recipe.evaluation.baselines) - set(baseline_names)):
        notify(f"warning: baseline {name} does not apply to task {task.name}; skipped")
    notify("baselines: " + (", ".join(baseline_names) or "none"))
    baselines = run_baselines(
        baseline_names,
        recipe,
        task,
        splits,
        features,
        task.collator(tokenizer),
        precision,
        quiet,
    )
    metrics = {
        "recipe": {
            "model": recipe.model.name,
            "task": recipe.task,
            "method": fitted.stats["method"],
            "metric": task.default_metric,
            "output": str(run.path),
        },
        **scores,
        "baselines": baselines,
        "train": fitted.stats,
        "data": {
            **{
                role: _split_stats(task, getattr(splits, role), splits.report.stats.get(role))
                for role in splits.sizes()
            },
            "warnings": [str(p) for p in splits.report.warnings],
        },
    }
    write_json_atomic(run.metrics_path, metrics)
    from vertune.evaluate.report import write_report

    report = write_report(run, metrics, run.read_log())
    return TrainResult(run, metrics, report)


def evaluate(
    run_path: str | Path,
    data: str | Path,
    text_column: str | None = None,
    label_column: str | None = None,
    output: str | Path | None = None,
    quiet: bool = False,
    notify: Notify = _log,
) -> tuple[dict[str, Any], RunDir]:
    """Score a trained run on any labelled file; writes metrics.json and a report to `output`."""
    from vertune.evaluate.report import write_report
    from vertune.models.predictor import Predictor
    from vertune.tasks import get_task

    run = RunDir(run_path).require_model()
    recipe = run.load_recipe()
    columns = {"text_column": text_column, "label_column": label_column}
    data_config = recipe.data.model_copy(update={k: v for k, v in columns.items() if v})
    table = read_table(data)
    task = get_task(recipe.task)
    report = task.validate({"test": table}, data_config, None, None, labels=run.load_labels())
    _notify_report(report, notify)
    report.raise_errors()
    predictor = Predictor.from_run(run.path)
    examples = task.examples(table, data_config)
    predictions = predictor.predictions(examples.inputs, quiet=quiet)
    scores = task.detailed(predictions, examples.targets, predictor.labels)
    target = RunDir(output or run.path / "evaluations" / Path(data).stem).create()
    metrics = {
        "recipe": {
            "model": str(run.path),
            "task": recipe.task,
            "metric": task.default_metric,
            "data": str(data),
        },
        "test": scores,
        "data": {"test": {"rows": len(examples)}, "warnings": [str(p) for p in report.warnings]},
    }
    write_json_atomic(target.metrics_path, metrics)
    write_report(target, metrics, [])
    return metrics, target


def predict(run_path: str | Path, texts: Sequence[str], quiet: bool = True) -> list[dict[str, Any]]:
    """Predictions for texts: [{"label", "score", "scores": {label: probability}}, ...]."""
    from vertune.models.predictor import Predictor

    _check_texts(texts)
    return Predictor.from_run(run_path).predict(list(texts), quiet=quiet)


def predict_file(
    run_path: str | Path,
    input_path: str | Path,
    output_path: str | Path,
    text_column: str | None = None,
    quiet: bool = False,
) -> int:
    """Predict every row of a file; write it back with `prediction` and `score` columns. Returns rows."""
    import pandas as pd

    from vertune.models.predictor import Predictor

    run = RunDir(run_path).require_model()
    recipe = run.load_recipe()
    data_config = recipe.data.model_copy(update={"text_column": text_column} if text_column else {})
    table = read_table(input_path)
    predictor = Predictor.from_run(run.path)
    predictions = predictor.predict(predictor.task.inputs(table, data_config), quiet=quiet)
    frame = pd.DataFrame(table.values)
    added = pd.DataFrame([predictor.task.prediction_columns(p) for p in predictions], index=frame.index)
    frame = pd.concat([frame, added], axis=1)
    _write_frame(frame, Path(output_path))
    return len(frame)


def _write_frame(frame: Any, path: Path) -> None:
    writers = {
        ".csv": lambda: frame.to_csv(index=False),
        ".tsv": lambda: frame.to_csv(index=False, sep="\t"),
        ".jsonl": lambda: frame.to_json(orient="records", lines=True, force_ascii=False),
    }
    if path.suffix.lower() not in writers:
        raise VertuneError(f"{path}: unsupported output type; use one of {', '.join(writers)}")
    write_text_atomic(path, writers[path.suffix.lower()]())


def _check_texts(texts: Sequence[str]) -> None:
    if not texts:
        raise VertuneError("no text to predict; give texts as arguments or --file")
    for i, text in enumerate(texts, start=1):
        if not isinstance(text, str) or not text.strip():
            raise VertuneError(f"text {i} is empty; give non-empty texts")


def _check_metric(metric: str, task: Any) -> None:
    import difflib

    from vertune.errors import RecipeError

    known = ("loss", *task.metric_names)
    if metric not in known:
        close = difflib.get_close_matches(metric, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise RecipeError(
            f"training.metric_for_best: unknown metric {metric!r}; {hint}known: {', '.join(known)}"
        )


def _recipe_changes(before: Recipe, after: Recipe) -> list[str]:
    """Keys whose values differ between two recipes, as `key.path: old -> new`."""
    return _dict_changes(before.model_dump(mode="json"), after.model_dump(mode="json"))


def _dict_changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            changes += _dict_changes(a, b, f"{prefix}{key}.")
        elif a != b:
            changes.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return changes


def _labels_file(labels: list[str]) -> dict[str, Any]:
    return {"labels": labels, "label2id": {label: i for i, label in enumerate(labels)}}


def _split_stats(task: Any, examples: Any, file_stats: dict[str, Any] | None) -> dict[str, Any]:
    stats = {"rows": len(examples), **task.target_stats(examples)}
    for key in ("longer_than_max_length", "median_tokens"):
        if file_stats and key in file_stats:
            stats[key] = file_stats[key]
    return stats


def _notify_report(report: DataReport, notify: Notify) -> None:
    for problem in report.warnings:
        notify(f"warning: {problem}")


def export(
    run_path: str | Path,
    format: str = "onnx",
    int8: bool = False,
    data: str | Path | None = None,
    quiet: bool = False,
    notify: Notify = _log,
) -> dict[str, Any]:
    """Export a run's model to ONNX (RUN/onnx/), verified against PyTorch on the test split or `data`."""
    from vertune.deploy.export import export_onnx

    if format != "onnx":
        raise VertuneError(f"--format {format}: only onnx is supported")
    return export_onnx(run_path, int8=int8, data=data, notify=notify, quiet=quiet)


def compress(run_path: str | Path, notify: Notify = _log, quiet: bool = False, **options: Any) -> Any:
    """Quantise, prune or distil a run into a new run directory (see vertune.deploy.compress.compress)."""
    from vertune.deploy.compress import compress as run_compress

    return run_compress(run_path, notify=notify, quiet=quiet, **options)


def serve(
    runs: Sequence[str | Path],
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    backend: str | None = None,
    api_key: str | None = None,
    **options: Any,
) -> None:
    """Serve runs over HTTP until interrupted (see vertune.deploy.serve.app for the endpoints)."""
    import os

    from vertune.deploy.serve.app import API_KEY_ENV, ServeConfig, run_server

    if not runs:
        raise VertuneError("give at least one run directory to serve")
    names = [Path(r).name for r in runs]
    if len(set(names)) != len(names):
        raise VertuneError(
            f"two runs share a directory name ({', '.join(names)}); serve runs with distinct names"
        )
    if backend not in (None, "torch", "onnx"):
        raise VertuneError(f"--backend {backend}: use torch or onnx")
    if workers < 1:
        raise VertuneError("--workers must be at least 1")
    for run in runs:
        RunDir(run).require_model()
    config = ServeConfig(
        [str(r) for r in runs],
        runtime=backend,
        api_key=api_key or os.environ.get(API_KEY_ENV) or None,
        **options,
    )
    run_server(config, host=host, port=port, workers=workers)
