"""`model.pretrain` in a fine-tuning recipe: task-adaptive pre-training (Gururangan et al. 2020, "Don't Stop
Pretraining") on the recipe's own training texts before fine-tuning.

The pre-trained model is cached under the user's cache directory, keyed by the sha256 of everything that
decides it (the model and its weights, the texts, the vocabulary extension, the options), so a second run
of the same recipe, or `tune` / `compare` trials, reuse it. The fine-tuning then starts from the cached
model: its grown embedding rows are the pre-trained ones (models/vocab.resize_embeddings leaves a matrix
that already has them alone).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.events import Info, Subscriber
from vertune.models.gguf import cache_root  # the user's vertune cache ($VERTUNE_CACHE)
from vertune.models.resolve import resolve_model
from vertune.pretrain.recipe import inline_training, objective_for
from vertune.recipe import Recipe
from vertune.run import read_json, write_json_atomic

STATS_FILE = "pretrain.json"


@dataclass
class Adapted:
    model_dir: Path
    stats: dict[str, Any]


def _weights_fingerprint(path: str) -> list[tuple[str, int, int]]:
    """Names, sizes and modification times of a local model's files (a hub id: nothing, the id decides)."""
    directory = Path(path)
    if not directory.is_dir():
        return []
    return sorted(
        (f.name, f.stat().st_size, int(f.stat().st_mtime)) for f in directory.iterdir() if f.is_file()
    )


def cache_key(recipe: Recipe, texts: list[str], held_out: list[str], added_tokens: list[str]) -> str:
    assert recipe.model.pretrain is not None
    path = resolve_model(recipe.model.name)
    digest = hashlib.sha256()
    head = {
        "model": recipe.model.name,
        "revision": recipe.model.revision,
        "weights": _weights_fingerprint(path),
        "objective": objective_for(recipe.task),
        "training": inline_training(recipe, recipe.model.pretrain).model_dump(mode="json"),
        "added_tokens": added_tokens,
    }
    digest.update(json.dumps(head, sort_keys=True).encode())
    for part in (texts, held_out):
        digest.update(b"\x00split")
        for text in part:
            digest.update(text.encode("utf-8") + b"\x00")
    return digest.hexdigest()


def adapt_to_task(
    recipe: Recipe,
    tokenizer: Any,
    vocab: Any,
    texts: list[str],
    held_out: list[str],
    precision: str,
    on_event: Subscriber,
    quiet: bool = False,
) -> Adapted:
    """The task-adapted model directory: from the cache, or pre-trained now and cached."""
    options = recipe.model.pretrain
    assert options is not None
    key = cache_key(recipe, texts, held_out, list(vocab.tokens) if vocab is not None else [])
    target = cache_root() / "pretrain" / key
    if (target / "model" / "config.json").is_file() and (target / STATS_FILE).is_file():
        stats = {**read_json(target / STATS_FILE), "cached": True, "cache": str(target)}
        on_event(Info(f"task-adaptive pre-training: reused {target}"))
        return Adapted(target / "model", stats)

    from vertune.pretrain.lm import train_lm
    from vertune.run import RunDir
    from vertune.workflows.pretrain import save_lm

    objective = objective_for(recipe.task)
    training = inline_training(recipe, options)
    on_event(
        Info(f"task-adaptive pre-training: {objective} on {len(texts)} training texts, cached in {target}")
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{key[:12]}."))
    try:
        pretrained = train_lm(
            recipe.model,
            objective,
            training,
            tokenizer,
            vocab,
            texts,
            held_out,
            staging / "work",
            precision,
            quiet,
        )
        save_lm(RunDir(staging), pretrained.model, tokenizer, recipe.training.max_length)
        shutil.rmtree(staging / "work", ignore_errors=True)
        write_json_atomic(staging / STATS_FILE, pretrained.stats)
        if target.exists():  # another process finished the same key first; keep theirs
            shutil.rmtree(staging)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Adapted(target / "model", {**pretrained.stats, "cached": False, "cache": str(target)})


def fine_tuning_recipe(recipe: Recipe, adapted: Adapted) -> Recipe:
    """The recipe the fit stage trains from: the adapted model in place of the base (the run's own
    recipe.yaml keeps the base model and its `model.pretrain`)."""
    model = recipe.model.model_copy(
        update={"name": str(adapted.model_dir), "revision": None, "pretrain": None}
    )
    return recipe.model_copy(update={"model": model})


def task_adaptation(
    recipe: Recipe,
    task: Any,
    splits: Any,
    tokenizer: Any,
    vocab: Any,
    run: Any,
    precision: str,
    on_event: Subscriber,
    quiet: bool = False,
    texts: tuple[list[str], list[str]] | None = None,
) -> tuple[Recipe, dict[str, Any]]:
    """The train workflow's `pretrain` stage: adapt on the training texts (perplexity on the validation
    split's; `texts` = (train, held out) instead of the inputs' texts, e.g. whole conversations), record it
    in lineage.json; the recipe to fine-tune from and metrics.json's `pretrain`."""
    if texts is None:
        texts = (
            [task.text_of(x) for x in splits.train.inputs],
            [task.text_of(x) for x in splits.validation.inputs],
        )
    train_texts, held_out = texts
    adapted = adapt_to_task(recipe, tokenizer, vocab, train_texts, held_out, precision, on_event, quiet)
    lineage = run.load_lineage()
    lineage["pretrain"] = {"model": str(adapted.model_dir), "cached": adapted.stats["cached"]}
    write_json_atomic(run.lineage_path, lineage)
    perplexity = adapted.stats["perplexity"]
    on_event(
        Info(
            f"task-adaptive pre-training: held-out perplexity {perplexity['before']} -> {perplexity['after']}"
        )
    )
    return fine_tuning_recipe(recipe, adapted), adapted.stats
