"""Error bars for the test scores and an honest verdict against each baseline. Torch-free (numpy, scipy).

A *statistic* maps a (resamples, rows) matrix of row indices to one metric value per resample; the point
estimate is the statistic on all rows once. Every statistic here is vectorised: 1,000 resamples of a few
thousand rows take milliseconds (macro-F1 from per-class counts by one `bincount` over all resamples, not
1,000 calls of sklearn). Rows are the unit that is resampled: texts for classification / regression,
whole sentences for NER (entity counts per sentence), so the interval reflects the test set's size.

- `metric_intervals(statistics, rows)` -> {metric: [low, high]}: 95% percentile bootstrap intervals
  (metrics.json `test.intervals`).
- `compare(model, baseline, rows, metric)` -> {metric, difference, interval, p_value, verdict, test}: a paired
  bootstrap (the same resampled rows for both) of the difference, or McNemar's exact test for accuracy
  from per-row correctness (metrics.json `comparisons.<baseline>`).
- `uncertainty(kind, model, gold, baselines, metric)` -> both, from per-row test predictions in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from vertune.evaluate.direction import lower_is_better

RESAMPLES = 1000
CONFIDENCE = 0.95
SEED = 0
BEATS, TIES, LOSES = "beats", "ties (difference within noise)", "loses"

# (resamples, rows) int indices -> (resamples,) metric values
Statistic = Callable[[np.ndarray], np.ndarray]


def resample_indices(rows: int, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """Bootstrap draws of row indices, one row per resample (seeded: the same draws every run)."""
    return np.random.default_rng(seed).integers(0, rows, size=(resamples, rows))


def point(statistic: Statistic, rows: int) -> float:
    """The statistic on the test set itself."""
    return float(statistic(np.arange(rows)[None, :])[0])


def percentile_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> list[float]:
    tail = (1 - confidence) / 2 * 100
    low, high = np.nanpercentile(values, [tail, 100 - tail])
    return [float(low), float(high)]


def metric_intervals(
    statistics: Mapping[str, Statistic], rows: int, resamples: int = RESAMPLES, seed: int = SEED
) -> dict[str, list[float]]:
    """95% bootstrap intervals of each metric over the same resampled rows."""
    if rows == 0:
        return {}
    indices = resample_indices(rows, resamples, seed)
    return {name: percentile_interval(statistic(indices)) for name, statistic in statistics.items()}


# --- statistics -------------------------------------------------------------------------------------------


def mean_of(values: Sequence[float] | np.ndarray) -> Statistic:
    """The mean of a per-row number (accuracy from per-row correctness, squared error, ...)."""
    array = np.asarray(values, dtype=float)
    return lambda indices: array[indices].mean(axis=1)


def accuracy(predicted: Sequence[int] | np.ndarray, gold: Sequence[int] | np.ndarray) -> Statistic:
    return mean_of(np.asarray(predicted) == np.asarray(gold))


def macro_f1(predicted: Sequence[int] | np.ndarray, gold: Sequence[int] | np.ndarray) -> Statistic:
    """Macro-F1 over the classes present in gold or predictions of each resample (as sklearn's f1_score
    with average="macro" on that resample): per-class counts of every resample from one bincount each."""
    predicted, gold = np.asarray(predicted, dtype=np.int64), np.asarray(gold, dtype=np.int64)
    classes = int(max(predicted.max(initial=0), gold.max(initial=0))) + 1
    hit = predicted == gold

    def statistic(indices: np.ndarray) -> np.ndarray:
        resamples = indices.shape[0]
        offset = (np.arange(resamples) * classes)[:, None]
        size = resamples * classes

        def counts(codes: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
            flat = np.bincount(
                (codes + offset).ravel(), weights=None if weights is None else weights.ravel(), minlength=size
            )
            return flat.reshape(resamples, classes)

        true_positive = counts(gold[indices], hit[indices].astype(float))
        predicted_count, gold_count = counts(predicted[indices]), counts(gold[indices])
        support = predicted_count + gold_count
        f1 = np.divide(2 * true_positive, support, out=np.zeros_like(true_positive), where=support > 0)
        present = support > 0
        return f1.sum(axis=1) / np.maximum(present.sum(axis=1), 1)

    return statistic


def micro_f1_from_counts(counts: Sequence[Sequence[int]] | np.ndarray) -> Statistic:
    """F1 from per-row (true positive, predicted, gold) counts: NER entities per sentence, multilabel
    labels per text. Resampling rows keeps each sentence's entities together."""
    array = np.asarray(counts, dtype=float).reshape(-1, 3)

    def statistic(indices: np.ndarray) -> np.ndarray:
        summed = array[indices].sum(axis=1)  # (resamples, 3)
        denominator = summed[:, 1] + summed[:, 2]
        return np.divide(2 * summed[:, 0], denominator, out=np.zeros(len(summed)), where=denominator > 0)

    return statistic


