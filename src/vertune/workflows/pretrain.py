"""The pretrain workflow (`vertune pretrain RECIPE`): raw text -> de-duplicated documents and a held-out
split -> vocabulary extension -> masked / causal LM training on packed blocks -> a run whose model/ is a
`model:` for any later recipe; held-out perplexity before and after in metrics.json and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.events import FinalMetrics, Info, Subscriber
from vertune.pretrain.recipe import PretrainRecipe
from vertune.results import PretrainResult
from vertune.run import RunDir, write_json_atomic, write_text_atomic
from vertune.stages.data import extend_vocabulary_for
from vertune.stages.rundir import empty_run
from vertune.stages.timing import stage


def run_pretrain(
    recipe: PretrainRecipe, on_event: Subscriber, overwrite: bool = False, quiet: bool = False
) -> PretrainResult:
    from vertune.models.loading import load_tokenizer
    from vertune.pretrain.texts import load_corpus

    assert recipe.output is not None
    with stage("data", on_event):
        d = recipe.data
        corpus = load_corpus(
            d.train, d.validation, d.text_column, d.validation_size, d.deduplicate, recipe.training.seed
        )
        s = corpus.stats
        on_event(
            Info(
                f"data: {s['train_documents']} documents to train on, {s['held_out_documents']} held out"
                + (f"; {s['duplicates_removed']} duplicates removed" if s.get("duplicates_removed") else "")
            )
        )
        tokenizer = load_tokenizer(recipe.model)
        texts = {"train": corpus.train, "held_out": corpus.held_out}
        vocab, vocabulary = extend_vocabulary_for(recipe.model, tokenizer, texts, on_event)

    with stage("open run", on_event):
        from vertune.train.lineage import build_lineage

        run = empty_run(
            RunDir(recipe.output), overwrite, "pass --output DIR for a new one or --overwrite to replace it"
        )
        write_text_atomic(run.recipe_path, recipe.to_yaml())
        write_json_atomic(run.lineage_path, build_lineage(recipe))

    from vertune.hardware import resolve_precision
    from vertune.pretrain.lm import train_lm
    from vertune.train.callbacks import JsonlLog

    precision = resolve_precision(recipe.training.precision)
    with stage("pretrain", on_event):
        on_event(Info(f"pre-training: {recipe.model.name}, {recipe.task}, {precision}, output {run.path}"))
        pretrained = train_lm(
            recipe.model,
            recipe.task,
            recipe.training,
            tokenizer,
            vocab,
            corpus.train,
            corpus.held_out,
            run.checkpoints_dir,
            precision,
            quiet,
            [JsonlLog(run)],
        )

    if run.checkpoints_dir.is_dir() and not any(run.checkpoints_dir.iterdir()):
        run.checkpoints_dir.rmdir()  # the Trainer's output directory; pre-training keeps no checkpoints
    with stage("save", on_event):
        save_lm(run, pretrained.model, tokenizer, recipe.training.max_length)

    with stage("metrics", on_event):
        from vertune.evaluate.report_pretrain import write_pretrain_report
        from vertune.stages.metrics import build_metrics, write_metrics

        stats = pretrained.stats
        metrics = build_metrics(
            {
                "model": recipe.model.name,
                "task": recipe.task,
                "metric": "perplexity",
                "summary_metrics": ["perplexity"],
                "output": str(run.path),
            },
            {"examples": len(corpus.held_out), "perplexity": stats["perplexity"]["after"]},
            baselines={
                "base_model": {
                    "perplexity": stats["perplexity"]["before"],
                    "description": "the model before pre-training",
                }
            },
            train={
                "seconds": stats["seconds"],
                "training_seconds": stats["seconds"],
                "peak_rss_mb": stats["peak_rss_mb"],
                "epochs_run": stats["epochs_run"],
                "precision": precision,
            },
            data={
                "train": {"rows": len(corpus.train), "tokens": stats["tokens"]["train"]},
                "held_out": {"rows": len(corpus.held_out), "tokens": stats["tokens"]["held_out"]},
                "warnings": [],
            },
            vocabulary=vocabulary,
            pretrain={**stats, "data": corpus.stats},
        )
        content = write_metrics(run, metrics)
        report = write_pretrain_report(run, metrics)
    with stage("track", on_event):
        from vertune.tracking import track_run

        track_run(run, "pretrain", on_event)  # MLflow (the recipe's tracking: block); a failure is a warning
    on_event(FinalMetrics("pre-trained", "held_out", {"perplexity": stats["perplexity"]["after"]}))
    on_event(FinalMetrics("base_model", "held_out", {"perplexity": stats["perplexity"]["before"]}))
    return PretrainResult(run, content, report)


def save_lm(target: RunDir, model: Any, tokenizer: Any, max_length: int) -> None:
    """The language model and its (extended) tokenizer into TARGET/model/, swapped in whole."""
    tokenizer.model_max_length = max_length

    def save(directory: Path) -> None:
        model.save_pretrained(directory)
        tokenizer.save_pretrained(directory)

    target.save_model(save)
