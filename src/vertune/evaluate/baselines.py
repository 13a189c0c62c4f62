"""Baselines on the same splits as the fine-tuned model, so the report shows whether fine-tuning paid off.

Two kinds of features, each with the task's own linear estimator (`task.baseline_estimator`: logistic
regression for classes, ridge regression for numbers, one-vs-rest logistic regression for label sets):

- tfidf_logreg / tfidf_ridge: TF-IDF word 1-2-grams + character 2-4-grams (so scripts without spaces work).
  The name says the estimator: tfidf_ridge is the regression tasks' variant.
- linear_probe: the frozen pre-trained encoder's mean-pooled embeddings (a long text's windows pooled per
  text like the model's logits).

Each tunes its regularisation on the validation split (the task's `tune` too, e.g. multilabel thresholds) and
is scored once on the test split.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler

from vertune.data.prepare import Splits
from vertune.evaluate.direction import lower_is_better
from vertune.hardware import pick_device
from vertune.models.batching import run_batches
from vertune.models.loading import load_options, loading
from vertune.models.resolve import resolve_model
from vertune.recipe import Recipe
from vertune.tasks.base import Task

# Inverse regularisation strengths tried (C of a logistic regression, 1/alpha of a ridge).
C_GRID = (0.1, 1.0, 10.0, 100.0)
TFIDF = "TF-IDF (word 1-2-grams + char 2-4-grams)"


def describe(name: str, task: Task) -> str:
    estimator = task.baseline_estimator_name
    if name == "linear_probe":
        return f"{estimator} on the frozen pre-trained encoder's mean-pooled embeddings, regularisation tuned on validation"
    return f"{TFIDF} + {estimator}, regularisation tuned on validation"


def run_baselines(
    names: Sequence[str],
    recipe: Recipe,
    task: Task,
    splits: Splits,
    features: dict[str, list[dict[str, Any]]],
    collate: Callable[[list[dict[str, Any]]], dict[str, Any]],
    precision: str,
    quiet: bool = True,
    vocab: Any = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Each named baseline's test scores (as the task's `scores`), its seconds and a description; and its
    test predictions (one per input, as the task's merged predictions), for the paired comparison with the
    fine-tuned model.

    `features` and `collate` are the run's own (each split is tokenised once per run)."""
    builders: dict[str, Callable[[], tuple[Any, ...]]] = {
        "tfidf_logreg": lambda: _tfidf(task, splits),
        "tfidf_ridge": lambda: _tfidf(task, splits),
        "linear_probe": lambda: _embeddings(recipe, task, splits, features, collate, precision, quiet, vocab),
    }
    results: dict[str, dict[str, Any]] = {}
    test_predictions: dict[str, Any] = {}
    for name in names:
        start = time.perf_counter()
        if name == "most_frequent_tag":  # token classification: no logistic regression to fit
            from vertune.evaluate.baseline_ner import DESCRIPTION, most_frequent_tag

            test_predictions[name] = most_frequent_tag(splits)
            scores = task.scores(test_predictions[name], splits.test.targets, splits.labels)
            results[name] = {
                **scores,
                "seconds": round(time.perf_counter() - start, 2),
                "description": DESCRIPTION,
            }
            continue
        if name in ("bm25", "untuned_encoder"):  # retrieval (task embedding): rank the test corpus
            from vertune.evaluate.retrieval import retrieval_baseline

            queries = [item[0] for item in splits.test.inputs]
            model, max_length = recipe.model.name, recipe.training.max_length
            scores, test_predictions[name] = retrieval_baseline(
                name, queries, splits.test.targets, model, max_length, quiet
            )
            results[name] = {**scores, "seconds": round(time.perf_counter() - start, 2)}
            continue
        if name == "zero_shot_embedding":  # nothing to fit: cosine to each label's sentence
            from vertune.evaluate import zero_shot

            test_predictions[name] = zero_shot.zero_shot_embedding(recipe, task, splits, quiet)
            scores = task.scores(test_predictions[name], splits.test.targets, splits.labels)
            results[name] = {
                **scores,
                "seconds": round(time.perf_counter() - start, 2),
                "description": zero_shot.describe(recipe),
            }
            continue
        train_x, validation_x, test_x = builders[name]()
        scores, test_predictions[name] = _fit_and_score(
            task, splits, train_x, validation_x, test_x, scaled=name == "linear_probe"
        )
        results[name] = {
            **scores,
            "seconds": round(time.perf_counter() - start, 2),
            "description": describe(name, task),
        }
    return results, test_predictions


def _tfidf(task: Task, splits: Splits) -> tuple[Any, Any, Any]:
    vectorizer = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=100_000)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, max_features=100_000
                ),
            ),
        ]
    )
    train, validation, test = (
        [task.text_of(x) for x in s.inputs] for s in (splits.train, splits.validation, splits.test)
    )
    train_x = vectorizer.fit_transform(train)
    return train_x, vectorizer.transform(validation), vectorizer.transform(test)


def _embeddings(
    recipe: Recipe,
    task: Task,
    splits: Splits,
    features: dict[str, list[dict[str, Any]]],
    collate: Callable[[list[dict[str, Any]]], dict[str, Any]],
    precision: str,
    quiet: bool,
    vocab: Any = None,
) -> tuple[np.ndarray, ...]:
    from transformers import AutoModel

    path = resolve_model(recipe.model.name)
    encoder = loading(
        recipe.model.name, lambda: AutoModel.from_pretrained(path, **load_options(recipe.model))
    )
    if vocab is not None:  # the features use the extended tokenizer: same new rows, untrained
        from vertune.models.vocab import resize_embeddings

        resize_embeddings(encoder, vocab)
    device = pick_device()
    encoder.to(device).eval()
    embedded = {
        role: run_batches(
            lambda batch: _mean_pool(encoder(**batch), batch),
            features[role],
            collate,
            batch_size=recipe.training.eval_batch_size,
            precision=precision,
            device=device,
            description=f"linear probe: embedding {role}",
            quiet=quiet,
        )
        for role in ("train", "validation", "test")
    }
    # One row per input: a long text's windows are pooled like the model's logits.
    return tuple(
        np.stack(task.merge(embedded[role], features[role], len(getattr(splits, role))))
        for role in ("train", "validation", "test")
    )


def _mean_pool(outputs: Any, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    mask = batch["attention_mask"].unsqueeze(-1).to(outputs.last_hidden_state.dtype)
    return (outputs.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1)


def _fit_and_score(
    task: Task, splits: Splits, train_x: Any, validation_x: Any, test_x: Any, scaled: bool
) -> tuple[dict[str, float], Any]:
    """Fit the task's estimator per strength, keep the best on validation; its test scores and predictions."""
    labels, metric = splits.labels, task.default_metric
    train_y = task.baseline_targets(splits.train, labels)
    sign = -1.0 if lower_is_better(metric) else 1.0
    best_score, best = -np.inf, None
    for strength in C_GRID:
        estimator = task.baseline_estimator(strength)
        if scaled:
            estimator = make_pipeline(StandardScaler(), estimator)
        estimator.fit(train_x, train_y)
        predictions = task.baseline_predictions(estimator, validation_x, labels)
        tuned = copy.copy(task)  # the baseline's own decision settings, like the model's
        tuned.tune(predictions, splits.validation.targets, labels)
        score = sign * tuned.scores(predictions, splits.validation.targets, labels)[metric]
        if score > best_score:
            best_score, best = score, (estimator, tuned)
    assert best is not None
    estimator, tuned = best
    predictions = task.baseline_predictions(estimator, test_x, labels)
    return tuned.scores(predictions, splits.test.targets, labels), predictions