def rmse(predicted: Sequence[float] | np.ndarray, true: Sequence[float] | np.ndarray) -> Statistic:
    squared = mean_of((np.asarray(predicted, dtype=float) - np.asarray(true, dtype=float)) ** 2)
    return lambda indices: np.sqrt(squared(indices))


def mae(predicted: Sequence[float] | np.ndarray, true: Sequence[float] | np.ndarray) -> Statistic:
    return mean_of(np.abs(np.asarray(predicted, dtype=float) - np.asarray(true, dtype=float)))


def entity_counts(gold_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]) -> np.ndarray:
    """Per sentence (exact-match entities, predicted entities, gold entities) from IOB2 tags, as seqeval's
    strict mode counts them."""
    from vertune.tasks.tagging import read_spans

    rows = []
    for gold, predicted in zip(gold_tags, predicted_tags, strict=True):
        gold_spans = {(s.label, s.start, s.end) for s in read_spans(gold, "IOB2")[0]}
        predicted_spans = {(s.label, s.start, s.end) for s in read_spans(predicted, "IOB2")[0]}
        rows.append((len(gold_spans & predicted_spans), len(predicted_spans), len(gold_spans)))
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)


def row_weights(indices: np.ndarray, rows: int) -> np.ndarray:
    """(resamples, rows): how often each row was drawn in each resample."""
    resamples = indices.shape[0]
    flat = (indices + (np.arange(resamples) * rows)[:, None]).ravel()
    return np.bincount(flat, minlength=resamples * rows).reshape(resamples, rows).astype(float)


def summed(per_row: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """indices -> (resamples, columns): the column sums of `per_row` (rows, columns) over each resample, by
    one matrix product (no (resamples, rows, columns) array)."""
    per_row = np.asarray(per_row, dtype=float).reshape(len(per_row), -1)
    return lambda indices: row_weights(indices, len(per_row)) @ per_row


def _f1(tp: np.ndarray, predicted: np.ndarray, gold: np.ndarray) -> np.ndarray:
    denominator = predicted + gold
    return np.divide(2 * tp, denominator, out=np.zeros_like(denominator), where=denominator > 0)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros_like(denominator), where=denominator > 0)


def counts_statistics(counts: np.ndarray) -> dict[str, Statistic]:
    """F1, precision and recall from per-row (true positive, predicted, gold) counts."""
    sums = summed(counts)
    return {
        "f1": lambda i: _f1(*sums(i).T),
        "precision": lambda i: _ratio(sums(i)[:, 0], sums(i)[:, 1]),
        "recall": lambda i: _ratio(sums(i)[:, 0], sums(i)[:, 2]),
    }


def multilabel_statistics(predicted: Sequence[Any], gold: Sequence[Any]) -> dict[str, Statistic]:
    """Micro / macro F1 and subset accuracy of multi-hot rows (rows, labels): per-label counts of each
    resample from one matrix product."""
    predicted_hot, gold_hot = np.asarray(predicted, dtype=bool), np.asarray(gold, dtype=bool)
    labels = predicted_hot.shape[1] if predicted_hot.ndim == 2 else 0
    per_label = summed(np.concatenate([predicted_hot & gold_hot, predicted_hot, gold_hot], axis=1))

    def micro(indices: np.ndarray) -> np.ndarray:
        sums = per_label(indices).reshape(-1, 3, labels).sum(axis=2)
        return _f1(sums[:, 0], sums[:, 1], sums[:, 2])

    def macro(indices: np.ndarray) -> np.ndarray:
        sums = per_label(indices).reshape(-1, 3, labels)
        return _f1(sums[:, 0], sums[:, 1], sums[:, 2]).mean(axis=1)  # as sklearn: every label counts

    return {
        "micro_f1": micro,
        "macro_f1": macro,
        "subset_accuracy": mean_of(np.all(predicted_hot == gold_hot, axis=1)),
    }


def classification_statistics(predicted: Sequence[int], gold: Sequence[int]) -> dict[str, Statistic]:
    return {"accuracy": accuracy(predicted, gold), "macro_f1": macro_f1(predicted, gold)}


def ner_statistics(
    predicted_tags: Sequence[Sequence[str]], gold_tags: Sequence[Sequence[str]]
) -> dict[str, Statistic]:
    """Entity F1 / precision / recall (seqeval strict, micro) with whole sentences resampled."""
    return counts_statistics(entity_counts(gold_tags, predicted_tags))


