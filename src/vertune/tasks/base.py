"""The Task protocol: everything that differs between tasks (inputs, head, features, metrics, decoding).

The flow every task follows:

    table --examples()--> Examples(inputs, targets) --encode()--> features (one or more per input)
    features --model--> one output array per feature --merge()--> one prediction per input
    predictions --detailed() / decode()--> metrics / the user's labels

An input is whatever the model reads for one row: a text, a (text, text_pair) pair, a tokenised sentence.
A task that splits long inputs into windows gives each feature an `"example"` key (the input's index), and its
collator drops keys the model does not take.

Training sees `training_rows(features)` (a windowing task groups each input's windows into one row, so a batch
holds whole inputs) and `compute_loss(model, batch)` lets a task compute the loss itself (on window logits
pooled per input); None leaves it to the model. A task instance is built from the recipe's `data` options
(`get_task(name, data)`) and may keep run state in the run directory's task.json: `fit_targets` learns from the
training targets before training (regression: the scaling), `tune` from validation predictions after it
(multilabel: per-label thresholds); `state` / `load_state` write and restore both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from vertune.data.readers import Table
from vertune.data.validate import DataReport
from vertune.errors import RecipeError
from vertune.recipe import DataConfig
from vertune.tasks import TaskInfo, task_info

#: merged predictions, one per input: what `merge` returns, or a baseline's array (`baseline_predictions`)
Predictions = Sequence[Any] | np.ndarray


@dataclass
class Examples:
    """One split's validated inputs and gold targets, with the line each came from."""

    source: Path | None
    inputs: list[Any]
    targets: list[Any]
    lines: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.inputs)

    def select(self, indices: list[int]) -> Examples:
        return Examples(
            self.source,
            [self.inputs[i] for i in indices],
            [self.targets[i] for i in indices],
            [self.lines[i] for i in indices] if self.lines else [],
        )


