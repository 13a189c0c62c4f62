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
from vertune.data.validate import DataReport
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
    task: str = "classification",
    tag_scheme: str = "auto",
    extend_vocab: str | None = None,
    min_frequency: int = 2,
) -> DataReport:
    """Validate data files for a task without training (`vertune data check`). With a model, also the share
    of tokens the model reads as [UNK], before and after `extend_vocab` (stats[role]["unknown"])."""
    from vertune.data.prepare import read_files
    from vertune.recipe import DataConfig, ModelConfig
    from vertune.tasks import get_task

    try:
        tables = read_files({"train": train, "validation": validation, "test": test})
    except DataError as exc:
        return DataReport(exc.problems)
    data = DataConfig(
        train=Path(train), text_column=text_column, label_column=label_column, tag_scheme=tag_scheme
    )
    tokenizer = None
    if model:
        try:
            from vertune.models.loading import load_tokenizer

            tokenizer = load_tokenizer(ModelConfig(name=model))
        except ModelNotFoundError as exc:
            notify(f"skipping the length check: {exc}")
    the_task = get_task(task)
    report = the_task.validate(tables, data, token_counter(tokenizer) if tokenizer else None, max_length)
    if tokenizer is not None and not report.errors:
        config = ModelConfig(name=model, extend_vocab=extend_vocab, extend_vocab_min_frequency=min_frequency)
        _unknown_shares(report, the_task, tables, data, tokenizer, config)
    _notify_report(report, notify)
    return report


def _unknown_shares(
    report: DataReport, task: Any, tables: dict[str, Any], data: Any, tokenizer: Any, config: Any
) -> None:
    from vertune.models import vocab

    texts = {role: [task.text_of(x) for x in task.examples(t, data).inputs] for role, t in tables.items()}
    for role, role_texts in texts.items():
        report.stats.setdefault(role, {})["unknown"] = vocab.unknown_share(tokenizer, role_texts)
    if config.extend_vocab is None:
        return
    extension = vocab.extend_tokenizer(tokenizer, vocab.plan(config, tokenizer, texts["train"]))
    for role, role_texts in texts.items():
        report.stats[role]["unknown_after"] = vocab.unknown_share(tokenizer, role_texts)
    report.stats["train"]["added_tokens"] = len(extension)


def fix_tags(
    path: str | Path, output: str | Path, tag_scheme: str = "auto", text_column: str = "text"
) -> int:
    """Write a token-tagged file (CoNLL or JSONL tokens + tags) with invalid tag transitions repaired the way
    seqeval reads them, in the file's own scheme; returns the number of sentences changed."""
    from vertune.data.conll import write_conll, write_token_jsonl
    from vertune.recipe import DataConfig
    from vertune.tasks.ner_data import TOKENS, read_rows, repaired_tags

    table = read_table(path)
    data = DataConfig(train=Path(path), text_column=text_column, tag_scheme=tag_scheme)
    rows = read_rows(table, data)
    errors = [p for p in rows.problems if p.severity == "error"]
    if errors:
        raise DataError(errors)
    if rows.form != TOKENS:
        raise VertuneError(
            f"{path}: --fix repairs tag sequences; this file has character spans, nothing to fix"
        )
    fixed, changed = repaired_tags(table, data)
    writers = {".conll": write_conll, ".bio": write_conll, ".iob": write_conll, ".jsonl": write_token_jsonl}
    suffix = Path(output).suffix.lower()
    if suffix not in writers:
        raise VertuneError(f"{output}: unsupported output type; use .conll, .bio, .iob or .jsonl")
    write_text_atomic(Path(output), writers[suffix](fixed))
    return changed


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


def _process_state() -> Any:
    """accelerate's view of the processes when launched with several (WORLD_SIZE > 1), else None."""
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    from accelerate import PartialState

    from vertune.hardware import pick_device

    return PartialState(cpu=pick_device().type == "cpu")  # as TrainingArguments(use_cpu=...) will


