"""`vertune data audit` for a recipe: its rows, the label audit that fits its task, the near-duplicates."""

from __future__ import annotations

from typing import Any

from vertune.data.audit import AuditResult, audit_rows, fold_splitter, recipe_rows, sort_pairs
from vertune.errors import VertuneError
from vertune.events import Info, Subscriber, ignore


def audit_recipe(
    recipe: Any,
    folds: int = 5,
    model: str | None = None,
    epochs: float = 1.0,
    similarity: float | None = 0.95,
    quiet: bool = True,
    on_event: Subscriber = ignore,
) -> AuditResult:
    """Label issues of every split's rows (TF-IDF folds, or `model` fine-tuned per fold for `epochs`) and
    near-duplicate pairs: exact, and (unless `similarity` is None) by frozen-encoder cosine >= similarity."""
    if similarity is not None and not 0 < similarity <= 1:
        raise VertuneError(f"--similarity {similarity}: give a cosine similarity in (0, 1], e.g. 0.95")
    if model is not None and recipe.task not in ("classification", "pair"):
        raise VertuneError(
            f"data audit --model fine-tunes classification or pair runs, not task {recipe.task}"
        )
    seed = recipe.data.split_seed if recipe.data.split_seed is not None else recipe.training.seed
    rows = recipe_rows(recipe)
    groups = [r.group for r in rows]
    if recipe.task in ("multilabel", "ner"):
        from vertune.data.audit_tasks import audit_multilabel, audit_ner

        splitter = fold_splitter(max(2, min(folds, len(rows))), seed, groups, stratified=recipe.task == "ner")
        if recipe.task == "ner":
            result = audit_ner(rows, splitter, on_event)
        else:
            result = audit_multilabel(rows, splitter, recipe.data.label_delimiter, on_event)
    elif model is not None:
        from vertune.data.audit_finetune import finetuned_scorer

        scorer = finetuned_scorer(recipe, model, epochs, on_event)
        result = audit_rows(rows, folds, seed, on_event, scorer, f"fine-tuned {model} ({epochs:g} epochs)")
    else:
        result = audit_rows(rows, folds, seed, on_event)
    if similarity is not None:
        from vertune.data.audit_embed import embedding_duplicates, frozen_embeddings

        on_event(Info(f"audit: near-duplicates by {recipe.model.name} embeddings, cosine >= {similarity:g}"))
        vectors = frozen_embeddings(
            recipe.model.name, [r.text for r in rows], recipe.training.max_length, quiet
        )
        result.duplicates = sort_pairs(result.duplicates + embedding_duplicates(rows, vectors, similarity))
    return result
