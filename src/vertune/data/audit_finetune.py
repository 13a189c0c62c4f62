"""Out-of-sample probabilities from a fine-tuned encoder per fold (`vertune data audit --model NAME`).

For each of the K folds, the recipe is trained (vertune's own train workflow: same task, method and options)
on the other folds' rows with a small budget (`epochs`, baselines off, no redaction: the rows are already
redacted), and the run's `Predictor` scores the held-out fold. Slower than TF-IDF by the K trainings, but the
probabilities come from the kind of model the user will train, which knows more than word counts.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vertune.data.audit import Folds, Row
from vertune.errors import VertuneError
from vertune.events import Info, Subscriber, ignore

#: rows of the fold's training file copied as its test file: training wants one, the audit reads no score
TEST_ROWS = 8


def finetuned_scorer(recipe: Any, model: str, epochs: float, on_event: Subscriber = ignore) -> Any:
    """A `Scorer` (see audit.py) that fine-tunes `model` on each fold's other rows."""
    if epochs <= 0:
        raise VertuneError(f"--epochs {epochs}: give a positive number of epochs")

    def score(rows: Sequence[Row], y: np.ndarray, labels: Sequence[str], folds: Folds) -> np.ndarray:
        probabilities = np.zeros((len(rows), len(labels)))
        splits = folds.split(y)
        with tempfile.TemporaryDirectory(prefix="vertune-audit-") as work:
            for k, (train_index, held_index) in enumerate(splits, start=1):
                on_event(
                    Info(f"audit: fold {k}/{len(splits)}: fine-tuning {model} on {len(train_index)} rows")
                )
                run = _train_fold(
                    recipe, model, epochs, [rows[i] for i in train_index], Path(work) / f"fold{k}"
                )
                probabilities[held_index] = _fold_probabilities(run, [rows[i] for i in held_index], labels)
        return probabilities

    return score


def _write_rows(path: Path, rows: Sequence[Row], data: Any) -> None:
    import pandas as pd

    frame: dict[str, list[Any]] = {data.text_column: [], data.label_column: []}
    pairs = isinstance(rows[0].item, tuple)
    if pairs:
        frame[data.text_pair_column] = []
    for row in rows:
        text = row.item[0] if pairs else row.text
        frame[data.text_column].append(text)
        frame[data.label_column].append(row.label)
        if pairs:
            frame[data.text_pair_column].append(row.item[1])
    pd.DataFrame(frame).to_csv(path, index=False)


def _train_fold(recipe: Any, model: str, epochs: float, rows: Sequence[Row], directory: Path) -> Path:
    from vertune.workflows.train import run_train

    directory.mkdir(parents=True)
    _write_rows(directory / "train.csv", rows, recipe.data)
    _write_rows(directory / "test.csv", rows[:TEST_ROWS], recipe.data)
    fold = recipe.model_copy(deep=True)
    fold.model.name = model
    fold.data = fold.data.model_copy(
        update={
            "train": directory / "train.csv",
            "validation": None,
            "test": directory / "test.csv",
            "group_column": None,
            "redact": [],
            "redact_model": None,
        }
    )
    fold.training.epochs = min(epochs, fold.training.epochs)
    fold.evaluation.baselines = []
    fold.output = directory / "run"
    run_train(fold, ignore, resume=False, overwrite=True, quiet=True)
    return fold.output


def _fold_probabilities(run: Path, rows: Sequence[Row], labels: Sequence[str]) -> np.ndarray:
    """Softmax of the fold run's logits, columns in the audit's label order (0 for a class the fold lacked)."""
    from vertune.models.predictor import Predictor

    predictor = Predictor.from_run(run)
    logits = np.asarray(predictor.predictions([r.item for r in rows]), dtype=np.float64)
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    run_probabilities = exp / exp.sum(axis=1, keepdims=True)
    out = np.zeros((len(rows), len(labels)))
    for j, label in enumerate(predictor.labels):
        if label in labels:
            out[:, list(labels).index(label)] = run_probabilities[:, j]
    out /= out.sum(axis=1, keepdims=True).clip(min=1e-12)
    return out