def train(
    recipe: Recipe | str | Path,
    overrides: Sequence[str] = (),
    output: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    quiet: bool = False,
    notify: Notify = _log,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Validate data, fine-tune, evaluate against baselines on the test split, write the run directory."""
    from vertune.data.prepare import prepare_splits
    from vertune.models.loading import load_tokenizer
    from vertune.tasks import get_task
    from vertune.train.lineage import build_lineage

    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe, list(overrides))
    if output is not None:
        recipe.output = Path(output)
    process = _process_state()
    if process is not None and not process.is_main_process:
        notify, quiet = _log, True  # one process speaks for the run
    task = get_task(recipe.task, recipe.data)
    _resolve_task_defaults(recipe, task)
    tokenizer = load_tokenizer(recipe.model)
    splits = prepare_splits(recipe, task, token_counter(tokenizer), lambda r: _notify_report(r, notify))
    task.fit_targets(splits.train)
    notify(
        "data: "
        + ", ".join(f"{role} {n} rows" for role, n in splits.sizes().items())
        + f"; {len(splits.labels)} classes"
    )
    vocab, vocabulary = extend_vocabulary(recipe, task, tokenizer, splits, notify)
    # Under accelerate launch / torchrun only rank 0 creates, replaces or writes the run directory;
    # the other ranks wait for it at a barrier.
    if process is None or process.is_main_process:
        run = _open_run(recipe, resume, overwrite)
        if resume and run.recipe_path.exists():
            for change in _recipe_changes(run.load_recipe(), recipe):
                notify(f"warning: resuming with a changed recipe: {change}")
        write_text_atomic(run.recipe_path, recipe.to_yaml())
        write_json_atomic(run.labels_path, _labels_file(splits.labels))
        write_json_atomic(run.task_state_path, task.state())
        write_json_atomic(run.lineage_path, build_lineage(recipe))
    else:
        run = RunDir(recipe.output)
    if process is not None:
        process.wait_for_everyone()

    # Imported only now: torch, the Trainer and PEFT take seconds to import, and a recipe, data or run
    # directory problem above should be reported at once.
    from vertune.evaluate.baselines import run_baselines
    from vertune.hardware import resolve_precision
    from vertune.methods.saving import save_trained
    from vertune.models.predictor import Predictor
    from vertune.train.fit import fit

    max_length = recipe.training.max_length
    features = {
        role: task.encode(getattr(splits, role).inputs, tokenizer, max_length)
        for role in ("train", "validation", "test")
    }
    precision = resolve_precision(recipe.training.precision)
    notify(f"training: {recipe.model.name}, method {recipe.method.name}, {precision}, output {run.path}")
    fitted = fit(
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
    )
    if not fitted.is_main_process:  # under accelerate / torchrun, rank 0 writes the run
        return TrainResult(run, {}, {})

    tokenizer.model_max_length = max_length  # so pipeline(..., truncation=True) cuts where training did

    def save(directory: Path) -> None:
        save_trained(fitted.model, directory, merge=recipe.method.merge)
        tokenizer.save_pretrained(directory)

    run.save_model(save)
    # Score the model as saved, so the numbers describe exactly what a user loads.
    predictor = Predictor.from_run(run.path, precision=precision, batch_size=recipe.training.eval_batch_size)
    predictions = {
        role: predictor.predictions_of(features[role], len(getattr(splits, role)), quiet=quiet)
        for role in ("validation", "test")
    }
    # Decision settings (multilabel thresholds) are tuned on validation, so the test score stays unbiased.
    task.tune(predictions["validation"], splits.validation.targets, splits.labels)
    write_json_atomic(run.task_state_path, task.state())
    scores = {
        role: task.detailed(predictions[role], getattr(splits, role).targets, splits.labels)
        for role in ("validation", "test")
    }
    requested = recipe.evaluation.baselines or []
    baseline_names = [name for name in requested if name in task.baselines]
    for name in sorted(set(requested) - set(baseline_names)):
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
        vocab,
    )
    metrics = {
        "recipe": {
            "model": recipe.model.name,
            "task": recipe.task,
            "method": fitted.stats["method"],
            "metric": task.default_metric,
            "summary_metrics": list(task.summary_metrics),
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
        **({"vocabulary": vocabulary} if vocabulary else {}),
    }
    write_json_atomic(run.metrics_path, metrics)
    from vertune.evaluate.report import write_report

    report = write_report(run, metrics, run.read_log())
    return TrainResult(run, metrics, report)


def extend_vocabulary(
    recipe: Recipe, task: Any, tokenizer: Any, splits: Any, notify: Notify = _log
) -> tuple[Any, dict[str, Any]]:
    """Apply `model.extend_vocab` to the tokenizer (in place, before anything is encoded): the extension
    for the model, and the [UNK] share of each split before and after, for metrics.json."""
    from vertune.models import vocab

    if recipe.model.extend_vocab is None:
        return None, {}
    texts = {role: [task.text_of(x) for x in getattr(splits, role).inputs] for role in splits.sizes()}
    before = {role: vocab.unknown_share(tokenizer, t) for role, t in texts.items()}
    extension = vocab.extend_tokenizer(tokenizer, vocab.plan(recipe.model, tokenizer, texts["train"]))
    after = {role: vocab.unknown_share(tokenizer, t) for role, t in texts.items()}
    notify(
        f"vocabulary: added {len(extension)} tokens ({recipe.model.extend_vocab}); [UNK] share "
        + ", ".join(f"{role} {before[role]['share']:.1%} -> {after[role]['share']:.1%}" for role in texts)
    )
    return extension, {**extension.summary(), "unknown_before": before, "unknown_after": after}


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
    task = get_task(recipe.task, data_config)
    report = task.validate({"test": table}, data_config, None, None, labels=run.load_labels())
    _notify_report(report, notify)
    report.raise_errors()
    predictor = Predictor.from_run(run.path)
    task = predictor.task  # with the run's state (target scaling, thresholds)
    examples = task.examples(table, data_config)
    predictions = predictor.predictions(examples.inputs, quiet=quiet)
    scores = task.detailed(predictions, examples.targets, predictor.labels)
    target = RunDir(output or run.path / "evaluations" / Path(data).stem).create()
    metrics = {
        "recipe": {
            "model": str(run.path),
            "task": recipe.task,
            "metric": task.default_metric,
            "summary_metrics": list(task.summary_metrics),
            "data": str(data),
        },
        "test": scores,
        "data": {"test": {"rows": len(examples)}, "warnings": [str(p) for p in report.warnings]},
    }
    write_json_atomic(target.metrics_path, metrics)
    write_report(target, metrics, [])
    return metrics, target


def predict(
    run_path: str | Path,
    texts: Sequence[str],
    quiet: bool = True,
    text_pairs: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Predictions for texts (with `text_pairs`, one second text each, for a pair run), in the task's terms:
    classification [{"label", "score", "scores": {label: probability}}, ...], regression [{"value"}, ...],
    multilabel [{"labels", "scores"}, ...]."""
    from vertune.models.predictor import Predictor

    _check_texts(texts)
    predictor = Predictor.from_run(run_path)
    pairs = getattr(predictor.task, "pairs", False)
    if pairs and text_pairs is None:
        raise VertuneError("this run reads text pairs; give one --text-pair per text (in the same order)")
    if not pairs and text_pairs is not None:
        raise VertuneError("this run reads single texts; --text-pair is only for runs of task: pair")
    if text_pairs is not None:
        if len(text_pairs) != len(texts):
            raise VertuneError(
                f"{len(texts)} texts but {len(text_pairs)} --text-pair values; give one per text"
            )
        _check_texts(text_pairs, "text pair")
        return predictor.predict(list(zip(texts, text_pairs, strict=True)), quiet=quiet)
    return predictor.predict(list(texts), quiet=quiet)


def predict_file(
    run_path: str | Path,
    input_path: str | Path,
    output_path: str | Path,
    text_column: str | None = None,
    quiet: bool = False,
    text_pair_column: str | None = None,
) -> int:
    """Predict every row of a file; write it back with the task's columns (`prediction`, ...). Returns rows."""
    import pandas as pd

    from vertune.models.predictor import Predictor

    run = RunDir(run_path).require_model()
    recipe = run.load_recipe()
    columns = {"text_column": text_column, "text_pair_column": text_pair_column}
    data_config = recipe.data.model_copy(update={k: v for k, v in columns.items() if v})
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


def _check_texts(texts: Sequence[str], what: str = "text") -> None:
    if not texts:
        raise VertuneError("no text to predict; give texts as arguments or --file")
    for i, text in enumerate(texts, start=1):
        if not isinstance(text, str) or not text.strip():
            raise VertuneError(f"{what} {i} is empty; give non-empty texts")


def _resolve_task_defaults(recipe: Recipe, task: Any) -> None:
    """Fill in what defaults to the task's own (so the run's recipe.yaml shows it) and check the rest."""
    from vertune.errors import RecipeError

    if recipe.training.metric_for_best is None:
        recipe.training.metric_for_best = task.default_metric
    _check_metric(recipe.training.metric_for_best, task)
    if recipe.evaluation.baselines is None:
        recipe.evaluation.baselines = list(task.baselines)
    from vertune.train.imbalance import check_task

    check_task(recipe.training, task)  # class weights / focal loss / balanced sampler: single-label classes
    if recipe.training.head_init == "linear_probe" and (
        not hasattr(task, "target_ids") or recipe.data.long_text == "chunk"
    ):
        raise RecipeError(
            "training.head_init: linear_probe works for classification of truncated texts only; "
            "use head_init: random"
        )


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


def compare(
    recipe: str | Path,
    methods: Sequence[str],
    seeds: int = 3,
    output: str | Path | None = None,
    overrides: Sequence[str] = (),
    budget_seconds: float | None = None,
    quiet: bool = False,
    notify: Notify = _log,
) -> dict[str, Any]:
    """Train the recipe once per method and seed on the same splits; write a comparison directory."""
    from vertune.train.compare import compare as run_compare

    return run_compare(recipe, methods, seeds, output, overrides, budget_seconds, quiet, notify)


def tune(
    recipe: str | Path,
    trials: int | None = None,
    timeout: float | None = None,
    output: str | Path | None = None,
    overrides: Sequence[str] = (),
    quiet: bool = False,
    notify: Notify = _log,
) -> dict[str, Any]:
    """Optuna search over the recipe's `tune.space` (validation metric); writes best_recipe.yaml."""
    from vertune.train.tune import tune as run_tune

    return run_tune(recipe, trials, timeout, output, overrides, quiet, notify)


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


def redact_file(
    path: str | Path,
    output: str | Path,
    types: str | Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    phone_region: str | None = None,
    quiet: bool = True,
) -> Any:
    """Write a copy of a csv / tsv / jsonl / CoNLL file with personal data replaced by typed placeholders
    (`vertune data redact`); returns the `PiiReport` (counts per type, example lines; never the values)."""
    from vertune.data import pii, pii_files

    redactor = pii.Redactor(pii.parse_types(types), _phone_region(phone_region))
    return pii_files.redact_file(path, output, redactor, columns, quiet=quiet)


def scan_pii(
    files: dict[str, str | Path | None],
    types: str | Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    phone_region: str | None = None,
    quiet: bool = True,
) -> dict[str, Any]:
    """Personal data in each given file (`vertune data check --pii`): role -> `PiiReport`."""
    from vertune.data import pii, pii_files

    redactor = pii.Redactor(pii.parse_types(types), _phone_region(phone_region))
    return {
        role: pii_files.scan_file(path, redactor, columns, quiet=quiet)
        for role, path in files.items()
        if path is not None
    }


def _phone_region(region: str | None) -> str | None:
    from pydantic import ValidationError

    from vertune.recipe import DataConfig

    try:
        return DataConfig(train=Path("."), redact_phone_region=region).redact_phone_region
    except ValidationError:
        raise VertuneError(
            f"--phone-region {region}: unknown region; use a code such as US, GB, CN"
        ) from None


def audit(
    recipe: Recipe | str | Path,
    overrides: Sequence[str] = (),
    output: str | Path | None = None,
    folds: int = 5,
    notify: Notify = _log,
) -> Any:
    """Suspect labels (cleanlab on K-fold out-of-sample TF-IDF + logistic probabilities) and near-duplicate
    pairs of a recipe's data (`vertune data audit`); writes issues.csv and duplicates.csv beside `output`.
    Returns an `AuditResult`; rows are only reported, never dropped."""
    from vertune.data import audit as audit_data

    if folds < 2:
        raise VertuneError(f"--folds {folds}: use at least 2 folds")
    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe, list(overrides))
    issues_path = Path(output) if output is not None else Path(f"{recipe.output}-audit") / "issues.csv"
    if issues_path.suffix.lower() != ".csv":
        raise VertuneError(f"{issues_path}: the audit writes CSV; give a path ending in .csv")
    seed = recipe.data.split_seed if recipe.data.split_seed is not None else recipe.training.seed
    result = audit_data.audit_rows(audit_data.recipe_rows(recipe), folds, seed, notify)
    duplicates_path = issues_path.with_name(issues_path.stem + "-duplicates.csv")
    audit_data.write_csv(issues_path, audit_data.ISSUE_COLUMNS, result.issues)
    audit_data.write_csv(duplicates_path, audit_data.DUPLICATE_COLUMNS, result.duplicates)
    result.files = {"issues": issues_path, "duplicates": duplicates_path}
    return result


def select(
    run_path: str | Path,
    pool: str | Path,
    k: int,
    strategy: str = "entropy",
    output: str | Path | None = None,
    text_column: str | None = None,
    text_pair_column: str | None = None,
    seed: int = 0,
    quiet: bool = True,
    notify: Notify = _log,
) -> Any:
    """Rank unlabelled rows for labelling with a trained run (`vertune select`): entropy, margin,
    least_confidence, coreset (k-center on the run's embeddings), hybrid or random; near-duplicates of the
    training rows are skipped. Writes the k rows, best first, to `output` (csv / tsv / jsonl) when given;
    returns the `Selection`."""
    from vertune.active.select import select_file

    if output is not None and Path(output).suffix.lower() not in (".csv", ".tsv", ".jsonl"):
        raise VertuneError(f"{output}: unsupported output type; use one of .csv, .tsv, .jsonl")
    frame, selection = select_file(
        run_path, pool, k, strategy, text_column, text_pair_column, seed=seed, quiet=quiet, notify=notify
    )
    if output is not None:
        _write_frame(frame, Path(output))
    return selection
