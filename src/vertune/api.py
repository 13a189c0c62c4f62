"""The Python API behind every CLI verb: check_data(), train(), evaluate(), predict(), predict_file(),
compare(), tune(), export(), compress(), serve().

Each verb takes plain arguments, returns a typed result (vertune.results) and raises VertuneError for bad
input. What happens on the way is told to `on_event` as typed events (vertune.events: stages, data
problems, warnings, epoch and final metrics); the CLI renders them, the default logs them. The verbs that
make or score a run are short workflows over the shared stages (vertune.workflows, vertune.stages).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from vertune.data.validate import DataReport
from vertune.errors import VertuneError
from vertune.events import Subscriber, log_event
from vertune.recipe import Recipe, load_recipe
from vertune.results import (
    ChatResult,
    CompareResult,
    CompressResult,
    ContinueResult,
    EvaluateResult,
    ExplainResult,
    ExportResult,
    PredictFileResult,
    PretrainResult,
    PromoteResult,
    RunsResult,
    TrainResult,
    TuneResult,
)
from vertune.run import RunDir

__all__ = [
    "ChatResult",
    "CompareResult",
    "CompressResult",
    "ContinueResult",
    "EvaluateResult",
    "ExportResult",
    "PredictFileResult",
    "PretrainResult",
    "RunsResult",
    "TrainResult",
    "TuneResult",
    "chat",
    "check_data",
    "compare",
    "compress",
    "continue_",
    "evaluate",
    "export",
    "fix_tags",
    "predict",
    "predict_file",
    "pretrain",
    "promote",
    "runs",
    "serve",
    "train",
    "tune",
]


def check_data(
    train: str | Path,
    text_column: str = "text",
    label_column: str = "label",
    validation: str | Path | None = None,
    test: str | Path | None = None,
    model: str | None = "minilm",
    max_length: int = 128,
    on_event: Subscriber = log_event,
    task: str = "classification",
    tag_scheme: str = "auto",
    extend_vocab: str | None = None,
    min_frequency: int = 2,
) -> DataReport:
    """Validate data files for a task without training (`vertune data check`). With a model, also the share
    of tokens the model reads as [UNK], before and after `extend_vocab` (stats[role]["unknown"])."""
    from vertune.stages.check import check_files

    return check_files(
        train,
        {"validation": validation, "test": test},
        task,
        text_column,
        label_column,
        tag_scheme,
        model,
        max_length,
        extend_vocab,
        min_frequency,
        on_event,
    )


def fix_tags(
    path: str | Path, output: str | Path, tag_scheme: str = "auto", text_column: str = "text"
) -> int:
    """Write a token-tagged file (CoNLL or JSONL tokens + tags) with invalid tag transitions repaired the way
    seqeval reads them, in the file's own scheme; returns the number of sentences changed."""
    from vertune.stages.check import repair_tags

    return repair_tags(path, output, tag_scheme, text_column)


