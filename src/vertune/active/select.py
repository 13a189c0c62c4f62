"""`vertune select`: rank a pool of unlabelled rows for labelling with a trained run.

Probabilities come from the run's `Predictor` (softmax of its logits); embeddings for `coreset` / `hybrid`
are the fine-tuned encoder's last hidden states, mean-pooled over real tokens (windows averaged per text).
The labelled rows (the run's training split, reproduced from its recipe) are the k-center starting centres,
and pool rows whose normalised text equals a training row's, or an earlier pool row's, are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vertune.active.strategies import NEEDS_EMBEDDINGS, STRATEGIES, select
from vertune.errors import VertuneError
from vertune.events import Subscriber, Warning, ignore

SELECT_COLUMNS = ("select_rank", "select_score", "predicted", "confidence")


@dataclass
class Selection:
    rows: list[int]  # pool row indices, best first
    scores: list[float]
    predicted: list[str]
    confidence: list[float]
    skipped_duplicates: int = 0
    warnings: list[str] = field(default_factory=list)


def check_options(k: int, strategy: str) -> None:
    if k <= 0:
        raise VertuneError(f"--k {k}: ask for at least 1 row to label")
    if strategy not in STRATEGIES:
        import difflib

        close = difflib.get_close_matches(strategy, STRATEGIES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise VertuneError(f"--strategy {strategy}: unknown{hint} (choose from {', '.join(STRATEGIES)})")


def embeddings(predictor: Any, inputs: Sequence[Any], quiet: bool = True) -> np.ndarray:
    """Mean-pooled last hidden states of the run's encoder, one row per input."""
    import torch

    from vertune.models.batching import run_batches
    from vertune.tasks import windows

    features = predictor.task.encode(list(inputs), predictor.tokenizer, predictor.max_length)

    def forward(batch: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = predictor.model(**batch, output_hidden_states=True).hidden_states[-1]
        mask = batch["attention_mask"][..., None].to(hidden.dtype)
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)

    outputs = run_batches(
        forward,
        features,
        predictor.collate,
        batch_size=predictor.batch_size,
        precision=predictor.precision,
        device=predictor.device,
        quiet=quiet,
    )
    return np.stack(windows.pool_rows(outputs, features, len(inputs), "mean")).astype(np.float32)


def rank_pool(
    predictor: Any,
    pool: Sequence[Any],
    labelled: Sequence[Any],
    k: int,
    strategy: str,
    seed: int = 0,
    quiet: bool = True,
    on_event: Subscriber = ignore,
) -> Selection:
    """The k pool rows to label next (indices into `pool`), skipping near-duplicates of `labelled` rows."""
    from vertune.data.audit import normalise

    check_options(k, strategy)
    if not predictor.task.single_label:
        raise VertuneError(
            f"select ranks rows for single-label classes (task classification, or pair with pair_target: "
            f"class), not task {predictor.task.name}"
        )
    text_of = predictor.task.text_of
    seen = {normalise(text_of(x)) for x in labelled}
    keep = []
    for i, item in enumerate(pool):
        key = normalise(text_of(item))
        if key and key not in seen:
            seen.add(key)
            keep.append(i)
    candidates = [pool[i] for i in keep]
    if not candidates:
        raise VertuneError("every pool row repeats a training row or an earlier pool row; nothing to select")
    logits = np.asarray(predictor.predictions(candidates, quiet=quiet), dtype=np.float64)
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    pool_embeddings = labelled_embeddings = None
    if strategy in NEEDS_EMBEDDINGS:
        pool_embeddings = embeddings(predictor, candidates, quiet)
        labelled_embeddings = embeddings(predictor, labelled, quiet) if labelled else None
    picked, scores = select(strategy, k, probabilities, pool_embeddings, labelled_embeddings, seed=seed)
    warnings = []
    if k > len(candidates):
        warnings.append(f"--k {k} but only {len(candidates)} pool rows are left to select; all taken")
    for warning in warnings:
        on_event(Warning(warning))
    top = probabilities.argmax(axis=1)
    return Selection(
        [keep[i] for i in picked],
        [round(float(scores[i]), 6) for i in picked],
        [predictor.labels[int(top[i])] for i in picked],
        [round(float(probabilities[i, top[i]]), 6) for i in picked],
        skipped_duplicates=len(pool) - len(candidates),
        warnings=warnings,
    )


def selection_frame(table: Any, selection: Selection, label_column: str) -> Any:
    """The chosen pool rows (all their columns), best first, with the selection's columns and an empty label
    column to fill in when the pool has none."""
    import pandas as pd

    frame = pd.DataFrame(table.values).iloc[selection.rows].reset_index(drop=True)
    clash = [c for c in SELECT_COLUMNS if c in frame.columns]
    if clash:
        raise VertuneError(f"the pool already has a column {clash[0]!r}; rename it")
    frame.insert(0, "select_rank", range(1, len(frame) + 1))
    frame["select_score"] = selection.scores
    frame["predicted"] = selection.predicted
    frame["confidence"] = selection.confidence
    if label_column not in frame.columns:
        frame[label_column] = ""
    return frame


def labelled_inputs(run: Any, on_event: Subscriber = ignore) -> list[Any]:
    """The run's training inputs (its recipe's split reproduced), or [] with a warning when the files are gone."""
    from vertune.deploy.data import run_splits
    from vertune.errors import DataError

    try:
        return list(run_splits(run).train.inputs)
    except DataError as exc:
        on_event(Warning(f"the run's training data cannot be read ({exc.lines()[0]}); not skipping its rows"))
        return []


def select_file(
    run_path: str | Path,
    pool_path: str | Path,
    k: int,
    strategy: str = "entropy",
    text_column: str | None = None,
    text_pair_column: str | None = None,
    seed: int = 0,
    quiet: bool = True,
    on_event: Subscriber = ignore,
) -> tuple[Any, Selection]:
    """Rank a pool file with a run: (the frame to write, the selection)."""
    from vertune.data.pii import redact_columns, redacted_inputs
    from vertune.data.readers import read_table
    from vertune.models.predictor import Predictor
    from vertune.run import RunDir

    check_options(k, strategy)
    run = RunDir(run_path).require_model()
    recipe = run.load_recipe()
    columns = {"text_column": text_column, "text_pair_column": text_pair_column}
    data = recipe.data.model_copy(update={key: value for key, value in columns.items() if value})
    table = read_table(pool_path)
    predictor = Predictor.from_run(run.path)
    pool = predictor.task.inputs(table, data)  # a missing text column is a one-line DataError
    pool = list(redacted_inputs(pool, recipe.data))  # compared with the training rows as the run read them
    selection = rank_pool(
        predictor,
        pool,
        labelled_inputs(run, on_event),
        k,
        strategy,
        seed=seed,
        quiet=quiet,
        on_event=on_event,
    )
    frame = selection_frame(table, selection, recipe.data.label_column)
    # data.redact: the rows to label leave with their personal data replaced, as the run read them
    return redact_columns(frame, table.columns, recipe.data), selection