def regression_statistics(predicted: Sequence[float], true: Sequence[float]) -> dict[str, Statistic]:
    """RMSE, MAE, R² and Pearson r: R² and r from resampled sums of y, y², ŷ, ŷ², yŷ and the squared error."""
    y, p = np.asarray(true, dtype=float), np.asarray(predicted, dtype=float)
    sums = summed(np.stack([np.ones_like(y), y, y * y, p, p * p, y * p, (p - y) ** 2], axis=1))

    def r2(indices: np.ndarray) -> np.ndarray:
        n, sy, syy, _, _, _, sse = sums(indices).T
        total = syy - sy * sy / n
        return 1 - _ratio(sse, total)

    def pearson(indices: np.ndarray) -> np.ndarray:
        n, sy, syy, sp, spp, syp, _ = sums(indices).T
        covariance = syp - sy * sp / n
        spread = np.sqrt(np.clip((syy - sy * sy / n) * (spp - sp * sp / n), 0, None))
        return _ratio(covariance, spread)

    return {"rmse": rmse(predicted, true), "mae": mae(predicted, true), "r2": r2, "pearson": pearson}


# --- model against a baseline ---------------------------------------------------------------------------


def verdict_of(interval: Sequence[float], metric: str) -> str:
    """ "beats" only when the whole interval of (model - baseline) lies on the better side of zero."""
    low, high = (-interval[1], -interval[0]) if lower_is_better(metric) else (interval[0], interval[1])
    if low > 0:
        return BEATS
    if high < 0:
        return LOSES
    return TIES


def mcnemar_p_value(
    model_correct: Sequence[bool] | np.ndarray, baseline_correct: Sequence[bool] | np.ndarray
) -> float:
    """McNemar's exact test (two-sided binomial on the discordant rows) for two classifiers' accuracy."""
    from scipy.stats import binomtest

    model_correct, baseline_correct = np.asarray(model_correct, bool), np.asarray(baseline_correct, bool)
    only_model = int(np.sum(model_correct & ~baseline_correct))
    only_baseline = int(np.sum(~model_correct & baseline_correct))
    if only_model + only_baseline == 0:
        return 1.0
    return float(binomtest(only_model, only_model + only_baseline, 0.5).pvalue)


def compare(
    model: Statistic,
    baseline: Statistic,
    rows: int,
    metric: str,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    correct: tuple[Sequence[bool] | np.ndarray, Sequence[bool] | np.ndarray] | None = None,
) -> dict[str, Any]:
    """Model minus baseline on `metric`: the difference on the test set, its paired-bootstrap 95% interval,
    a two-sided p-value (McNemar's exact test when `correct` = per-row correctness of model and baseline is
    given, for accuracy; else the paired bootstrap's) and the verdict."""
    indices = resample_indices(rows, resamples, seed)
    differences = model(indices) - baseline(indices)
    interval = percentile_interval(differences)
    if correct is not None:
        p_value, test = mcnemar_p_value(*correct), "mcnemar"
    else:
        # Two-sided: how often the resampled difference falls on either side of zero (+1 smoothing).
        below = (np.sum(differences <= 0) + 1) / (resamples + 1)
        above = (np.sum(differences >= 0) + 1) / (resamples + 1)
        p_value, test = float(min(1.0, 2 * min(below, above))), "paired bootstrap"
    return {
        "metric": metric,
        "difference": point(model, rows) - point(baseline, rows),
        "interval": interval,
        "p_value": p_value,
        "verdict": verdict_of(interval, metric),
        "test": test,
    }


# What the rows hold -> the headline statistics of (predicted, gold): class ids of single-label tasks
# (classification, pair), numbers (regression, pair scores), IOB2 tag sequences (NER), multi-hot rows
# (multilabel).
STATISTICS: dict[str, Callable[[Any, Any], dict[str, Statistic]]] = {
    "labels": classification_statistics,
    "numbers": regression_statistics,
    "tags": ner_statistics,
    "label_sets": multilabel_statistics,
}


def uncertainty(
    kind: str,
    model: Sequence[Any],
    gold: Sequence[Any],
    baselines: Mapping[str, Sequence[Any]] | None = None,
    metric: str | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> tuple[dict[str, list[float]], dict[str, dict[str, Any]]]:
    """(`test.intervals`, `comparisons`) from per-row test predictions: the model's, each baseline's (same
    rows, same order) and the gold ones. `kind` says what a row holds (see STATISTICS); `metric` is the one
    the verdict judges (default: the first headline metric); accuracy is compared by McNemar's test."""
    build = STATISTICS[kind]
    statistics = build(model, gold)
    rows = len(gold)
    metric = metric if metric in statistics else next(iter(statistics))
    comparisons = {}
    for name, predicted in (baselines or {}).items():
        correct = None
        if kind == "labels" and metric == "accuracy":
            gold_ids = np.asarray(gold)
            correct = (np.asarray(model) == gold_ids, np.asarray(predicted) == gold_ids)
        baseline = build(predicted, gold)[metric]
        comparisons[name] = compare(statistics[metric], baseline, rows, metric, resamples, seed, correct)
    return metric_intervals(statistics, rows, resamples, seed), comparisons