class Task(Protocol):
    """Every member is required; `BaseTask` implements the optional ones (marked "optional" below) with their
    defaults, so a task that subclasses it writes only what differs."""

    name: str

    @property
    def info(self) -> TaskInfo:
        """Metrics and baselines, from the task's registration (`vertune.tasks.register_task`)."""

    @property
    def default_metric(self) -> str:
        """The headline metric: reports compare the fine-tuned model and the baselines on it."""

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Every scalar that `scores` returns (training.metric_for_best may name any of them, or "loss")."""

    @property
    def summary_metrics(self) -> tuple[str, ...]:
        """The few scalars the CLI prints after training and evaluation."""

    @property
    def baselines(self) -> tuple[str, ...]:
        """The baselines (evaluate/baselines.py) that make sense for this task."""

    @property
    def baseline_estimator_name(self) -> str:
        """The estimator the baselines fit on their features (for the report), e.g. "logistic regression"."""

    #: optional (False): inputs are (text, text_pair) tuples; `predict` then needs one second text per text
    reads_pairs: bool
    #: optional (False): one class of `labels` per input, its id from `target_ids` (what LP-FT head init, class
    #: weights / focal loss / balanced sampling and active learning's uncertainty need)
    single_label: bool

    def target_ids(self, targets: Sequence[Any], labels: Sequence[str]) -> np.ndarray:
        """Optional (raises): one class id per input, for the linear-probe head initialisation."""

    def validate(
        self,
        splits: dict[str, Table],
        data: DataConfig,
        count_tokens: Callable[[list[str]], list[int]] | None,
        max_length: int | None,
        labels: Sequence[str] | None = None,
    ) -> DataReport:
        """Row-level checks of the given files (train first). With `labels` (scoring a trained model), targets
        outside them are errors."""

    def examples(self, table: Table, data: DataConfig) -> Examples:
        """Turn a validated table into examples."""

    def inputs(self, table: Table, data: DataConfig) -> list[Any]:
        """The model inputs of an unlabelled table (predict --file); raises DataError for missing columns."""

    def text_of(self, item: Any) -> str:
        """One input as plain text (TF-IDF baselines, length statistics)."""

    def stratify_key(self, examples: Examples) -> list[str]:
        """What to stratify a split by."""

    def labels(self, train: Examples) -> list[str]:
        """The label set, in id order."""

    def target_stats(self, examples: Examples) -> dict[str, Any]:
        """Counts of the targets for the metrics file (classes, entity types, value range)."""

    def head(self, model_path: str, labels: Sequence[str], **load_options: Any) -> Any:
        """Load the backbone with this task's head on top."""

    def load_trained(self, model_dir: str) -> Any:
        """Load a model this task saved (the run's model/ directory)."""

    def encode(self, inputs: Sequence[Any], tokenizer: Any, max_length: int) -> list[dict[str, Any]]:
        """Tokenise inputs into features (no padding: the collator pads each batch)."""

    def attach_targets(
        self, features: list[dict[str, Any]], examples: Examples, labels: Sequence[str]
    ) -> None:
        """Add the gold targets (`labels` key) to encoded features, in place."""

    def collator(self, tokenizer: Any) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
        """Pads a batch dynamically."""

    def training_rows(self, features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The Trainer's rows from features with targets attached (windows grouped per input, or as they are)."""

    def compute_loss(self, model: Any, inputs: dict[str, Any]) -> tuple[Any, Any] | None:
        """(loss, outputs) of a collated training / evaluation batch, or None to use the model's own loss."""

    def fit_targets(self, train: Examples) -> None:
        """Learn what the targets need from the training split, before training."""

    def tune(self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]) -> None:
        """Learn decision settings from merged validation predictions, after training."""

    def state(self) -> dict[str, Any]:
        """What `fit_targets` and `tune` learnt, as JSON (the run's task.json)."""

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore `state()`."""

    def baseline_targets(self, examples: Examples, labels: Sequence[str]) -> np.ndarray:
        """Optional (raises; needed for the tfidf_* and linear_probe baselines): the targets a baseline estimator fits."""

    def baseline_estimator(self, strength: float) -> Any:
        """Optional (raises; needed for the tfidf_* and linear_probe baselines): a scikit-learn estimator; `strength` is the inverse regularisation (C), tuned on validation."""

    def baseline_predictions(self, estimator: Any, x: Any, labels: Sequence[str]) -> np.ndarray:
        """Optional (raises; needed for the tfidf_* and linear_probe baselines): a fitted baseline's outputs in the form `scores` takes (like `merge`'s)."""

    def merge(self, outputs: list[np.ndarray], features: list[dict[str, Any]], count: int) -> list[Any]:
        """One prediction per input from the model's output rows (one row per feature, batch padding included)."""

    def trainer_scores(
        self, predictions: np.ndarray, label_ids: np.ndarray, labels: Sequence[str]
    ) -> dict[str, float]:
        """Scalar metrics from the HF Trainer's evaluation arrays (per feature), for early stopping."""

    def scores(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, float]:
        """Scalar metrics of merged predictions against gold targets."""

    def detailed(
        self, predictions: Predictions, targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, Any]:
        """Scalar metrics plus what the report shows (per class, confusion matrix, ...)."""

    def prediction_columns(self, prediction: dict[str, Any]) -> dict[str, Any]:
        """One decoded prediction as the columns `predict --file` adds to a row (scalars or JSON text)."""

    def decode(
        self, predictions: Predictions, inputs: Sequence[Any], labels: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Predictions in the user's terms (labels, scores, spans)."""


class BaseTask:
    """The Task protocol's metadata (from the registration) and its optional members with their defaults."""

    name: str = "task"
    reads_pairs: bool = False
    single_label: bool = False

    def __init__(self, data: DataConfig | None = None):
        self.data = data

    @property
    def info(self) -> TaskInfo:
        return task_info(self.name, self.data)

    @property
    def default_metric(self) -> str:
        return self.info.default_metric

    @property
    def metric_names(self) -> tuple[str, ...]:
        return self.info.metric_names

    @property
    def summary_metrics(self) -> tuple[str, ...]:
        return self.info.summary_metrics

    @property
    def baselines(self) -> tuple[str, ...]:
        return self.info.baselines

    @property
    def baseline_estimator_name(self) -> str:
        return self.info.baseline_estimator_name

    def baseline_targets(self, examples: Examples, labels: Sequence[str]) -> np.ndarray:
        raise TypeError(f"task {self.name} has no TF-IDF / linear-probe baselines")

    def baseline_estimator(self, strength: float) -> Any:
        raise TypeError(f"task {self.name} has no TF-IDF / linear-probe baselines")

    def baseline_predictions(self, estimator: Any, x: Any, labels: Sequence[str]) -> np.ndarray:
        raise TypeError(f"task {self.name} has no TF-IDF / linear-probe baselines")

    def target_ids(self, targets: Sequence[Any], labels: Sequence[str]) -> np.ndarray:
        raise RecipeError(
            f"training.head_init: linear_probe is for classification; use random for task {self.name}"
        )
