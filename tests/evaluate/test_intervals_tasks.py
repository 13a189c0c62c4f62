"""Bootstrap statistics of regression, multilabel and NER rows agree with sklearn / scipy / seqeval on
every resample (synthetic predictions, fast)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import pearsonr
from seqeval.metrics import f1_score as entity_f1
from seqeval.scheme import IOB2
from sklearn.metrics import f1_score, mean_absolute_error, r2_score

from vertune.evaluate import intervals


def test_regression_statistics_match_sklearn_and_scipy_per_resample() -> None:
    rng = np.random.default_rng(0)
    true = rng.normal(size=300)
    predicted = true + rng.normal(scale=0.5, size=300)
    statistics = intervals.regression_statistics(predicted, true)
    indices = intervals.resample_indices(300, resamples=10, seed=1)
    for name, reference in {
        "r2": lambda i: r2_score(true[i], predicted[i]),
        "pearson": lambda i: pearsonr(true[i], predicted[i])[0],
        "mae": lambda i: mean_absolute_error(true[i], predicted[i]),
        "rmse": lambda i: np.sqrt(np.mean((true[i] - predicted[i]) ** 2)),
    }.items():
        np.testing.assert_allclose(statistics[name](indices), [reference(row) for row in indices], rtol=1e-9)
    found = intervals.metric_intervals(statistics, 300)
    assert found["r2"][0] < r2_score(true, predicted) < found["r2"][1]


def test_multilabel_statistics_match_sklearn_per_resample() -> None:
    rng = np.random.default_rng(2)
    gold = rng.random((200, 4)) < 0.3
    predicted = np.where(rng.random((200, 4)) < 0.2, ~gold, gold)
    statistics = intervals.multilabel_statistics(predicted, gold)
    indices = intervals.resample_indices(200, resamples=10, seed=3)
    for name, average in (("micro_f1", "micro"), ("macro_f1", "macro")):
        theirs = [f1_score(gold[i], predicted[i], average=average, zero_division=0) for i in indices]
        np.testing.assert_allclose(statistics[name](indices), theirs)


def test_ner_statistics_resample_sentences_as_seqeval_scores_them() -> None:
    gold = [["B-PER", "I-PER", "O"], ["B-LOC", "O"], ["O", "B-ORG"], ["B-PER", "O", "B-LOC"]] * 20
    predicted = [["B-PER", "I-PER", "O"], ["B-ORG", "O"], ["O", "B-ORG"], ["B-PER", "O", "O"]] * 20
    statistics = intervals.ner_statistics(predicted, gold)
    indices = intervals.resample_indices(len(gold), resamples=8, seed=4)
    theirs = [
        entity_f1([gold[j] for j in row], [predicted[j] for j in row], mode="strict", scheme=IOB2)
        for row in indices
    ]
    np.testing.assert_allclose(statistics["f1"](indices), theirs)
    model, found = intervals.uncertainty("tags", predicted, gold, {"none": [["O"] * len(g) for g in gold]})
    assert set(model) == {"f1", "precision", "recall"}
    assert found["none"]["verdict"] == "beats" and found["none"]["difference"] == pytest.approx(
        intervals.point(statistics["f1"], len(gold))
    )