def train(
    recipe: Recipe | str | Path,
    overrides: Sequence[str] = (),
    output: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    quiet: bool = False,
    on_event: Subscriber = log_event,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Validate data, fine-tune, evaluate against baselines on the test split, write the run directory.
    `callbacks` are extra transformers TrainerCallbacks (they also receive the final test metrics)."""
    from vertune.workflows.train import run_train

    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe, list(overrides))
    if output is not None:
        recipe.output = Path(output)
    return run_train(recipe, on_event, resume, overwrite, quiet, callbacks)


def pretrain(
    recipe: str | Path,
    overrides: Sequence[str] = (),
    output: str | Path | None = None,
    overwrite: bool = False,
    quiet: bool = False,
    on_event: Subscriber = log_event,
) -> PretrainResult:
    """Domain-adaptive pre-training (`task: mlm` for encoders, `clm` for decoders) on raw text; the run's
    model/ is a `model:` for later recipes. Held-out perplexity before and after in metrics.json."""
    from vertune.pretrain.recipe import load_pretrain_recipe
    from vertune.workflows.pretrain import run_pretrain

    loaded = load_pretrain_recipe(recipe, list(overrides))
    if output is not None:
        loaded.output = Path(output)
    return run_pretrain(loaded, on_event, overwrite, quiet)


def evaluate(
    run_path: str | Path,
    data: str | Path | None,
    text_column: str | None = None,
    label_column: str | None = None,
    output: str | Path | None = None,
    quiet: bool = False,
    on_event: Subscriber = log_event,
    robustness: bool = False,
) -> EvaluateResult:
    """Score a trained run on any labelled file; writes metrics.json and a report to `output`. With
    `robustness`, also under seeded perturbations (`test.robustness`); without `data`, the run's own test
    split is probed and the run's metrics.json and report gain the section."""
    from vertune.workflows.evaluate import run_evaluate

    if data is None:
        if not robustness:
            raise VertuneError(
                "evaluate: give --data FILE (a labelled file), or --robustness for the run's test split"
            )
        from vertune.workflows.robustness import run_robustness

        run = RunDir(run_path)
        return EvaluateResult(run, run_robustness(run_path, on_event, quiet), {"markdown": run.report_md})
    return run_evaluate(run_path, data, on_event, text_column, label_column, output, quiet, robustness)


def predict(
    run_path: str | Path,
    texts: Sequence[str],
    quiet: bool = True,
    text_pairs: Sequence[str] | None = None,
    backend: str | None = None,
) -> list[dict[str, Any]]:
    """Predictions for texts (with `text_pairs`, one second text each, for a pair run), in the task's terms:
    classification [{"label", "score", "scores": {label: probability}}, ...], regression [{"value"}, ...],
    multilabel [{"labels", "scores"}, ...]. `backend`: the run's model in PyTorch (None) or on torch-int8,
    onnx, onnx-int8 (`vertune export` first; onnx starts without importing torch or transformers)."""
    from vertune.stages.predict import predict_texts

    return predict_texts(RunDir(run_path), texts, text_pairs, quiet, backend)


def explain(
    run_path: str | Path,
    texts: Sequence[str],
    text_pairs: Sequence[str] | None = None,
    label: str | None = None,
    steps: int | None = None,
    max_tokens: int | None = None,
) -> ExplainResult:
    """Token attributions (captum Integrated Gradients) of each text's prediction, or toward `label`:
    classification / pair [{"label", "score", "explained", "tokens": [{"text", "start", "end", "weight"}]}],
    NER [{"text", "entities": [{..., "tokens"}]}]. Bounded: `steps` (<= 200) and `max_tokens` per text."""
    from vertune.stages.explain import explain_texts

    run = RunDir(run_path)
    return ExplainResult(run, explain_texts(run, texts, text_pairs, label, steps, max_tokens))


def shown_texts(run_path: str | Path, texts: Sequence[str]) -> list[str]:
    """Texts as they may be printed or written beside a run's predictions: redacted like its inputs when the
    run was trained with `data.redact`, unchanged otherwise."""
    from vertune.stages.predict import shown_texts as redacted

    return redacted(RunDir(run_path), texts)


def chat(run_path: str | Path, read: Callable[[], str | None], write: Callable[[str], None]) -> ChatResult:
    """An interactive conversation with a generation run: `read` gives the user's lines (None ends it),
    `write` receives the answer as it streams; returns the number of answers."""
    from vertune.generation.predict import chat_loop

    return ChatResult(chat_loop(run_path, read, write))


def predict_file(
    run_path: str | Path,
    input_path: str | Path,
    output_path: str | Path,
    text_column: str | None = None,
    quiet: bool = False,
    text_pair_column: str | None = None,
    backend: str | None = None,
) -> PredictFileResult:
    """Predict every row of a file; write it back with the task's columns (`prediction`, ...). `backend` as
    in `predict`."""
    from vertune.stages.predict import predict_table

    rows = predict_table(
        RunDir(run_path), input_path, output_path, text_column, text_pair_column, quiet, backend
    )
    return PredictFileResult(rows, Path(output_path))


def compare(
    recipe: str | Path,
    methods: Sequence[str],
    seeds: int = 3,
    output: str | Path | None = None,
    overrides: Sequence[str] = (),
    budget_seconds: float | None = None,
    quiet: bool = False,
    on_event: Subscriber = log_event,
) -> CompareResult:
    """Train the recipe once per method and seed on the same splits; write a comparison directory."""
    from vertune.train.compare import compare as run_compare

    return CompareResult(
        run_compare(recipe, methods, seeds, output, overrides, budget_seconds, quiet, on_event)
    )


def tune(
    recipe: str | Path,
    trials: int | None = None,
    timeout: float | None = None,
    output: str | Path | None = None,
    overrides: Sequence[str] = (),
    quiet: bool = False,
    on_event: Subscriber = log_event,
) -> TuneResult:
    """Optuna search over the recipe's `tune.space` (validation metric); writes best_recipe.yaml."""
    from vertune.train.tune import tune as run_tune

    return TuneResult(run_tune(recipe, trials, timeout, output, overrides, quiet, on_event))


def export(
    run_path: str | Path,
    format: str = "onnx",
    int8: bool = False,
    data: str | Path | None = None,
    quiet: bool = False,
    on_event: Subscriber = log_event,
) -> ExportResult:
    """Export a run's model to ONNX (RUN/onnx/), verified against PyTorch on the test split or `data`."""
    from vertune.deploy.export import export_onnx

    if format != "onnx":
        raise VertuneError(f"--format {format}: only onnx is supported")
    verification = export_onnx(run_path, int8=int8, data=data, on_event=on_event, quiet=quiet)
    return ExportResult(RunDir(run_path), verification)


def compress(
    run_path: str | Path, on_event: Subscriber = log_event, quiet: bool = False, **options: Any
) -> CompressResult:
    """Quantise, prune or distil a run into a new run directory (options: see
    vertune.workflows.compress.run_compress)."""
    from vertune.workflows.compress import run_compress

    return run_compress(run_path, on_event, quiet=quiet, **options)


def continue_(
    parent: str | Path,
    data: str | Path,
    test: str | Path | None = None,
    validation: str | Path | None = None,
    output: str | Path | None = None,
    overrides: Sequence[str] = (),
    no_replay: bool = False,
    overwrite: bool = False,
    quiet: bool = False,
    on_event: Subscriber = log_event,
) -> ContinueResult:
    """Continue a run on new data (`vertune continue`): the parent's weights and labels (the head grown for
    new ones), the recipe's `continual.strategy` against forgetting, retention on every ancestor's test set."""
    from vertune.workflows.continue_ import run_continue

    return run_continue(
        parent,
        data,
        on_event,
        test=test,
        validation=validation,
        output=output,
        overrides=overrides,
        no_replay=no_replay,
        overwrite=overwrite,
        quiet=quiet,
    )


def promote(
    run: str | Path,
    max_drop: float = 1.0,
    min_gain: float = 0.0,
    alias: str = "production",
    registry: str | Path | None = None,
) -> PromoteResult:
    """The retention gate (`vertune promote`); when it passes, the alias moves to the run (registry:
    default the folder holding the run) and the promotion is recorded in the run."""
    from vertune.workflows.promote import run_promote

    return run_promote(run, max_drop, min_gain, alias, registry)


def serve(
    runs: Sequence[str | Path],
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    backend: str | None = None,
    api_key: str | None = None,
    **options: Any,
) -> None:
    """Serve runs over HTTP until interrupted (see vertune.deploy.serve.app for the endpoints). With
    `alias=` (and `registry=`), serve the run promoted under that alias and follow later promotions."""
    import os

    from vertune.deploy.serve.app import API_KEY_ENV, ServeConfig, run_server

    if options.get("alias"):
        from vertune.deploy.serve.alias import alias_options

        runs, options = alias_options(runs, options)
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
    from vertune.deploy.serve.alerts import check_options

    check_options(*(options.get(f"alert_{k}") for k in ("drift", "error_rate", "window", "webhook")))
    if options.get("corpus"):  # fail before the server starts, one line per problem
        from vertune.deploy.serve.embedding_routes import read_corpus

        read_corpus(options["corpus"])
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
    model: str | Path | None = None,
) -> Any:
    """Write a copy of a csv / tsv / jsonl / CoNLL file with personal data replaced by typed placeholders
    (`vertune data redact`); returns the `PiiReport` (counts per type, example lines; never the values).
    `model`: a trained ner run that finds `person` / `location`."""
    from vertune.data import pii, pii_files

    redactor = pii.Redactor(pii.parse_types(types, model), _phone_region(phone_region), model=model)
    return pii_files.redact_file(path, output, redactor, columns, quiet=quiet)


