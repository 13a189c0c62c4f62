"""Robustness probes: the test split under each seeded perturbation (evaluate/perturb.py), scored with the
task's headline metric, and how many predictions flip against the clean input's.

`probe(predictor, examples, labels)` -> metrics.json `test.robustness`:

    {"seed", "metric", "clean", "perturbations": {name: {"metric", "delta", "flip_rate", "changed"}},
     "skipped": {name: why}}

A flip is a row whose prediction differs from its prediction on the clean text: another class
(classification, pair), another label set (multilabel), other entities (NER: the tags of the tokens that were
kept); regression has no flips and reports `mean_abs_change` in the label's units instead. `changed` is the
share of inputs the perturbation altered at all (an uncased model sees no casing; English text has no
full-width characters to make half-width).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from vertune.evaluate import perturb
from vertune.tasks.base import Examples

SEED = 0


def _flip_rate(kind: str, clean: Sequence[Any], noisy: Sequence[Any], kept: list[list[int]] | None) -> float:
    if not clean:
        return 0.0
    if kind == "tags" and kept is not None:
        flips = [[c[i] for i in k] != n for c, n, k in zip(clean, noisy, kept, strict=True)]
    else:
        flips = [c != n for c, n in zip(clean, noisy, strict=True)]
    return float(np.mean(flips))


def probe(
    predictor: Any,
    examples: Examples,
    labels: Sequence[str],
    seed: int = SEED,
    quiet: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Score `examples` clean and under every perturbation that applies to the task."""
    from vertune.stages.uncertainty import rows_of
    from vertune.tasks.ner import NerTask

    task = predictor.task
    metric = task.default_metric
    ner = isinstance(task, NerTask)
    names = perturb.NER_PERTURBATIONS if ner else perturb.TEXT_PERTURBATIONS
    clean_predictions = predictor.predictions(examples.inputs, quiet=quiet)
    clean_score = task.scores(clean_predictions, examples.targets, labels)[metric]
    clean_rows = rows_of(task, clean_predictions, labels)
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        if progress is not None:
            progress(name)
        method = perturb.perturb_sentences if ner else perturb.perturb_texts
        perturbed = method(name, examples.inputs, examples.targets, seed)
        predictions = predictor.predictions(perturbed.inputs, quiet=quiet)
        value = task.scores(predictions, perturbed.targets, labels)[metric]
        entry: dict[str, Any] = {
            "metric": float(value),
            "delta": float(value - clean_score),
            "changed": round(perturbed.changed, 4),
        }
        rows = rows_of(task, predictions, labels)
        if clean_rows is not None and rows is not None:
            kind = clean_rows[0]
            if kind == "numbers":
                change = np.abs(np.asarray(rows[1]) - np.asarray(clean_rows[1]))
                entry["flip_rate"] = None
                entry["mean_abs_change"] = float(change.mean()) if len(change) else 0.0
            else:
                entry["flip_rate"] = _flip_rate(kind, clean_rows[1], rows[1], perturbed.kept)
        results[name] = entry
    return {
        "seed": seed,
        "metric": metric,
        "clean": float(clean_score),
        "rows": len(examples),
        "perturbations": results,
        "skipped": {**perturb.SKIPPED, **(perturb.NER_SKIPPED if ner else {})},
    }
