"""Baselines on the same splits as the fine-tuned model, so the report shows whether fine-tuning paid off.

- tfidf_logreg: TF-IDF word 1-2-grams + character 2-4-grams (so scripts without spaces work) and a
  logistic regression.
- linear_probe: a logistic regression on the frozen pre-trained encoder's mean-pooled embeddings.

Both tune their regularisation C on the validation split and are scored once on the test split.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler

from vertune.data.prepare import Splits
from vertune.hardware import pick_device
from vertune.models.batching import run_batches
from vertune.models.loading import load_options, loading
from vertune.models.resolve import resolve_model
from vertune.recipe import Recipe

C_GRID = (0.1, 1.0, 10.0, 100.0)

DESCRIPTIONS = {
    "tfidf_logreg": "TF-IDF (word 1-2-grams + char 2-4-grams) + logistic regression, C tuned on validation",
    "linear_probe": "logistic regression on the frozen pre-trained encoder's mean-pooled embeddings, "
    "C tuned on validation",
}


def run_baselines(
    names: list[str],
    recipe: Recipe,
    task: Any,
    splits: Splits,
    features: dict[str, list[dict[str, Any]]],
    collate: Callable[[list[dict[str, Any]]], dict[str, Any]],
    precision: str,
    quiet: bool = True,
    vocab: Any = None,
) -> dict[str, dict[str, Any]]:
    """Each named baseline's test scores (as the task's `scores`), its seconds and a description.

    `features` and `collate` are the run's own (each split is tokenised once per run)."""
    builders: dict[str, Callable[[], tuple[np.ndarray, ...]]] = {
        "tfidf_logreg": lambda: _tfidf(task, splits),
        "linear_probe": lambda: _embeddings(recipe, features, collate, precision, quiet, vocab),
    }
    results = {}
    for name in names:
        start = time.perf_counter()
        if name == "most_frequent_tag":  # token classification: no logistic regression to fit
            from vertune.evaluate.baseline_ner import DESCRIPTION, most_frequent_tag

            scores = task.scores(most_frequent_tag(splits), splits.test.targets, splits.labels)
            results[name] = {
                **scores,
                "seconds": round(time.perf_counter() - start, 2),
                "description": DESCRIPTION,
            }
            continue
        train_x, validation_x, test_x = builders[name]()
        scaled = name == "linear_probe"
        probabilities = _fit_logreg(task, splits, train_x, validation_x, test_x, scaled)
        results[name] = {
            **task.scores(probabilities, splits.test.targets, splits.labels),
            "seconds": round(time.perf_counter() - start, 2),
            "description": DESCRIPTIONS[name],
        }
    return results


def _tfidf(task: Any, splits: Splits) -> tuple[Any, Any, Any]:
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
    return tuple(
        np.stack(
            run_batches(
                lambda batch: _mean_pool(encoder(**batch), batch),
                features[role],
                collate,
                batch_size=recipe.training.eval_batch_size,
                precision=precision,
                device=device,
                description=f"linear probe: embedding {role}",
                quiet=quiet,
            )
        )
        for role in ("train", "validation", "test")
    )


def _mean_pool(outputs: Any, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    mask = batch["attention_mask"].unsqueeze(-1).to(outputs.last_hidden_state.dtype)
    return (outputs.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1)


def _fit_logreg(
    task: Any, splits: Splits, train_x: Any, validation_x: Any, test_x: Any, scaled: bool
) -> np.ndarray:
    """Fit one model per C, keep the best on validation, return its test probabilities (all classes)."""
    train_ids = task.target_ids(splits.train.targets, splits.labels)

    best_score, best_model = -1.0, None
    for c in C_GRID:
        model = LogisticRegression(C=c, max_iter=2000)
        if scaled:
            model = make_pipeline(StandardScaler(), model)
        model.fit(train_x, train_ids)
        probabilities = _all_classes(model, model.predict_proba(validation_x), len(splits.labels))
        score = task.scores(probabilities, splits.validation.targets, splits.labels)[task.default_metric]
        if score > best_score:
            best_score, best_model = score, model
    assert best_model is not None
    return _all_classes(best_model, best_model.predict_proba(test_x), len(splits.labels))


def _all_classes(model: Any, probabilities: np.ndarray, n_labels: int) -> np.ndarray:
    """predict_proba covers only classes seen in training; put its columns at their label ids."""
    full = np.zeros((probabilities.shape[0], n_labels))
    full[:, model.classes_] = probabilities
    return full
