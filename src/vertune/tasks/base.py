"""The Task protocol: everything that differs between tasks (inputs, head, features, metrics, decoding).

The flow every task follows:

    table --examples()--> Examples(inputs, targets) --encode()--> features (one or more per input)
    features --model--> one output array per feature --merge()--> one prediction per input
    predictions --detailed() / decode()--> metrics / the user's labels

An input is whatever the model reads for one row: a text, a (text, text_pair) pair, a tokenised sentence.
A task that splits long inputs into windows gives each feature an `"example"` key (the input's index), and its
collator drops keys the model does not take.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from vertune.data.readers import Table
from vertune.data.validate import DataReport
from vertune.recipe import DataConfig


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
    name: str
    #: the headline metric: reports compare the fine-tuned model and the baselines on it
    default_metric: str
    #: every scalar that `scores` returns (training.metric_for_best may name any of them, or "loss")
    metric_names: tuple[str, ...]
    #: the few scalars the CLI prints after training and evaluation
    summary_metrics: tuple[str, ...]
    #: the baselines (evaluate/baselines.py) that make sense for this task
    baselines: tuple[str, ...]

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

    def merge(self, outputs: list[np.ndarray], features: list[dict[str, Any]], count: int) -> list[Any]:
        """One prediction per input from the model's output rows (one row per feature, batch padding included)."""

    def trainer_scores(
        self, predictions: np.ndarray, label_ids: np.ndarray, labels: Sequence[str]
    ) -> dict[str, float]:
        """Scalar metrics from the HF Trainer's evaluation arrays (per feature), for early stopping."""

    def scores(
        self, predictions: Sequence[Any], targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, float]:
        """Scalar metrics of merged predictions against gold targets."""

    def detailed(
        self, predictions: Sequence[Any], targets: Sequence[Any], labels: Sequence[str]
    ) -> dict[str, Any]:
        """Scalar metrics plus what the report shows (per class, confusion matrix, ...)."""

    def prediction_columns(self, prediction: dict[str, Any]) -> dict[str, Any]:
        """One decoded prediction as the columns `predict --file` adds to a row (scalars or JSON text)."""

    def decode(
        self, predictions: Sequence[Any], inputs: Sequence[Any], labels: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Predictions in the user's terms (labels, scores, spans)."""
