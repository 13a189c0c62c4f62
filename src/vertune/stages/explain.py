"""Explanations for `vertune explain`, POST /v1/explain and the report: token attributions through
models/explain.py (captum Integrated Gradients).

- `explain_texts(run, texts, text_pairs, ...)`: the verb's and the server's explanations.
- `explain_errors(run, task, test, labels, predictions)`: the most confident test errors of a trained run,
  explained, for metrics.json `test.explanations` and the report's highlighted texts (a few rows, few steps:
  seconds on CPU).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vertune.errors import ExplainError, VertuneError
from vertune.run import RunDir
from vertune.tasks.base import Examples, Task

#: the report's budget: integration steps per explanation (`evaluation.explain_errors` says how many errors)
REPORT_STEPS = 16
PAIR_JOIN = " ‖ "


def explain_texts(
    run: RunDir,
    texts: Sequence[str],
    text_pairs: Sequence[str] | None = None,
    label: str | None = None,
    steps: int | None = None,
    max_tokens: int | None = None,
) -> list[dict[str, Any]]:
    """One explanation per text (or text pair, for a pair run), in the task's terms plus `tokens` (NER:
    `entities`, each with its `tokens`)."""
    from vertune.models.explain import DEFAULT_MAX_TOKENS, DEFAULT_STEPS, Explainer, check_bounds
    from vertune.models.predictor import Predictor
    from vertune.stages.predict import check_texts

    check_texts(texts)
    check_bounds(steps or DEFAULT_STEPS, max_tokens or DEFAULT_MAX_TOKENS)
    predictor = Predictor.from_run(run.path)
    if predictor.task.reads_pairs != (text_pairs is not None):
        raise VertuneError(
            "this run reads text pairs; give one --text-pair per text"
            if predictor.task.reads_pairs
            else "this run reads single texts; --text-pair is only for runs of task: pair"
        )
    if text_pairs is not None and len(text_pairs) != len(texts):
        raise VertuneError(f"{len(texts)} texts but {len(text_pairs)} --text-pair values; give one per text")
    inputs: list[Any] = list(zip(texts, text_pairs, strict=True)) if text_pairs is not None else list(texts)
    explainer = Explainer(predictor, steps or DEFAULT_STEPS, max_tokens or DEFAULT_MAX_TOKENS)
    return explainer.explain(inputs, label)


def _joined(item: Any, tokens: list[dict[str, Any]]) -> tuple[str, list[list[float]]]:
    """The shown text (a pair joined) and [start, end, weight] spans in it."""
    if isinstance(item, tuple):
        shift = len(item[0]) + len(PAIR_JOIN)
        text = item[0] + PAIR_JOIN + item[1]
        spans = [
            [t["start"] + shift * t.get("segment", 0), t["end"] + shift * t.get("segment", 0), t["weight"]]
            for t in tokens
        ]
        return text, spans
    return str(item), [[t["start"], t["end"], t["weight"]] for t in tokens]


def explain_errors(
    run: RunDir, task: Task, test: Examples, labels: Sequence[str], predictions: Sequence[Any], count: int = 3
) -> list[dict[str, Any]]:
    """The `count` most confident wrong test predictions, each {"text", "gold", "predicted", "score",
    "spans": [[start, end, weight], ...]}; [] for tasks explain does not cover or a model it cannot load."""
    from vertune.models.explain import Explainer
    from vertune.models.predictor import Predictor
    from vertune.tasks.ner import NerTask

    if not (task.single_label or isinstance(task, NerTask)) or not len(test) or count < 1:
        return []
    explainer = Explainer(Predictor.from_run(run.path), steps=REPORT_STEPS, truncate=True)
    if isinstance(task, NerTask):
        return _ner_errors(explainer, task, test, labels, predictions, count)
    probabilities = explainer.predictor.task.probabilities(predictions)  # type: ignore[attr-defined]
    gold = task.target_ids(test.targets, labels)
    wrong = np.flatnonzero(probabilities.argmax(axis=-1) != gold)
    found = []
    for row in wrong[np.argsort(-probabilities[wrong].max(axis=-1), kind="stable")]:
        try:
            explained = explainer.explain([test.inputs[row]])[0]
        except ExplainError:  # longer than the bounds: the next error
            continue
        text, spans = _joined(test.inputs[row], explained["tokens"])
        found.append(
            {
                "text": text,
                "gold": test.targets[row],
                "predicted": explained["label"],
                "score": explained["score"],
                "spans": spans,
            }
        )
        if len(found) == count:
            break
    return found


def _ner_errors(
    explainer: Any, task: Any, test: Examples, labels: Sequence[str], predictions: Sequence[Any], count: int
) -> list[dict[str, Any]]:
    """Per sentence, its most confident predicted entity that is not a gold entity; the most confident
    `count` of those, explained."""
    from vertune.tasks.tagging import read_spans

    candidates = []
    decoded = task.decode(predictions, test.inputs, labels)
    for row, (prediction, gold_tags) in enumerate(zip(decoded, test.targets, strict=True)):
        sentence = test.inputs[row]
        gold = {
            (s.label, *sentence.char_span(s.start, s.end)) for s in read_spans(list(gold_tags), "IOB2")[0]
        }
        wrong = [e for e in prediction["entities"] if (e["label"], e["start"], e["end"]) not in gold]
        if wrong:
            best = max(wrong, key=lambda e: e["score"])
            names = ", ".join(
                f"{label} {sentence.text[a:b]}" for label, a, b in sorted(gold, key=lambda g: g[1])
            )
            candidates.append((best["score"], row, best, names or "no entities"))
    found = []
    for score, row, entity, gold_names in sorted(candidates, key=lambda c: -c[0]):
        try:
            explained = explainer.explain([test.inputs[row]])[0]
        except ExplainError:
            continue
        match = [
            e for e in explained["entities"] if (e["start"], e["end"]) == (entity["start"], entity["end"])
        ]
        if not match:
            continue
        found.append(
            {
                "text": explained["text"],
                "gold": gold_names,
                "predicted": f"{entity['label']} {entity['text']}",
                "score": float(score),
                "spans": [[t["start"], t["end"], t["weight"]] for t in match[0]["tokens"]],
            }
        )
        if len(found) == count:
            break
    return found