def scan_pii(
    files: dict[str, str | Path | None],
    types: str | Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    phone_region: str | None = None,
    quiet: bool = True,
    model: str | Path | None = None,
) -> dict[str, Any]:
    """Personal data in each given file (`vertune data check --pii`): role -> `PiiReport`."""
    from vertune.data import pii, pii_files

    redactor = pii.Redactor(pii.parse_types(types, model), _phone_region(phone_region), model=model)
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
    on_event: Subscriber = log_event,
    model: str | None = None,
    epochs: float = 1.0,
    similarity: float | None = 0.95,
    quiet: bool = True,
) -> Any:
    """Suspect labels (cleanlab on K-fold out-of-sample probabilities: TF-IDF + logistic, or `model`
    fine-tuned per fold for `epochs`; label sets and NER tags too) and near-duplicate pairs (exact, and by
    frozen-encoder cosine >= `similarity`; None = exact only) of a recipe's data (`vertune data audit`);
    writes issues.csv and duplicates.csv beside `output`. Returns an `AuditResult`; nothing is dropped."""
    from vertune.data import audit as audit_data
    from vertune.data.audit_run import audit_recipe

    if folds < 2:
        raise VertuneError(f"--folds {folds}: use at least 2 folds")
    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe, list(overrides))
    issues_path = Path(output) if output is not None else Path(f"{recipe.output}-audit") / "issues.csv"
    if issues_path.suffix.lower() != ".csv":
        raise VertuneError(f"{issues_path}: the audit writes CSV; give a path ending in .csv")
    result = audit_recipe(recipe, folds, model, epochs, similarity, quiet, on_event)
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
    on_event: Subscriber = log_event,
) -> Any:
    """Rank unlabelled rows for labelling with a trained run (`vertune select`): entropy, margin,
    least_confidence, coreset (k-center on the run's embeddings), hybrid or random; near-duplicates of the
    training rows are skipped. Writes the k rows, best first, to `output` (csv / tsv / jsonl) when given;
    returns the `Selection`."""
    from vertune.active.select import select_file

    if output is not None and Path(output).suffix.lower() not in (".csv", ".tsv", ".jsonl"):
        raise VertuneError(f"{output}: unsupported output type; use one of .csv, .tsv, .jsonl")
    frame, selection = select_file(
        run_path, pool, k, strategy, text_column, text_pair_column, seed=seed, quiet=quiet, on_event=on_event
    )
    if output is not None:
        from vertune.data.writers import write_frame

        write_frame(frame, Path(output))
    return selection


def runs(directory: str | Path = "runs") -> RunsResult:
    """Every run directory under `directory` (name, task, model, method, metric, status, parent), read from
    the directories, not from MLflow."""
    from vertune.tracking.listing import list_runs

    return RunsResult(list_runs(directory))
