"""Sentence pairs (`task: pair`): two text columns, `data.text_column` and `data.text_pair_column`, read
together by the model as one `[CLS] text [SEP] text_pair [SEP]` input.

`data.pair_target` says what the label is: `class` (default) makes it a classification of the pair
(entailment, duplicate or not, same topic or not) with the classification task's metrics; `score` makes it a
regression of a number (similarity, relevance) with the regression task's scaling and metrics.
"""

from __future__ import annotations

from vertune.recipe import DataConfig
from vertune.tasks.classification import ClassificationTask
from vertune.tasks.regression import RegressionTask


class PairClassificationTask(ClassificationTask):
    name = "pair"
    reads_pairs = True


class PairScoreTask(RegressionTask):
    name = "pair"
    reads_pairs = True


def pair_task(data: DataConfig | None = None) -> PairClassificationTask | PairScoreTask:
    """The pair task the recipe asks for: a class or a score per pair."""
    if data is not None and data.pair_target == "score":
        return PairScoreTask(data)
    return PairClassificationTask(data)
